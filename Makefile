# Tanji: `make run` serves the API, `make test` runs every test. Both set up what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= $(or $(TANJI_HOST),127.0.0.1)
PORT   ?= $(or $(TANJI_PORT),8000)
WORKERS ?= $(or $(TANJI_WORKERS),2)
# HTTPS on the same port when both TANJI_TLS_CERT and TANJI_TLS_KEY are set (PACT requires TLS).
TLS    := $(if $(and $(TANJI_TLS_CERT),$(TANJI_TLS_KEY)),--certfile '$(TANJI_TLS_CERT)' --keyfile '$(TANJI_TLS_KEY)')

.PHONY: run test setup system-deps browser-deps screenshots openapi translations lint bench clean audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# Front-end packages the app serves itself (Swagger UI, zxing-wasm), exactly as package-lock.json
# pins them; --ignore-scripts: no install script runs (swagger-ui-dist's would send analytics).
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

system-deps:
	@scripts/system-deps.sh

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
# Without it (not root, no apt) they are skipped and say why; CI=true fails them instead.
browser-deps:
	-@scripts/system-deps.sh chromium

setup: system-deps $(VENV)/.installed node_modules/.installed

run: setup
	$(BIN)/flask --app app init-db
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py --workers $(WORKERS) --bind $(HOST):$(PORT) $(TLS) 'app:create_app()'

test: setup browser-deps audit
	$(BIN)/python -m pytest

# The browser tests save screenshots of every page in build/screenshots/; this also refreshes
# the ones the README shows, in docs/screenshots/.
screenshots: setup browser-deps
	TANJI_README_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/browser

audit: setup
	$(BIN)/python scripts/audit.py

openapi: setup
	$(BIN)/flask --app app openapi write --format=yaml openapi.yaml

# After marking new messages (_() in app/ or schemas/, {{ _() }} in templates): collect them
# into the catalogues, then translate the new, empty zh_CN entries (a test fails until then).
translations: setup
	@mkdir -p build
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output -w 100 -o build/messages.pot .
	$(BIN)/pybabel -q update -i build/messages.pot -d app/translations -w 100 --no-fuzzy-matching --ignore-obsolete
	@# the extraction time would change both files on every run, for every engineer
	sed -i '/^"POT-Creation-Date: /d' app/translations/*/LC_MESSAGES/messages.po

lint: setup
	$(BIN)/ruff check app schemas tests bench
	$(BIN)/ruff format --check app schemas tests bench

bench: setup
	@scripts/system-deps.sh wrk
	$(BIN)/python bench/lookup.py

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules
