"""Benchmark: the service under gunicorn (PostgreSQL + Redis) loaded by wrk, as ratios to a baseline.

    make bench            # full run: 1,000,000 customers, 10 s per row, 2 rounds (medians);
                          # writes benchmarks/RESULTS.md (about 13 min on 2 idle cores; twice
                          # the rows with BENCH_ARGS="--before GIT_REF")
    make bench-fuzz       # the fuzzing alone: 1,000 schemathesis cases per operation (about
                          # 35 min on 2 cores); replaces RESULTS.md's fuzz section, nothing else
    make bench-quick      # CI's smaller form: 20,000 customers, 2 s per row, no fuzzing

Each phase prints how long it took (seeding, worker probe, each round, SQL counts, fuzzing).

The baseline is GET /healthz, a bare Django view returning a small JSON object through
the same gunicorn/Django stack, measured in the same run, right before each row. Rate
limits are raised for the run through the ordinary settings read from the environment
(CUSTOMERS_RATE_LIMIT, MERCHANT_RATE_LIMIT, MERCHANT_LOGIN_RATE_LIMIT); no code path
changes.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
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
from collections.abc import Callable
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
from wallet_rows import challenge_rows, seed_wallets, wallet_rows

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
    server: str = "service"  # "service" (our gunicorn) or "plain" (the plain WSGI app)
    floor: bool = False  # the floor row: the least work an authenticated read must do
    before_key: str | None = None  # the row's name in RECORDED_BEFORE when it varies by size
    # Headers made fresh for a server's base URL right before the row is measured (and before
    # the SQL counts): a partner's access token expires after 15 minutes, a full run is longer.
    fresh_headers: Callable[[str], dict[str, str]] | None = None
    results: list[dict] = field(default_factory=list)  # one per round
    before_results: list[dict] = field(default_factory=list)

    def refresh_headers(self, base: str) -> None:
        """Take fresh headers from the server at `base`, when the row makes them."""
        if self.fresh_headers:
            self.headers = self.fresh_headers(base)

    @property
    def result(self) -> dict:
        """The median of the rounds, figure by figure."""
        return _median_of(self.results)

    @property
    def before_result(self) -> dict:
        return _median_of(self.before_results)


def _median_of(results: list[dict]) -> dict:
    if not results:
        return {}
    keys = ("rps", "p50_us", "p99_us", "ratio", "bad", "errors")
    return {k: statistics.median(r.get(k, 0) for r in results) for k in keys}


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
                 pin_failed_attempts, questions_failed_attempts, email_failed_attempts, created_at,
                 updated_at)
            SELECT md5('bench' || g)::uuid, %s, 'bench-' || g, 'Bench Customer ' || g,
                   false, false, '[]'::jsonb, 0, 0, 0,
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


def query_counts(env: dict[str, str], rows: list[Row], ids: list[str], cwd: Path = ROOT) -> dict[str, int]:
    payload = []
    for row in rows:
        if row.server != "service" or row.name.startswith("baseline"):
            continue
        # The first line of the row's ids (a customer, or a customer and its wallet).
        fields = Path(row.ids).read_text().splitlines()[0].split("\t") if row.ids else [ids[0]]
        fields.append("")

        def sub(s: str | None, fields: list[str] = fields) -> str | None:
            if not s:
                return s
            s = s.replace("{n}", f"qc-{time.time_ns()}")
            return s.replace("{id2}", fields[1]).replace("{id}", fields[0])

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
        [PYTHON, str(ROOT / "benchmarks" / "querycount.py")],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(cwd)},
        input=json.dumps(payload),
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:  # querycount names the row that answered unexpectedly
        raise SystemExit(f"SQL counts failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# Ratios to the baseline of the last full run before issue 18 (2026-11-21, idle machine,
# benchmarks/RESULTS.md of that date), for "no row worse than before" when the run does
# not measure the earlier code itself (--before REF measures it in the same run instead).
RECORDED_BEFORE = {
    "GET /v2/customers/{id}": 0.14,
    "POST /v2/customers": 0.08,
    "GET /v2/customers page 1": 0.11,
    "GET /v2/customers page {last}": 0.09,
    "GET /v2/customers page 1 (1 connection)": 0.05,
    "GET /v2/customers page {last} (1 connection)": 0.05,
    "POST /v2/customers/{id}/initialize": 0.06,
    "API-key auth alone (400 after auth)": 0.15,
}
RATIO_TARGETS = {
    "API-key auth alone (400 after auth)": 0.55,
    "GET /v2/customers/{id}": 0.4,
    "POST /v2/customers": 0.25,
    "POST /v2/customers/{id}/initialize": 0.15,
}


def build_rows(
    key_headers: dict,
    ids_path: str,
    last_page: int,
    account_body: str,
    partner_headers: Callable[[str], dict[str, str]],
) -> list[Row]:
    page_last = f"{last_page:,}"
    rows = [
        Row("baseline GET /healthz", "GET", "/healthz", {}),
        Row("plain WSGI app, no Django (gunicorn + wrk alone)", "GET", "/", {}, server="plain"),
        Row(
            "floor: bare view, 1 PK query + 1 Redis call",
            "GET",
            "/bench/floor/{id}",
            {},
            ids=ids_path,
            floor=True,
        ),
        # Authentication, the per-key limit and an error body, but no customer query:
        # limit=0 is refused by the serializer after the key has been checked.
        Row(
            "API-key auth alone (400 after auth)", "GET", "/v2/customers?limit=0", key_headers, ok_status=400
        ),
        Row("GET /v2/customers/{id}", "GET", "/v2/customers/{id}", key_headers, ids=ids_path),
        Row(
            "POST /v2/customers",
            "POST",
            "/v2/customers",
            key_headers,
            body=json.dumps({"refId": "new-{n}", "name": "Load Test"}),
        ),
        # List pages twice: under the run's concurrency (throughput; p50 there is mostly
        # queueing on 2 cores) and on one connection, where p50 is what one page costs.
        Row("GET /v2/customers page 1", "GET", "/v2/customers?page=1&limit=10", key_headers),
        Row(
            f"GET /v2/customers page {page_last}",
            "GET",
            f"/v2/customers?page={last_page}&limit=10",
            key_headers,
            before_key="GET /v2/customers page {last}",
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
            f"GET /v2/customers page {page_last} (1 connection)",
            "GET",
            f"/v2/customers?page={last_page}&limit=10",
            key_headers,
            connections=1,
            threads=1,
            target="p50<30ms",
            before_key="GET /v2/customers page {last} (1 connection)",
        ),
        Row(
            "POST /v2/customers/{id}/initialize",
            "POST",
            "/v2/customers/{id}/initialize",
            key_headers,
            body=json.dumps({"redirectUrl": "https://bench.example.com/done?u={n}"}),
            ids=ids_path,
        ),
        Row(
            "POST /v2/account (1 connection)",
            "POST",
            "/v2/account",
            {},
            body=account_body,
            connections=1,
            threads=1,
            target="p50<=1.2x bcrypt",
            fresh_headers=partner_headers,
        ),
    ]
    for row in rows:
        key = row.before_key or row.name
        if key in RATIO_TARGETS:
            row.target = f"ratio>={RATIO_TARGETS[key]}"
    return rows


def pick_workers(
    env: dict[str, str],
    wrk_bin: str,
    probes: list[Row],
    candidates: list[int],
    seconds: int,
    connections: int,
    warm_seconds: int = 2,
) -> tuple[int, dict[int, float]]:
    """The gunicorn worker count serving the `probes` best on this machine (the geometric
    mean of their req/s: rows that wait on the database want more workers than rows that
    only compute, and each row counts alike), and each count's mean."""
    served: dict[int, float] = {}
    for workers in candidates:
        with gunicorn(env, workers) as base:
            rates = []
            for probe in probes:
                # Warm every worker (lazy imports, connections, caches): until throughput stops rising.
                previous = 0.0
                for _ in range(5):
                    warm = wrk(wrk_bin, base, probe, warm_seconds, connections)["rps"]
                    if previous > 0 and warm <= 1.25 * previous:
                        break
                    previous = warm
                rates.append(max(wrk(wrk_bin, base, probe, seconds, connections)["rps"], 1e-9))
            served[workers] = statistics.geometric_mean(rates)
        print(f"  {workers} workers: {served[workers]:.0f} req/s (geometric mean)", flush=True)
    return max(served, key=served.__getitem__), served


