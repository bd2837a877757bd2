"""Upload memory benchmark: a 10 MB KYC upload must raise the server's peak RSS by less than 3 MB.

    python benchmarks/upload_memory.py [--size-mb 10] [--limit-mb 3]

Starts `manage.py runserver --noreload` on a free 127.0.0.1 port with a throwaway SQLite
database and MEDIA_ROOT, walks the partner journey over HTTP (client token, account,
account token, onboarding application), uploads a small warm-up file, reads the server
process's peak resident set (VmHWM in /proc/<pid>/status), uploads one file of
--size-mb, reads it again and prints the difference. Exit status 0 on pass, 1 on fail.
Loopback only, every wait bounded; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench#Passw0rd1"
TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    if match is None:
        raise RuntimeError(f"no VmHWM line in /proc/{pid}/status")
    return int(match.group(1))


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    return result.stdout


def _wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start in time")


def _post(url: str, token: str | None = None, **kwargs) -> dict:
    headers = {"Connection": "close"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = requests.post(url, headers=headers, timeout=TIMEOUT, **kwargs)
    if response.status_code not in (200, 201):
        raise RuntimeError(f"POST {url} -> {response.status_code} {response.text[:300]}")
    return response.json()


def _application() -> dict:
    person = {
        "firstName": "Bench",
        "lastName": "Mark",
        "emailAddress": "bench@example.com",
        "contactNumber": "09171234567",
        "dateOfBirth": "1980-01-01",
        "position": "Owner",
        "tin": "123-456-789",
        "mothersMaidenName": "Reyes",
        "gender": "FEMALE",
    }
    address = {
        "line1": "1 Bench St",
        "barangay": "Poblacion",
        "city": "Makati",
        "state": "Metro Manila",
        "postalCode": "1210",
        "contactNumber": "09171234567",
    }
    return {
        "merchantName": "Bench Store",
        "businessHandle": "bench",
        "businessType": "STARTER",
        "modeOfPayments": ["QRPH"],
        "currency": "PHP",
        "tin": "123456789",
        "industry": "Retail",
        "serviceDescription": "Benchmark",
        "isBrickAndMortarStore": False,
        "address": {"office": address},
        "representatives": {"authorized": person, "escalation": person},
        "banks": [
            {
                "accountDepositType": "SAVINGS",
                "currency": "PHP",
                "accountType": "BUSINESS",
                "bankName": "Bench Bank",
                "accountName": "Bench Store",
                "accountNumber": "1234567890",
                "preferredSettlementRail": "INSTAPAY",
            }
        ],
    }


def _pdf(size: int) -> bytes:
    head = b"%PDF-1.7\n"
    return head + b"0" * (size - len(head))


def run(size_mb: float, limit_mb: float) -> tuple[float, bool]:
    with tempfile.TemporaryDirectory(prefix="upload-bench-") as tmp:
        env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
        env.update(
            DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3",
            MEDIA_ROOT=f"{tmp}/media",
            DJANGO_DEBUG="false",
            BCRYPT_ROUNDS="4",
            MERCHANT_RATE_LIMIT="1000/60s",
            DJANGO_SETTINGS_MODULE="config.settings.base",
            TMPDIR=tmp,
        )
        _manage(env, "migrate", "--noinput")
        creds = dict(line.split("=", 1) for line in _manage(env, "create_api_client", "Bench").split())
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            _wait_until_up(base, server)
            client = _post(
                f"{base}/v2/auth/token",
                json={"clientId": creds["clientId"], "clientSecret": creds["clientSecret"]},
            )
            _post(
                f"{base}/v2/account",
                client["accessToken"],
                json={
                    "contact": {"email": "bench@example.com", "phone": "09171234567"},
                    "user": {
                        "firstName": "Bench",
                        "lastName": "Mark",
                        "username": "bench",
                        "password": PASSWORD,
                        "pin": "482915",
                    },
                },
            )
            account = _post(f"{base}/v2/account/token", json={"username": "bench", "password": PASSWORD})
            token = account["accessToken"]
            ref = _post(f"{base}/v2/onboard", token, json=_application())["referenceNumber"]
            files_url = f"{base}/v2/onboard/{ref}/files"
            # Warm-up: the same code path (temporary file, sniffing, storage) with a small file.
            _post(files_url, token, files={"idsOfValidSignatories": ("warm.pdf", _pdf(200 * 1024))})
            before = peak_rss_kb(server.pid)
            body = _pdf(int(size_mb * 1024 * 1024))
            _post(files_url, token, files={"barangayBusinessPermit": ("big.pdf", body)})
            after = peak_rss_kb(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
    delta_mb = (after - before) / 1024
    print(f"server peak RSS after warm-up upload: {before / 1024:.1f} MB")
    print(f"server peak RSS after {size_mb:g} MB upload: {after / 1024:.1f} MB")
    passed = delta_mb < limit_mb
    print(f"delta: {delta_mb:.2f} MB (limit {limit_mb:g} MB): {'pass' if passed else 'FAIL'}")
    return delta_mb, passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=10.0, help="size of the measured upload")
    parser.add_argument("--limit-mb", type=float, default=3.0, help="allowed rise of the peak RSS")
    args = parser.parse_args(argv)
    _, passed = run(args.size_mb, args.limit_mb)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
