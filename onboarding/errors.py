"""Errors of onboarding: the codes (one enum) and the domain errors its services, selectors and
upload checks raise. They answer in the merchant API's NestJS-style bodies (the /v2/onboard
prefix belongs to the merchant surface, see merchants/apps.py); the admin shows their messages.
"""

from enum import StrEnum

from core.errors import Conflict, DomainError, NotFound


class OnboardingErrorCode(StrEnum):
    NOT_FOUND = "onboarding_not_found"
    ALREADY_OPEN = "onboarding_already_open"
    ALREADY_APPROVED = "onboarding_already_approved"
    ACCOUNT_DECLINED = "account_declined"
    NOT_EDITABLE = "onboarding_not_editable"
    DOCUMENTS_LOCKED = "onboarding_documents_locked"
    DOCUMENTS_MISSING = "onboarding_documents_missing"
    NOT_DECIDABLE = "onboarding_not_decidable"
    CHANGED_SINCE_REVIEW = "onboarding_changed_since_review"
    REASON_REQUIRED = "reason_required"
    INVALID = "invalid"
    MALFORMED_MULTIPART = "malformed_multipart"
    PAYLOAD_TOO_LARGE = "payload_too_large"


class ApplicationNotFound(NotFound):
    code = OnboardingErrorCode.NOT_FOUND
    default_message = "Onboarding application not found"


class ApplicationAlreadyOpen(DomainError):
    code = OnboardingErrorCode.ALREADY_OPEN
    default_message = "An onboarding application is already open for this account"


class ApplicationAlreadyApproved(DomainError):
    code = OnboardingErrorCode.ALREADY_APPROVED
    default_message = "This account's onboarding application is already approved"


class AccountDeclined(DomainError):
    code = OnboardingErrorCode.ACCOUNT_DECLINED
    default_message = "A declined account cannot submit an onboarding application"


class ApplicationNotEditable(Conflict):
    """A PUT while the application is PENDING or APPROVED."""

    code = OnboardingErrorCode.NOT_EDITABLE


class DocumentsLocked(Conflict):
    code = OnboardingErrorCode.DOCUMENTS_LOCKED
    default_message = "The documents of an approved onboarding application cannot be changed"


class DocumentsMissing(DomainError):
    code = OnboardingErrorCode.DOCUMENTS_MISSING


class ApplicationNotDecidable(Conflict):
    """Approve or decline of an application in a state that does not allow it."""

    code = OnboardingErrorCode.NOT_DECIDABLE


class ChangedSinceReview(Conflict):
    """Approval of a version of the application staff did not see."""

    code = OnboardingErrorCode.CHANGED_SINCE_REVIEW
    default_message = (
        "The application changed since you opened it (new details or documents); "
        "open it again and review the current version before approving"
    )


class ReasonRequired(DomainError):
    code = OnboardingErrorCode.REASON_REQUIRED
    default_message = "A reason is required to decline an application"


class InvalidUpload(DomainError):
    """The upload's checks failed (messages in the NestJS list shape)."""

    code = OnboardingErrorCode.INVALID
    default_message = "Validation failed"


class MalformedMultipart(DomainError):
    code = OnboardingErrorCode.MALFORMED_MULTIPART
    default_message = "Validation failed"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = OnboardingErrorCode.PAYLOAD_TOO_LARGE
    default_message = "Payload too large"
