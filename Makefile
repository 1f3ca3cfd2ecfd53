# The two set-up commands of the README: `make demo` and `make test`.
# Both install everything first (tools/install.sh is idempotent: seconds when up to date).
VENV ?= .venv
PY := $(VENV)/bin/python
LINTED := ous_mm ous_mm_drn.py ous_mm_safe_load.py projects_registry.py tools tests configs docs/en

.PHONY: install lint test test-slow demo docs

install:
	OUS_VENV=$(abspath $(VENV)) bash tools/install.sh

# MMAction2's lint (setup.cfg): flake8 and isort
lint: install
	$(PY) -m flake8 $(LINTED)
	$(PY) -m isort --check-only --diff $(LINTED)

# the tests but those marked slow (pyproject.toml), in TEST_WORKERS processes (pytest-xdist, one
# PyTorch thread each: tests/conftest.py); a file's tests stay in one process, so its module
# fixtures are made once. Two: this project's machine kind has 2 cores.
TEST_WORKERS ?= 2
test: lint
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile -m "not slow" tests

# the slow ones: long series of separate processes (kill series, a ten-epoch run, more torchrun
# runs) and a second environment (the wheel's); CI runs them after `make test` (.ci/run)
test-slow: install
	$(PY) -m pytest -q -m slow tests

demo: install
	$(PY) tools/run_demo.py

# the documentation site: Sphinx + MyST from docs/en (requirements/docs.txt, pinned by the
# constraints file), warnings as errors; the model-zoo pages come from configs/*/metafile.yml
docs: install
	$(PY) -m pip install -q --disable-pip-version-check -c requirements/constraints.txt -r requirements/docs.txt
	$(PY) -m sphinx -W --keep-going -b html docs/en docs/en/_build/html
