# nianbao: `make demo` and `make test` do all their own set-up (see README.md).
CONFIG ?= portals.yml
DATA ?= data
PORT ?= 8001
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages: chromium renders JavaScript portals and runs the browser tests;
# fonts-noto-cjk lets it draw Chinese; tesseract-ocr with its simplified Chinese model
# (and the English one, for the digits pass) reads scanned reports.
RUNTIME_PACKAGES := chromium fonts-noto-cjk tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng
# For the tests, the benchmarks (a test runs them) and the fixture builders: libreoffice converts
# legacy .doc/.wps reports (optional at run time) and builds fixtures; poppler-utils gives the
# benchmark its pdftotext baseline and the fixture builder its checks; redis-server is the fleet
# tests' shared frontier (tests/end_to_end/test_fleet.py). tests/test_system_programs.py
# fails when code calls a program these do not install.
TEST_PACKAGES := $(RUNTIME_PACKAGES) libreoffice-writer-nogui poppler-utils redis-server
# The fixture builders also embed WenQuanYi Zen Hei in the producer-style PDFs (fixtures/render_reportlab.py).
FIXTURE_PACKAGES := $(TEST_PACKAGES) fonts-wqy-zenhei

.PHONY: install system-deps demo crawl serve verify load reextract test test-quick bench fixtures clean help

help:
	@echo "make demo                          sample portal -> crawl -> Datasette on http://127.0.0.1:$(PORT)"
	@echo "make test                          the whole test suite"
	@echo "make test-quick                    the suite without slow and browser tests (under a minute)"
	@echo "make crawl CONFIG=portals.yml DATA=data   crawl, archive, extract and load"
	@echo "make serve DATA=data PORT=8001     Datasette over DATA/reports.db"
	@echo "make verify DATA=data              re-hash every archived original"
	@echo "make reextract DATA=data           re-extract documents made by an older extractor"
	@echo "make bench                         benchmarks -> bench/results.json"

$(STAMP): pyproject.toml
	@PYTHON=$(PYTHON) scripts/bootstrap.sh

install: $(STAMP)

system-deps:
	@scripts/system-deps.sh $(RUNTIME_PACKAGES)

demo: $(STAMP)
	@scripts/system-deps.sh --optional $(RUNTIME_PACKAGES)
	$(BIN)/nianbao demo --data $(DATA) --port $(PORT)

crawl: $(STAMP)
	$(BIN)/nianbao crawl $(CONFIG) --data $(DATA)

serve: $(STAMP)
	$(BIN)/nianbao serve $(DATA) --port $(PORT)

verify: $(STAMP)
	$(BIN)/nianbao verify $(DATA)

load: $(STAMP)
	$(BIN)/nianbao load $(DATA)

reextract: $(STAMP)
	$(BIN)/nianbao extract --all $(DATA)

test: $(STAMP)
	@scripts/system-deps.sh $(TEST_PACKAGES)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The loop while editing: no end-to-end runs, kills, full disks, soffice, benchmark or browser.
test-quick: $(STAMP)
	@scripts/system-deps.sh $(TEST_PACKAGES)
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

bench: $(STAMP)
	@scripts/system-deps.sh $(TEST_PACKAGES)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Rebuild the committed fixture reports and portals.
fixtures: $(STAMP)
	@scripts/system-deps.sh $(FIXTURE_PACKAGES)
	$(BIN)/python fixtures/build_reports.py
	$(BIN)/python fixtures/render_scans.py
	$(BIN)/python fixtures/build_portals.py
	$(BIN)/python fixtures/build_cms_portals.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache test-output
