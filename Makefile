# guanai — two commands: `make run` and `make test`. Everything else bootstraps itself.
SHELL := /bin/bash
PYTHON ?= python3.11
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export UV_LINK_MODE := copy
UV := .tools/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced
RUN_STAMP := $(VENV)/.synced-run

.PHONY: run test lint bench bench-web features clean bytecode

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv>=0.5"

# Re-sync only when the project or the lock changes. `make run` installs what serving needs
# (no dev group); `make test`, `lint` and `bench` add the development tools.
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $(STAMP) $(RUN_STAMP)

$(RUN_STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --no-dev --inexact --python $(PYTHON)
	touch $(RUN_STAMP)

# The project's own modules compiled ahead (where bytecode is never written on import,
# PYTHONDONTWRITEBYTECODE=1, every start would otherwise compile about 130 of them).
bytecode: $(RUN_STAMP)
	$(VENV)/bin/python -m compileall -q engine ledger api cli bench

run: $(RUN_STAMP) bytecode
	$(VENV)/bin/guanai serve

test: $(STAMP)
	$(VENV)/bin/pytest

features: $(STAMP)
	$(VENV)/bin/pytest tests/test_features.py --gherkin-terminal-reporter -vv

lint: $(STAMP)
	$(VENV)/bin/ruff check engine ledger api cli tests bench
	$(VENV)/bin/ruff format --check engine ledger api cli tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/yamllint -c .yamllint.yaml policies tests/fixtures

bench: $(STAMP) bytecode
	$(VENV)/bin/python -m bench.run

# The workbench: /app/cases with 10,000 cases, the evaluate panel's round trip (p95).
bench-web: $(STAMP)
	$(VENV)/bin/python -m bench.web

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
