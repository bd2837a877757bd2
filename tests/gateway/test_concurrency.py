"""Concurrent wrong PIN proofs on PostgreSQL: every one counts, and the PIN locks exactly once.

Scheme v2: each unlock is a counted OPRF evaluation then a proof naming it; the evaluation is
where the count happens, so parallel attempts can answer at most PIN_MAX_ATTEMPTS evaluations."""

import secrets
import threading

import pytest
from django.db import connection
from django.test import Client

from core.crypto import b64url
from core.models import AuditEvent
from gateway.models import OprfEvaluation

from .conftest import Flow, blinded_element
from .factories import challenge_make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_wrong_proofs_lock_once():
    owner = Flow(challenge_make())
    owner.open()
    owner.set_pin()
    resumed = Flow(challenge_make(customer=owner.customer))
    resumed.open()
    cookies = resumed.client.cookies
    evaluations: list[int] = []
    proofs: list[int] = []
    barrier = threading.Barrier(7)

    def attempt() -> None:
        client = Client(enforce_csrf_checks=True)
        client.cookies = cookies
        flow = Flow(resumed.challenge, client=client)
        barrier.wait()
        try:
            answer = flow.post("pin/evaluate", {"blindedElement": blinded_element()}, raw=True)
            evaluations.append(answer.status_code)
            body = {"authKey": b64url(secrets.token_bytes(32))}
            if answer.status_code == 200:
                body["evaluationId"] = answer.json()["data"]["evaluationId"]
            proofs.append(flow.post("pin/verify", body, raw=True).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # At most five evaluations are answered; whichever count reaches the limit locks the PIN and
    # ends the challenge, once; nothing is released; later requests find it closed (410) or locked.
    assert evaluations.count(200) <= 5
    assert OprfEvaluation.objects.filter(challenge=resumed.challenge).count() == evaluations.count(200)
    assert set(evaluations) <= {200, 410, 423} and set(proofs) <= {403, 410, 423}
    assert 423 in evaluations + proofs
    assert resumed.customer.pin_status == "LOCKED"
    assert AuditEvent.objects.filter(action="gateway.pin_locked").count() == 1
