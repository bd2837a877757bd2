"""What a signing challenge signs: the payload parsed and hashed by eth-account (EIP-191 personal
messages, EIP-712 v4 typed data, EIP-1559 and legacy EIP-155 transactions), the plain-words summary
the approval page shows, and the check of the signature the page sends back.

No RLP, EIP-712 or EIP-191 encoding is written here: eth-account (and pyrlp, its RLP library) do it.
The page signs `digest` with k_i; the server accepts only a low-s signature that eth-account
recovers to the wallet's address.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from coincurve.utils import GROUP_ORDER_INT as N
from django.utils.translation import gettext_noop
from eth_account import Account
from eth_account._utils.legacy_transactions import (
    Transaction,
    UnsignedTransaction,
    encode_transaction,
    serializable_unsigned_transaction_from_dict,
)
from eth_account.messages import SignableMessage, _hash_eip191_message, encode_defunct, encode_typed_data
from eth_account.typed_transactions import TypedTransaction
from eth_account.typed_transactions.access_list_transaction import AccessListTransaction
from eth_account.typed_transactions.dynamic_fee_transaction import DynamicFeeTransaction
from eth_utils import is_address, keccak, to_checksum_address

from .chains import Chain
from .errors import PayloadInvalid, SignatureRefused

MESSAGE_MAX_BYTES = 64 * 1024
TYPED_DATA_MAX_BYTES = 64 * 1024
TRANSACTION_DATA_MAX_BYTES = 64 * 1024
MEMO_MAX = 500
SIGNATURE_BYTES = 65  # r ‖ s ‖ recovery id (0/1, or 27/28)
HALF_N = N // 2

MESSAGE = "message"
TYPED_DATA = "typed_data"
TRANSACTION = "transaction"

_HEX_RE = re.compile(r"^(0x)?([0-9a-fA-F]{2})*$")
_UINT_RE = re.compile(r"^(0x[0-9a-fA-F]+|[0-9]+)$")
_UINT_FIELDS = ("nonce", "gas", "value", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "chainId")
_TX_KEYS = {*_UINT_FIELDS, "to", "data", "accessList", "type", "from", "gasLimit", "input"}
_TYPED_SERIALIZERS = {1: AccessListTransaction, 2: DynamicFeeTransaction}


@dataclass(frozen=True)
class Prepared:
    """A parsed payload: what is stored (payload), what the page signs (digest), what it shows."""

    kind: str
    payload: dict[str, Any]
    digest: bytes
    summary: dict[str, Any]


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def format_units(amount: int, decimals: int = 18) -> str:
    """An integer amount of the smallest unit as an exact decimal string ("0.01", "1", "0")."""
    with localcontext() as ctx:
        ctx.prec = 100
        value = Decimal(amount) / (Decimal(10) ** decimals)
        text = format(value.normalize(), "f") if value else "0"
    return text


def _signable_digest(signable: SignableMessage) -> bytes:
    return bytes(_hash_eip191_message(signable))


# Messages (EIP-191 personal_sign).


def _message_bytes(payload: dict[str, Any]) -> bytes:
    return bytes.fromhex(payload["hex"][2:])


def message_prepare(*, message: str, encoded_by_hex: bool = False) -> Prepared:
    if encoded_by_hex:
        if not message or not _HEX_RE.match(message) or message in ("0x",):
            raise PayloadInvalid(
                "The message is not hex: with encodedByHex it must be an even number of hex digits.",
                errors={"message": ["not hex (an even number of 0-9a-f digits, 0x optional)"]},
            )
        raw = bytes.fromhex(message[2:] if message.startswith("0x") else message)
    else:
        if not message:
            raise PayloadInvalid("The message is empty.", errors={"message": ["may not be empty"]})
        raw = message.encode("utf-8")
    if len(raw) > MESSAGE_MAX_BYTES:
        raise PayloadInvalid(
            f"The message is longer than {MESSAGE_MAX_BYTES // 1024} KiB.",
            errors={"message": [f"at most {MESSAGE_MAX_BYTES} bytes"]},
        )
    payload = {"hex": _hex(raw), "encodedByHex": bool(encoded_by_hex)}
    if encoded_by_hex:
        summary = {"hex": _hex(raw), "length": len(raw)}
    else:
        summary = {"text": message, "length": len(raw)}
    return Prepared(MESSAGE, payload, _signable_digest(encode_defunct(primitive=raw)), summary)


# Typed data (EIP-712 v4).


def _typed_signable(typed: dict[str, Any]) -> SignableMessage:
    return encode_typed_data(full_message=typed)


def _tree(value: Any, depth: int = 0, label: str = "") -> list[dict[str, Any]]:
    """A nested value as rows of (depth, label, value): the page indents them into a tree."""
    rows: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if label:
            rows.append({"depth": depth, "label": label, "value": None})
            depth += 1
        for key, item in value.items():
            rows.extend(_tree(item, depth, str(key)))
    elif isinstance(value, list):
        rows.append({"depth": depth, "label": label, "value": None if value else "(empty list)"})
        for i, item in enumerate(value):
            rows.extend(_tree(item, depth + 1, f"{label}[{i}]"))
    else:
        rows.append({"depth": depth, "label": label, "value": str(value)})
    return rows


def _int_of(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _UINT_RE.match(value):
        return int(value, 0) if value.startswith("0x") else int(value)
    return None


def _fields_match(types: dict[str, Any], type_name: str, value: Any, path: str) -> str | None:
    """Where `value` has keys its struct type does not declare (eth-account ignores extra keys,
    but a field the page shows and the signature does not cover would mislead the user)."""
    base = type_name.split("[", 1)[0]
    if base not in types:
        return None
    if type_name != base:  # an array of structs
        if not isinstance(value, list):
            return f"{path} must be a list"
        for i, item in enumerate(value):
            problem = _fields_match(types, type_name[: type_name.rindex("[")], item, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if not isinstance(value, dict):
        return f"{path} must be an object of type {base}"
    declared = {f.get("name"): f.get("type") for f in types[base] if isinstance(f, dict)}
    extra = sorted(set(value) - set(declared))
    if extra:
        return f"{path} has fields its type {base} does not declare: {', '.join(map(str, extra))}"
    for name, field_type in declared.items():
        if name in value and isinstance(field_type, str):
            problem = _fields_match(types, field_type, value[name], f"{path}.{name}")
            if problem:
                return problem
    return None


def typed_data_prepare(*, typed_data: str, chain: Chain) -> Prepared:
    if len(typed_data.encode("utf-8")) > TYPED_DATA_MAX_BYTES:
        raise PayloadInvalid(
            "The typed data is longer than 64 KiB.",
            errors={"typedData": [f"at most {TYPED_DATA_MAX_BYTES} bytes"]},
        )
    try:
        typed = json.loads(typed_data)
    except ValueError:
        raise PayloadInvalid(
            "typedData is not valid JSON.", errors={"typedData": ["not valid JSON"]}
        ) from None
    if not isinstance(typed, dict):
        raise PayloadInvalid("typedData must be a JSON object.", errors={"typedData": ["not a JSON object"]})
    missing = [key for key in ("types", "primaryType", "domain", "message") if key not in typed]
    if missing:
        raise PayloadInvalid(
            f"typedData lacks {', '.join(missing)}.",
            errors={"typedData": [f"missing {key}" for key in missing]},
        )
    if not isinstance(typed["types"], dict) or typed["primaryType"] not in typed["types"]:
        raise PayloadInvalid(
            "typedData's primaryType is not one of its types.",
            errors={"typedData": ["primaryType not in types"]},
        )
    domain = typed["domain"]
    if not isinstance(domain, dict):
        raise PayloadInvalid("typedData's domain must be an object.", errors={"typedData": ["bad domain"]})
    if "chainId" in domain and _int_of(domain["chainId"]) != chain.chain_id:
        raise PayloadInvalid(
            f"The typed data is for chain {domain['chainId']}, not this wallet's chain ({chain.chain_id}).",
            errors={"typedData": [f"domain.chainId must be {chain.chain_id}"]},
        )
    problem = _fields_match(typed["types"], typed["primaryType"], typed["message"], "message")
    if problem is None and "EIP712Domain" in typed["types"]:
        problem = _fields_match(typed["types"], "EIP712Domain", domain, "domain")
    if problem:
        raise PayloadInvalid("The typed data does not match its types.", errors={"typedData": [problem]})
    try:
        digest = _signable_digest(_typed_signable(typed))
    except Exception as exc:  # eth-account raises several types for data that does not match its types
        raise PayloadInvalid(
            "The typed data does not match its types.", errors={"typedData": [_reason(exc)]}
        ) from None
    summary = {
        "domain": [
            # Stored in English; the page shows the label in its own language ({% translate %}).
            {"label": label, "value": str(domain[key])}
            for key, label in (
                ("name", gettext_noop("Name")),
                ("version", gettext_noop("Version")),
                ("chainId", gettext_noop("Chain id")),
                ("verifyingContract", gettext_noop("Verifying contract")),
                ("salt", gettext_noop("Salt")),
            )
            if key in domain
        ],
        "primaryType": str(typed["primaryType"]),
        "fields": _tree(typed["message"]),
    }
    return Prepared(TYPED_DATA, {"typedData": typed}, digest, summary)


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


# Transactions (EIP-1559 and legacy EIP-155; raw unsigned ones decoded by eth-account's RLP sedes).


def _tx_from_raw(raw_hex: str) -> dict[str, Any]:
    if (
        not isinstance(raw_hex, str)
        or not raw_hex.startswith("0x")
        or not _HEX_RE.match(raw_hex)
        or len(raw_hex) < 4
    ):
        raise PayloadInvalid(
            "rawTransaction must be 0x-prefixed hex.", errors={"rawTransaction": ["not 0x-prefixed hex"]}
        )
    raw = bytes.fromhex(raw_hex[2:])
    try:
        if raw[0] in _TYPED_SERIALIZERS:
            # eth-account's own RLP sedes of the unsigned form (it has no public decoder for one).
            serializer = _TYPED_SERIALIZERS[raw[0]]._unsigned_transaction_serializer  # type: ignore[attr-defined]  # noqa: SLF001
            fields = serializer.from_bytes(raw[1:]).as_dict()
            tx = {**fields, "type": raw[0]}
            tx["accessList"] = [
                {"address": to_checksum_address(address), "storageKeys": [_hex(k) for k in keys]}
                for address, keys in fields.get("accessList", ())
            ]
        elif raw[0] >= 0xC0:
            fields = Transaction.from_bytes(raw).as_dict()
            if fields["r"] != 0 or fields["s"] != 0:
                raise PayloadInvalid(
                    "rawTransaction is already signed.", errors={"rawTransaction": ["already signed"]}
                )
            tx = {k: fields[k] for k in ("nonce", "gasPrice", "gas", "to", "value", "data")}
            tx["chainId"] = fields["v"]
        else:
            raise ValueError(f"transaction type {raw[0]} is not supported")
    except PayloadInvalid:
        raise
    except Exception as exc:
        raise PayloadInvalid(
            "rawTransaction is not an unsigned EIP-1559, EIP-2930 or EIP-155 transaction.",
            errors={"rawTransaction": [_reason(exc)]},
        ) from None
    tx["to"] = to_checksum_address(tx["to"]) if tx.get("to") else None
    tx["data"] = _hex(tx.get("data") or b"")
    return tx


def _parties_check(tx: dict[str, Any], out: dict[str, Any], problems: list[str], *, address: str) -> None:
    """`from` (only the wallet), `to` (an address, or none for a contract creation) and `data`."""
    if tx.get("from") is not None and (
        not isinstance(tx["from"], str) or not is_address(tx["from"]) or tx["from"].lower() != address.lower()
    ):
        problems.append("from must be the wallet's address (or left out)")
    to = tx.get("to")
    if to not in (None, ""):
        if not isinstance(to, str) or not is_address(to):
            problems.append("to must be a 20-byte 0x address")
        else:
            out["to"] = to_checksum_address(to)
    data = tx.get("data") or "0x"
    if not isinstance(data, str) or not data.startswith("0x") or not _HEX_RE.match(data):
        problems.append("data must be 0x-prefixed hex")
    elif (len(data) - 2) // 2 > TRANSACTION_DATA_MAX_BYTES:
        problems.append(f"data is over {TRANSACTION_DATA_MAX_BYTES} bytes")
    else:
        out["data"] = data.lower()


def _kind_check(tx: dict[str, Any], out: dict[str, Any], problems: list[str]) -> int | None:
    """The transaction type (given, or told by its fee fields) and the fee fields it needs."""
    dynamic = "maxFeePerGas" in out or "maxPriorityFeePerGas" in out
    kind = tx.get("type")
    kind = _int_of(kind) if kind is not None else (2 if dynamic else (0 if "gasPrice" in out else None))
    if kind == 2:
        if "gasPrice" in out:
            problems.append("an EIP-1559 transaction has maxFeePerGas and maxPriorityFeePerGas, not gasPrice")
        for key in ("maxFeePerGas", "maxPriorityFeePerGas"):
            if key not in out:
                problems.append(f"{key} is required")
    elif kind == 0:
        if dynamic:
            problems.append("a legacy transaction has gasPrice, not maxFeePerGas")
        if "gasPrice" not in out:
            problems.append("gasPrice is required")
    elif kind == 1:
        if "gasPrice" not in out:
            problems.append("gasPrice is required")
    else:
        problems.append("type must be 2 (EIP-1559) or 0 (legacy), or give the fee fields of one")
    return kind


def _normalize(tx: dict[str, Any], *, field: str, address: str) -> dict[str, Any]:
    unknown = sorted(set(tx) - _TX_KEYS)
    if unknown:
        raise PayloadInvalid(
            f"{field} has unknown fields: {', '.join(unknown)}.",
            errors={field: [f"unknown field {k}" for k in unknown]},
        )
    out: dict[str, Any] = {}
    problems: list[str] = []
    if "gasLimit" in tx:
        if "gas" in tx:
            problems.append("give gas or gasLimit, not both")
        tx = {**tx, "gas": tx["gasLimit"]}
    if "input" in tx:
        if "data" in tx:
            problems.append("give data or input, not both")
        tx = {**tx, "data": tx["input"]}
    for key in _UINT_FIELDS:
        if key in tx and tx[key] is not None:
            value = _int_of(tx[key])
            if value is None or value < 0 or value >= 2**256:
                problems.append(f"{key} must be an unsigned integer (number, decimal or 0x hex string)")
            else:
                out[key] = value
    for key in ("nonce", "gas", "chainId"):
        if key not in out and not any(p.startswith(key + " ") for p in problems):
            problems.append(f"{key} is required")
    _parties_check(tx, out, problems, address=address)
    kind = _kind_check(tx, out, problems)
    if problems:
        raise PayloadInvalid(f"{field} is not a valid transaction: {problems[0]}.", errors={field: problems})
    out["type"] = kind
    if kind in (1, 2):
        out["accessList"] = tx.get("accessList") or []
    return out


def _unsigned(tx: dict[str, Any]) -> TypedTransaction | Transaction | UnsignedTransaction:
    fields = {k: v for k, v in tx.items() if k != "type" or v != 0}
    if fields.get("to") is None:
        fields.pop("to", None)
    return serializable_unsigned_transaction_from_dict(fields)


def transaction_prepare(
    *, transaction: dict[str, Any] | None, raw_transaction: str | None, chain: Chain, address: str
) -> Prepared:
    if (transaction is None) == (raw_transaction is None):
        raise PayloadInvalid(
            "Give either transaction or rawTransaction.",
            errors={"transaction": ["give transaction or rawTransaction, not both or neither"]},
        )
    field = "transaction" if transaction is not None else "rawTransaction"
    source = transaction if transaction is not None else _tx_from_raw(raw_transaction or "")
    if not isinstance(source, dict):
        raise PayloadInvalid("transaction must be a JSON object.", errors={field: ["not a JSON object"]})
    tx = _normalize(source, field=field, address=address)
    if tx["chainId"] != chain.chain_id:
        raise PayloadInvalid(
            f"The transaction is for chain id {tx['chainId']}, not this wallet's chain ({chain.chain_id}).",
            errors={field: [f"chainId must be {chain.chain_id}"]},
        )
    try:
        digest = bytes(_unsigned(tx).hash())
    except Exception as exc:
        raise PayloadInvalid(
            "The transaction could not be encoded.", errors={field: [_reason(exc)]}
        ) from None
    data = bytes.fromhex(tx["data"][2:])
    gas = tx["gas"]
    fee_per_gas = tx.get("maxFeePerGas", tx.get("gasPrice", 0))
    summary = {
        "type": "EIP-1559" if tx["type"] == 2 else ("EIP-2930" if tx["type"] == 1 else "legacy"),
        "to": tx.get("to"),
        "amount": format_units(tx.get("value", 0)),
        "unit": chain.unit,
        "contractCall": {"selector": _hex(data[:4]), "dataLength": len(data)} if len(data) >= 4 else None,
        "dataLength": len(data),
        "gasLimit": gas,
        "maxFeePerGas": format_units(tx["maxFeePerGas"], 9) if "maxFeePerGas" in tx else None,
        "maxPriorityFeePerGas": format_units(tx["maxPriorityFeePerGas"], 9)
        if "maxPriorityFeePerGas" in tx
        else None,
        "gasPrice": format_units(tx["gasPrice"], 9) if "gasPrice" in tx else None,
        "maxFee": format_units(gas * fee_per_gas),
        "nonce": tx["nonce"],
        "chainId": tx["chainId"],
    }
    return Prepared(TRANSACTION, {"transaction": tx}, digest, summary)


# The page's signature.


def signature_parts(signature: bytes) -> tuple[int, int, int]:
    """(r, s, recovery id) of r ‖ s ‖ v, refused unless in range and low-s (EIP-2)."""
    if len(signature) != SIGNATURE_BYTES:
        raise SignatureRefused(
            "The signature must be 65 bytes (r, s, v).", errors={"signature": ["wrong length"]}
        )
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64]
    recid = v - 27 if v in (27, 28) else v
    if recid not in (0, 1) or not (0 < r < N) or not (0 < s < N):
        raise SignatureRefused(
            "The signature is not a valid secp256k1 signature.", errors={"signature": ["invalid"]}
        )
    if s > HALF_N:
        raise SignatureRefused(
            "The signature is not in low-s form (EIP-2).", errors={"signature": ["high s: not accepted"]}
        )
    return r, s, recid


def signature_accept(*, kind: str, payload: dict[str, Any], signature: bytes, address: str) -> dict[str, str]:
    """The challenge's result for a signature the page made, or SignatureRefused.

    Message and typed data: `{signature}` (r ‖ s ‖ v, v = 27 + recovery id). Transaction:
    `{signedTransaction, txHash}`, the signed encoding eth-account recovers to `address`.
    """
    r, s, recid = signature_parts(signature)
    if kind == TRANSACTION:
        tx = payload["transaction"]
        unsigned = _unsigned(tx)
        v = recid if isinstance(unsigned, TypedTransaction) else recid + 35 + 2 * tx["chainId"]
        encoded = encode_transaction(unsigned, vrs=(v, r, s))
        signer = Account.recover_transaction(encoded)
        result = {"signedTransaction": _hex(encoded), "txHash": _hex(keccak(encoded))}
    else:
        signable = (
            encode_defunct(primitive=_message_bytes(payload))
            if kind == MESSAGE
            else _typed_signable(payload["typedData"])
        )
        signer = Account.recover_message(signable, vrs=(recid + 27, r, s))
        result = {"signature": _hex(signature[:64] + bytes([recid + 27]))}
    if signer.lower() != address.lower():
        raise SignatureRefused(
            "The signature was not made with this wallet's key.",
            errors={"signature": ["does not recover to the wallet's address"]},
        )
    return result


def prepared_digest(*, kind: str, payload: dict[str, Any]) -> bytes:
    """The digest of a stored payload, recomputed (the benchmark and the tests compare it)."""
    if kind == TRANSACTION:
        return bytes(_unsigned(payload["transaction"]).hash())
    if kind == MESSAGE:
        return _signable_digest(encode_defunct(primitive=_message_bytes(payload)))
    return _signable_digest(_typed_signable(payload["typedData"]))
