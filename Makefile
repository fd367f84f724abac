# One-command setup: every target creates .venv and installs the pinned stack first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test demo lab app bench clean lock

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 fehlt ($(PYTHON))" >&2; exit 3; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

test: setup
	$(BIN)/python -m pytest

demo: setup
	$(BIN)/workbench demo

lab: setup
	$(BIN)/jupyter lab notebooks/01-workbench.ipynb

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

# Re-pin the environment after changing dependencies in pyproject.toml.
lock: setup
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^datev-workbench' > constraints.txt
