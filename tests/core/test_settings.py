"""Production settings take no default for any secret and refuse to start without one."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "MASTER_KEYS",
            "PEPPER",
            "OPRF_MASTER_KEY",
            "JWT_SIGNING_KEY",
            "ALLOWED_HOSTS",
            "PUBLIC_BASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }  # set by the browser tests in this process only
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "MASTER_KEYS": "1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            "PEPPER": base64.b64encode(secrets.token_bytes(32)).decode(),
            "OPRF_MASTER_KEY": "1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "gateway.example.com",
            "PUBLIC_BASE_URL": "https://gateway.example.com",
        }
    )
    env.update(overrides)
    return env


def check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_with_every_secret_set():
    result = check(production_env())
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "name", ["SECRET_KEY", "MASTER_KEYS", "PEPPER", "OPRF_MASTER_KEY", "JWT_SIGNING_KEY", "PUBLIC_BASE_URL"]
)
def test_production_settings_refuse_to_start_without_a_secret(name):
    env = production_env()
    env.pop(name)
    result = check(env)
    assert result.returncode != 0
    assert f"{name} must be set" in result.stderr


def test_production_settings_refuse_the_development_keys():
    from config.settings import base

    result = check(production_env(PEPPER=base.DEV_PEPPER))
    assert result.returncode != 0
    assert "PEPPER must be set" in result.stderr


def test_production_settings_refuse_the_development_oprf_key_and_a_malformed_one():
    from config.settings import base

    result = check(production_env(OPRF_MASTER_KEY=base.DEV_OPRF_MASTER_KEY))
    assert result.returncode != 0
    assert "OPRF_MASTER_KEY must be set" in result.stderr
    short = "1:" + base64.b64encode(secrets.token_bytes(16)).decode()
    result = check(production_env(OPRF_MASTER_KEY=short))
    assert result.returncode != 0
    assert "each key of OPRF_MASTER_KEY must be at least 32 bytes" in result.stderr
    assert short.split(":")[1] not in result.stderr
