# Two commands do all set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# Hosts carry the port, so the domain follows PORT unless it is set on its own.
export BASE_DOMAIN ?= localhost:$(PORT)

.PHONY: run test install assets migrate seed lint format browser-deps pdf-deps clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/activate requirements.txt requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	$(BIN)/pip check
	touch $@

install: $(VENV)/.installed

VENDOR := app/static/vendor
$(VENDOR)/.installed: package.json package-lock.json Makefile
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons $(VENDOR)/htmx $(VENDOR)/sortablejs $(VENDOR)/chartjs $(VENDOR)/fullcalendar $(VENDOR)/temporal
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/bootstrap/
	cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css $(VENDOR)/bootstrap-icons/
	cp -r node_modules/bootstrap-icons/font/fonts $(VENDOR)/bootstrap-icons/fonts
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/sortablejs/Sortable.min.js $(VENDOR)/sortablejs/
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chartjs/
	cp node_modules/fullcalendar/all/global.js $(VENDOR)/fullcalendar/fullcalendar.global.js
	cp node_modules/fullcalendar/skeleton.css $(VENDOR)/fullcalendar/
	mkdir -p $(VENDOR)/fullcalendar/classic && cp node_modules/fullcalendar/themes/classic/global.js node_modules/fullcalendar/themes/classic/theme.css node_modules/fullcalendar/themes/classic/palette.css $(VENDOR)/fullcalendar/classic/
	cp node_modules/temporal-polyfill/global.min.js $(VENDOR)/temporal/ 2>/dev/null || cp node_modules/temporal-polyfill/global.js $(VENDOR)/temporal/
	touch $@

assets: $(VENDOR)/.installed

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo

# The dev server and the scheduler side by side; Ctrl-C stops both.
run: install assets pdf-deps seed
	@echo "Serving http://$(BASE_DOMAIN)  ·  tenants at http://acme.$(BASE_DOMAIN)  ·  console at http://admin.$(BASE_DOMAIN)"
	@trap 'kill 0' EXIT; \
	if $(FLASK) jobs --help >/dev/null 2>&1; then $(FLASK) jobs run & fi; \
	$(FLASK) run --host $(HOST) --port $(PORT) --debug

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Browser tests drive Debian's chromium; install it when we may (root) and it is missing.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; else echo "chromium missing: browser tests will be skipped"; fi; }

# Quote PDFs: WeasyPrint renders with Pango and DejaVu fonts; tests read PDFs with pdftotext.
pdf-deps:
	@command -v pdftotext >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "DejaVu Sans" || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; else echo "poppler-utils or fonts-dejavu missing: PDF tests will fail"; fi; }

test: install assets browser-deps pdf-deps lint
	$(BIN)/pytest -q -n auto -p no:cacheprovider
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL ($$TEST_DATABASE_URL)"; \
		ATRIUM_TEST_DB=postgresql $(BIN)/pytest -q -n auto -p no:cacheprovider; \
	fi

clean:
	rm -rf $(VENV) node_modules $(VENDOR) instance .pytest_cache .ruff_cache
