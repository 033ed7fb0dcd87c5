# Two commands: `make run` and `make test`. Both make .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := wsgi
# `flask run` serves there, and links in mail follow (diaspora/config.py: development_defaults).
export FLASK_RUN_HOST := $(HOST)
export FLASK_RUN_PORT := $(PORT)

.PHONY: run test lint install install-dev clean translations translations-extract screenshots

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

# Translations: the .po catalogues are committed, the compiled .mo files are built from them.
TRANSLATIONS := diaspora/translations
CATALOGUES   := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED     := $(CATALOGUES:.po=.mo)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@ -l $*

translations: $(COMPILED)

# After changing strings: gather them into messages.pot and merge them into every catalogue
# (new messages come in empty; the test suite fails until each is translated).
translations-extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-wrap --sort-by-file \
	  --project "Diaspora Health Network" -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-wrap --no-fuzzy-matching

run: install translations
	APP_ENV=development $(BIN)/flask db upgrade
	APP_ENV=development $(BIN)/flask demo load
	@echo "Serving at http://$(HOST):$(PORT), mail leaving by itself (Ctrl+C to stop)"
	APP_ENV=development $(BIN)/flask serve --host $(HOST) --port $(PORT)

# The whole suite on SQLite; with TEST_DATABASE_URL=postgresql+psycopg://... on PostgreSQL.
test: install-dev translations
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check diaspora tests bench

# Screenshots of the main pages at 1280 and 375 px, from the demo data, into docs/screenshots/.
screenshots: install-dev translations
	APP_ENV=development $(BIN)/python docs/screenshots/take.py

clean:
	rm -rf $(VENV) .pytest_cache $(COMPILED)
