"""Writes of onboarding: submit and update an application, store its documents, approve or decline."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import Actor, AuditAction, audit_actor_for
from core.conf import app_settings
from core.crypto import constant_time_equal
from core.services import audit_record
from merchants.models import Account
from merchants.services import account_approve

from . import selectors
from .documents import safe_display_name
from .errors import (
    AccountDeclined,
    ApplicationAlreadyApproved,
    ApplicationAlreadyOpen,
    ApplicationNotDecidable,
    ApplicationNotEditable,
    ChangedSinceReview,
    DocumentsLocked,
    DocumentsMissing,
    ReasonRequired,
)
from .models import OnboardingApplication, OnboardingDocument

logger = logging.getLogger("onboarding.accounts.onboarding")

OPEN_CONSTRAINT = "accounts_onboarding_one_open_per_account"
Status = OnboardingApplication.Status


def _already_open(account: Account) -> ApplicationAlreadyOpen:
    open_one = selectors.application_open_for_account(account=account)
    suffix = f" (referenceNumber {open_one.reference_number})" if open_one else ""
    return ApplicationAlreadyOpen(
        ApplicationAlreadyOpen.default_message + suffix + "; update it with PUT /v2/onboard/{refNo}"
    )


def application_create(*, account: Account, body: dict[str, Any]) -> OnboardingApplication:
    """Submit the account's application (status NEW); one open application per account."""
    if account.status == Account.Status.DECLINED:
        raise AccountDeclined()
    if selectors.application_open_for_account(account=account) is not None:
        raise _already_open(account)
    if OnboardingApplication.objects.filter(account=account, status=Status.APPROVED).exists():
        raise ApplicationAlreadyApproved()
    reference = uuid.uuid4()
    try:
        with transaction.atomic():
            application = OnboardingApplication.objects.create(
                reference_number=reference,
                account=account,
                merchant_name=body["merchantName"],
                business_type=body["businessType"],
                payload=selectors.payload_seal(reference_number=reference, body=body),
            )
            audit_record(
                action=AuditAction.ONBOARDING_SUBMITTED,
                target=application,
                actor=audit_actor_for(account),
                data={"reference_number": str(reference), "business_type": body["businessType"]},
            )
    except IntegrityError as exc:
        # The partial unique index settles two concurrent submissions of one account.
        if OPEN_CONSTRAINT in str(exc) or selectors.application_open_for_account(account=account):
            raise _already_open(account) from exc
        raise
    return application


@transaction.atomic
def application_update(
    *, application: OnboardingApplication, body: dict[str, Any], actor: Actor
) -> OnboardingApplication:
    """Replace the application's body while NEW (stays NEW) or DECLINED (resubmitted: PENDING)."""
    locked = OnboardingApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status not in (Status.NEW, Status.DECLINED):
        raise ApplicationNotEditable(f"An onboarding application cannot be updated while {locked.status}")
    previous = locked.status
    locked.status = Status.PENDING if previous == Status.DECLINED else Status.NEW
    locked.declined_reason = ""
    locked.merchant_name = body["merchantName"]
    locked.business_type = body["businessType"]
    locked.payload = selectors.payload_seal(reference_number=locked.reference_number, body=body)
    locked.save()
    audit_record(
        action=AuditAction.ONBOARDING_UPDATED,
        target=locked,
        actor=audit_actor_for(actor),
        data={"from": previous, "to": locked.status},
    )
    return locked


