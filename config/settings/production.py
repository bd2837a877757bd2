"""Production settings: every secret comes from the environment, none has a default."""

from django.core.exceptions import ImproperlyConfigured

from core.crypto import parse_key_ring

from .base import *  # noqa: F403
from .base import DEV_JWT_SIGNING_KEY, DEV_MASTER_KEYS, DEV_OPRF_MASTER_KEY, DEV_PEPPER, DEV_SECRET_KEY, env

DEBUG = False


def _required(name: str, dev_value: str) -> str:
    value = env(name, default="")
    if not value or value == dev_value:
        raise ImproperlyConfigured(f"{name} must be set in the environment for production")
    return value


SECRET_KEY = _required("SECRET_KEY", DEV_SECRET_KEY)
MASTER_KEYS = _required("MASTER_KEYS", DEV_MASTER_KEYS)
PEPPER = _required("PEPPER", DEV_PEPPER)
OPRF_MASTER_KEY = _required("OPRF_MASTER_KEY", DEV_OPRF_MASTER_KEY)
parse_key_ring(OPRF_MASTER_KEY, name="OPRF_MASTER_KEY")  # malformed or short keys refuse to start
JWT_SIGNING_KEY = _required("JWT_SIGNING_KEY", DEV_JWT_SIGNING_KEY)
SIMPLE_JWT = {**SIMPLE_JWT, "SIGNING_KEY": JWT_SIGNING_KEY}  # noqa: F405
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
PUBLIC_BASE_URL = _required("PUBLIC_BASE_URL", "")

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