class Phases:
    """How long each phase of the run took: printed as it ends, and listed in the report."""

    def __init__(self) -> None:
        self.took: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        start = time.monotonic()
        try:
            yield
        finally:
            self.took[name] = time.monotonic() - start
            print(f"  [{name}: {self.took[name]:.0f} s]", flush=True)

    def summary(self) -> str:
        return ", ".join(f"{name} {seconds:.0f} s" for name, seconds in self.took.items())


FUZZ_HEADING = "Fuzzing (schemathesis"


def _sections(text: str) -> tuple[str, str, str]:
    """(figures, fuzz section, analysis) of a RESULTS.md; any part may be empty."""
    analysis_at = text.find("\n## Analysis")
    head, analysis = (text[:analysis_at], text[analysis_at:]) if analysis_at >= 0 else (text, "")
    fuzz_at = head.find(FUZZ_HEADING)
    if fuzz_at < 0:
        return head.rstrip() + "\n", "", analysis
    return head[:fuzz_at].rstrip() + "\n", head[fuzz_at:].rstrip() + "\n", analysis


def with_fuzz_section(text: str, fuzz_report: str) -> str:
    """A RESULTS.md's text with its fuzz section replaced by `fuzz_report` (figures and analysis kept)."""
    figures, _, analysis = _sections(text or "# Benchmark results\n")
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return f"{figures}\n{fuzz_report}\n\n(`make bench-fuzz`, {stamp}.)\n{analysis}"


