"""The audit trail's vocabulary: one enum of event names and one way of writing an actor.

Every row of core.AuditEvent says what happened (`action`, a member of AuditAction) and who
did it (`actor`, a string written by `audit_actor_for`). Both are kept here, in core, so that
every app writes them the same way and a reader of the trail (or an auditor filtering it)
has one list to look at. core imports no app: an app's object names itself as an actor
through an `audit_actor` property (merchants' Account and ApiClient have one).

Actor strings, by kind of actor:

    staff:<username>          a staff user (Django admin, a review)
    account:<id>              a merchant account acting with its own token
    api-client:<client_id>    a payments partner acting with its client token
    apikey:<prefix>           an organization acting through a customers API key
    gateway                   the hosted gateway pages (the customer behind a challenge link)
    cli / seed_demo           an operator command
    webhooks                  the webhook delivery worker (an endpoint disabled after failing)
    (empty)                   nobody in particular (a system default)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, runtime_checkable

from django.contrib.auth.base_user import AbstractBaseUser


class AuditAction(StrEnum):
    """Every value of core.AuditEvent.action. Add a member before writing a new kind of row."""

    # customers: organizations, API keys, customers, challenges
    ORGANIZATION_CREATED = "organization.create"
    API_KEY_CREATED = "api_key.create"
    API_KEY_REVOKED = "api_key.revoke"
    CUSTOMER_CREATED = "customer.create"
    CHALLENGE_CREATED_INITIALIZE = "challenge.create.initialize"
    CHALLENGE_CREATED_RESET_PIN = "challenge.create.reset_pin"
    CHALLENGE_CREATED_CREATE_WALLET = "challenge.create.create_wallet"
    CHALLENGE_CREATED_CHANGE_PIN = "challenge.create.change_pin"
    CHALLENGE_CREATED_SET_RECOVERY = "challenge.create.set_recovery"
    CHALLENGE_CREATED_SIGN_MESSAGE = "challenge.create.sign_message"
    CHALLENGE_CREATED_SIGN_TYPED_DATA = "challenge.create.sign_typed_data"
    CHALLENGE_CREATED_SIGN_TRANSACTION = "challenge.create.sign_transaction"
    CHALLENGE_CREATED_EXPORT_PRIVATE_KEYS = "challenge.create.export_private_keys"
    # branding: the organization's brand on the gateway pages and emails
    BRANDING_UPDATED = "branding.update"
    # gateway: what the customer did on the hosted pages
    GATEWAY_LINK_OPENED = "gateway.link_opened"
    GATEWAY_PIN_SET = "gateway.pin_set"
    GATEWAY_PIN_RESET = "gateway.pin_reset"
    # A PIN set before recovery existed, replaced (with its shard) by initialize with resetPin.
    GATEWAY_PIN_RESTARTED = "gateway.pin_restarted"
    GATEWAY_PIN_LOCKED = "gateway.pin_locked"
    GATEWAY_RECOVERY_SET = "gateway.recovery_set"
    GATEWAY_RECOVERY_LOCKED = "gateway.recovery_locked"
    GATEWAY_PIN_REKEYED = "gateway.pin_rekeyed"  # a PIN copy moved to scheme v2 or a newer OPRF key
    GATEWAY_RECOVERY_REKEYED = "gateway.recovery_rekeyed"  # the same for the answers copy
    GATEWAY_CHALLENGE_VERIFIED = "gateway.challenge_verified"
    GATEWAY_CHALLENGE_DECLINED = "gateway.challenge_declined"
    GATEWAY_CHALLENGE_CANCELLED = "gateway.challenge_cancelled"
    GATEWAY_RECOVERY_REPLACED = "gateway.recovery_replaced"
    # wallets: the customer's joint key and its wallets
    WALLET_KEY_CREATED = "wallets.key_created"
    WALLET_CREATED = "wallets.wallet_created"
    WALLET_UPDATED = "wallets.wallet_updated"
    WALLET_SIGNED = "wallets.signed"
    WALLET_KEYS_EXPORTED = "wallets.keys_exported"
    # merchants: partner API clients and merchant accounts
    MERCHANT_API_CLIENT_CREATED = "merchant_api_client.created"
    MERCHANT_API_CLIENT_DISABLED = "merchant_api_client.disabled"
    MERCHANT_ACCOUNT_CREATED = "merchant_account.created"
    MERCHANT_ACCOUNT_PASSWORD_CHANGED = "merchant_account.password_changed"  # noqa: S105 (an event name)
    MERCHANT_ACCOUNT_APPROVED = "merchant_account.approved"
    MERCHANT_ACCOUNT_DECLINED = "merchant_account.declined"
    MERCHANT_ACCOUNT_LOGIN_LOCKED = "merchant_account.login_locked"
    MERCHANT_ACCOUNT_TOKENS_REVOKED = "merchant_account.tokens_revoked"
    # onboarding: applications, their documents, review
    ONBOARDING_SUBMITTED = "onboarding.submitted"
    ONBOARDING_UPDATED = "onboarding.updated"
    ONBOARDING_DOCUMENT_UPLOADED = "onboarding.document_uploaded"
    ONBOARDING_DOCUMENT_VIEWED = "onboarding.document_viewed"
    ONBOARDING_APPROVED = "onboarding.approved"
    ONBOARDING_DECLINED = "onboarding.declined"
    ONBOARDING_APPROVAL_REFUSED = "onboarding.approval_refused"
    # staff (the backoffice)
    STAFF_SIGN_IN_LOCKED = "staff.sign_in_locked"
    STAFF_OTP_ENROLLED = "staff.otp_enrolled"
    # webhooks: endpoints and deliveries
    WEBHOOK_ENDPOINT_CREATED = "webhook_endpoint.create"
    WEBHOOK_ENDPOINT_UPDATED = "webhook_endpoint.update"
    WEBHOOK_ENDPOINT_DELETED = "webhook_endpoint.delete"
    WEBHOOK_ENDPOINT_SECRET_ROTATED = "webhook_endpoint.rotate_secret"  # noqa: S105 (an event name)
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disable"
    WEBHOOK_DELIVERY_RETRIED = "webhook_delivery.retry"


class SystemActor(StrEnum):
    """Actors that are not a person or a credential."""

    NONE = ""
    GATEWAY = "gateway"
    CLI = "cli"
    SEED_DEMO = "seed_demo"
    WEBHOOKS = "webhooks"


@runtime_checkable
class NamesItsActor(Protocol):
    """An app's object that can act (an account, a partner client, an API key)."""

    @property
    def audit_actor(self) -> str: ...


Actor = AbstractBaseUser | NamesItsActor | SystemActor | None


def audit_actor_for(who: Actor) -> str:
    """The `actor` string of an audit row for a staff user, an app's acting object or a system actor."""
    if who is None:
        return SystemActor.NONE.value
    if isinstance(who, SystemActor):
        return who.value
    if isinstance(who, AbstractBaseUser):
        return f"staff:{who.get_username()}"
    if isinstance(who, NamesItsActor):
        return who.audit_actor
    raise TypeError(f"{type(who).__name__} cannot act in the audit trail (no audit_actor)")
