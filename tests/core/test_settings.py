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
            "EMAIL_URL",
            "DJANGO_DEBUG",
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
            "EMAIL_URL": "smtp+tls://gateway:" + secrets.token_urlsafe(16) + "@smtp.mail.internal:587",
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
    "name",
    [
        "SECRET_KEY",
        "MASTER_KEYS",
        "PEPPER",
        "OPRF_MASTER_KEY",
        "JWT_SIGNING_KEY",
        "PUBLIC_BASE_URL",
        "EMAIL_URL",
    ],
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


PLACEHOLDERS = {
    "SECRET_KEY": "change-me",
    "MASTER_KEYS": "1:REPLACE_WITH_base64_of_32_random_bytes",
    "PEPPER": "REPLACE_WITH_base64_of_32_random_bytes",
    "OPRF_MASTER_KEY": "1:REPLACE_WITH_base64_of_32_random_bytes",
    "JWT_SIGNING_KEY": "REPLACE_WITH_a_long_random_string",
}


@pytest.mark.parametrize("name", sorted(PLACEHOLDERS))
def test_production_settings_refuse_placeholder_secrets(name):
    result = check(production_env(**{name: PLACEHOLDERS[name]}))
    assert result.returncode != 0
    assert f"{name} must be set in the environment for production, not a placeholder" in result.stderr


@pytest.mark.parametrize("name", ["SECRET_KEY", "JWT_SIGNING_KEY"])
def test_production_settings_refuse_change_me(name):
    result = check(production_env(**{name: "change-me-" + "x" * 60}))
    assert result.returncode != 0
    assert f"{name} must be set in the environment for production, not a placeholder" in result.stderr


@pytest.mark.parametrize("name", ["SECRET_KEY", "MASTER_KEYS", "OPRF_MASTER_KEY", "JWT_SIGNING_KEY"])
def test_production_settings_refuse_every_development_key(name):
    from config.settings import base

    result = check(production_env(**{name: getattr(base, f"DEV_{name}")}))
    assert result.returncode != 0
    assert f"{name} must be set in the environment for production, not a development key" in result.stderr


def _b64(size: int) -> str:
    return base64.b64encode(secrets.token_bytes(size)).decode()


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("MASTER_KEYS", "1:" + "%" * 44, "MASTER_KEYS must be 'version:base64key,...'"),
        ("MASTER_KEYS", "one:" + _b64(32), "MASTER_KEYS must be 'version:base64key,...'"),
        ("MASTER_KEYS", "1:" + _b64(16), "each key of MASTER_KEYS must be at least 32 bytes"),
        ("OPRF_MASTER_KEY", "1:" + _b64(16), "each key of OPRF_MASTER_KEY must be at least 32 bytes"),
        ("PEPPER", "not base64 at all!", "PEPPER must be base64"),
        ("PEPPER", _b64(16), "PEPPER must be at least 32 bytes"),
        ("JWT_SIGNING_KEY", secrets.token_urlsafe(12), "at least 32 characters"),
    ],
)
def test_production_settings_refuse_keys_that_do_not_parse_or_are_too_short(name, value, reason):
    result = check(production_env(**{name: value}))
    assert result.returncode != 0
    assert f"{name} is not valid" in result.stderr and reason in result.stderr
    assert value not in result.stderr  # the refusal names the setting, never its value


@pytest.mark.parametrize("url", ["consolemail://", "filemail:///tmp/mail", "memorymail://", "dummymail://"])
def test_production_settings_refuse_a_mail_backend_that_would_print_recovery_codes(url):
    result = check(production_env(EMAIL_URL=url))
    assert result.returncode != 0
    assert "EMAIL_URL must name a real mail server in production" in result.stderr


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_wsgi_and_asgi_default_to_production_settings():
    bare = {k: v for k, v in production_env().items() if k != "DJANGO_SETTINGS_MODULE"}
    for module in ("config.wsgi", "config.asgi"):
        code = f"import {module}; from django.conf import settings as s; print(s.SETTINGS_MODULE, s.DEBUG)"
        started = _python(code, bare)
        assert started.returncode == 0, started.stderr
        assert started.stdout.split() == ["config.settings.production", "False"]
        # The same entry point with no secrets in the environment refuses to start.
        refused = _python(code, {k: v for k, v in bare.items() if k != "PEPPER"})
        assert refused.returncode != 0 and "PEPPER must be set" in refused.stderr


def test_debug_is_on_only_when_explicitly_set():
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG"}}
    code = "from django.conf import settings; import django; django.setup(); print(settings.DEBUG)"
    base = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    assert _python(code, base).stdout.strip() == "False"
    assert _python(code, {**base, "DJANGO_DEBUG": "true"}).stdout.strip() == "True"
    # Production ignores DJANGO_DEBUG.
    assert _python(code, production_env(DJANGO_DEBUG="true")).stdout.strip() == "False"
    # manage.py, the development entry point, turns it on with the embedded settings only.
    shell = [
        sys.executable,
        "manage.py",
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
    ]
    run = subprocess.run(shell, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == "True", run.stderr
    run = subprocess.run(
        shell, cwd=ROOT, env={**env, "DJANGO_DEBUG": "false"}, capture_output=True, text=True, timeout=120
    )
    assert run.stdout.strip() == "False", run.stderr


def test_debug_page_and_error_reports_mask_the_pepper_and_master_keys(rf, settings):
    import sys as _sys

    from django.views.debug import ExceptionReporter, technical_500_response

    from core.debug import SecretsExceptionReporterFilter

    settings.DEBUG = True
    settings.PEPPER = _b64(32)
    settings.MASTER_KEYS = "1:" + _b64(32)
    settings.REDIS_URL = "redis://:hunter-" + secrets.token_hex(8) + "@cache.internal:6379/0"
    safe = SecretsExceptionReporterFilter().get_safe_settings()
    for name in ("PEPPER", "MASTER_KEYS", "DEV_PEPPER", "DEV_MASTER_KEYS", "REDIS_URL", "JWT_SIGNING_KEY"):
        assert safe[name] == SecretsExceptionReporterFilter.cleansed_substitute, name
    request = rf.get("/boom")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        info = _sys.exc_info()
    page = technical_500_response(request, *info).content.decode()
    report = ExceptionReporter(request, *info).get_traceback_text()
    for text in (page, report):
        for secret in (settings.PEPPER, settings.MASTER_KEYS.split(":")[1], settings.REDIS_URL):
            assert secret not in text
        assert "PEPPER" in text  # listed, with its value masked


def test_production_settings_refuse_the_development_oprf_key_and_a_malformed_one():
    from config.settings import base

    result = check(production_env(OPRF_MASTER_KEY=base.DEV_OPRF_MASTER_KEY))
    assert result.returncode != 0
    assert (
        "OPRF_MASTER_KEY must be set in the environment for production, not a development key"
        in result.stderr
    )
    short = "1:" + base64.b64encode(secrets.token_bytes(16)).decode()
    result = check(production_env(OPRF_MASTER_KEY=short))
    assert result.returncode != 0
    assert "each key of OPRF_MASTER_KEY must be at least 32 bytes" in result.stderr
    assert short.split(":")[1] not in result.stderr
