"""Benchmark: the service under gunicorn (PostgreSQL + Redis) loaded by wrk, as ratios to a baseline.

    make bench            # full run: 1,000,000 customers, 10 s per row, then 1,000 fuzz
                          # cases per operation; writes benchmarks/RESULTS.md
    make bench-quick      # CI's smaller form: 20,000 customers, 2 s per row, no fuzzing

The baseline is GET /healthz, a bare Django view returning a small JSON object through
the same gunicorn/Django stack, measured in the same run. Rate limits are raised for
the run through the ordinary settings read from the environment (CUSTOMERS_RATE_LIMIT,
MERCHANT_RATE_LIMIT, MERCHANT_LOGIN_RATE_LIMIT); no code path changes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    PG_ADMIN_URL,
    PYTHON,
    ROOT,
    bench_env,
    ensure_services,
    ensure_wrk,
    gunicorn,
    http_json,
    manage,
    recreate_database,
)
from wallet_rows import seed_wallets, wallet_rows

LUA = str(Path(__file__).resolve().parent / "wrk" / "request.lua")
OUT = Path(__file__).resolve().parent / "out"


@dataclass
class Row:
    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None
    ids: str | None = None
    connections: int | None = None
    threads: int | None = None
    target: str = ""
    ok_status: int | None = None  # the answer that counts as a success when not a 2xx
    result: dict = field(default_factory=dict)


def wrk(wrk_bin: str, base: str, row: Row, duration: int, connections: int) -> dict:
    conns = row.connections or connections
    threads = min(row.threads or 2, conns)
    env = dict(os.environ)
    env.update(
        {
            "BENCH_METHOD": row.method,
            "BENCH_PATH": row.path,
            "BENCH_HEADERS": "|".join(f"{k}: {v}" for k, v in row.headers.items()),
            "BENCH_IDS": row.ids or "",
            "BENCH_OK_STATUS": str(row.ok_status or ""),
        }
    )
    if row.body is not None:
        env["BENCH_BODY"] = row.body
    else:
        env.pop("BENCH_BODY", None)
    out = subprocess.run(
        [
            wrk_bin,
            "-t",
            str(threads),
            "-c",
            str(conns),
            "-d",
            f"{duration}s",
            "--timeout",
            "10s",
            "-s",
            LUA,
            base,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 60,
    )
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]
    data = json.loads(line)
    data["rps"] = data["ok"] / (data["duration_us"] / 1e6)
    return data


def seed_customers(database_url: str, org_id: str, count: int) -> None:
    """Bulk-insert `count` customers for one organization straight in SQL (seconds, not hours)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            """
            INSERT INTO customers_customer
                (id, organization_id, ref_id, name, has_pin, has_recovery, recovery_methods,
                 pin_failed_attempts, created_at, updated_at)
            SELECT md5('bench' || g)::uuid, %s, 'bench-' || g, 'Bench Customer ' || g,
                   false, false, '[]'::jsonb, 0,
                   now() - make_interval(secs => %s - g), now()
            FROM generate_series(1, %s) AS g
            """,
            (org_id, count, count),
        )
        after_seed = ROOT / "benchmarks" / "after_seed.sql"
        if after_seed.exists():
            conn.execute(after_seed.read_text())
        # As autovacuum would have by then: statistics, and a visibility map for index-only scans.
        conn.execute("VACUUM (ANALYZE) customers_customer")


