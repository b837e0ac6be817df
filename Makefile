# Two entry points on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run plan test bench install chromium screenshot lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Serve the API on ./dispatch.db (SQLite), seeding the demo operation on first run.
run: install
	$(BIN)/dispatch demo --host 127.0.0.1 --port $(or $(PORT),8000)

# Plan the default scenario with the routing core alone.
plan: install
	$(BIN)/dispatch solve scenarios/problems/restaurant-lunch.yaml --time-limit 5 --map out/plan.html --out out/plan.json

test: install chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Browser tests drive the system Chromium (Debian's package); install it when we can.
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && { DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 \
	       || { apt-get update -q >/dev/null && \
	            DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; }; } \
	  || echo "no Chromium here: browser tests will skip (apt-get install chromium)"

# A picture of the dispatcher page with a planned and committed wave: out/dispatcher.png.
screenshot: install chromium
	$(BIN)/python scripts/screenshot_dispatcher.py --out out/dispatcher.png

bench: install
	$(BIN)/dispatch bench ../shared/benchmarks/solomon --time-limit 10 --json out/bench-solomon.json

lint: install
	$(BIN)/ruff check src api tests

clean:
	rm -rf out .pytest_cache dispatch.db dispatch.db-wal dispatch.db-shm
