# PMM Kinerja: everyday commands. `make demo` and `make test` are the quick start; `make help` lists all.
# Works with no standard input (CI runs it from .ci/run on a fresh clone).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV := .venv
PY := $(VENV)/bin/python
# Reinstall when a lock or any package definition changes, and only then.
STAMP := $(VENV)/.installed
# Two locks, each package pinned (and hashed) in one of them only: requirements.lock is what runs in production
# (the service images install it alone); requirements-dev.lock adds the test, lint, benchmark, fuzzing and audit
# tools. The venv installs both, after requirements-pip.lock: the dev lock's pip, so that a known pip reads them.
LOCKS := requirements.lock requirements-dev.lock
PACKAGES := shared shared/testkit $(patsubst %/pyproject.toml,%,$(wildcard services/*/pyproject.toml))
PACKAGE_DEFS := $(addsuffix /pyproject.toml,$(PACKAGES))
# The interpreter the venv is made from: python3.11, else a python3 that is 3.11 or newer.
PYTHON ?= $(shell for p in python3.11 python3; do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then \
	    command -v $$p; break; fi; done)
PIP_FLAGS := --disable-pip-version-check --no-input --quiet

DEMO_ARGS ?=
# `make demo KEEP=1` leaves the stack running after the demo (tools/demo.py reads it).
export KEEP

.PHONY: help venv up down status logs demo test lint lock schemas compose-check clean chaos bench fuzz audit screenshots

help:
	@echo "make demo           run a whole demo semester against the local stack (KEEP=1 leaves it up)"
	@echo "make test           lint, then unit, integration, end-to-end, deploy and security tests"
	@echo "make bench          deadline performance figures vs reference steps (BENCH_ARGS=\"--teachers 1000\")"
	@echo "make up|down|status start, stop or show the local stack (tools/services.toml); the portal: http://127.0.0.1:8000"
	@echo "make logs SERVICE=planning   tail one process's log (SERVICE=portal for the portal's)"
	@echo "make lint           ruff"
	@echo "make chaos          500 teachers' cycles under kill -9, broker/database restarts and BKN outages (CHAOS_ARGS=...)"
	@echo "make fuzz           schemathesis, 1,000 requests per operation of every service (FUZZ_EXAMPLES=N)"
	@echo "make audit          bandit, and pip-audit of both locks (needs PyPI's JSON API or OSV)"
	@echo "make schemas        regenerate shared/schemas and the README event catalogue from the contracts"
	@echo "make screenshots    regenerate docs/screenshots of the portal's main pages at phone width"
	@echo "make lock           re-pin requirements.in, then requirements-dev.in, into their .lock files (with hashes)"
	@echo "make compose-check  validate docker-compose.yml and deploy/"
	@echo "make clean          stop the stack, remove run files and caches (keeps .venv)"

venv: $(STAMP)

$(PY):
	@test -n "$(PYTHON)" || { echo "make: need python3.11 (or a python3 >= 3.11) on PATH" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements-pip.lock $(LOCKS) $(PACKAGE_DEFS) | $(PY)
	$(PY) -m pip install $(PIP_FLAGS) --require-hashes -r requirements-pip.lock
	$(PY) -m pip install $(PIP_FLAGS) --require-hashes $(addprefix -r ,$(LOCKS))
	$(PY) -m pip install $(PIP_FLAGS) --no-deps $(addprefix -e ,$(PACKAGES))
	@touch $@

up: venv
	$(PY) -m tools.stack up

down:
	@if [ -x $(PY) ]; then $(PY) -m tools.stack down; fi

status: venv
	$(PY) -m tools.stack status

logs: venv
	@test -n "$(SERVICE)" || { echo "usage: make logs SERVICE=planning" >&2; exit 2; }
	$(PY) -m tools.stack logs $(SERVICE) --follow

demo: venv
	$(PY) -m tools.demo $(DEMO_ARGS)

# Minutes, not seconds: run on demand, never in `make test`. `BENCH_ARGS=--quick` for a smoke run.
BENCH_ARGS ?=
bench: venv
	$(PY) -m tools.stack infra
	$(PY) -m bench $(BENCH_ARGS)

test: venv
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check --quiet .
	$(PY) -m tools.stack infra
	$(VENV)/bin/pytest shared/tests services/*/tests tests -q

# Its own RabbitMQ (5673) and PostgreSQL (5433), stack on port offset 600; CHAOS_ARGS="--teachers 50 --bkn-outage-s 20"
# is the smoke size.
CHAOS_ARGS ?=
chaos: venv
	$(PY) -m chaos $(CHAOS_ARGS)

FUZZ_EXAMPLES ?= 1000

fuzz: venv
	$(PY) -m tools.stack infra
	PMM_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/pytest tests/security/test_fuzz.py -q -s

# --strict: a dependency that could not be checked fails the audit (offline, every one would be "skipped").
audit: venv
	$(VENV)/bin/bandit -q -c pyproject.toml -r shared/src $(wildcard services/*/src) tools
	$(VENV)/bin/pip-audit $(addprefix -r ,$(LOCKS)) --strict --progress-spinner off $(PIP_AUDIT_FLAGS)

screenshots: venv
	$(PY) -m tools.screenshots

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Run time first; then the development tools constrained by it (`-c requirements.lock` in requirements-dev.in),
# so a package both use keeps the production version, and leaving out of requirements-dev.lock every package
# requirements.lock already pins: pip takes each pin and its hashes from one file. uv keeps the versions already
# in each output file unless a requirement needs another.
UV_COMPILE := $(VENV)/bin/uv pip compile --generate-hashes --python-version 3.11 --custom-compile-command "make lock"
lock: | $(PY)
	@test -x $(VENV)/bin/uv || $(PY) -m pip install $(PIP_FLAGS) uv
	$(UV_COMPILE) requirements.in -o requirements.lock
	$(UV_COMPILE) requirements-dev.in -o requirements-dev.lock \
	  $$(sed -n 's/^\([A-Za-z0-9][A-Za-z0-9._-]*\)==.*/--no-emit-package \1/p' requirements.lock)

schemas: venv
	$(PY) -m pmm_contracts.schemas --write
	$(PY) -m pmm_contracts.docs --write README.md

compose-check: venv
	@if command -v docker-compose >/dev/null 2>&1; then docker-compose -f docker-compose.yml config -q; \
	elif docker compose version >/dev/null 2>&1; then docker compose -f docker-compose.yml config -q; \
	else echo "no docker-compose here: the deploy tests check the file's structure only"; fi
	$(VENV)/bin/pytest tests/deploy -q

clean: down
	rm -rf .run .pytest_cache .ruff_cache .hypothesis build
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
