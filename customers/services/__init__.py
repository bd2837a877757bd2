"""Writes of the customers app: organizations and keys, customers, challenges. The customers
app owns these rows: other apps (the gateway) change them only through these services."""

from .challenges import (
    challenge_bind,
    challenge_finish,
    challenge_open,
    challenge_transition,
    customer_change_pin,
    customer_initialize,
    customer_reset_pin,
    customer_set_recovery,
)
from .customers import (
    customer_create,
    customer_email_code_attempt,
    customer_lock,
    customer_pin_attempt,
    customer_pin_evaluation,
    customer_pin_set,
    customer_recovery_set,
    customers_recount,
)
from .organizations import (
    InvalidOrigin,
    api_key_create,
    api_key_generate,
    api_key_revoke,
    idempotency_records_purge,
    organization_create,
    redirect_origin_normalize,
    redirect_url_validate,
)

__all__ = [
    "customer_change_pin",
    "customer_set_recovery",
    "InvalidOrigin",
    "api_key_create",
    "api_key_generate",
    "api_key_revoke",
    "challenge_bind",
    "challenge_finish",
    "challenge_open",
    "challenge_transition",
    "customer_create",
    "customer_email_code_attempt",
    "customer_initialize",
    "customer_lock",
    "customer_pin_attempt",
    "customer_pin_evaluation",
    "customer_pin_set",
    "customer_recovery_set",
    "customer_reset_pin",
    "customers_recount",
    "idempotency_records_purge",
    "organization_create",
    "redirect_origin_normalize",
    "redirect_url_validate",
]
