# flowlab — two commands: `make lab` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8888
CONSTRAINTS := requirements/constraints.txt
BUILD_CONSTRAINTS := requirements/build-constraints.txt
STAMP := $(VENV)/.flowlab-installed
PYTEST_ARGS ?= -q -n 2 --dist loadgroup
LINT_PATHS := $(wildcard flowlab tests benchmarks tools)

.PHONY: help venv lab test lint chromium bench clean-notebooks constraints

help:
	@echo "make lab     start JupyterLab on notebooks/ (PORT=$(PORT)); builds .venv on first use"
	@echo "make test    ruff + pytest (notebooks, browser, layers); installs Debian chromium if needed"
	@echo "make bench   run every script in benchmarks/"
	@echo "make clean-notebooks   strip outputs from notebooks/*.ipynb"
	@echo "make constraints       re-resolve and rewrite $(CONSTRAINTS) in a scratch venv"

# ---- environment ---------------------------------------------------------------------------------
venv: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Re-runs only when the project metadata or the pins change (or .venv is new).
$(STAMP): pyproject.toml $(CONSTRAINTS) $(BUILD_CONSTRAINTS) | $(PY)
	$(PY) -m pip install -q --disable-pip-version-check -c $(CONSTRAINTS) pip
	$(PY) -m pip install -q -c $(CONSTRAINTS) --build-constraint $(BUILD_CONSTRAINTS) -e '.[test]'
	$(PY) -m pip check
	$(PY) tools/check_constraints.py
	@touch $@

# ---- JupyterLab ----------------------------------------------------------------------------------
# PORT=... given (command line or environment) is used as is; otherwise the first free port from 8888 up
# (another Jupyter often holds 8888), so the URL printed is the one that really serves.
LAB_PORT_ARGS := $(if $(filter command line environment environment override,$(origin PORT)),--fixed $(PORT),$(PORT))

lab: venv
	@mkdir -p notebooks
	@port="$$($(PY) tools/lab_port.py $(LAB_PORT_ARGS))" || exit 1; \
	token="$${TOKEN:-$$($(PY) -c 'import secrets; print(secrets.token_hex(16))')}"; \
	root_flag=""; if [ "$$(id -u)" = 0 ]; then root_flag="--allow-root"; fi; \
	echo ""; \
	if [ "$$port" != "$(PORT)" ]; then echo "  (port $(PORT) is in use: serving on $$port instead)"; fi; \
	echo "  flowlab JupyterLab:  http://127.0.0.1:$$port/lab?token=$$token"; \
	echo ""; \
	exec $(PY) -m jupyter lab --no-browser $$root_flag \
	  --ServerApp.ip=127.0.0.1 --ServerApp.port=$$port --ServerApp.port_retries=0 \
	  --ServerApp.root_dir=notebooks --IdentityProvider.token="$$token"

# ---- tests ---------------------------------------------------------------------------------------
# Debian's chromium for the Playwright browser test (never let Playwright download a browser).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian chromium for the browser test ..."; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      chromium fonts-liberation >/dev/null; } \
	  || echo "WARNING: apt-get install chromium failed; the browser test will be skipped."; \
	else \
	  echo "NOTE: /usr/bin/chromium is missing and cannot be installed here (needs root + apt-get);"; \
	  echo "      the browser test will be skipped."; \
	fi

lint: venv
	$(PY) -m ruff check $(LINT_PATHS)

test: venv chromium lint
	$(PY) -m pytest $(PYTEST_ARGS)

# ---- benchmarks ----------------------------------------------------------------------------------
bench: venv
	@shopt -s nullglob; files=(benchmarks/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "no benchmarks in benchmarks/ yet"; fi; \
	for f in "$${files[@]}"; do echo "=== $$f"; $(PY) "$$f" || exit 1; done

# ---- maintenance ---------------------------------------------------------------------------------
clean-notebooks: venv
	$(PY) tools/clean_notebooks.py notebooks

# Resolve pyproject's ranges in a scratch venv (keeping existing pins where they still fit; use
# UPGRADE=1 to ignore them), check consistency and write the full freeze to $(CONSTRAINTS).
constraints:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	if [ -n "$(UPGRADE)" ]; then c=""; "$$tmp/venv/bin/python" -m pip install -q -U pip; \
	else c="-c $(CONSTRAINTS)"; "$$tmp/venv/bin/python" -m pip install -q $$c pip; fi; \
	"$$tmp/venv/bin/python" -m pip install -q $$c --build-constraint $(BUILD_CONSTRAINTS) -e '.[test]'; \
	"$$tmp/venv/bin/python" -m pip check; \
	{ echo "# Exact pins of the tested environment (Python 3.11). Regenerate with: make constraints"; \
	  echo "# Used as: pip install -c requirements/constraints.txt -e .[test]"; \
	  "$$tmp/venv/bin/python" -m pip freeze --all --exclude-editable \
	    | grep -v -i -E '^(flowlab|setuptools|wheel)([=@ ]|$$)'; } > $(CONSTRAINTS); \
	echo "wrote $(CONSTRAINTS)"
