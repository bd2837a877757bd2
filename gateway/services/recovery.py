"""The recovery steps: making recovery copies of the shard (recovery_setup: security questions or
server-assisted email) and opening one to unlock the shard (recovery_open, in a PIN reset)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, override
from django.utils.translation import gettext as _

from branding.emails import branded_mail_send
from core.audit import AuditAction, SystemActor
from core.conf import app_settings
from core.crypto import constant_time_equal, decrypt, encrypt, peppered_hmac
from core.errors import DomainError, RateLimited
from core.services import audit_record
from customers.models import Challenge, Customer
from customers.services import (
    customer_email_code_attempt,
    customer_questions_attempt,
    customer_questions_counter_clear,
    customer_questions_evaluation,
    customer_recovery_set,
)

from .. import scheme
from ..errors import GatewayErrorCode as Code
from ..errors import Locked, StepOutOfOrder, WrongSecret
from ..models import (
    SCHEME_V1,
    SCHEME_V2,
    SCHEME_VERSION,
    EmailCode,
    EmailRecovery,
    OprfEvaluation,
    QuestionRecovery,
)
from ..questions import QUESTIONS, REQUIRED_QUESTIONS
from .attempts import (
    Attempt,
    EvaluationOutcome,
    ProofOutcome,
    tries_left,
    tries_phrase,
)
from .oprf import (
    Counter,
    Pending,
    blinded_element_decode,
    copy_evaluate,
    copy_prove,
    pending_material_clear,
    pending_material_create,
    pending_material_take,
)
from .pins import auth_hmac
from .steps import step_challenge, step_done

QUESTIONS_SECRET_PURPOSE = "gateway-questions-secret"  # noqa: S105 - a purpose label
QUESTIONS_AUTH_PURPOSE = "gateway-questions-auth"
EMAIL_KEY_PURPOSE = "email-recovery-key"
EMAIL_CODE_PURPOSE = "gateway-email-code"
EMAIL_CODE_TTL = timedelta(minutes=10)
EMAIL_CODE_TRIES = 5
EMAIL_CODES_PER_CHALLENGE = 5
QUESTIONS_OPRF_PURPOSE = OprfEvaluation.Purpose.QUESTIONS
EMAIL_LOCKED_MESSAGE = gettext_lazy("Too many wrong codes. Email recovery is locked for 30 minutes.")


def validate_question_ids(question_ids: object) -> list[str]:
    if (
        not isinstance(question_ids, list)
        or len(question_ids) != REQUIRED_QUESTIONS
        or not all(isinstance(q, str) and q in QUESTIONS for q in question_ids)
    ):
        raise DomainError(
            _("Choose %(count)d questions from the list.") % {"count": REQUIRED_QUESTIONS},
            errors={"questionIds": ["choose exactly three listed questions"]},
        )
    if len(set(question_ids)) != REQUIRED_QUESTIONS:
        raise DomainError(
            _("Choose three different questions."), errors={"questionIds": ["questions must be different"]}
        )
    return list(question_ids)


def questions_setup_start(
    *, challenge_id: uuid.UUID, session: SessionBase, blinded_element: object
) -> dict[str, str]:
    """Salt, `s` and the OPRF evaluation of the new answers' blinded element (not counted)."""
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="questions_start")
    element = blinded_element_decode(blinded_element)
    return pending_material_create(
        session=session,
        challenge=challenge,
        kind="questions",
        purpose=QUESTIONS_OPRF_PURPOSE,
        blinded_element=element,
        setup=True,
    )


@transaction.atomic
def questions_setup(
    *,
    challenge_id: uuid.UUID,
    session: SessionBase,
    question_ids: list[str],
    auth_key: bytes,
    wrapped_shard: bytes,
) -> Customer:
    challenge = step_challenge(
        challenge_id=challenge_id, session=session, action="questions_setup", lock=True
    )
    question_ids = validate_question_ids(question_ids)
    pending = pending_material_take(session=session, challenge=challenge, kind="questions")
    customer = challenge.customer  # row-locked with the challenge
    _questions_store(
        customer=customer,
        pending=pending,
        question_ids=question_ids,
        auth_key=auth_key,
        wrapped_shard=wrapped_shard,
    )
    _recovery_copies_replace(
        customer=customer, challenge=challenge, kept=Customer.RecoveryMethod.SECURITY_QUESTIONS
    )
    customer_recovery_set(
        customer=customer, challenge=challenge, method=Customer.RecoveryMethod.SECURITY_QUESTIONS
    )
    pending_material_clear(session=session, challenge=challenge, kind="questions")
    step_done(challenge=challenge)
    return customer


