# Every target installs what it needs first, so `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench clean system-deps

install: $(STAMP)

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

demo: install
	$(VENV)/bin/referendum demo

lint: install
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest -q

bench: install
	$(PY) benchmarks/crypto.py
	$(PY) benchmarks/board.py
	$(PY) benchmarks/whole_referendum.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
