# Quick start: `make run` (service on 127.0.0.1:8000 with a demo organization) and
# `make test` (the whole suite). Both set up their own virtual environment (.venv) from the
# hash-locked requirements/*.txt and rebuild it when the Python or the locks change.
# Python 3.11, 3.12 or 3.13: `make run PYTHON=python3.12` picks one (README, "Python").
PYTHON ?=
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
PORT ?= 8000
export PYTHON VENV

.PHONY: install install-dev run test lint lint-py lint-js typecheck lock lock-upgrade vendor vendor-check \
	bench bench-fuzz bench-signing bench-quick fuzz load faults screenshots clean

# Runtime dependencies only (what `make run` and production need).
install:
	@scripts/ensure-system-libs
	@scripts/venv runtime
	@scripts/compile-messages

# Runtime + tests, linters and type checker.
install-dev:
	@scripts/ensure-system-libs
	@scripts/venv dev
	@scripts/compile-messages

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py serve 127.0.0.1:$(PORT)

# Runs on SQLite unless DATABASE_URL is set (REDIS_URL likewise adds the Redis tests).
test: install-dev
	scripts/ensure-browser
	$(PY) -m pytest $(PYTEST_ARGS)

# Every static check CI runs: ruff (lint and format), mypy, the locks, migrations, ESLint
# on static/, and static/vendor/ rebuilt from its pinned packages.
lint: lint-py typecheck lint-js
	scripts/check-vendor

lint-py: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/check-lock
	$(PY) manage.py makemigrations --check --dry-run

typecheck: install-dev
	$(VENV)/bin/mypy

# ESLint (pinned in package.json / package-lock.json, installed with `npm ci`) on static/.
lint-js:
	scripts/lint-js

# Rebuild static/vendor/ (the audited @noble browser crypto) from the pinned npm packages.
vendor:
	scripts/vendor-build

# Regenerate requirements/runtime.txt and requirements/dev.txt from pyproject.toml (keeps
# existing pins where they still fit); `make lock-upgrade` also moves indirect ones to
# their newest allowed release. Needs PyPI only.
lock: install-dev
	scripts/lock

lock-upgrade: install-dev
	scripts/lock --upgrade

# Benchmarks (README, "Benchmarks"). Need PostgreSQL and Redis on 127.0.0.1 (started if
# down) and wrk (apt-get install wrk, done for you as root). `bench`: 1,000,000 customers,
# 10 s per row, 2 rounds, medians; the table goes to benchmarks/RESULTS.md (about 13 min on
# 2 idle cores; BENCH_ARGS="--before <commit>" also measures that commit, each row right
# after ours: about twice as long). Each phase prints how long it took. The fuzzing (35 min
# on 2 cores) is no longer part of it: `bench-fuzz` runs it alone and replaces RESULTS.md's
# fuzz section. `bench-quick`: CI's smaller form.
BENCH_ARGS ?=
bench: install-dev
	$(PY) benchmarks/run.py --rounds 2 $(BENCH_ARGS) --results benchmarks/RESULTS.md

bench-fuzz: install-dev
	$(PY) benchmarks/run.py --fuzz-only --fuzz 1000 --results benchmarks/RESULTS.md

# Server-side cost of one signing challenge beside a bare eth-account recover (no database).
bench-signing: install-dev
	$(PY) benchmarks/signing_cost.py

bench-quick: install-dev
	$(PY) benchmarks/run.py --quick

# Fuzz every API operation with FUZZ_EXAMPLES cases each (CI runs 30 inside `make test`).
FUZZ_EXAMPLES ?= 1000
fuzz: install-dev
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_RANDOM=1 $(PY) -m pytest -p no:cacheprovider tests/resilience/test_fuzz.py

# Load (4 gunicorn workers, 200 concurrent requests; needs DATABASE_URL and REDIS_URL) and
# fault injection (a private PostgreSQL cluster and redis-server, stopped and restarted).
load: install-dev
	$(PY) -m pytest tests/resilience/test_load.py

faults: install-dev
	$(PY) -m pytest tests/resilience/test_faults.py

# Gateway pages, branded, in English and Filipino at 360 and 1280 px into docs/screenshots/ (needs /usr/bin/chromium).
screenshots: install-dev
	scripts/ensure-browser
	$(PY) scripts/screenshots.py

# static/vendor/ rebuilt elsewhere from the pinned packages; fails on any difference (CI).
vendor-check:
	scripts/check-vendor

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles .pytest_cache .mypy_cache
