# The two commands README promises: `make demo` and `make test` (and the long proofs: `make soak`).
# Everything is installed into .venv from pyproject.toml; nothing is assumed on the machine
# but Python 3.11+ and make.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?= -n 2

.PHONY: demo test soak lint unit install clean bundle bundle-test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[sim,dev]'
	touch $(STAMP)

install: $(STAMP)

# The engine against the built-in simulated CRM and phone (private adb server, throw-away home,
# in-memory keyring). DEMO_ARGS e.g. "--profile production --calls 5".
demo: $(STAMP)
	$(BIN)/softphone demo $(DEMO_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The whole suite: lint, types, then every test (unit, integration with the simulated CRM,
# the simulated phone and a real adb server, reliability, the window) — not the bundle's.
test: lint
	QT_QPA_PLATFORM=offscreen ADB_USB=0 $(BIN)/python -m pytest $(PYTEST_ARGS)

# The long runs of the reliability proofs (tests marked `soak`: hundreds of SIGKILLs, ten
# minutes of server faults, twenty desks behind one address…), under 30 minutes on 2 cores.
# Each test writes its figures to build/figures/*.json; they are printed at the end.
SOAK_ARGS ?= -n 2
soak: $(STAMP)
	rm -rf build/figures
	QT_QPA_PLATFORM=offscreen ADB_USB=0 $(BIN)/python -m pytest -m soak $(SOAK_ARGS) tests/reliability
	$(BIN)/python -m tests.support.figures build/figures

unit: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

# The one-folder app (PyInstaller): build/dist/softphone/, with adb, translations and icons.
bundle: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[sim,dev,bundle]'
	$(BIN)/pyinstaller --noconfirm --clean --distpath build/dist --workpath build/pyinstaller packaging/softphone.spec

# The built bundle answers --version and runs the terminal demo for one call.
bundle-test: $(STAMP)
	ADB_USB=0 $(BIN)/python -m pytest -m bundle tests/install/test_bundle.py -p no:xdist

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
