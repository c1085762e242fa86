# The two commands of the README's contract: `make tours` (the main job) and `make test`.
# Both create the virtual environment .venv on first use (pinned by requirements.lock).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NBVAL_TIMEOUT ?= 300
TOURS ?=
JOBS ?= 1

.PHONY: help env tours bench controls exercises test test-min test-perf site lint unit nbval e2e sync badges lock lab \
	clean distclean

help:
	@echo "make tours   execute every tour into build/ (notebooks, HTML, timings table)"
	@echo "make test    lint, pairing check, unit tests, nbval on every tour"
	@echo "make site    the executed tours as a searchable static site -> build/site (after make tours)"
	@echo "make bench   tours' cold times, SGD vs a numpy loop, flop counts -> build/bench.json"
	@echo "make controls  every tour under its negative controls -> build/controls.json"
	@echo "make exercises regenerate exercises/*.ipynb (student versions) from tours/*.py"
	@echo "make test-min  unit tests + nbval in a venv at the lowest versions pyproject declares"
	@echo "make e2e     JupyterLab in a real browser + a Colab-like clean install"
	@echo "make lab     open JupyterLab on tours/"
	@echo "make sync    regenerate tours/*.ipynb from tours/*.py (the source of truth)"
	@echo "make badges  rewrite Colab badges/install cells from pyproject's [project.urls]"
	@echo "make clean   remove build/ and caches (make distclean also removes .venv)"

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[dev]"
	@# install step: compile (and cache on disk) UMAP's numba code once, not in tour 1's first run
	$(BIN)/python -m aitours.umap_cache
	@touch $@

env: $(STAMP)

tours: $(STAMP)
	$(BIN)/python -m tools.run_tours --jobs $(JOBS) $(TOURS)

# The book: build/site from the notebooks make tours executed (Sphinx, never executes them again)
site: $(STAMP)
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[dev,docs]"
	$(BIN)/python -m tools.site

# A benchmark, not a test: tours cold, import cells, roofline, PyTorch peer (with the bench
# extra), SGD peer, flop counts -> build/bench.json and one table of #28's targets.
# Parts: make bench BENCH="--only torch,roofline,imports,sgd"
bench: $(STAMP)
	@$(BIN)/python -c "import torch" 2>/dev/null || echo "torch not installed: the PyTorch peer \
	is skipped (install it with $(BIN)/pip install torch==2.13.0, the bench extra's CPU wheel)"
	$(BIN)/python -m bench.run $(BENCH)

# Negative controls: every claim must be killed by one (docs/CONVENTIONS.md); two runs at a time.
CONTROLS_JOBS ?= 2
controls: $(STAMP)
	$(BIN)/python -m tools.controls --jobs $(CONTROLS_JOBS) $(TOURS)

exercises: $(STAMP)
	$(BIN)/python -m tools.exercises

test: lint unit nbval

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m tools.badges --check
	$(BIN)/python -m tools.sync_tours --check
	$(BIN)/python -m tools.exercises --check
	$(BIN)/python -m tools.min_requirements --check
	$(BIN)/python -m tools.binder --check

# Unit tests of the helper package, plus the tours' metadata and .py/.ipynb pairing.
unit: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist load --ignore=tests/e2e -m "not perf" tests

# Tests of compile counts and private JAX/numba state: performance guards, not part of make test.
test-perf: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider --ignore=tests/e2e -m perf tests

# Every tour executed by nbval; the tours' own asserts check the math. Two workers, one
# notebook each (--dist loadfile keeps a notebook's cells on one kernel).
nbval: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -p tools.nbval_kernel --nbval-lax --nbval-current-env \
	  --nbval-cell-timeout=$(NBVAL_TIMEOUT) -n 2 --dist loadfile tours/*.ipynb

# The lower bounds of pyproject.toml are a promise: a venv at exactly those versions
# (requirements-min.txt, generated from them) runs the unit tests and every tour under nbval.
MIN_VENV ?= .venv-min
MIN_STAMP := $(MIN_VENV)/.installed
$(MIN_STAMP): pyproject.toml requirements-min.txt
	@test -x $(MIN_VENV)/bin/python || $(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install -q -c requirements-min.txt -e ".[dev]"
	$(MIN_VENV)/bin/python -m aitours.umap_cache
	@touch $@

test-min: $(MIN_STAMP)
	$(MIN_VENV)/bin/python -m pip list 2>/dev/null | grep -iE "^(numpy|jax|jaxlib|optax|matplotlib|scikit-learn|ipywidgets|umap-learn) "
	$(MIN_VENV)/bin/python -m pytest -q -p no:cacheprovider -n 2 --dist load --ignore=tests/e2e -m "not perf" tests
	$(MIN_VENV)/bin/python -m pytest -q -p no:cacheprovider -p tools.nbval_kernel --nbval-lax --nbval-current-env \
	  --nbval-cell-timeout=$(NBVAL_TIMEOUT) -n 2 --dist loadfile tours/*.ipynb

# Users' paths, end to end: JupyterLab in a real browser (Debian's chromium via Playwright) and a
# Colab-like clean environment. Installs chromium with apt-get when run as root (CI).
e2e: $(STAMP)
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "make e2e needs Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[dev,e2e,docs]"
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist load tests/e2e

sync: $(STAMP)
	$(BIN)/python -m tools.sync_tours

badges: $(STAMP)
	$(BIN)/python -m tools.badges
	$(MAKE) sync

# Re-pin: resolve the newest versions allowed by pyproject.toml into requirements.lock.
lock:
	rm -rf /tmp/aitours-lock && $(PYTHON) -m venv /tmp/aitours-lock
	/tmp/aitours-lock/bin/pip install -q -e ".[dev,e2e,docs]"
	/tmp/aitours-lock/bin/pip freeze --exclude-editable | grep -v '^aitours' > requirements.lock

lab: $(STAMP)
	$(BIN)/jupyter lab tours/ $(if $(filter 0,$(shell id -u)),--allow-root)

clean:
	rm -rf build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(MIN_VENV)
