PYTHON_VERSION := 3.13.0
VENV := .venv
PY := $(VENV)/bin/python

# Test services: the local PostgreSQL and Redis unless the environment names others.
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/marketplace)
TEST_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/15)

.PHONY: venv test run

$(PY):
	@PYENV_VERSION=$(PYTHON_VERSION) python -m venv $(VENV) 2>/dev/null || $(shell command -v python3.13 || echo python3) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(PY) requirements.txt requirements-dev.txt requirements-beat.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-beat.txt
	touch $@

venv: $(VENV)/.installed

test: venv
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest $(PYTEST_ARGS)

# Migrate, seed the demo into an empty database, then serve on 127.0.0.1:8000
# with a Celery worker and beat in the foreground (see bin/run).
run: venv
	VENV=$(VENV) bin/run
