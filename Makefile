# The GAN Book. `make book` builds the HTML book, `make test` runs every test layer.
# Both create the virtual environment (.venv/) on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
# pip, with the noise of this machine's unused local index folders filtered out (its exit status kept).
PIP := bash scripts/quiet_pip.sh $(BIN)/python
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

# Data sets for offline runs: the shared folder beside the project, when present.
SHARED_DATA := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED_DATA)/MNIST),)
export GAN_BOOK_DATA ?= $(SHARED_DATA)
endif
# Two threads per process: the book's measured CPU speeds assume a 2-core machine.
export OMP_NUM_THREADS ?= 2
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book test lint format unit notebooks-smoke notebooks venv clean assignments

venv: $(READY)

$(READY): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -e .
	$(BIN)/python -c "import gan_lib, torch, jupyter_book, nbval, sphinx_exercise, otter"
	$(BIN)/ruff --version
	touch $@

book: $(READY)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book: $(abspath _build/html/index.html)"

# ruff: the formatter and linter of gan_lib/, tests/, benchmarks/, scripts/ and the labs' code cells.
lint: $(READY)
	$(BIN)/ruff format --check
	$(BIN)/ruff check

# Apply the formatter and the linter's safe fixes.
format: $(READY)
	$(BIN)/ruff format
	$(BIN)/ruff check --fix

# Lint and the book first, then one pytest run over tests/ and the labs, so the run closes on
# pytest's summary.
test: lint book
	GAN_BOOK_PROFILE=smoke GAN_BOOK_DEVICE=cpu $(BIN)/python -m pytest --nbval-lax --nbval-current-env tests notebooks

unit: $(READY)
	$(BIN)/python -m pytest tests

notebooks-smoke: $(READY)
	GAN_BOOK_PROFILE=smoke GAN_BOOK_DEVICE=cpu $(BIN)/python -m pytest --nbval-lax --nbval-current-env notebooks

# Re-execute every notebook from a fresh kernel at the `cpu` profile and store its outputs.
notebooks: $(READY)
	$(BIN)/python scripts/setup_cell.py $(NOTEBOOKS)
	for nb in $(NOTEBOOKS); do \
	  GAN_BOOK_PROFILE=cpu GAN_BOOK_DEVICE=cpu $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=3600 --ExecutePreprocessor.kernel_name=python3 $$nb || exit 1; \
	done

# The course assignments (assignments/*.ipynb, otter-grader masters): _build/assignments/student/
# (hand-outs) and _build/assignments/autograder/ (solution keys, hidden tests, Gradescope zips),
# after grading every solution key with every test. See book/teaching/instructors.md.
assignments: $(READY)
	$(BIN)/python assignments/build.py --out _build/assignments

clean:
	rm -rf _build
