"""Real worker processes on PostgreSQL: a killed worker loses no event; two workers deliver each once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from customers.services import customer_create
from webhooks.models import Attempt, Delivery
from webhooks.services import endpoint_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker(worker_id: str, **env: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "WEBHOOK_SWEEP_SECONDS": "1",
        **env,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "run_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.1",
            "--worker-id",
            worker_id,
            "--verbosity",
            "0",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: a pipe nobody reads would fill up and stall the worker.
        stderr=tempfile.TemporaryFile(),
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_killing_the_worker_mid_delivery_loses_no_event(organization, receiver, secret_registry):
    _endpoint, secret = endpoint_create(organization=organization, url=receiver.url)
    secret_registry.add(secret)
    receiver.mode, receiver.hang_seconds = "hang", 60  # the first request never gets its answer
    customer = customer_create(organization=organization, ref_id="user-1")
    slow = {"WEBHOOK_TIMEOUT_SECONDS": "30", "WEBHOOK_LEASE_SECONDS": "3"}
    first = start_worker("first", **slow)
    try:
        assert wait_until(lambda: len(receiver.requests) == 1)
        receiver.mode = "ok"
        time.sleep(0.3)
    finally:
        first.kill()  # SIGKILL in the middle of the request: no chance to clean up
        first.wait()
    assert Delivery.objects.get().status == Delivery.Status.PENDING
    assert Attempt.objects.count() == 0  # the attempt in flight was never recorded
    second = start_worker("second", **slow)
    try:
        assert wait_until(lambda: Delivery.objects.get().status == Delivery.Status.SUCCEEDED)
    finally:
        stop(second)
    bodies = [json.loads(b) for b in receiver.bodies()]
    assert len(bodies) == 2  # at least once: sent again after the restart, under the same id
    assert {b["id"] for b in bodies} == {str(Delivery.objects.get().event_id)}
    assert all(b["data"]["id"] == str(customer.pk) for b in bodies)


def test_two_workers_deliver_each_event_once_between_them(organization, receiver, secret_registry):
    endpoints = []
    for n in range(4):
        endpoint, secret = endpoint_create(organization=organization, url=f"{receiver.url}/{n}")
        secret_registry.add(secret)
        endpoints.append(endpoint)
    for i in range(30):
        customer_create(organization=organization, ref_id=f"user-{i}")
    total = 4 * 30
    workers = [start_worker("alpha"), start_worker("beta")]
    try:
        assert wait_until(lambda: Delivery.objects.filter(status=Delivery.Status.SUCCEEDED).count() == total)
        time.sleep(1.5)  # room for a duplicate to show up, were there one
    finally:
        for worker in workers:
            stop(worker)
    for n in range(4):
        ids = [json.loads(b)["id"] for b in receiver.bodies(f"/hook/{n}")]
        assert len(ids) == 30 and len(set(ids)) == 30, n
        refs = [json.loads(b)["data"]["refId"] for b in receiver.bodies(f"/hook/{n}")]
        assert refs == [f"user-{i}" for i in range(30)]  # each endpoint in event order
    assert Attempt.objects.count() == total
    claimed_by = {w for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for w in ids}
    assert claimed_by == {"alpha", "beta"}  # both took tasks
