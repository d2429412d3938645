# ConnectorHub: `make run` starts the hub, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NODE_MODULES := tests/js/node_modules/.package-lock.json

.PHONY: run test lint format requirements clean

run: $(VENV)/.installed
	$(PY) -m connectorhub.run

# System packages first (as root on Debian they are installed; elsewhere it says what to install):
# npm is needed to install the test corpora.
test: $(VENV)/.installed
	.ci/install-debian-packages
	$(MAKE) --no-print-directory $(NODE_MODULES)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Recompile the pinned requirements.txt from requirements.in.
requirements: $(VENV)/.installed
	$(VENV)/bin/pip-compile --quiet --strip-extras --output-file requirements.txt requirements.in

# requirements.txt installs sdk/ (editable); a change to its metadata needs a reinstall
$(VENV)/.installed: requirements.txt sdk/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ConnectorHub needs Python 3.11 or newer")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip pip-tools
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# The pinned real-world test corpora (Camunda's templates, schemas, validator, Modeler, feelin).
$(NODE_MODULES): tests/js/package.json tests/js/package-lock.json
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error

clean:
	rm -rf $(VENV) tests/js/node_modules .pytest_cache test-artifacts
