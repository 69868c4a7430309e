# The GAN Book. `make book` builds the HTML book, `make test` runs every test layer,
# `make verify` checks that every stored lab is what the current code produces.
# All create the virtual environment (.venv/) on first use.

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

# Stored labs are run, and checked by strict nbval, with one thread: the order of a
# floating-point sum depends on the thread count (lab 7's glued values differ in their last
# digits between 1 and 2 threads), and one thread gives one order on every machine.
STORED_THREADS := 1
# Strict nbval: every output of every cell must equal the stored one, after the sanitize
# file's patterns (a player's random ids, durations inside deterministic lines); cells that
# start with `# NBVAL_IGNORE_OUTPUT` (timings, ipywidgets) are run but not compared.
STRICT_NBVAL := GAN_BOOK_PROFILE=cpu GAN_BOOK_DEVICE=cpu OMP_NUM_THREADS=$(STORED_THREADS) \
  $(BIN)/python -m pytest --nbval --nbval-current-env --nbval-cell-timeout=3600 \
  --nbval-sanitize-with notebooks/nbval_sanitize.cfg
# The labs that `make test` checks strictly: each takes under two minutes at the cpu profile
# (strict nbval, 2 cores: 15-50 s each, about 3.5 min together). The rest (8-12: 3 to 18 min
# each) run at the smoke profile there, and strictly in `make verify`.
FAST_LABS := $(addprefix notebooks/,01_maximum_likelihood.ipynb 02_taxonomy.ipynb \
  03_forward_reverse_kl.ipynb 04_adversarial_game.ipynb 05_optimal_discriminator.ipynb \
  06_global_optimum.ipynb 07_generator_costs.ipynb)
SLOW_LABS := $(filter-out $(FAST_LABS),$(NOTEBOOKS))

.PHONY: book test lint format unit notebooks-smoke notebooks verify venv clean assignments

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

# Lint and the book first; then strict nbval on the fast labs at the cpu profile, and one
# pytest run over tests/ and the slow labs at the smoke profile, so the run closes on
# pytest's summary. Two runs, since nbval's strict and lax modes and the profile are
# per-run. Both always run; the target fails if either does.
test: lint book
	$(STRICT_NBVAL) $(FAST_LABS); strict=$$?; \
	GAN_BOOK_PROFILE=smoke GAN_BOOK_DEVICE=cpu $(BIN)/python -m pytest --nbval-lax \
	  --nbval-current-env tests $(SLOW_LABS) || exit 1; \
	test $$strict -eq 0 || { echo "make test: strict nbval of the fast labs failed (above)"; exit 1; }

# Strict nbval on every lab at the cpu profile: about an hour on 2 cores. It fails when the
# code no longer produces a stored output; re-store that lab (`make notebooks NOTEBOOKS=...`).
verify: $(READY)
	$(STRICT_NBVAL) $(NOTEBOOKS)

unit: $(READY)
	$(BIN)/python -m pytest tests

notebooks-smoke: $(READY)
	GAN_BOOK_PROFILE=smoke GAN_BOOK_DEVICE=cpu $(BIN)/python -m pytest --nbval-lax --nbval-current-env notebooks

# Re-execute every notebook (or those named: `make notebooks NOTEBOOKS=notebooks/07_...ipynb`)
# from a fresh kernel at the `cpu` profile, with one thread, and store its outputs.
notebooks: $(READY)
	$(BIN)/python scripts/setup_cell.py $(NOTEBOOKS)
	for nb in $(NOTEBOOKS); do \
	  GAN_BOOK_PROFILE=cpu GAN_BOOK_DEVICE=cpu OMP_NUM_THREADS=$(STORED_THREADS) \
	    $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=3600 --ExecutePreprocessor.kernel_name=python3 $$nb || exit 1; \
	done

# The course assignments (assignments/*.ipynb, otter-grader masters): _build/assignments/student/
# (hand-outs) and _build/assignments/autograder/ (solution keys, hidden tests, Gradescope zips),
# after grading every solution key with every test. See book/teaching/instructors.md.
assignments: $(READY)
	$(BIN)/python assignments/build.py --out _build/assignments

clean:
	rm -rf _build
