"""Webhooks benchmark: delivery rate of one worker, and what an event adds to a customer creation.

    .venv/bin/python benchmarks/webhooks_bench.py [--events 1000] [--creations 400] [--sqlite]

In one run, on a fresh PostgreSQL database (og_bench_webhooks; --sqlite: a temporary file):
1. `events/s by one worker`: N events for one endpoint, then one `run_worker --batch`
   process delivers them to a local receiver (a threaded HTTP server answering 200);
   the rate is N over the time from its first attempt to its last answer, from the
   attempts log (worker start-up excluded).
2. `customer creation`: POST /v2/customers through the WSGI application, alternating
   batches between an organization with one subscribed endpoint (the event, its delivery
   and the enqueued task are written), one without endpoints (only the lookup of
   subscribers runs) and the same creation with event_emit patched out (no webhook code
   at all); the median per creation of each, differences and ratios against the last
   (the baseline is measured in the same run).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PYTHON, ROOT, recreate_database


class _Receiver(BaseHTTPRequestHandler):
    count = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with _Receiver.lock:
            _Receiver.count += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--creations", type=int, default=400, help="per side")
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()

    if args.sqlite:
        database_url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    else:
        database_url = recreate_database("og_bench_webhooks")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        "CUSTOMERS_RATE_LIMIT": "100000000/s",
        "WEBHOOK_ALLOW_LOOPBACK": "true",
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
    }
    os.environ.update(env)
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from customers.services import api_key_create, organization_create
    from webhooks.models import Attempt, Delivery
    from webhooks.services import endpoint_create, event_emit

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"

    # 1. Delivery rate of one worker.
    organization = organization_create(name="Bench Webhooks")
    endpoint, _secret = endpoint_create(organization=organization, url=url)
    for n in range(args.events):
        event_emit(organization=organization, event="customer.created", data={"n": n, "refId": f"bench-{n}"})
    subprocess.run(
        [
            PYTHON,
            "manage.py",
            "run_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    delivered = Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.SUCCEEDED).count()
    attempts = list(Attempt.objects.filter(delivery__endpoint=endpoint).values("started_at", "latency_ms"))
    first = min(a["started_at"] for a in attempts)
    last = max(a["started_at"].timestamp() + a["latency_ms"] / 1000 for a in attempts)
    elapsed = last - first.timestamp()
    rate = delivered / elapsed if elapsed > 0 else float("inf")

    # 2. Customer creation with and without a subscribed endpoint, alternating batches.
    with_hooks = organization_create(name="With webhooks")
    endpoint_create(organization=with_hooks, url=url, events=["customer.created"])
    without = organization_create(name="Without webhooks")
    clients = {
        "with": (Client(), api_key_create(organization=with_hooks)[1]),
        "without": (Client(), api_key_create(organization=without)[1]),
        "off": (Client(), api_key_create(organization=without)[1]),
    }
    timings: dict[str, list[float]] = {"with": [], "without": [], "off": []}
    import customers.services.customers as customer_services

    queries: dict[str, int] = {}
    batch = 20
    counter = 0
    for _ in range(max(1, args.creations // batch)):
        for side in ("off", "without", "with"):
            client, key = clients[side]
            # "off": event_emit patched out where the customers service looks it up.
            emit_off = mock.patch.object(customer_services, "event_emit", lambda **kwargs: None)
            with emit_off if side == "off" else contextlib.nullcontext():
                for _ in range(batch):
                    counter += 1
                    body = json.dumps({"refId": f"c-{counter}"})
                    started = time.perf_counter()
                    if side not in queries:
                        with CaptureQueriesContext(connection) as ctx:
                            response = client.post(
                                "/v2/customers",
                                body,
                                content_type="application/json",
                                HTTP_PLANBOK_X_API_KEY=key,
                            )
                        queries[side] = len(ctx.captured_queries)
                    else:
                        response = client.post(
                            "/v2/customers", body, content_type="application/json", HTTP_PLANBOK_X_API_KEY=key
                        )
                    timings[side].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 201, response.content
    server.shutdown()

    with_ms, without_ms = statistics.median(timings["with"]), statistics.median(timings["without"])
    off_ms = statistics.median(timings["off"])
    print(f"database: {connection.vendor}")
    print(
        f"events/s by one worker      {rate:8.1f}   ({delivered} of {args.events} delivered"
        f" in {elapsed:.2f} s, receiver saw {_Receiver.count})"
    )
    rows = [
        ("webhooks off (baseline)", off_ms, "off"),
        ("no endpoint subscribed", without_ms, "without"),
        ("one endpoint subscribed", with_ms, "with"),
    ]
    for label, ms, side in rows:
        print(
            f"customer creation, {label:<24} {ms:6.2f} ms median  ({queries[side]} queries)"
            f"  {ms - off_ms:+6.2f} ms  x{ms / off_ms:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
