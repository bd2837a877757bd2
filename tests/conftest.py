"""Shared fixtures: a clean cache per test, and markers that need real services."""
import os

import pytest
from django.core.cache import cache
from django.db import connection


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def pytest_collection_modifyitems(config, items):
    on_ci = os.environ.get("CI") == "true"
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            if on_ci:
                raise pytest.UsageError("CI must run the suite against PostgreSQL (DATABASE_URL)")
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            if on_ci:
                raise pytest.UsageError("CI must run the suite against Redis (REDIS_URL)")
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))