def _discard(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete a replaced onboarding file")


def application_documents_store(
    *,
    application: OnboardingApplication,
    uploads: dict[str, tuple[UploadedFile[bytes], str, str]],
    actor: Actor,
) -> list[OnboardingDocument]:
    """Store checked uploads under generated names; a new file of a field replaces the old one.

    The files are written (by chunks, or moved from their temporary file) before the
    transaction opens; if it fails they are deleted again, and replaced files are deleted
    only once it has committed.
    """
    if application.status == Status.APPROVED:
        raise DocumentsLocked()
    folder = f"{app_settings.ONBOARDING_UPLOAD_DIR}/{application.reference_number}"
    written: list[tuple[str, UploadedFile[bytes], str, str, uuid.UUID]] = []
    try:
        for field, (upload, mime, extension) in uploads.items():
            doc_id = uuid.uuid4()
            name = default_storage.save(f"{folder}/{doc_id.hex}.{extension}", upload)
            written.append((field, upload, mime, name, doc_id))
        with transaction.atomic():
            locked = OnboardingApplication.objects.select_for_update().get(pk=application.pk)
            if locked.status == Status.APPROVED:
                raise DocumentsLocked()
            replaced = list(
                locked.documents.filter(field__in=[w[0] for w in written]).values_list(
                    "storage_name", flat=True
                )
            )
            locked.documents.filter(field__in=[w[0] for w in written]).delete()
            documents = []
            for field, upload, mime, name, doc_id in written:
                document = OnboardingDocument.objects.create(
                    id=doc_id,
                    application=locked,
                    field=field,
                    original_name=safe_display_name(upload.name or ""),
                    storage_name=name,
                    content_type=mime,
                    size=upload.size or 0,
                    sha256=getattr(upload, "sha256", ""),
                )
                documents.append(document)
                audit_record(
                    action=AuditAction.ONBOARDING_DOCUMENT_UPLOADED,
                    target=locked,
                    actor=audit_actor_for(actor),
                    data={
                        "document_id": str(doc_id),
                        "field": field,
                        "content_type": mime,
                        "size": upload.size,
                        "sha256": document.sha256,
                        "replaced": bool(replaced),
                    },
                )
            OnboardingApplication.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
            transaction.on_commit(lambda: _discard(replaced))
    except BaseException:
        _discard([w[3] for w in written])
        raise
    return documents


def application_approve(
    *, application: OnboardingApplication, approved_by: AbstractBaseUser, reviewed_version: str
) -> OnboardingApplication:
    """Approve a complete application and, if still pending, its account (branch = merchantName).

    `reviewed_version` is the application_version staff were shown; if the application changed
    since (a PUT, a new document), nothing is approved: ChangedSinceReview, with an audit row.
    """
    try:
        return _application_approve(
            application=application, approved_by=approved_by, reviewed_version=reviewed_version
        )
    except ChangedSinceReview:
        audit_record(
            action=AuditAction.ONBOARDING_APPROVAL_REFUSED,
            target=application,
            actor=audit_actor_for(approved_by),
            data={"reason": "changed since review"},
        )
        raise


@transaction.atomic
def _application_approve(
    *, application: OnboardingApplication, approved_by: AbstractBaseUser, reviewed_version: str
) -> OnboardingApplication:
    locked = OnboardingApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status == Status.APPROVED:
        return locked
    if locked.status not in (Status.NEW, Status.PENDING):
        raise ApplicationNotDecidable("Only a new or resubmitted (PENDING) application can be approved")
    missing = selectors.application_missing_documents(application=locked)
    if missing:
        raise DocumentsMissing("Documents still missing: " + ", ".join(missing))
    account = Account.objects.select_for_update().get(pk=locked.account_id)
    if account.status == Account.Status.DECLINED:
        raise ApplicationNotDecidable("The account itself was declined; its application cannot be approved")
    if not constant_time_equal(selectors.application_version(application=locked), reviewed_version or ""):
        raise ChangedSinceReview()
    if account.status == Account.Status.PENDING:
        account_approve(account=account, approved_by=approved_by, branch_name=locked.merchant_name)
    locked.status = Status.APPROVED
    locked.declined_reason = ""
    locked.decided_by = approved_by  # type: ignore[assignment]
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "declined_reason", "decided_by", "decided_at", "updated_at"])
    audit_record(
        action=AuditAction.ONBOARDING_APPROVED,
        target=locked,
        actor=audit_actor_for(approved_by),
        data={"account_id": account.pk},
    )
    return locked


@transaction.atomic
def application_decline(
    *, application: OnboardingApplication, declined_by: AbstractBaseUser, reason: str
) -> OnboardingApplication:
    """Decline a NEW or PENDING application with the reason its account holder will read."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    locked = OnboardingApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status == Status.DECLINED:
        return locked
    if locked.status not in (Status.NEW, Status.PENDING):
        raise ApplicationNotDecidable("Only a new or resubmitted (PENDING) application can be declined")
    locked.status = Status.DECLINED
    locked.declined_reason = reason
    locked.decided_by = declined_by  # type: ignore[assignment]
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "declined_reason", "decided_by", "decided_at", "updated_at"])
    audit_record(
        action=AuditAction.ONBOARDING_DECLINED,
        target=locked,
        actor=audit_actor_for(declined_by),
        data={"reason": reason},
    )
    return locked
