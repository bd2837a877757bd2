"""The two environment examples: .env.example copied to .env changes nothing, and
.env.production.example lists what production needs (and refuses to start unfilled)."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120
# Settings a .env could change, printed by a fresh process (secrets as digests only).
DUMP = """
import hashlib, json
from django.conf import settings as s
digest = lambda v: hashlib.sha256(str(v).encode()).hexdigest()
print(json.dumps({
    "DEBUG": s.DEBUG, "DATABASES": s.DATABASES, "CACHES": s.CACHES, "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "PUBLIC_BASE_URL": s.PUBLIC_BASE_URL, "EMAIL_BACKEND": s.EMAIL_BACKEND, "ONBOARDING": s.ONBOARDING,
    "MEDIA_ROOT": str(s.MEDIA_ROOT), "LOGGING": s.LOGGING,
    "SIMPLE_JWT": {**s.SIMPLE_JWT, "SIGNING_KEY": None},
    "keys": [digest(s.SECRET_KEY), digest(s.MASTER_KEYS), digest(s.PEPPER), digest(s.OPRF_MASTER_KEY),
             digest(s.JWT_SIGNING_KEY)],
}, default=str, sort_keys=True))
"""
# Variables of ours that change a setting; anything set by the test runner is dropped.
OURS = re.compile(
    r"^(DJANGO_|DATABASE_URL|REDIS_URL|SECRET_KEY|MASTER_KEYS|PEPPER|OPRF_|JWT_|EMAIL_URL|LOG_LEVEL|MEDIA_ROOT)"
)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not OURS.match(k)}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.base", **extra})
    return env


def _checkout(tmp: Path) -> Path:
    """A working copy of the project: manage.py and config/ copied (Python resolves a linked script's
    folder, and the settings look for .env beside config/), the rest linked."""
    work = tmp / "project"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name in {".env", "config", "manage.py", ".git", ".venv", "node_modules"}:
            continue
        if not entry.name.endswith(".sqlite3"):
            (work / entry.name).symlink_to(entry)
    shutil.copy(ROOT / "manage.py", work / "manage.py")
    shutil.copytree(ROOT / "config", work / "config", ignore=shutil.ignore_patterns("__pycache__"))
    return work


def _run(work: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_env_example_copied_to_dotenv_is_the_embedded_default(tmp_path):
    work = _checkout(tmp_path)
    env = _clean_env()
    without = _run(work, "shell", "-c", DUMP, env=env)
    assert without.returncode == 0, without.stderr
    shutil.copy(ROOT / ".env.example", work / ".env")
    with_dotenv = _run(work, "shell", "-c", DUMP, env=env)
    assert with_dotenv.returncode == 0, with_dotenv.stderr
    assert with_dotenv.stdout == without.stdout
    assert '"ENGINE": "django.db.backends.sqlite3"' in with_dotenv.stdout
    # ... and the service starts from it: the system checks pass and the database migrates.
    check = _run(work, "check", env=env)
    assert check.returncode == 0, check.stderr
    migrate = _run(work, "migrate", "--noinput", "-v0", env=env)
    assert migrate.returncode == 0, migrate.stderr
    assert (work / "db.sqlite3").exists()


def _production_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in (ROOT / ".env.production.example").read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match[1]] = match[2]
    return values


def test_production_example_unfilled_refuses_to_start():
    env = _clean_env(**_production_example())
    result = _run(ROOT, "check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment for production" in result.stderr


def test_production_example_filled_passes_the_deployment_checks():
    values = _production_example()
    values.update(
        SECRET_KEY="x" * 30 + os.urandom(24).hex(),
        MASTER_KEYS="1:" + "QUFB" * 10 + "QUFBQQ==",
        PEPPER="UGVwcGVyLXBlcHBlci1wZXBwZXItcGVwcGVyLXBlcHBlcg==",
        OPRF_MASTER_KEY="1:" + base64.b64encode(os.urandom(32)).decode(),
        JWT_SIGNING_KEY=os.urandom(32).hex(),
    )
    result = _run(ROOT, "check", "--deploy", "--fail-level", "WARNING", env=_clean_env(**values))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("example", [".env.example", ".env.production.example"])
def test_examples_name_only_variables_the_settings_read(example):
    read = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        read |= set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", path.read_text()))
    named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / example).read_text(), re.M))
    assert named - read - {"DJANGO_SETTINGS_MODULE"} == set()


def test_production_example_lists_every_variable_the_settings_read():
    read = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        read |= set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", path.read_text()))
    named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.production.example").read_text(), re.M))
    # Production forces DEBUG off; the bcrypt cost and the limiter switch are for tests only.
    missing = read - named - {"DJANGO_DEBUG", "BCRYPT_ROUNDS", "RATELIMIT_ENABLE"}
    assert not missing, f"add {sorted(missing)} to .env.production.example (and the README's table)"
