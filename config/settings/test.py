"""Test settings: the base settings with fast hashing and quiet mail."""

from .base import *  # noqa: F403
from .base import ONBOARDING

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # staff users only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Webhook tests run real receivers over http on 127.0.0.1.
ONBOARDING = {**ONBOARDING, "BCRYPT_ROUNDS": 4, "WEBHOOK_ALLOW_LOOPBACK": True}
ALLOWED_HOSTS = ["*"]
