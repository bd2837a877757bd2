"""The suite-wide log capture really sees secrets (so its end-of-session check can fail)."""

import logging

from tests.conftest import SecretRegistry


def test_capture_finds_a_logged_secret_in_message_args_and_exception(_log_capture_for_secrets):
    handler = _log_capture_for_secrets
    probe = SecretRegistry()
    probe.add("canary-secret-in-message", "canary-secret-in-args", "canary-in-exception", "918273")
    log = logging.getLogger("tests.canary")
    start = len(handler.texts)
    log.debug("value canary-secret-in-message")
    log.info("value %s", "canary-secret-in-args")
    try:
        raise ValueError("canary-in-exception")
    except ValueError:
        log.exception("failed")
    log.info("pin %s", "918273")
    assert len(probe.leaks(handler.texts[start:])) == 4
    # A PIN inside a longer number is not a false alarm.
    other = SecretRegistry()
    other.add("9182")
    log.info("id 1291827")
    assert other.leaks(handler.texts[-1:]) == []
    # Nor is a PIN-shaped group inside a UUID.
    in_uuid = SecretRegistry()
    in_uuid.add("5093")
    log.info("organization 12345678-5093-4abc-8def-000000000000 not found")
    assert in_uuid.leaks(handler.texts[-1:]) == []
    log.info("pin=5093")
    assert in_uuid.leaks(handler.texts[-1:]) == ["509…"]
    # A short non-numeric value (an invalid PIN a test sent) inside an id is chance too.
    short = SecretRegistry()
    short.add("zq7x")
    log.info("challenge 3f9czq7x-0b1d-4e5f-9a7b-2c3d4e5f6a7b expired")
    assert short.leaks(handler.texts[-1:]) == []
    log.info("pin %s", "zq7x")
    assert short.leaks(handler.texts[-1:]) == ["zq7…"]
