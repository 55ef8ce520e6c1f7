# The workshop's commands. Each target creates the pinned environment first
# (only when requirements.lock changed), so a fresh clone needs nothing else.
PY      ?= python3.11
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PROFILE ?= full

.PHONY: workshop test test-full lab lock bench clean-build env browser notebooks

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (workshop)" >/dev/null
	@touch $(STAMP)

# The offline IAM policy evaluator of the secure-environment lab (Node.js + npm, pinned by its lock file).
IAM_EVAL  := labs/secure_environment/iam_eval
IAM_STAMP := $(IAM_EVAL)/node_modules/.installed

$(IAM_STAMP): $(IAM_EVAL)/package.json $(IAM_EVAL)/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 18+) is needed for the policy evaluator of lab 06"; exit 1; }
	npm ci --prefix $(IAM_EVAL) --no-audit --no-fund --loglevel=error
	@touch $(IAM_STAMP)

# checkov (lab 06: lints the templates and the policy documents) in a tool venv of its own: it pins
# boto3/botocore and other libraries older than .venv's.
CHECKOV_VENV  := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

$(CHECKOV_STAMP): requirements-checkov.lock
	@test -x $(CHECKOV_VENV)/bin/python || $(PY) -m venv $(CHECKOV_VENV) || python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet -r requirements-checkov.lock
	@touch $(CHECKOV_STAMP)

env: $(STAMP) $(IAM_STAMP) $(CHECKOV_STAMP)

## The main job: every numbered notebook, headless, local mode -> build/
workshop: $(STAMP) $(IAM_STAMP) $(CHECKOV_STAMP)
	$(BIN)/python -m helpers.workshop run --profile $(PROFILE) --out build

NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

## The tests (quick profile; what CI runs): unit, integration, browser, and every notebook via nbval
test: $(STAMP) $(IAM_STAMP) $(CHECKOV_STAMP) browser
	WORKSHOP_MODE=local WORKSHOP_PROFILE=quick $(BIN)/python -m pytest -m "not slow" $(NBVAL) tests notebooks

## Everything, including the slow tests
test-full: $(STAMP) $(IAM_STAMP) $(CHECKOV_STAMP) browser
	WORKSHOP_MODE=local WORKSHOP_PROFILE=quick $(BIN)/python -m pytest $(NBVAL) tests notebooks

## Rebuild the notebooks from their sources (labs/<room>/NN_name.py) and refresh the outputs nbval checks
## (quick profile). ONLY=05 limits it to some labs.
notebooks: $(STAMP) $(IAM_STAMP) $(CHECKOV_STAMP)
	$(BIN)/python -m helpers.notebooks build $(ONLY)
	$(BIN)/python -m helpers.workshop run --profile quick --out build/quick $(if $(ONLY),--only $(ONLY))
	$(BIN)/python -m helpers.notebooks clean --outputs-from build/quick/notebooks $(ONLY)

## JupyterLab on the notebooks, for a person
lab: $(STAMP) $(IAM_STAMP)
	$(BIN)/jupyter lab notebooks

## Benchmarks (see README for the figures)
bench: $(STAMP)
	$(BIN)/python benchmarks/registration.py
	$(BIN)/python benchmarks/event_projection.py
	$(BIN)/python benchmarks/practice_track.py
	$(BIN)/python benchmarks/qa_latency.py --preset full

## Chromium for the browser test (Debian package; needs root or sudo)
browser:
	@bash scripts/ensure-chromium.sh

## Re-pin: resolve requirements.in into requirements.lock and environment.yml
lock:
	$(BIN)/pip install -r requirements.in
	$(BIN)/python scripts/lock.py

clean-build:
	rm -rf build
