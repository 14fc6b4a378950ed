# sksym developer commands. Each target creates .venv if missing and installs
# sksym (editable) with the extras it needs, so a fresh machine with Python 3.11
# needs nothing else.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench
PYTEST_ARGS ?=

.PHONY: demo test test-all doc bench clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,doc]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m sksym

# The default suite (slow tests deselected) plus doctests of every public name.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow" $(PYTEST_ARGS)

# Everything, including the thorough tests marked slow.
test-all: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

doc: $(STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html doc doc/_build/html

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,doc,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	@mkdir -p benchmarks/results
	@for f in benchmarks/bench_*.py; do \
		name=$$(basename $$f .py); \
		echo "== $$name"; \
		$(BIN)/python $$f | tee benchmarks/results/$$name.txt || exit 1; \
	done

clean:
	rm -rf doc/_build doc/auto_examples doc/generated doc/gen_modules build *.egg-info
