"""Webhook fixtures: real HTTP receivers on 127.0.0.1, the README's verification snippet, a worker run."""

from __future__ import annotations

import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command

from customers.models import ApiKey
from customers.services import api_key_create, organization_create
from tests.customers.conftest import Api

README = Path(__file__).resolve().parents[2] / "README.md"
SNIPPET_MARKER = "<!-- webhook-receiver-snippet"


def readme_snippet_source() -> str:
    """The exact Python block that follows the marker in README.md."""
    text = README.read_text()
    after = text[text.index(SNIPPET_MARKER) :]
    match = re.search(r"```python\n(.*?)```", after, re.DOTALL)
    assert match, "README.md lost its receiver snippet"
    return match.group(1)


def readme_verify():
    namespace: dict = {}
    exec(compile(readme_snippet_source(), "README.md:webhook-receiver-snippet", "exec"), namespace)  # noqa: S102
    return namespace["verify_webhook"]


class Receiver:
    """An HTTP server that records every request (headers and raw body) and answers as told.

    `mode`: "ok" (200), "error" (500), "hang" (sleeps past the timeout), "redirect" (302 to
    /elsewhere), "reset" (closes the connection without answering). `down()` / `up()` close
    and reopen the listening socket on the same port.
    """

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.mode = "ok"
        self.hang_seconds = 3.0
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def up(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    mode = receiver.mode
                if mode == "hang":
                    time.sleep(receiver.hang_seconds)
                if mode == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
                    self.connection.close()
                    return
                status = {"ok": 200, "error": 500, "hang": 200, "redirect": 302}[mode]
                self.send_response(status)
                if mode == "redirect":
                    self.send_header("Location", "/elsewhere")
                reply = b"received " + b"x" * 2000 if mode == "ok" else b"nope"
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                try:
                    self.wfile.write(reply)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def down(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def bodies(self, path: str = "/hook") -> list[bytes]:
        with self.lock:
            return [r["body"] for r in self.requests if r["path"] == path]

    def wait_for(self, count: int, timeout: float = 20.0, path: str = "/hook") -> list[bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.bodies(path)) >= count:
                return self.bodies(path)
            time.sleep(0.05)
        return self.bodies(path)


@pytest.fixture
def receiver():
    r = Receiver().up()
    yield r
    r.down()


@pytest.fixture(autouse=True)
def _fast_webhooks(settings):
    """Generous rate limit; short backoff and timeout so retries happen within a test."""
    settings.ONBOARDING = {
        **settings.ONBOARDING,
        "CUSTOMERS_RATE_LIMIT": "100000/s",
        "WEBHOOK_TIMEOUT_SECONDS": 1,
        "WEBHOOK_BACKOFF_BASE_SECONDS": 0.05,
        "WEBHOOK_BACKOFF_MAX_SECONDS": 0.2,
        "WEBHOOK_SWEEP_SECONDS": 0,
        "WEBHOOK_ALLOW_LOOPBACK": True,
    }


def run_worker() -> None:
    """Run every ready task with django-tasks-db's own worker, then return."""
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)


@pytest.fixture
def organization(db):
    return organization_create(name="Acme Wallet", redirect_origins=["https://app.example.com"])


@pytest.fixture
def other_organization(db):
    return organization_create(name="Other Wallet")


@pytest.fixture
def api(organization):
    return Api(api_key_create(organization=organization, kind=ApiKey.Kind.FULL)[1])


@pytest.fixture
def restricted_api(organization):
    return Api(api_key_create(organization=organization, kind=ApiKey.Kind.RESTRICTED)[1])


@pytest.fixture
def other_api(other_organization):
    return Api(api_key_create(organization=other_organization)[1])
