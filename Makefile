# newsflow: `make run` to try it, `make test` to check it. Everything installs into .venv.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_QUIET := 2> >(grep -v "^WARNING: Location" >&2)
STAMP := $(VENV)/.installed
EVAL_DATA ?= ../shared/eval

.PHONY: help install browser run test test-unit test-integration test-faults test-nightly audit lint schemas bench bench-quick \
        eval-clean eval-enrich eval-dedup eval-graph model clean

help:
	@echo "make run         embedded broker + worker, ingest samples/, print the outcome, until Ctrl-C"
	@echo "make test        install and run the whole test suite"
	@echo "make lint        ruff"
	@echo "make schemas     regenerate schemas/ from streams/records.py"
	@echo "make eval-clean|eval-enrich|eval-dedup EVAL_DATA=../shared/eval"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[test]' $(PIP_QUIET)
	touch $(STAMP)

install: $(STAMP)

# Headless Chromium + ChromeDriver for the dashboard's browser test (Debian packages; root in CI).
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; else \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

run: install
	$(VENV)/bin/newsflow run --ingest samples/

test: install browser
	$(PY) -m pytest -q

test-unit: install
	$(PY) -m pytest -q tests/unit

test-integration: install browser
	$(PY) -m pytest -q tests/integration

test-faults: install
	$(PY) -m pytest -q -s tests/faults

# Broker stall and the 50,000-message flood: minutes each, printed figures.
test-nightly: install
	$(PY) -m pytest -q -s -m nightly tests/faults

# Known vulnerabilities in the installed dependencies. Needs the PyPI advisory
# service (network): not part of 'make test'.
audit: install
	$(VENV)/bin/pip-audit --strict --skip-editable --progress-spinner off

lint: install
	$(VENV)/bin/ruff check streams tests scripts bench
	$(VENV)/bin/ruff format --check streams tests scripts bench

schemas: install
	$(VENV)/bin/newsflow schemas

clean:
	rm -rf .newsflow .pytest_cache build *.egg-info

# Arabic name tagger: train the CRF on NewsFANE (deterministic split) into streams/lang/ar/ner.crfsuite.
model: install
	$(PY) scripts/train_ner.py $(EVAL_DATA)/ar-ner-newsfane

# Entities per type (held-out NewsFANE; 65 real English articles), dates, quantities, quotes (those 65 and 67 real Arabic
# articles); annotations in tests/data/enrich/eval, texts from EVAL_DATA; a last table puts Arabic beside English.
eval-enrich: install
	$(PY) scripts/eval_enrich.py $(EVAL_DATA)

# Body shingle P/R/F1 on the HTML extraction benchmark, newsflow beside trafilatura, same run.
eval-clean: install
	$(PY) scripts/eval_clean.py $(EVAL_DATA)

# Exact copies found, near-duplicate recall/precision against a brute-force reference.
eval-dedup: install
	$(PY) scripts/eval_dedup.py $(EVAL_DATA)

# Throughput against the broker's ceiling, 1 -> 2 workers, ms per stage, latency, state, profiles.
# Writes bench/results/<date>.json (-quick.json); reads EVAL_DATA's HTML pages when they are there.
BENCH_EVAL = $(if $(wildcard $(EVAL_DATA)/html-extraction-aeb/html),--eval-data $(EVAL_DATA))
bench: install
	$(PY) -m bench.run $(BENCH_EVAL)

bench-quick: install
	$(PY) -m bench.run --quick

# Related-article graph on SaudiNewsNet: top-5 neighbours sharing a story or a rare entity,
# scores by reason and by evidence, 5 neighbourhoods to read, link-stage ms per article (~7 min CPU).
eval-graph: install
	$(PY) scripts/eval_graph.py $(EVAL_DATA)
