# The README's two commands: `make run` (install, migrate, seed the demo, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run serve test test-fast bench faults lint format migrations clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# Where `make run` serves (and what links in its emails point at): make run ADDR=127.0.0.1:8001
run: ADDR ?= 127.0.0.1:8000
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	bash bin/run-demo $(ADDR)

test: install
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -x -q -m "not worker"

bench: install
	$(BIN)/python -m benchmarks

# The outbox's delivery under injected faults, on a private Redis, an SMTP server on loopback and real
# workers: one JSON line per case. FAULTS_SCALE=small (default, a few minutes) or full (by hand);
# FAULTS_DATABASE_URL names a PostgreSQL database the run drops and creates.
faults: install
	$(BIN)/python -m faults $(CASES)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations: install
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var .pytest_cache
