# The two set-up commands of the README: `make demo` and `make test`.
# Both install everything first (tools/install.sh is idempotent: seconds when up to date).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install test demo

install:
	OUS_VENV=$(abspath $(VENV)) bash tools/install.sh

test: install
	$(PY) -m pytest -q tests

demo: install
	$(PY) tools/run_demo.py
