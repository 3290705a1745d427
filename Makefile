# VoxLoop: the few commands a newcomer needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql://postgres@127.0.0.1:5432/voxloop
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: install demo test test-sqlite test-postgres test-browser lint typecheck bench bench-extra eval messages clean

$(BIN)/voxloop: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	@touch $@

install: $(BIN)/voxloop  ## create .venv and install VoxLoop with its dev tools

demo: install  ## a demo workspace with realistic feedback, served on http://127.0.0.1:8000
	$(BIN)/voxloop demo

test: install  ## the whole suite: lint, types, SQLite, PostgreSQL, Redis, browser
	bash scripts/system-deps.sh
	$(MAKE) lint typecheck
	$(MAKE) test-sqlite
	$(MAKE) test-postgres
	$(MAKE) test-browser
	@echo "All suites passed."

test-sqlite:
	$(BIN)/python -m pytest -m "not browser" 

test-postgres:
	VOXLOOP_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -m "not browser"

test-browser:
	$(BIN)/python -m pytest -m browser

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck:
	$(BIN)/mypy src/voxloop

bench: install  ## speed benchmarks; each prints a table with a ratio to a baseline (docs/benchmarks.md)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/dedupe.py
	$(BIN)/python bench/detect.py
	$(BIN)/python bench/dashboard.py
	VOXLOOP_DATABASE_URL=$(PG_URL) $(BIN)/python bench/dashboard.py

bench-extra: install  ## the comparisons that need the optional `bench` extra (BERTopic, snownlp)
	$(BIN)/pip install -q -e ".[bench]"
	$(BIN)/python bench/topics.py

eval: install  ## every text-understanding figure in docs/benchmarks.md (snownlp as the printed baseline)
	$(BIN)/pip install -q "snownlp==0.12.3"
	$(BIN)/python bench/eval_all.py

messages:  ## refresh and compile each app's Chinese catalog (src/voxloop/<app>/locale)
	bash scripts/messages.sh

clean:
	rm -rf $(VENV) .voxloop build *.egg-info
