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
	$(PY) tools/data/make_smoke_dataset.py data/smoke
	$(PY) tools/train.py configs/smoke/tsn_r18_1xb4-1x1x3-3e_smoke-rgb.py --work-dir work_dirs/smoke
	$(PY) tools/test.py configs/smoke/tsn_r18_1xb4-1x1x3-3e_smoke-rgb.py work_dirs/smoke/epoch_3.pth --work-dir work_dirs/smoke
