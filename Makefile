# Everyday commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/dashboards_$(shell id -u)_$(shell echo $$PPID)
REDIS ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=

.PHONY: install run test test-pg lint format bench bench-widget-data schema schemathesis schemathesis-pg \
	screenshots clean serve-prod topology-check faults faults-short

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

## Serve the app with demo data on SQLite at http://127.0.0.1:8000
run: install
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

## All tests on SQLite (the embedded default)
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

## All tests on PostgreSQL, with Redis as the shared cache
test-pg: install
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS) $(BIN)/pytest $(PYTEST_ARGS)

## Refresh the screenshots in docs/screenshots from the browser tests
screenshots: install
	UPDATE_SCREENSHOTS=1 $(BIN)/pytest tests/browser

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Build the OpenAPI schema and validate it; any warning fails
schema: install
	DJANGO_ALLOW_INSECURE_KEY=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

## Fuzz every API operation from /api/schema/ against gunicorn (scripts/schemathesis.sh)
schemathesis: install
	BIN=$(BIN) bash scripts/schemathesis.sh

## The same on PostgreSQL (server-side parameter binding)
schemathesis-pg: install
	BIN=$(BIN) DATABASE=postgres bash scripts/schemathesis.sh

bench: install
	bash bench/run.sh

## Widget data over 100k vs 10M points, ingestion rate, worker RSS (PostgreSQL, gunicorn)
bench-widget-data: install
	$(BIN)/python bench/widget_data.py

## nginx + gunicorn (gunicorn.conf.py) with DATABASE_URL, REDIS_URL, SECRET_KEY from the env
serve-prod: install
	BIN=$(BIN) bash scripts/serve-prod.sh

## The topology's checks: 50 slow clients, two instances sharing state (scripts/topology/)
topology-check: install
	BIN=$(BIN) bash scripts/topology/check.sh

## Faults against the real thing: private PostgreSQL and Redis, gunicorn, load (scripts/faults/)
faults: install
	$(BIN)/python scripts/faults/run.py

faults-short: install
	$(BIN)/python scripts/faults/run.py --short

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles
