"""The branding app's error codes; refusals render in the customers API's envelope."""

from __future__ import annotations

import enum
from typing import Any

from core.errors import DomainError


class BrandingErrorCode(enum.StrEnum):
    INVALID = "branding_invalid"
    TOO_LARGE = "branding_body_too_large"


class BrandingInvalid(DomainError):
    """One or more fields of a branding update were refused; `fields` maps field to messages."""

    status_code = 400
    code = BrandingErrorCode.INVALID
    default_message = "Invalid branding"

    def __init__(self, fields: dict[str, list[str]], **kwargs: Any) -> None:
        self.fields = fields
        message = "; ".join(m for messages in fields.values() for m in messages)
        super().__init__(message, errors=fields, **kwargs)


class BodyTooLarge(DomainError):
    """The request body is over Django's in-memory limit (a logo can never need that much)."""

    status_code = 413
    code = BrandingErrorCode.TOO_LARGE
    default_message = "The request body is too large: a logo is at most 256 KiB"
