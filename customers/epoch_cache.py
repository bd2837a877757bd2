"""Per-worker caches of an organization's configuration, trusted only while the epoch holds.

The API-key revocation epoch (customers.throttling) is the **organization config epoch**:
every authenticated request of the customers API reads it in its one Redis round trip,
and every change to what these caches hold moves it (`config_changed`): API keys,
organizations, redirect allowlists, webhook endpoints. A worker keeps, per organization,
what it read from PostgreSQL together with the epoch the request read *before* that
read, and uses it again only in a request that read the same epoch. So a change is seen
by the very next request in every worker, as a revoked key is.

Without an epoch (Redis down or unreadable, a call from outside an authenticated
request: the gateway, the worker, the admin) nothing is cached or reused: the caller
reads PostgreSQL.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.db import transaction

from .throttling import epoch_bump

logger = logging.getLogger("onboarding.customers.auth")

V = TypeVar("V")

# A remembered value is read again after this long even if the epoch never moved: the
# bound for the one case the epoch cannot cover (a change whose epoch update was lost
# because Redis was unreachable from the changing process only).
MAX_SECONDS = 60
MAX_ENTRIES = 10_000

_clearers: list[Callable[[], None]] = []


def on_config_change(clear: Callable[[], None]) -> None:
    """Register a per-worker cache's clear function; config_changed calls it."""
    _clearers.append(clear)


class EpochCache(Generic[V]):
    """key -> value, each remembered with the epoch it was read under."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, tuple[str, float, V]] = {}
        on_config_change(self.clear)

    def get(self, key: Hashable, *, epoch: str | None) -> V | None:
        """The value remembered under this very epoch (and not too long ago), else None."""
        if epoch is None:
            return None
        entry = self._entries.get(key)
        if entry is None or entry[0] != epoch or time.monotonic() - entry[1] >= MAX_SECONDS:
            return None
        return entry[2]

    def put(self, key: Hashable, value: V, *, epoch: str | None) -> None:
        """Remember `value`, read from PostgreSQL after the request read `epoch`."""
        if epoch is None:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (epoch, time.monotonic(), value)

    def clear(self) -> None:
        self._entries.clear()


def config_changed() -> None:
    """An organization's configuration changed: every worker must read it again.

    The epoch moves now and again after commit. The first makes this process (and any
    reader of the uncommitted change) re-read; the second is the one that counts for
    other workers, since a worker that re-read between the two saw the old rows.
    """

    def bump() -> None:
        try:
            epoch_bump()
        except Exception:
            logger.warning(
                "cache unavailable; API-key revocation epoch not moved (other workers re-check "
                "their keys and organization settings within %s s)",
                MAX_SECONDS,
            )

    for clear in _clearers:
        clear()
    bump()
    transaction.on_commit(bump)
