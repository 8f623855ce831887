# Two commands matter: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HOST   ?= 127.0.0.1:8000
SEED   ?= 1
# every app module (migrations are excluded in pyproject.toml), with check_untyped_defs
APPS   := dke_dashboard seeding importers comparisons reports accounts districts common

.PHONY: demo test lint typecheck install migrate run test-postgres test-browser clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo --seed $(SEED)
	@echo "Åbn http://$(HOST)/  (log ind med demo / demo-kode1234 for alle sider)"
	$(PY) manage.py runserver $(HOST)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy $(APPS)

test: lint
	$(VENV)/bin/pytest

test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dke_ci} $(VENV)/bin/pytest

test-browser: install
	$(VENV)/bin/pytest -m browser

run: migrate
	$(PY) manage.py runserver $(HOST)

clean:
	rm -rf $(VENV) var/db.sqlite3 .pytest_cache .mypy_cache .ruff_cache
