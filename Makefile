# Two entry points: `make serve` and `make test`. Both bootstrap everything they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
AXE    := node_modules/axe-core/axe.min.js
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build test test-fast browser bench bench-cli clean manifest release offline release-site

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

## serve: build and serve the site at http://127.0.0.1:8000 (rebuilds on change)
serve: $(STAMP)
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

## build: strict build into site/
build: $(STAMP)
	$(BIN)/mkdocs build --strict

## browser: make sure Debian's Chromium (browser tests) and poppler-utils (pdftotext, print tests) are present
browser:
	@{ command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; } || { \
	  echo "Installing Debian's chromium and poppler-utils for the browser and print tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; fi; }

## axe: axe-core for the browser tests' accessibility checks, at the version package-lock.json pins
## (npm ci checks the tarball against the lock's integrity hash; installs Debian's npm if it is missing)
$(AXE): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "Installing Debian's nodejs and npm for axe-core"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; fi; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(AXE)

## test: the whole suite (data, build, links, exports, CLI, browser, print, accessibility)
test: $(STAMP) browser $(AXE)
	$(BIN)/python -m pytest -n auto

## test-fast: everything except the browser tests
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto -m "not browser and not slow"

## bench: benchmarks against a baseline measured in the same run (see bench/README.md)
bench: $(STAMP) bench-cli
	$(BIN)/python bench/bench_build.py

## bench-cli: every maestro command (warm and cold cache) against `python -c "import yaml, json"`
bench-cli: $(STAMP)
	$(BIN)/python bench/bench_cli.py

## offline: build/maestro-playbook-offline-v<version>.zip, the whole site for reading from disk (file://), search included
offline: $(STAMP)
	MAESTRO_OFFLINE=true $(BIN)/mkdocs build --strict -d build/offline

clean:
	rm -rf site .pytest_cache

## release: keep this version's ids.json and engagement schemas in releases/<version>/ (refuses to rewrite a kept release)
release: $(STAMP)
	$(BIN)/python -c "from maestro import releases; from maestro.kb import load_kb; print(releases.snapshot(load_kb('data')))"

## release-site: publish this release's site with mike into the local gh-pages branch, under its version, as `latest`
## and at the root (VERSION=x.y.z, default and must be data/meta.yaml's; never pushes; see docs/reference/releasing.md)
release-site: $(STAMP)
	$(BIN)/python -m maestro_site.publish $(if $(VERSION),--version $(VERSION))

## manifest: rewrite manifest.json after changing data/ (maestro verify checks against it)
manifest: $(STAMP)
	$(BIN)/maestro manifest --write
