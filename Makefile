# Two commands on a fresh machine: `make run` (the bridge with a seeded demo directory on
# SQLite) and `make test` (the whole suite, browser tests included).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench browser postgres systemd clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[all,dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the Playwright tests (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

# Debian's PostgreSQL server binaries for the store tests: the suite starts its own throwaway
# cluster from /usr/lib/postgresql/<ver>/bin (tests/pg.py); `make run` needs none of this.
postgres:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; fi; }

# systemd-analyze for the checks of deploy/livechat-bridge.service (tests/test_deploy.py).
systemd:
	@command -v systemd-analyze >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null; fi; }

# `make run PORT=8090 HOST=0.0.0.0` chooses where the demo listens.
PORT ?= 8080
HOST ?= 127.0.0.1

run: install
	$(VENV)/bin/livechat-bridge demo --host $(HOST) --port $(PORT)

# The bridge tests run twice: on SQLite, then each on a fresh PostgreSQL database.
test: install browser postgres systemd
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest
	$(VENV)/bin/pytest tests/bridge --store postgres

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: install
	$(PY) benchmarks/engine.py
	$(PY) benchmarks/simulator.py
	$(PY) benchmarks/bridge.py
	$(PY) benchmarks/reports.py
	$(PY) benchmarks/end_to_end.py

clean:
	rm -rf $(VENV) .pytest_cache
