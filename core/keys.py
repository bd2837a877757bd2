"""The one interface through which the OPRF keys of PIN scheme v2 are used (KMS/HSM-replaceable).

Callers never see a key: they ask the provider to evaluate a blinded element for one
customer and purpose under one key version. `EnvironmentOprfKeyProvider` (the default) holds
OPRF_MASTER_KEY ("version:base64key,..." in the environment, never in the database) and
derives each per-customer, per-purpose key in two documented steps:

1. seed = HKDF-SHA256(master key of that version, salt "onboarding-gateway/oprf/v1",
   info "<purpose>|<customer id>", 32 bytes);
2. (skS, pkS) = RFC 9497 DeriveKeyPair(seed, info "og/v2/oprf|<purpose>|<customer id>").

A KMS or HSM replaces it by a class with the same two methods, named in
settings.ONBOARDING["OPRF_KEY_PROVIDER"]; the key then never leaves the device.
"""

from __future__ import annotations

from functools import cache
from typing import Protocol

from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF
from django.conf import settings
from django.utils.module_loading import import_string

from . import oprf
from .conf import app_settings
from .crypto import parse_key_ring

SEED_SALT = b"onboarding-gateway/oprf/v1"


class UnknownOprfKeyVersion(LookupError):
    """A stored copy names an OPRF key version the provider no longer has."""


class OprfKeyProvider(Protocol):
    def active_version(self) -> int:
        """The version new copies are made under."""
        ...

    def blind_evaluate(
        self, *, version: int, customer_id: str, purpose: str, blinded_element: bytes
    ) -> bytes:
        """skS(version, customer, purpose) * blinded_element; raises oprf.InvalidElement on bad input."""
        ...


class EnvironmentOprfKeyProvider:
    """Keys from settings.OPRF_MASTER_KEY, derived per customer and purpose (see module docstring)."""

    def _ring(self) -> dict[int, bytes]:
        return parse_key_ring(settings.OPRF_MASTER_KEY, name="OPRF_MASTER_KEY")

    def active_version(self) -> int:
        return max(self._ring())

    def _secret_key(self, *, version: int, customer_id: str, purpose: str) -> bytes:
        master = self._ring().get(version)
        if master is None:
            raise UnknownOprfKeyVersion(f"no OPRF key of version {version}")
        label = f"{purpose}|{customer_id}".encode()
        seed = HKDF(master, 32, salt=SEED_SALT, hashmod=SHA256, context=label)
        if not isinstance(seed, bytes):  # a tuple only for num_keys > 1
            raise TypeError("HKDF returned several keys")
        secret_key, _ = oprf.derive_key_pair(seed, b"og/v2/oprf|" + label)
        return secret_key

    def blind_evaluate(
        self, *, version: int, customer_id: str, purpose: str, blinded_element: bytes
    ) -> bytes:
        element = oprf.deserialize_element(blinded_element)
        secret_key = self._secret_key(version=version, customer_id=customer_id, purpose=purpose)
        return oprf.blind_evaluate(secret_key, element)


@cache
def _provider(path: str) -> OprfKeyProvider:
    return import_string(path)()


def oprf_key_provider() -> OprfKeyProvider:
    return _provider(app_settings.OPRF_KEY_PROVIDER)
