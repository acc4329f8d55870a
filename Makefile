# The README's commands. `make demo` runs the product on the embedded default;
# `make test` runs the whole suite against the local PostgreSQL and Redis.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint install system-deps db-setup migrations-check run worker beat clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests and the PDF renderer need (fonts, pango, chromium for browser tests).
system-deps:
	@bash scripts/system_deps.sh

demo: install
	DJANGO_SETTINGS_MODULE=retention.settings.local $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=retention.settings.local $(PY) manage.py seed_demo
	DJANGO_SETTINGS_MODULE=retention.settings.local $(PY) manage.py runserver 127.0.0.1:8000

db-setup: install
	$(PY) scripts/db_setup.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrations-check: install db-setup
	DJANGO_SETTINGS_MODULE=retention.settings.test $(PY) manage.py makemigrations --check --dry-run

test: install system-deps db-setup lint migrations-check
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The real stack on this machine (PostgreSQL + Redis), e.g. DATABASE_URL=postgres://retention_app@127.0.0.1:5432/retention
run: install
	$(VENV)/bin/gunicorn retention.wsgi --bind 127.0.0.1:8000 --workers 2
worker: install
	$(VENV)/bin/celery -A retention worker --loglevel=info --concurrency=2
beat: install
	$(VENV)/bin/celery -A retention beat --loglevel=info

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles artifacts
