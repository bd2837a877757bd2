"""Fixtures of the onboarding tests: uploads in a temporary MEDIA_ROOT, account holders, applications."""

import itertools
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from merchants import services
from tests.merchants import conftest as merchant_fixtures
from tests.merchants.factories import VALID_PASSWORD, VALID_PIN

from . import factories

_seq = itertools.count(1)

# The merchant API's fixtures this package builds on: a bare APIClient, a partner API client
# and its client token.
api = merchant_fixtures.api
partner = merchant_fixtures.partner
client_token = merchant_fixtures.client_token


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def make_holder(db, partner, secret_registry):
    """An account (PENDING) and an APIClient carrying its access token."""
    client, _ = partner
    secret_registry.add(VALID_PASSWORD, VALID_PIN)

    def make():
        username = f"holder.{next(_seq)}"
        account = services.account_create(
            api_client=client,
            email=f"{username}@example.com",
            phone="+639171234567",
            first_name="Ana",
            middle_name="",
            last_name="Cruz",
            username=username,
            password=VALID_PASSWORD,
            pin=VALID_PIN,
        )
        api = APIClient()
        response = api.post(
            "/v2/account/token", {"username": username, "password": VALID_PASSWORD}, format="json"
        )
        assert response.status_code == 200, response.content
        token = response.json()["accessToken"]
        secret_registry.add(token, response.json()["refreshToken"])
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        api.account = account
        return api

    return make


@pytest.fixture
def holder(make_holder):
    return make_holder()


@pytest.fixture
def submitted(holder):
    """Submit a valid application of a business type; returns its referenceNumber."""

    def submit(business_type: str = "CORPORATION", **extra) -> str:
        response = holder.post("/v2/onboard", factories.application(business_type, **extra), format="json")
        assert response.status_code == 201, response.content
        return response.json()["referenceNumber"]

    return submit


def upload(api, ref: str, **files):
    """POST multipart: each keyword is a form field, each value bytes or (name, bytes)."""
    data = {}
    for field, value in files.items():
        name, content = value if isinstance(value, tuple) else (f"{field}.bin", value)
        data[field] = SimpleUploadedFile(name, content) if isinstance(content, bytes) else content
    return api.post(f"/v2/onboard/{ref}/files", data, format="multipart")


ADMIN_LIST = "/admin/onboarding/onboardingapplication/"


def shown_versions(client) -> list[str]:
    """The `reviewed_version` inputs of the admin list, as a browser would post them back."""
    page = client.get(ADMIN_LIST).content.decode()
    return re.findall(r'name="reviewed_version" value="([^"]+)"', page)


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("reviewer", "r@example.com", "x-unused-x")
    client.force_login(user)
    return client, user
