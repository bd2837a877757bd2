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


def require_services() -> bool:
    """Set by .ci/run alone: a missing PostgreSQL, Redis or Chromium fails the run instead of
    skipping tests. Not the generic CI variable, so `make test` stays on SQLite wherever
    DATABASE_URL is unset."""
    return os.environ.get("OG_REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config, items):
    strict = require_services()
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            if strict:
                raise pytest.UsageError("OG_REQUIRE_SERVICES: run the suite on PostgreSQL (DATABASE_URL)")
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            if strict:
                raise pytest.UsageError("OG_REQUIRE_SERVICES: run the suite with Redis (REDIS_URL)")
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))


# --- Secrets never reach a log line (suite-wide) ------------------------------------
# One handler on the root logger captures every record of the whole session at DEBUG.
# Tests register the secrets they used (passwords, PINs, client secrets, tokens) with
# the `secret_registry` fixture; at the end of the session any registered secret found
# in a captured message, its arguments or its exception text fails the run.
import logging  # noqa: E402
import re  # noqa: E402


class _CaptureAll(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []
        self._formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        parts = [str(record.msg), repr(record.args)]
        try:
            parts.append(record.getMessage())
        except Exception:  # noqa: S110 - a malformed record still has msg/args above
            pass
        if record.exc_info:
            parts.append(self._formatter.formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        self.texts.append("\n".join(parts))


class SecretRegistry:
    def __init__(self) -> None:
        self.values: set[str] = set()

    def add(self, *values: object) -> None:
        for value in values:
            if isinstance(value, str) and len(value) >= 4:
                self.values.add(value)

    def leaks(self, texts: list[str]) -> list[str]:
        found = []
        for secret in sorted(self.values):
            # Short values (PINs, including invalid ones like "12a4") only count as a whole
            # token: inside a longer word, number or a UUID/hex id ("…-12a4-…") they are chance.
            pattern = (
                rf"(?<![0-9A-Za-z_-]){re.escape(secret)}(?![0-9A-Za-z_-])"
                if len(secret) < 12
                else re.escape(secret)
            )
            if any(re.search(pattern, text) for text in texts):
                found.append(secret[:3] + "…")
        return found


_SECRETS = SecretRegistry()


@pytest.fixture(scope="session", autouse=True)
def _log_capture_for_secrets():
    handler = _CaptureAll()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)
    leaks = _SECRETS.leaks(handler.texts)
    assert not leaks, f"registered secrets appeared in captured log records: {leaks}"


@pytest.fixture
def secret_registry(_log_capture_for_secrets) -> SecretRegistry:
    """Register every secret a test sends, so the session-end check looks for it in the logs."""
    return _SECRETS


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues():
    """The .mo files are built by `make install-dev` (scripts/compile-messages), not committed: a
    run of pytest straight after editing a .po compiles them first, so pages are not stale."""
    from pathlib import Path

    from django.conf import settings

    stale = [
        po
        for locale_dir in settings.LOCALE_PATHS
        for po in Path(locale_dir).glob("*/LC_MESSAGES/*.po")
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        import subprocess

        for po in stale:
            subprocess.run(["msgfmt", "--check", "-o", str(po.with_suffix(".mo")), str(po)], check=True)