def bcrypt_cost_ms(rounds: int, samples: int = 5) -> float:
    import bcrypt

    pre = base64.b64encode(hmac.new(b"k" * 32, b"Bench-password-1!", hashlib.sha384).digest())
    bcrypt.hashpw(pre, bcrypt.gensalt(rounds))
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        bcrypt.hashpw(pre, bcrypt.gensalt(rounds))
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def query_counts(env: dict[str, str], rows: list[Row], ids: list[str]) -> dict[str, int]:
    payload = []
    for row in rows:
        if row.name.startswith("baseline"):
            continue
        sub = lambda s: s.replace("{n}", f"qc-{time.time_ns()}").replace("{id}", ids[0]) if s else s  # noqa: E731
        payload.append(
            {
                "name": row.name,
                "method": row.method,
                "path": sub(row.path),
                "body": sub(row.body),
                "headers": row.headers,
                "expect": row.ok_status,
            }
        )
    out = subprocess.run(
        [PYTHON, "benchmarks/querycount.py"],
        cwd=ROOT,
        env=env,
        check=True,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per row")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--quick", action="store_true", help="CI size: 20,000 customers, 2 s rows")
    parser.add_argument("--results", type=Path, help="also write a Markdown report here")
    parser.add_argument(
        "--fuzz",
        type=int,
        default=0,
        metavar="N",
        help="then fuzz every operation with N schemathesis cases (0: skip)",
    )
    args = parser.parse_args()
    if args.quick:
        args.customers, args.duration = min(args.customers, 20_000), 2

    ensure_services()
    wrk_bin = ensure_wrk()
    database_url = recreate_database("og_bench")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
    subprocess.run(["redis-cli", "-n", redis_url.rsplit("/", 1)[1], "flushdb"], capture_output=True)
    env = bench_env(
        database_url,
        redis_url,
        CUSTOMERS_RATE_LIMIT="100000000/s",
        MERCHANT_RATE_LIMIT="100000000/60s",
        MERCHANT_LOGIN_RATE_LIMIT="100000000/60s",
    )
    rounds = int(env.get("BCRYPT_ROUNDS", "12"))

    print(f"migrating and seeding {args.customers:,} customers ...", flush=True)
    manage(env, "migrate", "--noinput")
    org_id = (
        manage(env, "create_organization", "Bench Org", "--redirect-origin", "https://bench.example.com")
        .strip()
        .splitlines()[-1]
    )
    api_key = manage(env, "create_api_key", org_id).strip().splitlines()[-1]
    t0 = time.monotonic()
    seed_customers(database_url, org_id, args.customers)
    # The list's total is the organization's transactional counter: repair it after bulk SQL.
    manage(env, "recount_customers", org_id)
    seed_wallets(database_url, org_id, args.customers)
    print(f"seeded in {time.monotonic() - t0:.1f}s", flush=True)
    client_lines = manage(env, "create_api_client", "Bench Partner").strip().splitlines()
    creds = dict(line.split("=", 1) for line in client_lines if "=" in line)

    key_headers = {"PLANBOK-X-API-KEY": api_key}
    ids_file = tempfile.NamedTemporaryFile("w", delete=False, suffix=".ids")
    last_page = max(1, args.customers // 10 - 5)

    with gunicorn(env, args.workers) as base:
        status, body = http_json(
            "POST",
            base + "/v2/auth/token",
            {"clientId": creds["clientId"], "clientSecret": creds["clientSecret"]},
        )
        if status != 200:
            raise SystemExit(f"client token: {status} {body}")
        client_token = body["accessToken"]
        status, body = http_json("GET", base + "/v2/customers?limit=100", headers=key_headers)
        if status != 200:
            raise SystemExit(f"list customers: {status} {body}")
        ids = [c["id"] for c in body["data"]]
        ids_file.write("\n".join(ids) + "\n")
        ids_file.close()

        account_body = json.dumps(
            {
                "contact": {"email": "bench{n}@example.com", "phone": "+639171234567"},
                "user": {
                    "firstName": "Bench",
                    "lastName": "User",
                    "username": "b{n}",
                    "password": "Bench-Password-123!",
                    "pin": "4321",
                },
            }
        )
        rows = [
            Row("baseline GET /healthz", "GET", "/healthz", {}),
            Row(
                "GET /v2/customers/{id}",
                "GET",
                "/v2/customers/{id}",
                key_headers,
                ids=ids_file.name,
                target="ratio>=0.6",
            ),
            Row(
                "POST /v2/customers",
                "POST",
                "/v2/customers",
                key_headers,
                body=json.dumps({"refId": "new-{n}", "name": "Load Test"}),
                target="ratio>=0.6",
            ),
            # List pages twice: under the run's concurrency (throughput; p50 there is mostly
            # queueing on 2 cores) and on one connection, where p50 is what one page costs.
            Row("GET /v2/customers page 1", "GET", "/v2/customers?page=1&limit=10", key_headers),
            Row(
                f"GET /v2/customers page {last_page:,}",
                "GET",
                f"/v2/customers?page={last_page}&limit=10",
                key_headers,
            ),
            Row(
                "GET /v2/customers page 1 (1 connection)",
                "GET",
                "/v2/customers?page=1&limit=10",
                key_headers,
                connections=1,
                threads=1,
                target="p50<30ms",
            ),
            Row(
                f"GET /v2/customers page {last_page:,} (1 connection)",
                "GET",
                f"/v2/customers?page={last_page}&limit=10",
                key_headers,
                connections=1,
                threads=1,
                target="p50<30ms",
            ),
            Row(
                "POST /v2/customers/{id}/initialize",
                "POST",
                "/v2/customers/{id}/initialize",
                key_headers,
                body=json.dumps({"redirectUrl": "https://bench.example.com/done?u={n}"}),
                ids=ids_file.name,
            ),
            # Authentication, the per-key limit and an error body, but no customer query:
            # limit=0 is refused by the serializer after the key has been checked.
            Row(
                "API-key auth alone (400 after auth)",
                "GET",
                "/v2/customers?limit=0",
                key_headers,
                ok_status=400,
            ),
            Row(
                "POST /v2/account (1 connection)",
                "POST",
                "/v2/account",
                {"Authorization": f"Bearer {client_token}"},
                body=account_body,
                connections=1,
                threads=1,
                target="p50<=1.2x bcrypt",
            ),
        ]
        rows += wallet_rows(Row, key_headers, ids)
        for row in rows:
            print(f"  {row.name} ...", flush=True)
            row.result = wrk(wrk_bin, base, row, args.duration, args.connections)

    counts = query_counts(env, rows, ids)
    cost = bcrypt_cost_ms(rounds)
    baseline = rows[0].result["rps"]
    lines, _verdicts = render(rows, counts, baseline, cost, rounds, args)
    report = "\n".join(lines)
    print()
    print(report)
    fuzz_ok = True
    if args.fuzz:
        fuzz_report, fuzz_ok = run_fuzz(args.fuzz, redis_url)
        report += "\n\n" + fuzz_report
        print()
        print(fuzz_report)
    OUT.mkdir(exist_ok=True)
    (OUT / "latest.md").write_text(report + "\n")
    if args.results:
        # The hand-written analysis below the figures survives a new run.
        old = args.results.read_text() if args.results.exists() else ""
        analysis = old[old.index("\n## Analysis") :] if "\n## Analysis" in old else ""
        args.results.write_text(results_markdown(report, args) + analysis)
    failed = [r.name for r in rows if r.result.get("bad") or r.result.get("errors")]
    if failed:
        print(f"\nrows with unexpected answers or socket errors: {failed}")
        return 1
    return 0 if fuzz_ok else 1


def run_fuzz(examples: int, redis_url: str) -> tuple[str, bool]:
    """tests/resilience/test_fuzz.py with `examples` cases per operation, on PostgreSQL + Redis."""

    print(f"fuzzing every operation with {examples:,} cases each ...", flush=True)
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": PG_ADMIN_URL.rsplit("/", 1)[0] + "/og_fuzz",
            "REDIS_URL": redis_url,
            "FUZZ_EXAMPLES": str(examples),
            "FUZZ_RANDOM": "1",
        }
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    start = time.monotonic()
    proc = subprocess.run(
        [
            PYTHON,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:logging",
            "--create-db",
            "tests/resilience/test_fuzz.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - start
    data = json.loads((OUT / "fuzz.json").read_text()) if (OUT / "fuzz.json").exists() else {}
    lines = [
        f"Fuzzing (schemathesis, {examples:,} cases asked per operation, all checks, valid "
        f"credentials; {elapsed:.0f} s):",
        "",
        "| operation | cases run | responses by status | 5xx | result |",
        "|---|---:|---|---:|---|",
    ]
    for label, item in sorted(data.get("operations", {}).items()):
        statuses = item["statuses"]
        fives = sum(v for k, v in statuses.items() if k.startswith("5"))
        shown = ", ".join(f"{k}: {v}" for k, v in statuses.items())
        verdict = "FAIL" if item.get("failed") else "pass"
        lines.append(f"| {label} | {item['cases']:,} | {shown} | {fives} | {verdict} |")
    ok = proc.returncode == 0
    if not ok:
        tail = "\n".join(proc.stdout.strip().splitlines()[-15:])
        lines += ["", "pytest output (tail):", "```", tail, "```"]
    return "\n".join(lines), ok


def render(
    rows: list[Row],
    counts: dict[str, int],
    baseline: float,
    cost: float,
    rounds: int,
    args: argparse.Namespace,
) -> tuple[list[str], dict[str, bool]]:
    head = "| row | req/s | p50 ms | p99 ms | ratio to baseline | SQL/req | target | result |"
    lines = [head, "|---|---:|---:|---:|---:|---:|---|---|"]
    verdicts: dict[str, bool] = {}
    list_counts = [counts.get(r.name) for r in rows if r.name.startswith("GET /v2/customers page")]
    for row in rows:
        res = row.result
        ratio = res["rps"] / baseline if baseline else 0.0
        p50 = res["p50_us"] / 1000
        verdict = ""
        if row.target == "ratio>=0.6":
            verdict = "pass" if ratio >= 0.6 else "short"
        elif row.target == "p50<30ms":
            same = len(set(list_counts)) == 1
            verdict = "pass" if p50 < 30 and same else "short"
        elif row.target.startswith("p50<=1.2x"):
            verdict = "pass" if p50 <= 1.2 * cost else "short"
        verdicts[row.name] = verdict != "short"
        target = row.target
        if row.target.startswith("p50<=1.2x"):
            target = f"p50 <= 1.2 x bcrypt ({cost:.0f} ms at cost {rounds} = {1.2 * cost:.0f} ms)"
        qc = counts.get(row.name, 0 if row.name.startswith("baseline") else "?")
        lines.append(
            f"| {row.name} | {res['rps']:.0f} | {p50:.1f} | {res['p99_us'] / 1000:.1f} | "
            f"{ratio:.2f} | {qc} | {target} | {verdict} |"
        )
    lines.append("")
    lines.append(
        f"customers in the organization: {args.customers:,}; {args.duration}s per row; "
        f"{args.connections} connections (1 for account creation); gunicorn "
        f"{args.workers} sync workers; bcrypt cost {rounds}: {cost:.0f} ms per hash"
    )
    return lines, verdicts


def results_markdown(report: str, args: argparse.Namespace) -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    flags = (" --quick" if args.quick else "") + (f" --fuzz {args.fuzz}" if args.fuzz else "")
    command = "make bench-quick" if args.quick else "make bench"
    return (
        "# Benchmark results\n\n"
        f"Command: `{command}` (`python benchmarks/run.py{flags} --results benchmarks/RESULTS.md`)  \n"
        f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  \n"
        f"Machine: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.platform()}, "
        f"Python {platform.python_version()}\n\n"
        f"{report}\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())
