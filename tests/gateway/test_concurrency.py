"""Concurrent wrong PIN proofs on PostgreSQL: every one counts, and the PIN locks exactly once."""

import secrets
import threading

import pytest
from django.db import connection
from django.test import Client

from core.crypto import b64url
from core.models import AuditEvent

from .conftest import Flow
from .factories import challenge_make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_wrong_proofs_lock_once():
    owner = Flow(challenge_make())
    owner.open()
    owner.set_pin()
    resumed = Flow(challenge_make(customer=owner.customer))
    resumed.open()
    cookies = resumed.client.cookies
    statuses: list[int] = []
    barrier = threading.Barrier(7)

    def attempt() -> None:
        client = Client(enforce_csrf_checks=True)
        client.cookies = cookies
        flow = Flow(resumed.challenge, client=client)
        barrier.wait()
        try:
            statuses.append(flow.post("pin/verify", {"authKey": b64url(secrets.token_bytes(32))}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The fifth locks the PIN and ends the challenge; later ones find it closed (410).
    assert sorted(statuses) == [403, 403, 403, 403, 410, 410, 423]
    assert resumed.customer.pin_status == "LOCKED"
    assert AuditEvent.objects.filter(action="gateway.pin_locked").count() == 1
