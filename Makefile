# Quick start: `make run` (service on 127.0.0.1:8000 with a demo organization) and
# `make test` (the whole suite). Both set up their own virtual environment.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install run test lint bench screenshots clean

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

# Gateway pages at 360 and 1280 px into docs/screenshots/ (needs /usr/bin/chromium).
screenshots: install
	scripts/ensure-browser
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
