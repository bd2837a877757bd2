"""Production settings: every secret comes from the environment, none has a default.

They fail closed. The process refuses to start (ImproperlyConfigured, before serving
anything) when a secret is missing, is a placeholder (a value of .env.example, "change-me",
"REPLACE_WITH…", one of the development keys of base.py), does not parse or is too short,
or when no real mail backend is configured: with the console backend, email recovery codes
would be printed to the server's stdout. DEBUG is always off here.
"""

import re

import environ
from django.core.exceptions import ImproperlyConfigured

from core.crypto import parse_key_ring, parse_pepper

from .base import *  # noqa: F403
from .base import (
    BASE_DIR,
    DEV_JWT_SIGNING_KEY,
    DEV_MASTER_KEYS,
    DEV_OPRF_MASTER_KEY,
    DEV_PEPPER,
    DEV_SECRET_KEY,
    env,
)

DEBUG = False

# Words that mark a value as a placeholder someone forgot to replace.
PLACEHOLDER_RE = re.compile(r"change[-_ ]?me|replace[-_ ]?with|dev[-_]only|insecure|placeholder", re.I)
DEVELOPMENT_VALUES = {DEV_SECRET_KEY, DEV_MASTER_KEYS, DEV_PEPPER, DEV_JWT_SIGNING_KEY, DEV_OPRF_MASTER_KEY}
MIN_JWT_KEY_LENGTH = 32  # HS256: at least 256 bits of key
UNSAFE_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


def _example_values() -> set[str]:
    """The values of .env.example and .env.production.example (when they ship with the code,
    commented-out lines included): published, so never valid secrets in production."""
    values = set()
    for name in (".env.example", ".env.production.example"):
        path = BASE_DIR / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            key, sep, value = line.lstrip("# ").partition("=")
            if sep and key.strip().isupper() and value.strip():
                values.add(value.strip())
    return values


EXAMPLE_VALUES = _example_values()


def _required(name: str, *, check_placeholder: bool = True) -> str:
    value = env(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in the environment for production")
    if value in DEVELOPMENT_VALUES:
        raise ImproperlyConfigured(
            f"{name} must be set in the environment for production, not a development key"
        )
    if check_placeholder and (value in EXAMPLE_VALUES or PLACEHOLDER_RE.search(value)):
        raise ImproperlyConfigured(f"{name} must be set in the environment for production, not a placeholder")
    return value


def _parsed(name: str, parse) -> str:
    value = _required(name)
    try:
        parse(value)
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(f"{name} is not valid: {exc}") from None
    return value


SECRET_KEY = _required("SECRET_KEY")
MASTER_KEYS = _parsed("MASTER_KEYS", lambda value: parse_key_ring(value, name="MASTER_KEYS"))
PEPPER = _parsed("PEPPER", parse_pepper)
# The OPRF key of PIN scheme v2: same form and rules as MASTER_KEYS.
OPRF_MASTER_KEY = _parsed("OPRF_MASTER_KEY", lambda value: parse_key_ring(value, name="OPRF_MASTER_KEY"))
JWT_SIGNING_KEY = _required("JWT_SIGNING_KEY")
if len(JWT_SIGNING_KEY) < MIN_JWT_KEY_LENGTH:
    raise ImproperlyConfigured(f"JWT_SIGNING_KEY is not valid: at least {MIN_JWT_KEY_LENGTH} characters")
SIMPLE_JWT = {**SIMPLE_JWT, "SIGNING_KEY": JWT_SIGNING_KEY}  # noqa: F405
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
PUBLIC_BASE_URL = _required("PUBLIC_BASE_URL", check_placeholder=False)

# Mail: recovery codes go by email; a console or file backend would leak them to logs.
EMAIL_URL = _required("EMAIL_URL", check_placeholder=False)  # the backend is checked first, below
try:
    EMAIL_CONFIG = environ.Env.email_url_config(EMAIL_URL)
except Exception as exc:
    raise ImproperlyConfigured(f"EMAIL_URL is not valid: {type(exc).__name__}") from None
if EMAIL_CONFIG.get("EMAIL_BACKEND") in UNSAFE_EMAIL_BACKENDS:
    raise ImproperlyConfigured(
        "EMAIL_URL must name a real mail server in production (not console, file or memory)"
    )
vars().update(EMAIL_CONFIG)

# Staff must sign in with a second factor unless the operator explicitly turns it off.
STAFF_OTP_REQUIRED = env.bool("STAFF_OTP_REQUIRED", default=True)

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Webhook receivers must be public https addresses in production, whatever the environment says.
ONBOARDING = {**ONBOARDING, "WEBHOOK_ALLOW_LOOPBACK": False}  # noqa: F405

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
