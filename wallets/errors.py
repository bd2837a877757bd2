"""The wallets app's error codes and domain errors, rendered by the customers envelope or the gateway body."""

import enum

from core.errors import Conflict, DomainError


class WalletsErrorCode(enum.StrEnum):
    RECOVERY_REQUIRED = "recovery_required"
    PIN_LOCKED = "pin_locked"
    KEY_PROOF_REFUSED = "key_proof_refused"
    USER_KEY_REQUIRED = "user_key_required"
    NOT_A_WALLET_CHALLENGE = "not_a_wallet_challenge"
    KEYS_FIRST = "keys_first"
    WALLETS_EXIST = "wallets_exist"
    NOT_FOUND = "not_found"


Code = WalletsErrorCode


class RecoveryRequired(Conflict):
    code = Code.RECOVERY_REQUIRED
    default_message = (
        "Recovery must be completed first: the customer needs a PIN and a recovery method "
        "(an initialize challenge) before wallets can be provisioned"
    )


class PinLocked(DomainError):
    status_code = 423
    code = Code.PIN_LOCKED
    default_message = "The customer's PIN is locked after too many wrong attempts"


class KeyProofRefused(DomainError):
    status_code = 400
    code = Code.KEY_PROOF_REFUSED
    default_message = "The key proof was not accepted"
