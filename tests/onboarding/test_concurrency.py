"""Two submissions of one account at the same moment make one application (PostgreSQL)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from onboarding.models import OnboardingApplication

from . import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_submissions_make_one_application(holder):
    token = holder._credentials["HTTP_AUTHORIZATION"]  # noqa: SLF001 (the test client's credentials)
    barrier = threading.Barrier(2)

    def submit(_):
        try:
            barrier.wait(timeout=30)
            response = APIClient().post(
                "/v2/onboard", factories.application(), format="json", HTTP_AUTHORIZATION=token
            )
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(submit, range(2)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 400], results
    application = OnboardingApplication.objects.get()
    refused = next(body for status, body in results if status == 400)
    assert str(application.reference_number) in refused["message"]
