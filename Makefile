# newsflow: `make run` to try it, `make test` to check it. Everything installs into .venv.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# What running needs (make run), and everything a developer needs (make install, make test).
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
AUDIT_STAMP := $(VENV)/.installed-audit
PIP_INSTALL := scripts/pip_install.sh $(VENV)
EVAL_DATA ?= ../shared/eval

.PHONY: help install install-run browser run test test-unit test-integration test-faults test-nightly audit lint schemas bench bench-quick \
        eval-clean eval-enrich eval-dedup eval-graph eval-similarity model clean

help:
	@echo "make run         embedded broker + worker, ingest samples/, print the outcome, until Ctrl-C"
	@echo "make install     .venv with newsflow and its test tooling (make run installs only what it needs)"
	@echo "make test        install and run the whole test suite"
	@echo "make lint        ruff, mypy"
	@echo "make schemas     regenerate schemas/ from streams/records.py"
	@echo "make eval-clean|eval-enrich|eval-dedup|eval-graph|eval-similarity EVAL_DATA=../shared/eval"

$(PY):
	@$(PYTHON) -m venv $(VENV)

# The package and its runtime dependencies only: what `make run` needs, nothing for tests.
$(RUN_STAMP): pyproject.toml | $(PY)
	@$(PIP_INSTALL) "newsflow (to run)" -e .
	@touch $@

# ... and the test tooling: pytest, selenium, confluent-kafka, ruff, mypy (make test, make lint).
$(STAMP): pyproject.toml | $(PY)
	@$(PIP_INSTALL) "newsflow with its test tooling" -e '.[test]'
	@touch $@ $(RUN_STAMP)

$(BENCH_STAMP): $(STAMP)
	@$(PIP_INSTALL) "the profilers of make bench" -e '.[bench]'
	@touch $@

$(AUDIT_STAMP): $(STAMP)
	@$(PIP_INSTALL) "pip-audit" -e '.[audit]'
	@touch $@

install: $(STAMP)
install-run: $(RUN_STAMP)

# Headless Chromium + ChromeDriver for the dashboard's browser test (Debian packages; root in CI).
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; else \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

run: install-run
	@exec $(VENV)/bin/newsflow run --ingest samples/

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
audit: $(AUDIT_STAMP)
	$(VENV)/bin/pip-audit --strict --skip-editable --progress-spinner off

lint: install
	$(VENV)/bin/ruff check streams tests scripts bench
	$(VENV)/bin/ruff format --check streams tests scripts bench
	$(PY) -m mypy

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
bench: $(BENCH_STAMP)
	$(PY) -m bench.run $(BENCH_EVAL)

bench-quick: $(BENCH_STAMP)
	$(PY) -m bench.run --quick

# Related-article graph on SaudiNewsNet: top-5 neighbours sharing a story or a rare entity,
# scores by reason and by evidence, 5 neighbourhoods to read, link-stage ms per article (~7 min CPU).
eval-graph: install
	$(PY) scripts/eval_graph.py $(EVAL_DATA)

# Related-article scores against human ratings (SemEval-2022 task 8 pairs): Spearman for
# same-language and cross-lingual pairs, TF-IDF and encoder baselines in the same run (~2 min).
eval-similarity: install
	$(PY) scripts/eval_similarity.py $(EVAL_DATA)
