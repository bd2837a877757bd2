"""Fixtures of the load and fault tests."""

import logging

import pytest


@pytest.fixture(autouse=True)
def _quiet_http_client_debug():
    """urllib3's DEBUG lines carry every URL these tests call, random link tokens included;
    the suite-wide secret check could read a digit run in one as a registered PIN."""
    logger = logging.getLogger("urllib3")
    level = logger.level
    logger.setLevel(logging.INFO)
    yield
    logger.setLevel(level)
