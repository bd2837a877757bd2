"""The whole partner journey in one test, through the public API and the admin action."""

import io
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from rest_framework.test import APIClient

from onboarding.models import OnboardingApplication
from tests.merchants.factories import VALID_PASSWORD, valid_body

from . import factories
from .conftest import shown_versions, upload

pytestmark = pytest.mark.django_db


def test_client_token_account_onboard_documents_admin_approval(staff, secret_registry):
    out = io.StringIO()
    call_command("create_api_client", "Journey Payments", stdout=out)
    client_id, secret = re.search(r"clientId=(\S+)\s+clientSecret=(\S+)", out.getvalue()).groups()
    secret_registry.add(secret, VALID_PASSWORD)
    api = APIClient()

    token = api.post("/v2/auth/token", {"clientId": client_id, "clientSecret": secret}, format="json")
    assert token.status_code == 200
    secret_registry.add(token.json()["accessToken"])
    created = api.post(
        "/v2/account",
        valid_body(username="journey.shop"),
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {token.json()['accessToken']}",
    )
    assert created.status_code == 200
    pair = api.post(
        "/v2/account/token", {"username": "journey.shop", "password": VALID_PASSWORD}, format="json"
    ).json()
    secret_registry.add(pair["accessToken"], pair["refreshToken"])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['accessToken']}")

    onboard = api.post(
        "/v2/onboard", factories.application("PARTNERSHIP", merchantName="Journey Shop"), format="json"
    )
    assert onboard.status_code == 201 and onboard.json()["status"] == "NEW"
    ref = onboard.json()["referenceNumber"]
    missing = api.get(f"/v2/onboard/{ref}/status").json()["missingDocuments"]
    assert missing == factories.REQUIRED["PARTNERSHIP"] + ["storePhoto"]
    kinds = [factories.PDF, factories.JPEG, factories.PNG]
    files = {name: (f"{name}.bin", kinds[i % 3]) for i, name in enumerate(missing)}
    uploaded = upload(api, ref, **files)
    assert uploaded.status_code == 201 and len(uploaded.json()["files"]) == len(missing)
    assert api.get(f"/v2/onboard/{ref}/status").json()["missingDocuments"] == []

    admin, _ = staff
    application = OnboardingApplication.objects.get(reference_number=ref)
    approved = admin.post(
        "/admin/onboarding/onboardingapplication/",
        {
            "action": "approve_applications",
            ACTION_CHECKBOX_NAME: [str(application.pk)],
            "reviewed_version": shown_versions(admin),
        },
    )
    assert approved.status_code == 302

    status = api.get(f"/v2/onboard/{ref}/status").json()
    assert status["onboardingStatus"] == "APPROVED" and status["missingDocuments"] == []
    account = api.get("/v2/account").json()
    assert account["id"] == created.json()["id"] and account["status"] == "APPROVED"
    assert account["branch"]["name"] == "Journey Shop"
