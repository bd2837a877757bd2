"""Per-key rate limit (django-ratelimit on the default cache): 429 with Retry-After."""

import pytest
from django.conf import settings
from django.test import override_settings

from customers.models import Customer
from customers.services import api_key_create

from .conftest import Api

pytestmark = pytest.mark.django_db


def small_limit(rate="3/m"):
    return override_settings(ONBOARDING={**settings.ONBOARDING, "CUSTOMERS_RATE_LIMIT": rate})


def test_over_the_limit_is_429_with_retry_after(api):
    with small_limit():
        for _ in range(3):
            assert api.get("/v2/customers").status_code == 200
        response = api.get("/v2/customers")
    assert response.status_code == 429
    assert response.json()["success"] is False
    assert 1 <= int(response["Retry-After"]) <= 60


def test_a_limited_write_changes_nothing(api):
    with small_limit("2/m"):
        api.get("/v2/customers")
        api.get("/v2/customers")
        response = api.post("/v2/customers", {"refId": "late"})
    assert response.status_code == 429
    assert not Customer.objects.filter(ref_id="late").exists()


def test_limit_is_per_key(api, organization):
    other = Api(api_key_create(organization=organization)[1])
    with small_limit("2/m"):
        api.get("/v2/customers")
        api.get("/v2/customers")
        assert api.get("/v2/customers").status_code == 429
        assert other.get("/v2/customers").status_code == 200


def test_default_is_ten_per_second():
    from config.settings import base
    from core.conf import DEFAULTS

    assert base.ONBOARDING["CUSTOMERS_RATE_LIMIT"] == DEFAULTS["CUSTOMERS_RATE_LIMIT"] == "10/s"


@pytest.mark.redis
def test_limit_lives_in_redis_when_configured(api):
    from django.core.cache import caches

    assert "redis" in type(caches["default"]).__module__
    with small_limit("1/m"):
        assert api.get("/v2/customers").status_code == 200
        assert api.get("/v2/customers").status_code == 429
