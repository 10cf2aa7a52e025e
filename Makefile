# iekg — the two commands of the README:
#   make demo   set up (a local .venv) and build the Henan demo graph on the embedded store
#   make test   set up and run lint, type checks and the whole test suite
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint clean

$(BIN)/iekg: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,speedups]'
	@# an editable install leaves the package uncompiled: compiled here, as pip compiles an installed one, so that a
	@# shell with PYTHONDONTWRITEBYTECODE=1 does not compile every module in every command (0.08 s of a fresh CLI)
	$(BIN)/python -m compileall -q iekg > /dev/null
	@touch $@

setup: $(BIN)/iekg

# The official public lists (pilot-city list, catalogues, GB/T 4754, MOE list) are loaded by the demo build when
# their folder is beside the checkout, as it is in this workplace; set PUBLIC=DIR for another place, PUBLIC= for none.
PUBLIC ?= $(wildcard ../shared/data/public)

demo: setup
	$(BIN)/iekg build $(if $(PUBLIC),--public $(PUBLIC))
	$(BIN)/iekg show 410200 --limit 15
	$(BIN)/iekg search 开封

lint: setup
	$(BIN)/ruff check iekg tests scripts
	$(BIN)/mypy iekg

# two workers, a test file each at a time (module fixtures stay shared; each worker starts its own Neo4j):
# a clean CI run 24 min → 14 min on the 2-core machine.  The files in the order collected (tests/conftest.py
# puts the slowest first), not xdist's (most tests first), so that no long file starts last
test: lint
	$(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder --durations=20

clean:
	rm -rf $(VENV) .iekg-home .pytest_cache .mypy_cache .ruff_cache
