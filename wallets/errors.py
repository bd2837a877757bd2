"""The wallets app's domain errors, rendered by the customers envelope or the gateway body."""

from core.errors import Conflict, DomainError


class RecoveryRequired(Conflict):
    code = "recovery_required"
    default_message = (
        "Recovery must be completed first: the customer needs a PIN and a recovery method "
        "(an initialize challenge) before wallets can be provisioned"
    )


class PinLocked(DomainError):
    status_code = 423
    code = "pin_locked"
    default_message = "The customer's PIN is locked after too many wrong attempts"


class KeyProofRefused(DomainError):
    status_code = 400
    code = "key_proof_refused"
    default_message = "The key proof was not accepted"
