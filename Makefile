# Two commands matter: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Run the Telegram bot if BOT_TOKEN is set (environment or .env), else the terminal chat.
run: $(STAMP)
	$(BIN)/innspill run --chat-without-token

## Lint, type-check and run every test (PostgreSQL tests need TEST_DATABASE_URL).
test: $(STAMP)
	$(BIN)/ruff check bot flows storage tests bench
	$(BIN)/ruff format --check bot flows storage tests bench
	$(BIN)/mypy bot flows storage
	$(BIN)/pytest -q -n 4 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check bot flows storage tests bench
	$(BIN)/mypy bot flows storage

## Benchmarks: never part of `make test`.
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