def fuzz_only(args: argparse.Namespace) -> int:
    """`make bench-fuzz`: the fuzz phase alone; its section of the results file is replaced."""
    ensure_services()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
    fuzz_report, ok = run_fuzz(args.fuzz, redis_url)
    print()
    print(fuzz_report)
    if args.results:
        old = args.results.read_text() if args.results.exists() else ""
        args.results.write_text(with_fuzz_section(old, fuzz_report))
    return 0 if ok else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per row")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="gunicorn sync workers (default: probe 1, 2 and 3 per core and keep the best)",
    )
    parser.add_argument("--quick", action="store_true", help="CI size: 20,000 customers, 2 s rows")
    parser.add_argument("--results", type=Path, help="also write a Markdown report here")
    parser.add_argument(
        "--before",
        metavar="GIT_REF",
        help="also measure GIT_REF's code (a git worktree in the temporary directory) on the same data, "
        "each row beside ours (after it in odd rounds, before it in even ones), for 'no row worse than "
        "before' within one run",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure every row this many times, interleaved; print the medians",
    )
    parser.add_argument(
        "--fuzz",
        type=int,
        default=0,
        metavar="N",
        help="then fuzz every operation with N schemathesis cases (0: skip)",
    )
    parser.add_argument(
        "--fuzz-only",
        action="store_true",
        help="only the fuzz phase (--fuzz N cases); with --results, replace that file's fuzz section",
    )
    args = parser.parse_args()
    if args.quick:
        args.customers, args.duration = min(args.customers, 20_000), 2
    if args.fuzz_only and not args.fuzz:
        parser.error("--fuzz-only needs --fuzz N")
    return args


