# Omni — the two commands: `make run` (app with demo data) and `make test` (the whole suite).
# uv is used from PATH when it works, otherwise installed once into .tools/ with pip.
SHELL := /bin/bash
UV := $(shell if uv --version >/dev/null 2>&1; then command -v uv; else echo .tools/bin/uv; fi)
PYTHON_FOR_TOOLS ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
CUSTOMERS ?= 300

.PHONY: run test lint format sync migrate seed bench-seed bench-dashboards bench-scale bench-ingest check-deploy messages clean

.tools/bin/uv:
	$(PYTHON_FOR_TOOLS) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

sync: $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen

# The development variables manage.py reads (git-ignored; see .env.example): written once.
.env:
	cp .env.example .env

migrate: sync .env
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(UV) run --frozen python manage.py migrate --no-input

run: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(UV) run --frozen python manage.py seed_demo --if-empty --customers $(CUSTOMERS)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(UV) run --frozen python manage.py runserver $(HOST):$(PORT)

test: sync
	$(UV) run --frozen pytest $(PYTEST_ARGS)

lint: sync
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen lint-imports --no-cache
	DJANGO_DEBUG=1 $(UV) run --frozen python manage.py makemigrations --check --dry-run

format: sync
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

# Figures for the closing notes: seed_demo on PostgreSQL (DATABASE_URL must point at it).
bench-seed: sync
	DJANGO_DEBUG=1 $(UV) run --frozen python manage.py migrate --no-input
	DJANGO_DEBUG=1 $(UV) run --frozen python manage.py seed_demo --customers $${BENCH_CUSTOMERS:-10000} --reset

# Dashboards on 1,000,000 customers / 5,000,000 orders: DATABASE_URL must point at a dedicated
# PostgreSQL database (generation is refused on SQLite and on a database with other customers).
bench-dashboards: sync
	DJANGO_DEBUG=1 $(UV) run --frozen python manage.py migrate --no-input
	DJANGO_DEBUG=1 $(UV) run --frozen python manage.py bench_dashboards --generate \
		--customers $${BENCH_CUSTOMERS:-1000000} --orders $${BENCH_ORDERS:-5000000} $(BENCH_ARGS)

# Search, customer 360, API lists and admin on 1,000,000 customers / 5,000,000 orders, each
# against its raw SQL: DATABASE_URL must point at a dedicated PostgreSQL database. To time an
# existing dataset again: `manage.py bench_scale` (without --generate).
bench-scale: sync
	DJANGO_DEBUG=1 $(UV) run --frozen python manage.py migrate --no-input
	DJANGO_DEBUG=1 DATABASE_CONN_MAX_AGE=$${DATABASE_CONN_MAX_AGE:-600} \
		$(UV) run --frozen python manage.py bench_scale --generate \
		--customers $${BENCH_CUSTOMERS:-1000000} --orders $${BENCH_ORDERS:-5000000} $(BENCH_ARGS)

# The write paths of issue 9 (batch API against a staged COPY + merge, statements per batch,
# replay, webhook acknowledgement, import_history): DATABASE_URL must point at a dedicated
# PostgreSQL database, whose retail tables are emptied first (refused on SQLite and on a
# database holding other data unless BENCH_ARGS=--reset-benchmark).
bench-ingest: sync
	@case "$${DATABASE_URL:-}" in postgres://*|postgresql://*) ;; \
		*) echo "bench-ingest: set DATABASE_URL=postgres://… to a dedicated PostgreSQL database." >&2; exit 2;; esac
	DJANGO_DEBUG=1 $(UV) run --frozen python manage.py migrate --no-input
	DJANGO_DEBUG=1 DATABASE_CONN_MAX_AGE=$${DATABASE_CONN_MAX_AGE:-600} \
		$(UV) run --frozen python manage.py bench_ingest $(BENCH_ARGS)

check-deploy: sync
	DJANGO_DEBUG=0 OMNI_ENV_FILE=/dev/null \
		DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) DJANGO_ALLOWED_HOSTS=omni.example.com \
		OMNI_ENCRYPTION_KEYS=$$(head -c 32 /dev/urandom | base64 | tr '+/' '-_') \
		OMNI_CACHE_URL=redis://127.0.0.1:6379/1 \
		$(UV) run --frozen python manage.py check --deploy --fail-level WARNING

messages: sync
	DJANGO_DEBUG=1 $(UV) run --frozen python manage.py makemessages -l fr --no-obsolete --ignore=.venv --ignore=.tools
	DJANGO_DEBUG=1 $(UV) run --frozen python manage.py compilemessages --ignore=.venv --ignore=.tools

clean:
	rm -rf .venv .tools var
