# winwin — every target installs what it needs first; `make install` is idempotent and quick.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install browser demo explore test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# the distribution was called winwin (a name taken on the public index) and installed six top-level packages
	@$(PY) -m pip uninstall --quiet --yes winwin >/dev/null 2>&1 || true
	$(PY) -m pip install --quiet -e ".[test,dev,explore]"
	@touch $(STAMP)

demo: install
	$(VENV)/bin/winwin demo

# the interactive what-if page on http://127.0.0.1:8765/ (SCENARIO=… PORT=… to change)
explore: install
	$(VENV)/bin/winwin explore $(or $(SCENARIO),belgium-2021) --port $(or $(PORT),8765)

# mypy cannot follow setuptools' package-dir mapping: it checks build/typecheck/winwin, a folder of links that
# lays the top-level folders out as the installed package (winwin/optimizer -> optimizer, ...).
TYPECHECK := build/typecheck/winwin
FOLDERS   := data optimizer agents models experiments

lint: install
	$(VENV)/bin/ruff check .
	@rm -rf build/typecheck && mkdir -p $(TYPECHECK)
	@for f in winwin/*.py winwin/py.typed winwin/report; do ln -s $(CURDIR)/$$f $(TYPECHECK)/; done
	@for d in $(FOLDERS); do ln -s $(CURDIR)/$$d $(TYPECHECK)/$$d; done
	$(VENV)/bin/mypy

# Debian's Chromium for the report's browser tests (Playwright drives it); installed only when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium; }; }

test: lint browser
	$(VENV)/bin/pytest -q

bench: install
	$(PY) -m benchmarks.run_all

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
