# Leaky-Gut assistant of the practice. Start here: `make run` (chat) and `make test` (all tests).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa 3.6 runs on Python 3.8-3.10. The first python3.10 that really runs, on the PATH (a pyenv shim may
# not) or in pyenv's versions; override with `make PYTHON=/path/to/python3.10`.
PYTHON ?= $(shell for p in $$(command -v python3.10) $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do \
	"$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null && { echo "$$p"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(PY) -m addons.rasa_main
MODEL := models/leaky-gut-assistant.tar.gz
TRAINING_INPUTS := config.yml domain.yml $(shell find data components -name '*.yml' -o -name '*.py' 2>/dev/null)
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
# Rasa telemetry would send usage data and crash reports (which can hold health data) to Rasa: off.
export RASA_TELEMETRY_ENABLED := false
export TQDM_DISABLE := 1

.PHONY: help install train run shell test bench clean

help:
	@echo "make run    - set up, train if needed, start action server (5055), Rasa (5005), chat widget (8080)"
	@echo "make test   - set up, train if needed, run every test"
	@echo "make train  - train the model when data or config changed"
	@echo "make shell  - try dialogues in the terminal (rasa shell, with the action server)"
	@echo "make bench  - benchmark accuracy, latency, throughput, memory (writes reports/benchmark.md)"
	@echo "make install - set-up only: .venv with the pinned packages, spaCy model, prod-deps, widget-deps"
	@echo "make prod-up / prod-down - production topology here: PostgreSQL, Redis, 2+2 servers, nginx :8000"
	@echo "make prod-status - which services of that topology run"
	@echo "make prod-deps / widget-deps - Debian's PostgreSQL, Redis, nginx / the widget's socket.io client and Chromium"
	@echo "make bench-prod - load and soak of that topology (writes reports/benchmark-prod.md)"
	@echo "make purge  - delete conversations older than privacy.retention_days (for cron; one summary line)"
	@echo "make export SENDER=id [OUT=file] - one conversation as readable JSON (DSGVO Art. 15)"
	@echo "make erase SENDER=id - delete one conversation (DSGVO Art. 17)"
	@echo "make report - staff report of what patients ask (writes reports/insights.html)"
	@echo "STAFF_PASSWORD=... make review - staff page: review misunderstood messages, retrain, activate (port 8081)"
	@echo "make clean  - remove trained models, test caches and results"
	@echo "RASA_SPEEDUPS=off make run - the same assistant with Rasa fixes only, no speed-ups (addons/patches.py)"

$(VENV)/.installed: requirements.txt constraints.txt
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Python 3.10 not found. Rasa 3.6 needs Python 3.8-3.10." >&2; \
	  echo "Install it, e.g. 'pyenv install 3.10.13', or run 'make PYTHON=/path/to/python3.10 ...'." >&2; \
	  exit 1; fi
	@echo "Using $(PYTHON)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	@$(PY) -m spacy info de_core_news_sm >/dev/null 2>&1 \
	  || timeout 120 $(PY) -m spacy download de_core_news_sm >/dev/null 2>&1 \
	  || echo "NOTICE: de_core_news_sm could not be downloaded (no network to GitHub). The assistant uses spaCy's rule-based German pipeline instead; training logs and the model's spacy_pipeline.json say so."
	touch $@

install: $(VENV)/.installed prod-deps widget-deps

$(MODEL): $(VENV)/.installed $(TRAINING_INPUTS)
	@mkdir -p models
	flock models/.train.lock $(RASA) train --fixed-model-name leaky-gut-assistant --out models
	touch $@

train: $(MODEL)

run: install train
	@scripts/run.sh

shell: install train
	@scripts/run.sh shell

# The conversation tests and the REST end-to-end tests run a second time with the fixes only, so a
# speed-up can never be what makes them pass (addons/patches.py).
SPEEDUP_SENSITIVE_TESTS := tests/e2e/test_rest_conversations.py tests/test_rasa_checks.py::test_conversation_stories_pass

test: install train
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest
	RASA_SPEEDUPS=off $(PY) -m pytest $(SPEEDUP_SENSITIVE_TESTS)

bench: install train
	$(PY) -m benchmarks.run

clean:
	rm -rf models/*.tar.gz .pytest_cache results

# --- Production topology on this machine: PostgreSQL, Redis, 2 Rasa + 2 action servers, nginx on :8000 ---
.PHONY: prod-deps prod-up prod-down prod-status bench-prod

# Debian's postgresql, redis-server, nginx (for tests/prod and prod-up); make run works without them.
prod-deps:
	@scripts/prod/install-deps.sh || echo "NOTICE: without PostgreSQL, Redis and nginx, make prod-up and tests/prod cannot run."

prod-up: install train
	$(PY) -m deploy.local up $(PROD_ARGS)

prod-down:
	$(PY) -m deploy.local down

prod-status:
	$(PY) -m deploy.local status

bench-prod: install train
	$(PY) -m benchmarks.prod

# --- Website widget (widget/): socket.io client from npm, Debian's chromium for its browser tests ---
.PHONY: widget-deps
WIDGET_NPM_STAMP := widget/node_modules/.npm-installed

$(WIDGET_NPM_STAMP): widget/package.json widget/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: the widget needs Node.js with npm (Debian: apt-get install -y nodejs npm)." >&2; exit 1; }
	cd widget && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

widget-deps: $(WIDGET_NPM_STAMP)
	@scripts/install-chromium.sh

# --- Privacy (privacy/, PRIVACY.md) and the staff report (insights/): on the tracker store of endpoints.yml ---
.PHONY: purge export erase report review
# SENDER and OUT are read from the environment (make puts command-line variables there), never
# pasted into the shell command, so any sender id is safe.

purge: install
	@$(PY) -m privacy purge

export: install
	@test -n "$$SENDER" || { echo "Usage: make export SENDER=<sender id> [OUT=file.json]" >&2; exit 2; }
	@$(PY) -m privacy export "$$SENDER" $${OUT:+--out "$$OUT"}

erase: install
	@test -n "$$SENDER" || { echo "Usage: make erase SENDER=<sender id>" >&2; exit 2; }
	@$(PY) -m privacy erase "$$SENDER"

report: install
	@$(PY) -m insights --out reports/insights.html

# The staff review page (review/, docs/review.md): only with STAFF_PASSWORD; 127.0.0.1:8081 unless
# REVIEW_HOST / REVIEW_PORT say otherwise.
review: install train
	@$(PY) -m review.server
