# Quick start: `make run` (service on 127.0.0.1:8000 with a demo organization) and
# `make test` (the whole suite). Both set up their own virtual environment.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install run test lint bench bench-signing bench-quick fuzz load faults screenshots vendor vendor-check clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	scripts/ensure-browser
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# Benchmarks (docs/readme/benchmarks.md). Need PostgreSQL and Redis on 127.0.0.1 (started
# if down) and wrk (apt-get install wrk, done for you as root). `bench`: 1,000,000
# customers, 10 s per row, then 1,000 schemathesis cases per operation; the table and
# the fuzz figures go to benchmarks/RESULTS.md. `bench-quick`: CI's smaller form.
bench: install
	$(PY) benchmarks/run.py --fuzz 1000 --results benchmarks/RESULTS.md

# Server-side cost of one signing challenge beside a bare eth-account recover (no database).
bench-signing: install
	$(PY) benchmarks/signing_cost.py

bench-quick: install
	$(PY) benchmarks/run.py --quick

# Fuzz every API operation with FUZZ_EXAMPLES cases each (CI runs 30 inside `make test`).
FUZZ_EXAMPLES ?= 1000
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_RANDOM=1 $(PY) -m pytest -p no:cacheprovider tests/resilience/test_fuzz.py

# Load (4 gunicorn workers, 200 concurrent requests; needs DATABASE_URL and REDIS_URL) and
# fault injection (a private PostgreSQL cluster and redis-server, stopped and restarted).
load: install
	$(PY) -m pytest tests/resilience/test_load.py

faults: install
	$(PY) -m pytest tests/resilience/test_faults.py

# Gateway pages at 360 and 1280 px into docs/screenshots/ (needs /usr/bin/chromium).
screenshots: install
	scripts/ensure-browser
	$(PY) scripts/screenshots.py

# Browser crypto (@noble/curves, @noble/hashes) from the pinned npm packages into static/vendor/
# (needs node and npm); vendor-check rebuilds it elsewhere and fails on any difference (CI).
vendor:
	scripts/vendor-build

vendor-check:
	scripts/check-vendor

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
