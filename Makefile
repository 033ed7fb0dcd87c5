# Two commands: `make run` and `make test`. Both make .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: run test lint install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "Installing the app into $(VENV) ..."
	$(BIN)/pip install --quiet --progress-bar off -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	@echo "Installing the test tools into $(VENV) ..."
	$(BIN)/pip install --quiet --progress-bar off -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	APP_ENV=development $(BIN)/flask db upgrade
	APP_ENV=development $(BIN)/flask demo load
	@echo "Serving at http://$(HOST):$(PORT) (Ctrl+C to stop)"
	APP_ENV=development $(BIN)/flask run --host $(HOST) --port $(PORT)

# The whole suite on SQLite; with TEST_DATABASE_URL=postgresql+psycopg://... on PostgreSQL.
test: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check diaspora tests bench

clean:
	rm -rf $(VENV) .pytest_cache
