"""Server-side constants and input checks of the shard scheme (the browser does the crypto)."""

import secrets

from django.utils.translation import gettext as _

from core.crypto import b64url, b64url_decode
from core.errors import DomainError

from .errors import GatewayErrorCode
from .models import SCHEME_VERSION

SALT_BYTES = 16
SECRET_BYTES = 32
AUTH_KEY_BYTES = 32
RECOVERY_KEY_BYTES = 32
# iv (12) ‖ AES-GCM ciphertext of the 32-byte shard (32) ‖ tag (16), as WebCrypto emits it.
WRAPPED_SHARD_BYTES = 12 + 32 + 16


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def secret_aad(*, customer_id: object, kind: str, version: int = SCHEME_VERSION) -> bytes:
    """Binds an encrypted server secret to its customer, kind and scheme version."""
    return f"onboarding-gateway|{customer_id}|v{version}|{kind}".encode()


def decode_field(value: object, *, field: str, length: int) -> bytes:
    """Decode a base64url field of an exact length, or raise a 400 naming the field."""
    if not isinstance(value, str) or len(value) > 4 * length:
        raise DomainError(
            _("%(field)s is missing or malformed.") % {"field": field},
            code=GatewayErrorCode.INVALID,
            errors={field: ["invalid"]},
        )
    try:
        raw = b64url_decode(value)
    except ValueError:
        raw = b""
    if len(raw) != length:
        raise DomainError(
            _("%(field)s is missing or malformed.") % {"field": field},
            code=GatewayErrorCode.INVALID,
            errors={field: ["invalid"]},
        )
    return raw


def encode(value: bytes) -> str:
    return b64url(bytes(value))
