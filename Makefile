# make run    set up .venv if needed, then serve the dashboard on the bundled sample
# make test   set up .venv if needed, then lint and run every test
# make bench  generate the scale corpus if needed and record benchmarks/RESULTS.md

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test e2e bench sample lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	test -f incidents.duckdb || $(PY) -m ingest build data/sample --db incidents.duckdb --no-git \
		--tickets data/tickets.csv --people data/people.yaml
	$(PY) -m streamlit run app.py

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: lint
	$(PY) -m pytest -q

e2e: $(STAMP)
	$(PY) -m pytest -q --e2e tests/e2e

sample: $(STAMP)
	$(PY) -m benchmarks.corpusgen --sample

bench: $(STAMP)
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) incidents.duckdb .pytest_cache
