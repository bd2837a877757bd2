"""idempotencyKey on POST: replay the first response, refuse the key for another request.

The unique (organization, key) row is inserted first, in the same transaction as the
write it guards. A concurrent request with the same key blocks on that INSERT (PostgreSQL
waits for the unique-index holder; SQLite for the write lock) until the first commits,
then fails with IntegrityError and reads the committed response. If the first request
fails, its transaction rolls back with the row, and the next one runs for real.
Only successful responses are stored: a failed request changed nothing, so a retry with
the same key simply runs again.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from core.errors import Conflict

from .errors import CustomersErrorCode
from .models import IdempotencyRecord, Organization

BODY_KEY = "idempotencyKey"


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def request_fingerprint(*, method: str, path: str, body: dict[str, Any]) -> str:
    canonical = {k: v for k, v in body.items() if k != BODY_KEY}
    payload = json.dumps(
        [method.upper(), path, canonical], sort_keys=True, separators=(",", ":"), ensure_ascii=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _dump(body: dict[str, Any]) -> str:
    from rest_framework.utils.encoders import JSONEncoder

    return json.dumps(body, cls=JSONEncoder, ensure_ascii=False)


def idempotent_run(
    *,
    organization: Organization,
    key: uuid.UUID | None,
    fingerprint: str,
    handler: Callable[[], tuple[int, dict[str, Any]]],
) -> Outcome:
    """Run `handler` once per (organization, key); without a key, just run it.

    Without a key the handler's own service transaction is the only one (no extra
    BEGIN/SAVEPOINT round trips on the hot path).
    """
    if key is None:
        status, body = handler()
        return Outcome(status, body)
    return _keyed_run(organization=organization, key=key, fingerprint=fingerprint, handler=handler)


def request_idempotent_run(
    request: Any,
    *,
    organization: Organization,
    key: uuid.UUID | None,
    handler: Callable[[], tuple[int, dict[str, Any]]],
) -> Outcome:
    """idempotent_run for an API request (DRF's): its method, path and validated JSON body
    are the fingerprint, computed only when the request carries a key (the only time an
    earlier request is compared with it)."""
    fingerprint = ""
    if key is not None:
        fingerprint = request_fingerprint(
            method=request.method or "",
            path=request.path,
            body=request.data if isinstance(request.data, dict) else {},  # a validated JSON object
        )
    return idempotent_run(organization=organization, key=key, fingerprint=fingerprint, handler=handler)


@transaction.atomic
def _keyed_run(
    *,
    organization: Organization,
    key: uuid.UUID,
    fingerprint: str,
    handler: Callable[[], tuple[int, dict[str, Any]]],
) -> Outcome:
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                organization=organization, key=key, fingerprint=fingerprint
            )
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(organization=organization, key=key).first()
        if existing is None:
            # Not the unique key: had the holder rolled back, our INSERT would have succeeded.
            raise
        if existing.fingerprint != fingerprint:
            raise Conflict(
                "This idempotencyKey was already used for a different request",
                code=CustomersErrorCode.IDEMPOTENCY_KEY_REUSED,
                errors={BODY_KEY: ["Already used with a different request."]},
            ) from None
        # json.loads keeps the key order, so the replay renders to the first response's bytes.
        return Outcome(existing.status_code or 200, json.loads(existing.response_body or "{}"), replayed=True)
    status, body = handler()
    record.status_code, record.response_body = status, _dump(body)
    record.save(update_fields=["status_code", "response_body"])
    return Outcome(status, body)
