# The README's two commands: `make quickstart` runs the main job, `make test` runs the whole suite.
# Each makes `.venv` first. Another torch build: `make TORCH="torch --index-url https://download.pytorch.org/whl/cu128"`.
PYTHON ?= python3
TORCH ?= torch==2.13.0
BIN := .venv/bin

.PHONY: quickstart pretrained test sync nbtest pytest slow readme docs lab

.venv/installed: setup.py settings.ini
	$(PYTHON) -m venv .venv
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

# 15 minutes from a fresh clone: the install's time, and half a minute for starting Python and the last lines, come off
# the quickstart's --minutes.
MINUTES ?= 15
RUN ?= runs/quickstart
quickstart:
	@start=$$(date +%s); $(MAKE) --no-print-directory .venv/installed && \
	$(BIN)/dalle_nb quickstart --out $(RUN) --minutes $$(awk -v s=$$start -v now=$$(date +%s) 'BEGIN { printf "%.2f", $(MINUTES) - 0.5 - (now - s) / 60 }')

# The bundled trained run that chapters, README, demo and tests load: the quickstart at its defaults (seed 0) into
# runs/pretrained, then its weights, configs, metrics and eval.json copied to data/pretrained/shapes (commit them).
pretrained:
	rm -rf runs/pretrained
	$(MAKE) --no-print-directory quickstart RUN=runs/pretrained
	$(BIN)/python tools/pretrained.py runs/pretrained data/pretrained/shapes

test: sync nbtest pytest

# Notebooks are the source: exporting and cleaning them must change nothing.
sync: .venv/installed
	@before="$$(git status --porcelain -- dalle_nb nbs; git diff -- dalle_nb nbs | md5sum)"; \
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean; \
	after="$$(git status --porcelain -- dalle_nb nbs; git diff -- dalle_nb nbs | md5sum)"; \
	if [ "$$before" != "$$after" ]; then \
	  echo "nbdev_export/nbdev_clean changed dalle_nb/ or nbs/: export and clean the notebooks, then commit both"; \
	  git status --short -- dalle_nb nbs; exit 1; fi; echo "nbs/ and dalle_nb/ are in step"
	$(BIN)/python tools/readme.py --check

# One torch thread per notebook: two notebooks at a time on two cores, no thread oversubscription
# (which makes small torch ops 20-50x slower here).
nbtest: .venv/installed
	OMP_NUM_THREADS=1 $(BIN)/nbdev_test --n_workers 2 --timing

pytest: .venv/installed
	$(BIN)/pytest -q tests

readme: .venv/installed
	$(BIN)/python tools/readme.py

# Cells flagged `slow` (full-length training runs), on demand.
slow: .venv/installed
	$(BIN)/nbdev_test --flags slow --timing

# The book as an offline site in _docs/ (nbconvert, no Quarto): every chapter executed as nbdev_test runs it, two at a
# time, one page each with a sidebar, images and plotly figures embedded; `make docs CHAPTERS="06_masks"` builds a few.
CHAPTERS ?=
docs: .venv/installed
	OMP_NUM_THREADS=1 $(BIN)/python tools/docs.py --jobs 2 $(CHAPTERS)

# JupyterLab on the notebooks, to run and edit the chapters (the widgets and plotly figures answer there).
lab: .venv/installed
	$(BIN)/jupyter lab nbs/
