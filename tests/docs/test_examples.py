"""The README's onboarding walk-through (docs/examples/onboarding.sh) run against a live server.

The server is `manage.py runserver` on a free 127.0.0.1 port with its own SQLite database
and MEDIA_ROOT; the walk-through is run by bash, with curl, exactly as a newcomer runs it,
once for each business type's example application.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "examples" / "onboarding.sh"
EXAMPLES = ROOT / "docs" / "examples" / "onboarding"
TIMEOUT = 90
# Required documents per business type, as the README's "Required documents" table lists them.
REQUIRED = {
    "STARTER": {"idsOfValidSignatories", "barangayBusinessPermit"},
    "SOLE_PROPRIETOR": {"idsOfValidSignatories", "mayorsOrBusinessPermit", "birCert2303"},
    "PARTNERSHIP": {
        "idsOfValidSignatories",
        "mayorsOrBusinessPermit",
        "birCert2303",
        "secCert",
        "gis",
        "aoiAndByLaws",
        "secretarysCert",
    },
}
REQUIRED["CORPORATION"] = REQUIRED["PARTNERSHIP"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DJANGO_DEBUG="false",
        DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3",
        MEDIA_ROOT=str(tmp / "media"),
        BCRYPT_ROUNDS="4",
        MERCHANT_RATE_LIMIT="1000/60s",
        MERCHANT_LOGIN_RATE_LIMIT="1000/60s",
        LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture(scope="module")
def walkthrough_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("walkthrough")
    env = _server_env(tmp)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=TIMEOUT)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp / "server.log").open("wb")
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            assert server.poll() is None, (tmp / "server.log").read_text()
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield base, env
    finally:
        server.terminate()
        server.wait(timeout=TIMEOUT)
        log.close()


def _json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("example", ["starter", "sole-proprietor", "partnership", "corporation"])
def test_the_walkthrough_onboards_each_business_type(walkthrough_server, example):
    base, env = walkthrough_server
    body = json.loads((EXAMPLES / f"{example}.json").read_text())
    run_env = {**env, "BASE": base, "USERNAME": f"walk.{example}", "MANAGE": f"{sys.executable} manage.py"}
    result = subprocess.run(
        ["bash", str(SCRIPT), example], cwd=ROOT, env=run_env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    answers = _json_lines(result.stdout)
    created, first_status, uploaded, final_status, stored, updated = answers
    assert isinstance(created["id"], int)
    wanted = REQUIRED[body["businessType"]] | ({"storePhoto"} if body["isBrickAndMortarStore"] else set())
    assert set(first_status["missingDocuments"]) == wanted
    assert {f["fileType"] for f in uploaded["files"]} == wanted
    assert {f["contentType"] for f in uploaded["files"]} <= {"application/pdf", "image/png"}
    assert final_status["missingDocuments"] == []
    assert stored["businessType"] == body["businessType"]
    assert stored["merchantName"] == body["merchantName"]
    assert len(stored["incorporators"]) == len(body.get("incorporators", []))
    assert stored["status"] == updated["onboardingStatus"] == "NEW"


def test_the_readme_shows_the_walkthrough_as_the_script_runs_it():
    script = SCRIPT.read_text()
    walk = re.search(r"# --- walk-through.*?\n(.*?)# --- end of walk-through ---", script, re.S)[1]
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- docs/examples/onboarding\.sh -->\n```sh\n(.*?)```", readme, re.S)
    assert block, "README.md lost its copy of the onboarding walk-through"
    assert block[1].strip() == walk.strip()


def test_every_business_type_has_an_example_application():
    types = {json.loads(path.read_text())["businessType"] for path in EXAMPLES.glob("*.json")}
    assert types == set(REQUIRED)