def write_results(args: argparse.Namespace, report: str, fuzz_report: str) -> None:
    """The figures; the hand-written analysis below them survives a new run, and so does the
    fuzz section when this run did not fuzz (`make bench-fuzz` writes it)."""
    old = args.results.read_text() if args.results.exists() else ""
    _, old_fuzz, analysis = _sections(old)
    fuzz = f"{fuzz_report}\n" if fuzz_report else old_fuzz
    args.results.write_text(results_markdown(report, args) + (f"\n{fuzz}" if fuzz else "") + analysis)


def baseline_seconds(duration: int) -> int:
    """How long the baseline is measured before each row: half the row's time."""
    return max(1, duration // 2)


def measure(
    rows: list[Row],
    wrk_bin: str,
    args: argparse.Namespace,
    phases: Phases,
    *,
    base: str,
    plain: str,
    before_base: str | None,
    bcrypt_rounds: int,
) -> list[float]:
    """Warm every server, then measure every row, `args.rounds` times, interleaved; each
    row's ratio is to the baseline measured right before it (half the row's duration).
    Returns bcrypt's cost (ms), measured right before each row that is compared with it:
    the CPU's speed on this machine moves by ~15 % from one minute to the next."""
    # Every worker of every server opens its connections and fills its caches before the
    # first measured row (the baseline touches neither PostgreSQL nor Redis).
    with phases("warm-up"):
        for row in rows:
            if row.floor or row.name == "GET /v2/customers/{id}":
                for server in (base, before_base if not row.floor else None):
                    if server:
                        wrk(wrk_bin, server, row, 1 if args.quick else 3, args.connections)
    baseline_row, measured = rows[0], rows[1:]
    reference_seconds = baseline_seconds(args.duration)
    bcrypt_costs: list[float] = []
    for round_no in range(1, args.rounds + 1):
        print(f"round {round_no} of {args.rounds}", flush=True)
        with phases(f"round {round_no}"):
            references = []
            for row in measured:
                print(f"  {row.name} ...", flush=True)
                if row.target.startswith("p50<=1.2x"):
                    bcrypt_costs.append(bcrypt_cost_ms(bcrypt_rounds))
                # The baseline right before every row: each ratio is to the machine as it
                # was at that moment (a shared machine drifts within a round by more than
                # the gaps the targets measure).
                reference = wrk(wrk_bin, base, baseline_row, reference_seconds, args.connections)
                references.append(reference)
                server = plain if row.server == "plain" else base
                sides = [(server, row.results)]
                if before_base and row.server == "service" and not row.floor:
                    # Ours first in odd rounds, `before` first in even ones: whichever runs
                    # first pays what the previous rows left (new rows to hint, the deep
                    # pages' anchors to rebuild after the creations), so each side pays it
                    # as often as the other.
                    sides.insert(1 if round_no % 2 else 0, (before_base, row.before_results))
                row.refresh_headers(base)
                for side, results in sides:
                    result = wrk(wrk_bin, side, row, args.duration, args.connections)
                    result["ratio"] = result["rps"] / reference["rps"]
                    results.append(result)
            # The baseline row shows the median of the round's references.
            middle = sorted(references, key=lambda r: r["rps"])[len(references) // 2]
            baseline_row.results.append({**middle, "ratio": 1.0})
    return bcrypt_costs


def main() -> int:
    args = parse_args()
    if args.fuzz_only:
        return fuzz_only(args)
    phases = Phases()

    ensure_services()
    wrk_bin = ensure_wrk()
    database_url = recreate_database(os.environ.get("BENCH_DATABASE", "og_bench"))
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
    before_root = checkout_before(args.before) if args.before else None

    print(f"migrating and seeding {args.customers:,} customers ...", flush=True)
    with phases("migrations, organization, key"):
        manage(env, "migrate", "--noinput")
        org_id = (
            manage(env, "create_organization", "Bench Org", "--redirect-origin", "https://bench.example.com")
            .strip()
            .splitlines()[-1]
        )
        api_key = manage(env, "create_api_key", org_id).strip().splitlines()[-1]
    with phases("seeding"):
        seed_customers(database_url, org_id, args.customers)
        # The list's total is the organization's transactional counter: repair it after bulk SQL.
        manage(env, "recount_customers", org_id)
        seed_wallets(database_url, org_id, args.customers)
    client_lines = manage(env, "create_api_client", "Bench Partner").strip().splitlines()
    creds = dict(line.split("=", 1) for line in client_lines if "=" in line)

    key_headers = {"PLANBOK-X-API-KEY": api_key}
    ids_file = tempfile.NamedTemporaryFile("w", delete=False, suffix=".ids")
    last_page = max(1, args.customers // 10 - 5)
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

    def partner_headers(base: str) -> dict[str, str]:
        """A fresh partner access token (they live 15 minutes), from the server at `base`."""
        status, body = http_json(
            "POST",
            base + "/v2/auth/token",
            {"clientId": creds["clientId"], "clientSecret": creds["clientSecret"]},
        )
        if status != 200:
            raise SystemExit(f"client token: {status} {body}")
        return {"Authorization": f"Bearer {body['accessToken']}"}

    with gunicorn(env, 1) as base:
        partner_headers(base)  # the credentials work before anything is measured
        status, body = http_json("GET", base + "/v2/customers?limit=100", headers=key_headers)
        if status != 200:
            raise SystemExit(f"list customers: {status} {body}")
        ids = [c["id"] for c in body["data"]]
        ids_file.write("\n".join(ids) + "\n")
        ids_file.close()
    rows = build_rows(key_headers, ids_file.name, last_page, account_body, partner_headers)
    rows += wallet_rows(Row, key_headers, ids)
    rows += challenge_rows(Row, key_headers, args.customers)
    by_name = {row.name: row for row in rows}

    cores = os.cpu_count() or 1
    if args.workers:
        workers, probes = args.workers, dict[int, float]()
    else:
        print("picking the gunicorn worker count (the rows with a ratio target) ...", flush=True)
        with phases("worker probe"):
            workers, probes = pick_workers(
                env,
                wrk_bin,
                [by_name[name] for name in RATIO_TARGETS],
                sorted({cores, cores + max(1, cores // 2), 2 * cores, 3 * cores}),
                2 if args.quick else 3,
                args.connections,
                warm_seconds=1 if args.quick else 2,
            )
        print(f"  best: {workers} workers", flush=True)

    before_env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    with contextlib.ExitStack() as stack:
        base = stack.enter_context(gunicorn(env, workers))
        plain = stack.enter_context(
            gunicorn(env, workers, app="benchmarks.plain_wsgi:application", ready_path="/")
        )
        before_base = (
            stack.enter_context(gunicorn(before_env, workers, cwd=before_root)) if before_root else None
        )
        bcrypt_costs = measure(
            rows, wrk_bin, args, phases, base=base, plain=plain, before_base=before_base, bcrypt_rounds=rounds
        )
        for row in rows:  # for the SQL counts, right after
            row.refresh_headers(base)

    with phases("SQL counts"):
        counts = query_counts(env, rows, ids)
        before_counts = (
            query_counts(before_env, [r for r in rows if not r.floor], ids, before_root)
            if before_root
            else {}
        )
    # Beside the account row (the median of its rounds); measured alone when no row needs it.
    cost = statistics.median(bcrypt_costs) if bcrypt_costs else bcrypt_cost_ms(rounds)
    fuzz_ok, fuzz_report = True, ""
    if args.fuzz:
        with phases("fuzzing"):
            fuzz_report, fuzz_ok = run_fuzz(args.fuzz, redis_url)
    lines = render(rows, counts, before_counts, cost, rounds, args, workers, probes)
    lines.append(f"Phases: {phases.summary()}.")
    report = "\n".join(lines)
    print()
    print(report)
    if fuzz_report:
        print()
        print(fuzz_report)
    OUT.mkdir(exist_ok=True)
    (OUT / "latest.md").write_text(report + ("\n\n" + fuzz_report if fuzz_report else "") + "\n")
    if args.results:
        write_results(args, report, fuzz_report)
    failed = [r.name for r in rows if any(x.get("bad") or x.get("errors") for x in r.results)]
    if failed:
        print(f"\nrows with unexpected answers or socket errors: {failed}")
        return 1
    return 0 if fuzz_ok else 1


def checkout_before(ref: str) -> Path:
    """A detached worktree of `ref` (same migrations as ours: it runs on our database)."""
    # Outside the repository, so linters and type checkers never see a second copy.
    path = Path(tempfile.gettempdir()) / f"og-bench-before-{ref.replace('/', '_')}"
    if path.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False)
    subprocess.run(["git", "worktree", "add", "--detach", str(path), ref], cwd=ROOT, check=True)
    return path


def run_fuzz(examples: int, redis_url: str) -> tuple[str, bool]:
    """tests/resilience/test_fuzz.py with `examples` cases per operation, on PostgreSQL + Redis."""

    print(f"fuzzing every operation with {examples:,} cases each ...", flush=True)
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": PG_ADMIN_URL.rsplit("/", 1)[0]
            + "/"
            + os.environ.get("BENCH_FUZZ_DATABASE", "og_fuzz"),
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


def round_spread(row: Row) -> float:
    """How far this row's ratio moved between the rounds of one side in this run (the larger
    side's (max - min) / median); 0 with one round, where nothing measures the noise."""
    spreads = []
    for results in (row.results, row.before_results):
        ratios = [r["ratio"] for r in results]
        if len(ratios) > 1:
            spreads.append((max(ratios) - min(ratios)) / statistics.median(ratios))
    return max(spreads, default=0.0)


def before_verdict(ratio: float, before_ratio: float, spread: float) -> tuple[bool, str]:
    """Whether a row is no worse than before, and a note when it took the noise to say so.

    The same code measured twice in one run differs by up to its rounds' spread, so a row
    is worse only when it is under `before` by more than that; a row under `before` within
    it is reported as even, with both figures."""
    if ratio >= before_ratio:
        return True, ""
    gap = 1 - ratio / before_ratio
    if gap <= spread:
        return True, f"; even: {gap:.1%} under, rounds moved {spread:.1%}"
    return False, f"; {gap:.1%} under, rounds moved {spread:.1%}"


def render(
    rows: list[Row],
    counts: dict[str, int],
    before_counts: dict[str, int],
    cost: float,
    rounds: int,
    args: argparse.Namespace,
    workers: int,
    probes: dict[int, float],
) -> list[str]:
    floor_rps = next(r.result["rps"] for r in rows if r.floor)
    measured_before = bool(before_counts)
    head = (
        "| row | req/s | p50 ms | p99 ms | ratio to baseline | ratio to floor | SQL/req | "
        f"before: ratio (SQL) {'this run' if measured_before else 'recorded'} | target | result |"
    )
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    # Rows of one list (same path, other pages or filters) must make the same statements.
    list_counts: dict[str, set] = {}
    for r in rows:
        if r.target == "p50<30ms" or r.name.startswith("GET /v2/customers page"):
            list_counts.setdefault(r.path.split("?")[0], set()).add(counts.get(r.name))
    for row in rows:
        res = row.result
        ratio = res["ratio"]
        p50 = res["p50_us"] / 1000
        checks: list[bool] = []
        target = row.target
        if row.target.startswith("ratio>="):
            checks.append(ratio >= float(row.target.split(">=")[1]))
        elif row.target == "p50<30ms":
            checks.append(p50 < 30 and len(list_counts[row.path.split("?")[0]]) == 1)
            target = "p50<30ms, same SQL/req on every page"
        elif row.target.startswith("p50<=1.2x"):
            checks.append(p50 <= 1.2 * cost)
            target = f"p50 <= 1.2 x bcrypt ({cost:.0f} ms at cost {rounds} = {1.2 * cost:.0f} ms)"
        before_text = ""
        if row.before_result:
            before_ratio = row.before_result["ratio"]
            before_sql = 0 if row.name.startswith("baseline") else before_counts.get(row.name, "?")
            before_text = f"{before_ratio:.3f} ({before_sql})"
        elif not measured_before and (row.before_key or row.name) in RECORDED_BEFORE:
            before_ratio = RECORDED_BEFORE[row.before_key or row.name]
            before_text = f"{before_ratio:.3f}"
        else:
            before_ratio = None
        is_api_row = row.server == "service" and not row.floor and not row.name.startswith("baseline")
        # "No row worse than before"; one-connection rows are latency rows (their own target).
        if before_ratio is not None and is_api_row and not row.target.startswith("p50"):
            verdict_before, note = before_verdict(ratio, before_ratio, round_spread(row))
            checks.append(verdict_before)
            before_text = f"{before_text}{note}"
            target = f"{target}, >= before" if target else ">= before"
        verdict = ("pass" if all(checks) else "short") if checks else ""
        to_floor = f"{res['rps'] / floor_rps:.2f}" if is_api_row and floor_rps else ""
        qc = counts.get(row.name, 0 if row.name.startswith("baseline") or row.server == "plain" else "?")
        lines.append(
            f"| {row.name} | {res['rps']:.0f} | {p50:.1f} | {res['p99_us'] / 1000:.1f} | "
            f"{ratio:.3f} | {to_floor} | {qc} | {before_text} | {target} | {verdict} |"
        )
    lines.append("")
    probe_text = ", ".join(f"{w}: {rps:.0f} req/s" for w, rps in probes.items())
    picked = (
        f"picked by the geometric mean of the req/s of the rows with a ratio target on {probe_text}"
        if probes
        else "given with --workers"
    )
    lines.append(
        f"customers in the organization: {args.customers:,}; {args.duration}s per row; "
        f"{args.rounds} round(s), medians; each row's ratio is to the baseline measured right "
        f"before it ({baseline_seconds(args.duration)}s; the baseline row shows their median); "
        f"{args.connections} connections (1 where the row says so); gunicorn {workers} sync workers "
        f"({picked}); bcrypt cost {rounds}: {cost:.0f} ms per hash (right before the account row). "
        "SQL/req counts every statement sent to PostgreSQL (BEGIN/COMMIT and health checks "
        "included) on a request right after another; ratio to floor is req/s over the floor row's."
    )
    if measured_before:
        lines.append(
            f"before: `{args.before}` measured in this run beside each row (after ours in odd rounds, "
            "before ours in even ones); a row under it by no more than its rounds moved in this run "
            "(either side's max - min over median) is even, not worse."
        )
    else:
        lines.append("before: ratios of the last full run before issue 18 (2026-11-21, idle machine).")
    return lines


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
    flags = (
        (" --quick" if args.quick else "")
        + (f" --fuzz {args.fuzz}" if args.fuzz else "")
        + (f" --rounds {args.rounds}" if args.rounds > 1 else "")
        + (f" --before {args.before}" if args.before else "")
    )
    python = f"`python benchmarks/run.py{flags} --results benchmarks/RESULTS.md`"
    make = {" --rounds 2": "make bench", " --quick": "make bench-quick"}.get(flags)
    if make is None and flags.startswith(" --rounds 2 --before "):
        make = f'make bench BENCH_ARGS="{flags[len(" --rounds 2 ") :]}"'

    command = f"`{make}` ({python})" if make else python
    return (
        "# Benchmark results\n\n"
        f"Command: {command}  \n"
        f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  \n"
        f"Machine: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.platform()}, "
        f"Python {platform.python_version()}\n\n"
        f"{report}\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())
