# Every target installs what it needs first, so `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

WEB_STAMP := web/node_modules/.installed
# The built pages the server serves (web/build.mjs writes them, build.json with them; not in git).
PAGES  := src/referendum/server/static/build.json
WEB_SOURCES := $(shell find web/build.mjs web/html web/css web/src -type f 2>/dev/null)

.PHONY: install demo test lint bench clean system-deps browser-deps web

install: $(STAMP) $(PAGES)

# libsodium is the only native library we load; Debian ships it as libsodium23.
system-deps:
	@ldconfig -p | grep -q 'libsodium\.so\.23' || { \
	  echo "installing libsodium23 with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsodium23; }

$(STAMP): pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# The web booth, explorer and results page: npm packages from package-lock.json, then a build.
$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_STAMP)

$(PAGES): $(WEB_STAMP) $(WEB_SOURCES)
	cd web && npm run build

web: $(PAGES)

# The browser tests drive Debian's Chromium (never a browser download).
browser-deps:
	@test -x /usr/bin/chromium || { \
	  echo "installing chromium with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

demo: install
	$(VENV)/bin/referendum demo

lint: install
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts
	$(VENV)/bin/mypy

test: lint browser-deps
	cd web && npm test
	$(VENV)/bin/pytest -q

bench: install browser-deps
	$(PY) benchmarks/crypto.py
	$(PY) benchmarks/board.py
	$(PY) benchmarks/whole_referendum.py
	$(PY) benchmarks/browser_booth.py
	$(PY) benchmarks/casting_service.py
	$(PY) benchmarks/replica.py
	$(PY) benchmarks/million.py --ballots 100000 --cast-sample 5000

clean:
	rm -rf $(VENV) web/node_modules src/referendum/server/static src/referendum/server/static.*-* build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
