"""Test settings: the base settings with fast hashing and quiet mail."""

from .base import *  # noqa: F403
from .base import ONBOARDING

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # staff users only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ONBOARDING = {**ONBOARDING, "BCRYPT_ROUNDS": 4}
ALLOWED_HOSTS = ["*"]
