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
    zeros = SecretRegistry()
    zeros.add("0000")
    log.info("organization 00000000-0000-0000-0000-000000000000 not found")
    assert zeros.leaks(handler.texts[-1:]) == []
    log.info("pin=0000")
    assert zeros.leaks(handler.texts[-1:]) == ["000…"]
    del handler.texts[start:]  # the canary's own records: "0000" is also a real test PIN elsewhere
