"""Fixtures of the load and fault tests."""

import logging

import pytest
from django.db import connection

from .servers import TWO_WORKERS, database_url, service


@pytest.fixture(autouse=True)
def _quiet_http_client_debug():
    """urllib3's DEBUG lines carry every URL these tests call, random link tokens included;
    the suite-wide secret check could read a digit run in one as a registered PIN."""
    logger = logging.getLogger("urllib3")
    level = logger.level
    logger.setLevel(logging.INFO)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    """The service under gunicorn with two workers (each with its own per-process caches) on
    the pytest test database and the shared Redis, the per-key limit raised; its base URL.
    A module may define its own `server` (test_load: four workers)."""
    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    with service(url, workers=TWO_WORKERS) as base:
        yield base
