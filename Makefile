# The two set-up commands of the README: `make demo` and `make test`.
# Both install everything first (tools/install.sh is idempotent: seconds when up to date).
VENV ?= .venv
PY := $(VENV)/bin/python
LINTED := ous_mm ous_mm_drn.py projects_registry.py tools tests configs

.PHONY: install lint test demo

install:
	OUS_VENV=$(abspath $(VENV)) bash tools/install.sh

# MMAction2's lint (setup.cfg): flake8 and isort
lint: install
	$(PY) -m flake8 $(LINTED)
	$(PY) -m isort --check-only --diff $(LINTED)

test: lint
	$(PY) -m pytest -q tests

demo: install
	$(PY) tools/run_demo.py
