"""Merchant password hashing: bcrypt over base64(HMAC-SHA384(pepper, password)).

The pre-hash is 64 ASCII characters whatever the password, so bcrypt never sees more
than its 72-byte limit (no silent truncation, no refusal of long multi-byte passwords),
and a stolen database alone is useless for guessing: the pepper lives outside it.
"""

import base64
from datetime import datetime, timedelta
from functools import cache

import bcrypt
from django.utils import timezone

from core.conf import app_settings
from core.crypto import peppered_hmac

PURPOSE = "merchant-password"


def _prehash(password: str) -> bytes:
    return base64.b64encode(peppered_hmac(password.encode(), purpose=PURPOSE, digest="sha384"))


def password_hash(password: str) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(app_settings.BCRYPT_ROUNDS)).decode()


def password_verify(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), hashed.encode())
    except ValueError:
        return False


@cache
def _dummy_hash(rounds: int) -> bytes:
    return bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(rounds))


def password_verify_dummy(password: str) -> None:
    """Spend the same time as a real check, so unknown usernames do not answer faster."""
    bcrypt.checkpw(_prehash(password), _dummy_hash(app_settings.BCRYPT_ROUNDS))


def password_expires_at(changed_at: datetime) -> datetime:
    return changed_at + timedelta(days=app_settings.PASSWORD_MAX_AGE_DAYS)


def password_is_expired(changed_at: datetime) -> bool:
    return timezone.now() >= password_expires_at(changed_at)
