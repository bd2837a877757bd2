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
    PAYLOAD_INVALID = "payload_invalid"
    SIGNATURE_REFUSED = "signature_refused"
    WRONG_CHAIN = "wrong_chain"
    NO_WALLETS = "no_wallets"
    NOT_A_SIGNING_CHALLENGE = "not_a_signing_challenge"
    EXPORT_NOT_CONFIRMED = "export_not_confirmed"


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


class PayloadInvalid(DomainError):
    """A message, typed data or transaction that cannot be parsed or signed: refused before any challenge."""

    status_code = 400
    code = Code.PAYLOAD_INVALID
    default_message = "The payload to sign is not valid"


class SignatureRefused(DomainError):
    """A signature from the page that is malformed, high-s, or not made with the wallet's key."""

    status_code = 400
    code = Code.SIGNATURE_REFUSED
    default_message = "The signature was not accepted"
