# The README's two commands: `make run` and `make test`. Both install what is missing first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian 12 packages: venv support, WeasyPrint's text layout and font subsetting, Chromium for
# plotly's static images and the browser tests (with Playwright's libatomic1), PostgreSQL's
# binaries for the test database, Redis for the job-queue test, fonts for PDFs.
APT_PACKAGES := python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 chromium libatomic1 \
	postgresql redis-server fonts-dejavu-core poppler-utils
DEV_ENV := PULSE_ENV=development

.PHONY: run test check lint install system-packages clean

run: $(STAMP)
	@mkdir -p instance
	$(DEV_ENV) $(BIN)/pulse db upgrade
	$(DEV_ENV) $(BIN)/pulse seed-demo
	@echo "Pulse is at http://127.0.0.1:5000 (Ctrl-C stops it). E-mails it sends are written to instance/mail/."
	$(DEV_ENV) $(BIN)/pulse run --host 127.0.0.1 --port 5000

# Everything CI runs: the house rules (lint, format, types, import layers), then every test on
# SQLite and PostgreSQL, browser journeys included, on both cores (one file per worker at a time:
# each worker has its own PostgreSQL cluster and live servers; about 9 minutes here, 20 in one process).
test: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The house rules alone.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The edit-test loop, under a minute: lint, then the tests that need neither PostgreSQL, a browser,
# nor more than a few seconds each.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not postgres and not browser and not slow" -n 2 -p no:randomly

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	@$(MAKE) --no-print-directory system-packages
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet --editable '.[dev]'
	touch $(STAMP)

system-packages:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

clean:
	rm -rf $(VENV) instance build *.egg-info
