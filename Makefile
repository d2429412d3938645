# ConnectorHub: `make run` starts the hub, `make test` runs every test.
# `make run` installs requirements.txt only (what production needs); `make test` and `make lint`
# add requirements-dev.txt (test and lint tools), each with a stamp file of its own.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NODE_MODULES := tests/js/node_modules/.package-lock.json

.PHONY: run test lint format requirements clean

run: $(VENV)/.installed
	$(PY) -m connectorhub.run

# System packages first (as root on Debian they are installed; elsewhere it says what to install):
# npm is needed to install the test corpora.
# The suite runs on every core (pytest-xdist, -n auto; see docs/testing.md); PYTEST_ARGS adds
# to that, e.g. PYTEST_ARGS="-n 0 tests/runs" for one area without workers.
test: $(VENV)/.installed-dev
	.ci/install-debian-packages
	$(MAKE) --no-print-directory $(NODE_MODULES)
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Recompile the pinned requirements.txt and requirements-dev.txt from their .in files. Where pip
# is configured with local wheel folders (PIP_FIND_LINKS), they stay out of the files.
COMPILE := $(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-find-links
requirements: $(VENV)/.installed-dev
	$(COMPILE) --output-file requirements.txt requirements.in
	$(COMPILE) --output-file requirements-dev.txt requirements-dev.in

# The hub's pins, then the connector SDK from sdk/ (editable: it is part of this checkout). The SDK
# is not a line of requirements.txt because pip refuses an editable requirement as a constraint,
# and requirements-dev.in is constrained by requirements.txt.
$(VENV)/.installed: requirements.txt sdk/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ConnectorHub needs Python 3.11 or newer")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e ./sdk
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

# The pinned real-world test corpora (Camunda's templates, schemas, validator, Modeler, feelin).
$(NODE_MODULES): tests/js/package.json tests/js/package-lock.json
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error

clean:
	rm -rf $(VENV) tests/js/node_modules .pytest_cache test-artifacts
