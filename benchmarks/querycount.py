"""Counts SQL queries per request for each benchmark row, in-process against the bench database.

Run by benchmarks/run.py with the bench environment; prints one JSON object {row: queries}.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def count(client: Client, method: str, path: str, body: str | None, headers: dict, expect: int | None) -> int:
    call = getattr(client, method.lower())
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs.update(data=body, content_type="application/json")
    call(path, **kwargs)  # warm: caches, last-used stamps, connections
    if body is not None:
        kwargs["data"] = body.replace("qc-", "qc2-")
    with CaptureQueriesContext(connection) as ctx:
        response = call(path, **kwargs)
    ok = response.status_code == expect if expect else 200 <= response.status_code < 300
    if not ok:
        raise SystemExit(f"{method} {path} answered {response.status_code}: {response.content[:300]!r}")
    return len(ctx.captured_queries)


def main() -> None:
    rows = json.loads(sys.stdin.read())
    # The bench's ALLOWED_HOSTS are the loopback names, not the test client's "testserver".
    client = Client(raise_request_exception=False, SERVER_NAME="127.0.0.1")
    out = {}
    for row in rows:
        out[row["name"]] = count(
            client, row["method"], row["path"], row.get("body"), row["headers"], row.get("expect")
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
