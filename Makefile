# The README's two commands: `make run` and `make test`. Both create .venv on
# first use and reinstall only when pyproject.toml or setup.py changes (stamp files).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: run test lint typecheck unit validation bench clean system-packages

# Python keeps compiled modules (__pycache__, ignored by git) even where the
# environment says PYTHONDONTWRITEBYTECODE (this machine's does): the suite starts
# hundreds of Python processes (xdist workers, the CLI, servers, the GUI, Dask
# workers), and each compiled every module it imported from source. Measured on
# tests/integration + tests/packaging: 88 -> 56 CPU seconds (docs/benchmarks.md).
unexport PYTHONDONTWRITEBYTECODE

# Packages go in with uv (from PyPI, into the venv): a fresh `make test` spent
# ~65 s in pip's resolver and installer, uv takes ~15 s. pip stays the fallback.
INSTALL = $(BIN)/uv pip install --quiet --python $(PY)
PIP     = $(PY) -m pip install --quiet

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) uv || true

$(VENV)/.installed-run: pyproject.toml setup.py | $(PY)
	$(INSTALL) -e . || $(PIP) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml setup.py | $(PY)
	$(INSTALL) -e '.[dev]' || $(PIP) -e '.[dev]'
	touch $@ $(VENV)/.installed-run

# main.py checks before Qt loads: no display, or Qt's X11 plugin missing system
# libraries, is one line naming them and the apt-get command (README: System libraries).
run: $(VENV)/.installed-run
	$(PY) main.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# The tests run on every core (pytest-xdist, one worker per logical CPU): each
# test goes to whichever worker is free (--dist loadgroup; tests marked
# xdist_group("name") share one worker), the slow ones first (tests/conftest.py).
# `make test PYTEST_WORKERS=0` runs them in one process.
PYTEST_WORKERS ?= logical
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadgroup

# Xvfb and the X11 libraries Qt's xcb plugin loads, for the tests that start the
# app on a real X display: installed when missing (root + apt-get), else those
# tests skip and say why. See tools/system-packages.sh.
system-packages:
	@bash tools/system-packages.sh

# mypy runs beside pytest, not before it: from a clean clone it takes ~30-45 s on
# one core, which the suite's first minutes hide. Its report is printed after the
# tests, and `make test` fails if either failed (pytest's own status first).
test: system-packages lint
	@$(BIN)/mypy > $(VENV)/mypy.log 2>&1 & mypy_pid=$$!; \
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(PYTEST_PARALLEL) --durations=10; \
	tests=$$?; wait $$mypy_pid; typed=$$?; \
	echo "mypy:"; cat $(VENV)/mypy.log; \
	if [ $$tests -ne 0 ]; then exit $$tests; fi; exit $$typed

# The fast suite only (skips the slow validation runs), for the edit loop.
unit: $(VENV)/.installed-dev
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(PYTEST_PARALLEL) -m "not slow"

validation: $(VENV)/.installed-dev
	$(PY) -m pytest -q $(PYTEST_PARALLEL) tests/validation

bench: $(VENV)/.installed-dev
	$(PY) bench/engine_vs_baselines.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The standalone Linux bundle (PyInstaller onedir, packaging/README.md): dist/sdsim/,
# its binary dist/sdsim/sdsim. Not part of `make test`: it takes minutes.
.PHONY: package package-check package-smoke
$(VENV)/.installed-package: pyproject.toml | $(PY)
	$(INSTALL) -e '.[package]' || $(PIP) -e '.[package]'
	touch $@ $(VENV)/.installed-run

package: $(VENV)/.installed-package
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/sdsim.spec
	@du -sh dist/sdsim

# The desktop metadata against freedesktop's validators (Debian's desktop-file-utils
# and appstream; installed with apt-get when missing and root).
package-check:
	@command -v desktop-file-validate >/dev/null && command -v appstreamcli >/dev/null || \
		{ [ "$$(id -u)" = 0 ] && apt-get install -y -q desktop-file-utils appstream >/dev/null; } || \
		{ echo "package-check needs desktop-file-validate and appstreamcli: apt-get install desktop-file-utils appstream"; exit 1; }
	desktop-file-validate packaging/linux/*.desktop
	appstreamcli validate --no-net packaging/linux/*.metainfo.xml

# The built bundle: simulate, a two-process sweep and the window under Xvfb.
package-smoke:
	bash packaging/smoke.sh dist/sdsim/sdsim

# The cloud sync server (docs/cloud.md): SQLite and in-process rate limits in
# ~/.local/share/sdsim-server, on localhost:8001. SDSIM_* variables configure it.
.PHONY: server
$(VENV)/.installed-server: pyproject.toml setup.py | $(PY)
	$(INSTALL) -e '.[server]' || $(PIP) -e '.[server]'
	touch $@ $(VENV)/.installed-run

server: $(VENV)/.installed-server
	$(BIN)/sdsim-server $(SERVER_ARGS)
