# Two commands do all the set-up:  `make demo` (train, detect and score on the bundled sample)
# and `make test` (the test suite; `make test-fast` leaves out the slow end-to-end tests). Both
# create the virtual environment .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The demo runs the defaults: the paper's model and loss, trained 2 epochs of 4000 frames (under a minute on a CPU).
# Each `make demo` trains afresh, replacing the previous demo run in runs/demo (--overwrite).
DEMO_ARGS ?= --output_folder runs/demo
# The frame caches and the bundled sample the demo makes are kept here, not in the user's cache
# folder (~/.cache/repro-vae), so that `make clean` removes all the Makefile made.
DEMO_CACHE ?= runs/cache

.PHONY: setup demo test test-fast bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

demo: setup
	$(PY) main.py $(DEMO_ARGS) --cache_dir $(DEMO_CACHE) --overwrite
	$(PY) inference.py $(DEMO_ARGS) --cache_dir $(DEMO_CACHE) --report
	$(PY) pure_test.py $(DEMO_ARGS) --cache_dir $(DEMO_CACHE) --level shot
	$(PY) pure_test.py $(DEMO_ARGS) --cache_dir $(DEMO_CACHE) --level scene
	$(PY) -m scenes runs/demo 8

test: setup
	$(PY) -m pytest -q tests

# The tests not marked slow (none trains a model or runs a script): about a minute on a 2-core CPU.
test-fast: setup
	$(PY) -m pytest -q -m "not slow" tests

# The side-by-side benchmark (PySceneDetect, TransNetV2, ...): about an hour on a 2-core CPU.
# BENCH_ARGS="--stages speed" runs one stage; "--quick" checks the machinery in minutes.
BENCH_ARGS ?=
$(VENV)/.bench-installed: $(VENV)/.installed benchmarks/requirements-bench.txt
	$(PY) -m pip install --quiet -r benchmarks/requirements-bench.txt
	touch $@

bench: $(VENV)/.bench-installed
	$(PY) -m benchmarks.run $(BENCH_ARGS)

# The demo's runs, its frame cache (DEMO_CACHE) and the virtual environment; a cache folder of
# your own runs (~/.cache/repro-vae, --cache_dir) is yours to delete.
clean:
	rm -rf runs $(DEMO_CACHE) $(VENV)
