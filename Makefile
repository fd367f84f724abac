# One-command setup: every target creates .venv, installs the pinned stack (constraints.txt) and
# the Debian packages the tests need (chromium for the browser test) before it runs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: setup system test test-spark java lint demo lab app bench clean lock

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 fehlt ($(PYTHON))" >&2; exit 3; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Debian's chromium drives the browser test (never `playwright install`: no downloads here).
system:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "chromium fehlt: sudo apt-get install chromium (für den Browsertest)" >&2; exit 3; \
	  fi; \
	fi

setup: $(STAMP) system

test: setup
	$(BIN)/python -m pytest

# Zero findings: ruff (rules in pyproject.toml), ruff's formatting, mypy on workbench/. The same
# checks run before each commit once `.venv/bin/pre-commit install` is done (.pre-commit-config.yaml).
LINT_PATHS := workbench tests benchmarks expectations
lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

# Great Expectations on Spark (issue 18): Java 17 from Debian and the [spark] extra, then the
# differential test polars vs GX on a local Spark session (every sample, 1M generated rows).
# CI calls it after `make test`; alone it takes a few minutes (see README, "Spark").
java:
	@if ! java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; \
	  else \
	    echo "Java 17 fehlt: sudo apt-get install openjdk-17-jre-headless (für Spark)" >&2; exit 3; \
	  fi; \
	fi

test-spark: setup java
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,spark]'
	$(BIN)/python -m pytest -m spark tests/checks/test_spark.py

demo: $(STAMP)
	$(BIN)/workbench demo

# JupyterLab refuses to run as root unless told (containers and CI run as root).
# LAB_ARGS passes more options (e.g. LAB_ARGS=--port=8890); APP_PORT is the app's port.
APP_PORT ?= 8866
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP)
	$(BIN)/jupyter lab $(ROOT_FLAG) $(LAB_ARGS) notebooks/01-workbench.ipynb

# The widget app as a web page for people who never open JupyterLab (runs itself on open).
app: $(STAMP)
	$(BIN)/voila notebooks/01-workbench.ipynb --port=$(APP_PORT) --no-browser

# Whole-process figures first, each with its baseline from the same run and the ratio.
# BENCH_ARGS: e.g. "--quick" (small sizes), "--quick --scale" (also 10x fewer/more: growth).
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

# Re-pin the environment after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^datev-workbench' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info out
