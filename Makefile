# Support Desk — every command creates .venv and installs the locked dependencies when needed.
# DATABASE_URL (or POSTGRES_*) selects a PostgreSQL server; without one the embedded server is used.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.lock | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format lock clean-db help

help:
	@echo "make run    - install, migrate, load demo data into an empty embedded database, serve on http://$(HOST):$(PORT)"
	@echo "              (make run DEMO=1 loads the demo data into any database)"
	@echo "make test   - install and run the whole test suite"
	@echo "make lint   - ruff check, ruff format --check, mypy on services and selectors"

$(STAMP): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_data $(if $(filter 1,$(DEMO)),--force,)
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
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