def _recovery_copies_replace(*, customer: Customer, challenge: Challenge, kept: str) -> None:
    """The recovery copy just stored is the customer's only one: a copy made by the other method
    is deleted in the same transaction (SET_RECOVERY replaces the method, not only the answers)."""
    other = EmailRecovery if kept == Customer.RecoveryMethod.SECURITY_QUESTIONS else QuestionRecovery
    deleted, _ = other.objects.filter(customer=customer).delete()
    if deleted:
        audit_record(
            action=AuditAction.GATEWAY_RECOVERY_REPLACED,
            target=customer,
            actor=SystemActor.GATEWAY,
            data={"challenge": str(challenge.id), "method": kept},
        )


def _send_code(*, organization_id: uuid.UUID, email: str, code: str, language: str) -> None:
    """The code mail, in the organization's brand and the page's language (the challenge's
    locale or the user's switch on the page)."""
    with override(language):
        branded_mail_send(
            organization_id=organization_id,
            to=email,
            template="recovery_code",
            context={"code": code, "minutes": int(EMAIL_CODE_TTL.total_seconds() // 60)},
        )


def _code_hmac(*, challenge: Challenge, code: str) -> str:
    return peppered_hmac(f"{challenge.id}:{code}".encode(), purpose=EMAIL_CODE_PURPOSE).hex()


def _issue_code(*, challenge: Challenge, email: str) -> EmailCode:
    """Mail a new code, within the challenge's cap and the customer's hourly cap (all its
    challenges together), counted in one query."""
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    sent = EmailCode.objects.filter(
        Q(challenge=challenge) | Q(challenge__customer_id=challenge.customer_id, created_at__gt=hour_ago)
    ).aggregate(
        this_challenge=Count("id", filter=Q(challenge=challenge)),
        last_hour=Count("id", filter=Q(created_at__gt=hour_ago)),
        first=Min("created_at", filter=Q(created_at__gt=hour_ago)),
    )
    if sent["this_challenge"] >= EMAIL_CODES_PER_CHALLENGE:
        raise RateLimited(
            _("Too many codes were sent for this session. Go back to the app and start again."),
            code=Code.RATE_LIMITED,
            retry_after=int(EMAIL_CODE_TTL.total_seconds()),
        )
    if sent["last_hour"] >= app_settings.EMAIL_CODES_PER_CUSTOMER_HOUR:
        raise RateLimited(
            _("Too many codes were sent to this account in the last hour. Try again later."),
            code=Code.RATE_LIMITED,
            retry_after=int((sent["first"] + timedelta(hours=1) - now).total_seconds()) + 1,
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    # Older codes of this challenge stop working: only the newest one counts.
    EmailCode.objects.filter(challenge=challenge, used_at__isnull=True).update(used_at=timezone.now())
    record = EmailCode.objects.create(
        challenge=challenge,
        email=email,
        code_hmac=_code_hmac(challenge=challenge, code=code),
        expires_at=timezone.now() + EMAIL_CODE_TTL,
    )
    # The language active now is the page's (gateway.middleware): switch > locale > Accept-Language.
    language = get_language() or challenge.locale or settings.LANGUAGE_CODE
    organization_id = challenge.organization_id
    transaction.on_commit(
        lambda: _send_code(organization_id=organization_id, email=email, code=code, language=language)
    )
    return record


@transaction.atomic
def email_setup_start(*, challenge_id: uuid.UUID, session: SessionBase, email: str) -> EmailCode:
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="email_start", lock=True)
    return _issue_code(challenge=challenge, email=email)


@dataclass
class CodeOutcome:
    ok: bool
    message: str = ""
    code: str = ""
    email: str = ""


def _check_code(
    *, challenge: Challenge, code: str, count: Callable[[bool], Attempt] | None = None
) -> CodeOutcome:
    """Compare against the newest unused code; a wrong guess is counted on the row, and, with
    `count`, every comparison also counts on the customer's durable counter (restore)."""
    record = (
        EmailCode.objects.select_for_update()
        .filter(challenge=challenge, used_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if record is None:
        return CodeOutcome(False, _("Ask for a code first."), Code.NO_CODE)
    if record.expires_at <= timezone.now():
        return CodeOutcome(False, _("That code has expired. Ask for a new one."), Code.CODE_EXPIRED)
    if record.attempts >= EMAIL_CODE_TRIES:
        return CodeOutcome(False, _("Too many wrong codes. Ask for a new one."), Code.CODE_EXHAUSTED)
    ok = constant_time_equal(_code_hmac(challenge=challenge, code=code), record.code_hmac)
    if ok:
        record.used_at = timezone.now()
        record.save(update_fields=["used_at"])
    else:
        record.attempts += 1
        record.save(update_fields=["attempts"])
    customer_left = None
    if count is not None:
        attempt = count(ok)
        if attempt in (Attempt.LOCKED_NOW, Attempt.ALREADY_LOCKED):
            return CodeOutcome(False, str(EMAIL_LOCKED_MESSAGE), Code.LOCKED)
        customer_left = tries_left(challenge.customer.email_failed_attempts)
    if ok:
        return CodeOutcome(True, email=record.email)
    left = EMAIL_CODE_TRIES - record.attempts
    if left == 0:
        return CodeOutcome(False, _("Too many wrong codes. Ask for a new one."), Code.CODE_EXHAUSTED)
    if customer_left is not None:
        left = min(left, customer_left)
    return CodeOutcome(
        False, _("That code is not correct. %(tries)s.") % {"tries": tries_phrase(left)}, Code.WRONG_CODE
    )


def _raise_for_code(outcome: CodeOutcome) -> None:
    if outcome.code == Code.WRONG_CODE:
        raise WrongSecret(outcome.message, code=outcome.code)
    if outcome.code == Code.LOCKED:
        raise Locked(outcome.message)
    raise DomainError(outcome.message, code=outcome.code)


@transaction.atomic
def _email_setup_attempt(
    *, challenge_id: uuid.UUID, session: SessionBase, code: str, recovery_key: bytes, wrapped_shard: bytes
) -> CodeOutcome:
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="email_confirm", lock=True)
    outcome = _check_code(challenge=challenge, code=code)
    if not outcome.ok:
        return outcome
    customer = challenge.customer  # row-locked with the challenge
    EmailRecovery.objects.update_or_create(
        customer=customer,
        defaults={
            "scheme_version": SCHEME_V1,  # email copies have no secret-derived key: no OPRF
            "email": outcome.email,
            "key_enc": encrypt(
                recovery_key,
                purpose=EMAIL_KEY_PURPOSE,
                aad=scheme.secret_aad(customer_id=customer.id, kind="email", version=SCHEME_V1),
            ),
            "wrapped_shard": wrapped_shard,
        },
    )
    _recovery_copies_replace(customer=customer, challenge=challenge, kept=Customer.RecoveryMethod.EMAIL)
    customer_recovery_set(customer=customer, challenge=challenge, method=Customer.RecoveryMethod.EMAIL)
    step_done(challenge=challenge)
    return outcome


def email_setup_confirm(
    *, challenge_id: uuid.UUID, session: SessionBase, code: str, recovery_key: bytes, wrapped_shard: bytes
) -> None:
    outcome = _email_setup_attempt(
        challenge_id=challenge_id,
        session=session,
        code=code,
        recovery_key=recovery_key,
        wrapped_shard=wrapped_shard,
    )
    if not outcome.ok:
        _raise_for_code(outcome)


# --- Restore (RESET_PIN challenges) -------------------------------------------------------


def _questions_copy(challenge: Challenge) -> QuestionRecovery:
    record = QuestionRecovery.objects.select_for_update().filter(customer_id=challenge.customer_id).first()
    if record is None:
        raise StepOutOfOrder(_("No security questions are set up for this account."), code=Code.NO_QUESTIONS)
    return record


def _questions_counter(challenge: Challenge) -> Counter:
    # The answers' counter is on the customer (row-locked with the challenge), across challenges.
    customer = challenge.customer
    return Counter(
        evaluation=lambda: customer_questions_evaluation(customer=customer, challenge=challenge),
        proof=lambda matches, evaluated: customer_questions_attempt(
            customer=customer, challenge=challenge, matches=matches, evaluated=evaluated
        ),
        remaining=lambda: tries_left(customer.questions_failed_attempts),
    )


@transaction.atomic
def _questions_evaluate_attempt(
    *, challenge_id: uuid.UUID, session: SessionBase, blinded_element: object
) -> EvaluationOutcome:
    challenge = step_challenge(
        challenge_id=challenge_id, session=session, action="restore_questions_evaluate", lock=True
    )
    record = _questions_copy(challenge)
    return copy_evaluate(
        challenge=challenge,
        purpose=QUESTIONS_OPRF_PURPOSE,
        record=record,
        counter=_questions_counter(challenge),
        blinded_value=blinded_element,
    )


def _raise_unless_ok(outcome: EvaluationOutcome | ProofOutcome) -> None:
    if outcome.locked:
        raise Locked(_("Too many wrong answers. Recovery is locked for 30 minutes."))
    if outcome.refusal is not None:
        raise outcome.refusal
    if not outcome.ok:
        raise WrongSecret(
            _("At least one answer is not correct. %(tries)s before recovery locks for 30 minutes.")
            % {"tries": tries_phrase(outcome.remaining)},
            code=Code.WRONG_ANSWERS,
        )


def restore_questions_evaluate(
    *, challenge_id: uuid.UUID, session: SessionBase, blinded_element: object
) -> EvaluationOutcome:
    """The OPRF evaluation an unlock of v2 answers needs; counted (and committed) before any answer."""
    outcome = _questions_evaluate_attempt(
        challenge_id=challenge_id, session=session, blinded_element=blinded_element
    )
    _raise_unless_ok(outcome)
    return outcome


@transaction.atomic
def _questions_proof_attempt(
    *,
    challenge_id: uuid.UUID,
    session: SessionBase,
    auth_key: bytes,
    evaluation_id: object,
    blinded_element: object,
) -> ProofOutcome:
    challenge = step_challenge(
        challenge_id=challenge_id, session=session, action="restore_questions", lock=True
    )
    record = _questions_copy(challenge)
    outcome = copy_prove(
        challenge=challenge,
        session=session,
        purpose=QUESTIONS_OPRF_PURPOSE,
        record=record,
        counter=_questions_counter(challenge),
        matches=lambda: constant_time_equal(
            auth_hmac(auth_key, purpose=QUESTIONS_AUTH_PURPOSE), bytes(record.auth_hmac)
        ),
        evaluation_value=evaluation_id,
        blinded_value=blinded_element,
    )
    if outcome.ok:
        if outcome.upgrade is None:
            step_done(challenge=challenge)
        outcome.secret = decrypt(
            bytes(record.secret_enc),
            purpose=QUESTIONS_SECRET_PURPOSE,
            aad=scheme.secret_aad(
                customer_id=challenge.customer_id, kind="questions", version=record.scheme_version
            ),
        )
        outcome.salt = bytes(record.salt)
        outcome.wrapped_shard = bytes(record.wrapped_shard)
    return outcome


def restore_questions_verify(
    *,
    challenge_id: uuid.UUID,
    session: SessionBase,
    auth_key: bytes,
    evaluation_id: object = None,
    blinded_element: object = None,
) -> ProofOutcome:
    outcome = _questions_proof_attempt(
        challenge_id=challenge_id,
        session=session,
        auth_key=auth_key,
        evaluation_id=evaluation_id,
        blinded_element=blinded_element,
    )
    _raise_unless_ok(outcome)
    return outcome


def _questions_store(
    *, customer: Customer, pending: Pending, question_ids: list[str], auth_key: bytes, wrapped_shard: bytes
) -> QuestionRecovery:
    record, _ = QuestionRecovery.objects.update_or_create(
        customer=customer,
        defaults={
            "scheme_version": SCHEME_VERSION,
            "oprf_key_version": pending.oprf_key_version,
            "question_ids": question_ids,
            "salt": pending.salt,
            "auth_hmac": auth_hmac(auth_key, purpose=QUESTIONS_AUTH_PURPOSE),
            "secret_enc": encrypt(
                pending.secret,
                purpose=QUESTIONS_SECRET_PURPOSE,
                aad=scheme.secret_aad(customer_id=customer.id, kind="questions", version=SCHEME_VERSION),
            ),
            "wrapped_shard": wrapped_shard,
        },
    )
    customer_questions_counter_clear(customer=customer)  # new answers: a fresh counter
    return record


@transaction.atomic
def restore_questions_upgrade(
    *, challenge_id: uuid.UUID, session: SessionBase, auth_key: bytes, wrapped_shard: bytes
) -> QuestionRecovery:
    """Replace the unlocked answers copy by the same shard under scheme v2 and the active OPRF
    key, in one transaction: until it commits, the previous copy stays as it was."""
    challenge = step_challenge(
        challenge_id=challenge_id, session=session, action="restore_questions_upgrade", lock=True
    )
    record = _questions_copy(challenge)
    kind = f"{QUESTIONS_OPRF_PURPOSE}-upgrade"
    pending = pending_material_take(session=session, challenge=challenge, kind=kind)
    before = {"scheme": record.scheme_version, "oprfKey": record.oprf_key_version}
    record = _questions_store(
        customer=challenge.customer,
        pending=pending,
        question_ids=list(record.question_ids),
        auth_key=auth_key,
        wrapped_shard=wrapped_shard,
    )
    audit_record(
        action=AuditAction.GATEWAY_RECOVERY_REKEYED,
        target=challenge.customer,
        actor=SystemActor.GATEWAY,
        data={
            "challenge": str(challenge.id),
            "method": "SECURITY_QUESTIONS",
            "from": before,
            "to": {"scheme": SCHEME_V2, "oprfKey": record.oprf_key_version},
        },
    )
    pending_material_clear(session=session, challenge=challenge, kind=kind)
    step_done(challenge=challenge)
    return record


@transaction.atomic
def restore_email_start(*, challenge_id: uuid.UUID, session: SessionBase) -> EmailCode:
    challenge = step_challenge(
        challenge_id=challenge_id, session=session, action="restore_email_start", lock=True
    )
    record = EmailRecovery.objects.filter(customer_id=challenge.customer_id).first()
    if record is None:
        raise StepOutOfOrder(_("No recovery email is set up for this account."), code=Code.NO_EMAIL)
    if challenge.customer.email_recovery_locked:
        raise Locked(str(EMAIL_LOCKED_MESSAGE))
    return _issue_code(challenge=challenge, email=record.email)


@dataclass
class EmailRelease:
    recovery_key: bytes
    wrapped_shard: bytes


@transaction.atomic
def _restore_email_attempt(
    *, challenge_id: uuid.UUID, session: SessionBase, code: str
) -> CodeOutcome | EmailRelease:
    challenge = step_challenge(
        challenge_id=challenge_id, session=session, action="restore_email_confirm", lock=True
    )
    record = EmailRecovery.objects.filter(customer_id=challenge.customer_id).first()
    if record is None:
        raise StepOutOfOrder(_("No recovery email is set up for this account."), code=Code.NO_EMAIL)
    customer = challenge.customer  # row-locked with the challenge
    if customer.email_recovery_locked:
        return CodeOutcome(False, str(EMAIL_LOCKED_MESSAGE), Code.LOCKED)
    # Every code compared here counts on the customer, whichever challenge it came through.
    outcome = _check_code(
        challenge=challenge,
        code=code,
        count=lambda ok: customer_email_code_attempt(
            customer=customer, challenge=challenge, matches=lambda: ok
        ),
    )
    if not outcome.ok:
        return outcome
    step_done(challenge=challenge)
    key = decrypt(
        bytes(record.key_enc),
        purpose=EMAIL_KEY_PURPOSE,
        aad=scheme.secret_aad(customer_id=challenge.customer_id, kind="email", version=record.scheme_version),
    )
    return EmailRelease(recovery_key=key, wrapped_shard=bytes(record.wrapped_shard))


def restore_email_confirm(*, challenge_id: uuid.UUID, session: SessionBase, code: str) -> EmailRelease:
    result = _restore_email_attempt(challenge_id=challenge_id, session=session, code=code)
    if isinstance(result, CodeOutcome):
        _raise_for_code(result)
    assert isinstance(result, EmailRelease)  # noqa: S101 - narrows the type for readers
    return result
