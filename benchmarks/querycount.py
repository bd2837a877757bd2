"""Counts the SQL statements each benchmark row sends to PostgreSQL, every one of them.

Run by benchmarks/run.py with the bench environment; prints one JSON object {row: count}.
Counted where statements leave the process (libpq, through psycopg's pure-Python binding
selected with PSYCOPG_IMPL=python): queries, BEGIN/COMMIT/ROLLBACK/SAVEPOINT and the
connection health check alike. Requests go through Django's WSGI handler, so the
request_started/finished signals run (persistent connections, health checks) as under
gunicorn; each row is counted on its second request, sent right after a first one (the
steady state under load, when caches are warm and the connection was just used).
"""

import io
import json
import os
import sys
from typing import Any

os.environ["PSYCOPG_IMPL"] = "python"
sys.path.insert(0, os.getcwd())  # the checkout being measured (run.py sets cwd)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from psycopg.pq import pq_ctypes  # noqa: E402

SENT: list[str] = []
STATEMENT_METHODS = (
    "send_query",
    "send_query_params",
    "send_query_prepared",
    "exec_",
    "exec_params",
    "exec_prepared",
)


def _counting(name: str):
    original = getattr(pq_ctypes.PGconn, name)

    def wrapper(self, command, *args, **kwargs):
        SENT.append(command.decode(errors="replace") if isinstance(command, bytes) else str(command))
        return original(self, command, *args, **kwargs)

    return wrapper


for _name in STATEMENT_METHODS:
    setattr(pq_ctypes.PGconn, _name, _counting(_name))

APP = WSGIHandler()
# The bench's ALLOWED_HOSTS are the loopback names.
FACTORY = RequestFactory(SERVER_NAME="127.0.0.1")


def send(method: str, path: str, body: str | None, headers: dict) -> int:
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs.update(data=body, content_type="application/json")
    environ = FACTORY.generic(method, path, **kwargs).environ
    if body is not None:
        environ["wsgi.input"] = io.BytesIO(body.encode())
    status: list[str] = []
    result = APP(environ, lambda s, h, *a: status.append(s))  # type: ignore[arg-type]
    b"".join(result)
    result.close()  # request_finished: what gunicorn does after the body
    return int(status[0].split()[0])


def count(method: str, path: str, body: str | None, headers: dict, expect: int | None) -> int:
    send(method, path, body, headers)  # warm: caches, last-used stamps, connections
    if body is not None:
        body = body.replace("qc-", "qc2-")
    SENT.clear()
    status = send(method, path, body, headers)
    ok = status == expect if expect else 200 <= status < 300
    if not ok:
        raise SystemExit(f"{method} {path} answered {status}")
    if os.environ.get("QUERYCOUNT_VERBOSE"):
        print(f"{method} {path}: {SENT}", file=sys.stderr)
    return len(SENT)


def main() -> None:
    rows = json.loads(sys.stdin.read())
    out = {}
    for row in rows:
        out[row["name"]] = count(
            row["method"], row["path"], row.get("body"), row["headers"], row.get("expect")
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
