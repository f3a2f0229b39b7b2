# 请假通: `make run` starts the demo with the local simulator; `make test` runs the whole suite.
# What is installed comes from requirements.lock (exact versions and hashes); `make lock` refreshes it.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP_VERSION := 26.3
UV_VERSION := 0.13.8

.PHONY: run test lint bench lock lock-upgrade clean

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet 'pip==$(PIP_VERSION)'
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@$(BIN)/python -m pip check >/dev/null || { $(BIN)/python -m pip check; \
	  echo "requirements.lock lacks what pyproject.toml asks for: run make lock"; exit 1; }
	touch $(STAMP)

# `make lock` brings requirements.lock in line with pyproject.toml (dev extras included), keeping
# every pin that still fits; `make lock-upgrade` moves every package to its newest allowed release.
lock: | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --universal --python-version 3.11 \
	  --generate-hashes --custom-compile-command 'make lock' -o requirements.lock $(LOCK_FLAGS)

lock-upgrade:
	$(MAKE) lock LOCK_FLAGS=--upgrade

config.toml:
	cp config.example.toml config.toml

run: $(STAMP) config.toml
	$(BIN)/qingjia demo --config config.toml

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy bot handlers models reports scheduler services

clean:
	rm -rf $(VENV) qingjia.db qingjia.db-wal qingjia.db-shm
