"""Reads of onboarding: an account's application, its decrypted body, missing documents."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from core.crypto import decrypt, encrypt
from merchants.models import Account

from .documents import required_documents
from .errors import ApplicationNotFound
from .models import OnboardingApplication

PAYLOAD_PURPOSE = "merchant-onboarding-application"


def _aad(reference_number: uuid.UUID) -> bytes:
    # Binds the ciphertext to its row: a payload copied to another application does not open.
    return f"onboarding-application:{reference_number}".encode()


def payload_seal(*, reference_number: uuid.UUID, body: dict[str, Any]) -> bytes:
    return encrypt(
        json.dumps(body, separators=(",", ":")).encode(), purpose=PAYLOAD_PURPOSE, aad=_aad(reference_number)
    )


def application_body(*, application: OnboardingApplication) -> dict[str, Any]:
    raw = decrypt(bytes(application.payload), purpose=PAYLOAD_PURPOSE, aad=_aad(application.reference_number))
    body: dict[str, Any] = json.loads(raw)
    return body


def application_get_for_account(*, account: Account, reference_number: str) -> OnboardingApplication:
    """The account's own application; any other, or a malformed reference, is a 404."""
    try:
        ref = uuid.UUID(str(reference_number))
    except ValueError as exc:
        raise ApplicationNotFound() from exc
    application = (
        OnboardingApplication.objects.filter(reference_number=ref, account=account)
        .select_related("account")
        .first()
    )
    if application is None:
        raise ApplicationNotFound()
    return application


def application_open_for_account(*, account: Account) -> OnboardingApplication | None:
    return OnboardingApplication.objects.filter(
        account=account, status__in=OnboardingApplication.OPEN_STATUSES
    ).first()


def application_missing_documents(
    *, application: OnboardingApplication, body: dict[str, Any] | None = None
) -> list[str]:
    body = body if body is not None else application_body(application=application)
    required = required_documents(
        business_type=application.business_type, brick_and_mortar=bool(body.get("isBrickAndMortarStore"))
    )
    present = set(application.documents.values_list("field", flat=True))
    return [name for name in required if name not in present]


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def application_status(*, application: OnboardingApplication) -> dict[str, Any]:
    return {
        "onboardingStatus": application.status,
        "onboardingReferenceNumber": str(application.reference_number),
        "merchantName": application.merchant_name,
        "dateCreated": _iso(application.created_at),
        "dateUpdated": _iso(application.updated_at),
        "declinedReason": application.declined_reason or None,
        "missingDocuments": application_missing_documents(application=application),
    }


def application_detail(*, application: OnboardingApplication) -> dict[str, Any]:
    """The application as submitted, with its reference, status and uploaded files."""
    body = application_body(application=application)
    return {
        "referenceNumber": str(application.reference_number),
        "status": application.status,
        **body,
        "files": [document_summary(document=d) for d in application.documents.all()],
    }


def document_summary(*, document: Any) -> dict[str, Any]:
    return {
        "id": str(document.id),
        "name": document.original_name,
        "fileType": document.field,
        "contentType": document.content_type,
        "size": document.size,
    }


def application_version(*, application: OnboardingApplication) -> str:
    """A fingerprint of what staff review: status, details (the sealed body) and every document.

    Any update or upload changes it, so an approval can name the version it was given on.
    """
    digest = hashlib.sha256()
    for part in (application.status, application.merchant_name, application.business_type):
        digest.update(part.encode() + b"\x00")
    digest.update(bytes(application.payload))
    for doc_id, field, sha in application.documents.order_by("field").values_list("id", "field", "sha256"):
        digest.update(f"\x00{field}:{doc_id}:{sha}".encode())
    return digest.hexdigest()[:32]
