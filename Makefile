# Support Desk — every command creates .venv and installs the locked dependencies when needed.
# DATABASE_URL (or POSTGRES_*) selects a PostgreSQL server; without one the embedded server is used.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.lock | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

STAGING_PORT ?= 8001
STAGING_TICKETS ?= 5000
STAGING_DATA := .data/staging-mock

.PHONY: install run serve staging test lint format lock clean-db help bench

help:
	@echo "make run    - install, migrate, load demo data into an empty embedded database, serve on http://$(HOST):$(PORT)"
	@echo "              (make run DEMO=1 loads the demo data into any database)"
	@echo "make serve  - install, migrate, collect static files, serve with gunicorn on http://$(HOST):$(PORT)"
	@echo "make staging - production-like (DEBUG off, gunicorn, JSON logs, generated data) on :$(STAGING_PORT)"
	@echo "make test   - install and run the whole test suite"
	@echo "make lint   - ruff check, ruff format --check, mypy on services and selectors"

$(STAMP): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

# The browser tests drive Debian's Chromium; nothing downloads a browser. Needs root (as in CI).
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "error: $(CHROMIUM) is missing and apt-get is unavailable; install Chromium for the browser tests (tests/e2e)" >&2; exit 1; }
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_data $(if $(filter 1,$(DEMO)),--force,)
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production serving: gunicorn (gunicorn.conf.py), static files by whitenoise. `migrate` also creates
# the cache table when there is no REDIS_URL.
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	GUNICORN_BIND=$(HOST):$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py supportdesk.wsgi

# A production-like instance: deploy/staging.env (DEBUG off, JSON logs) plus gunicorn, loaded with
# generated data (generate_mock_data + migrate_mock_data, when this checkout has them). Uses
# DATABASE_URL / POSTGRES_* when set, else its own embedded server in .data/pg-staging.
staging: install
	@mkdir -p .data
	@test -s .data/staging-secret-key || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > .data/staging-secret-key
	set -a && . deploy/staging.env && set +a && \
	export SECRET_KEY="$${SECRET_KEY:-$$(cat .data/staging-secret-key)}" EMBEDDED_PG_DIR="$${EMBEDDED_PG_DIR:-$(CURDIR)/.data/pg-staging}" && \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	if $(BIN)/python manage.py help generate_mock_data >/dev/null 2>&1 && $(BIN)/python manage.py help migrate_mock_data >/dev/null 2>&1; then \
		test -d $(STAGING_DATA) || $(BIN)/python manage.py generate_mock_data --out $(STAGING_DATA) --tickets $(STAGING_TICKETS) --tenants 3 --seed 7; \
		$(BIN)/python manage.py migrate_mock_data --source $(STAGING_DATA); \
	else \
		echo "staging: generate_mock_data / migrate_mock_data are not in this checkout; starting without data"; \
	fi && \
	GUNICORN_BIND=$(HOST):$(STAGING_PORT) exec $(BIN)/gunicorn -c gunicorn.conf.py supportdesk.wsgi

test: install $(CHROMIUM)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $$(ls */services.py */services/*.py */selectors.py */selectors/*.py 2>/dev/null) supportdesk/mockdata

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-resolve the pinned versions after changing dependencies in pyproject.toml.
lock:
	rm -rf /tmp/sd-lock && $(PYTHON) -m venv /tmp/sd-lock
	/tmp/sd-lock/bin/pip install --quiet --group dev .
	/tmp/sd-lock/bin/pip freeze --exclude-editable | grep -v '^supportdesk' > requirements.lock

# Remove the embedded database (all local data).
clean-db:
	rm -rf .data/pg

# Benchmarks (not tests): BENCH_TICKETS=1000000 for the full scale; see docs/performance.md.
bench: install
	$(BIN)/python -m bench
