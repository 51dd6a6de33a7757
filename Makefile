# Two commands do all the set-up:  `make demo` (train, detect and score on the bundled sample)
# and `make test` (the test suite). Both create the virtual environment .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The demo runs the defaults: the paper's model and loss, trained 5 epochs of 4000 frames (about a minute on a CPU).
# Each `make demo` trains afresh, replacing the previous demo run in runs/demo (--overwrite).
DEMO_ARGS ?= --output_folder runs/demo

.PHONY: setup demo test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

demo: setup
	$(PY) main.py $(DEMO_ARGS) --overwrite
	$(PY) inference.py $(DEMO_ARGS) --report
	$(PY) pure_test.py $(DEMO_ARGS) --level shot
	$(PY) pure_test.py $(DEMO_ARGS) --level scene
	$(PY) -m utils.scenes runs/demo 8

test: setup
	$(PY) -m pytest -q tests

# The side-by-side benchmark (PySceneDetect, TransNetV2, ...): about an hour on a 2-core CPU.
# BENCH_ARGS="--stages speed" runs one stage; "--quick" checks the machinery in minutes.
BENCH_ARGS ?=
$(VENV)/.bench-installed: $(VENV)/.installed benchmarks/requirements-bench.txt
	$(PY) -m pip install --quiet -r benchmarks/requirements-bench.txt
	touch $@

bench: $(VENV)/.bench-installed
	$(PY) -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf runs $(VENV)
