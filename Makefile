# Yimen — the two commands: `make demo` and `make test`. Each sets up what it needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Debian packages Yimen and its tests use: chromium (browser tests of the web pages),
# fonts-wqy-microhei (Chinese glyphs), Mesa GL and mtdev (Kivy, also offscreen), espeak-ng + sox +
# alsa-utils (Mandarin voice and audio checks), socat (serial pairs), zbar-tools (reading QR codes
# back in tests), poppler-utils (reading the case notices' PDFs back in tests: pdftotext, pdftoppm),
# sqlite3 (operators' backups).
APT_PACKAGES := chromium fonts-wqy-microhei libgl1 libglx-mesa0 libegl1 libegl-mesa0 libgl1-mesa-dri \
	libmtdev1 espeak-ng sox alsa-utils socat zbar-tools poppler-utils sqlite3 procps

# Test processes: one per core, and at least 2 (most tests wait on sockets and child processes).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -lt 2 ] && n=2; echo $$n)

.PHONY: demo test test-fast fuzz lint setup apt clean lock

setup: apt $(STAMP)

apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "need root or sudo to install: $$missing" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: setup
	$(VENV)/bin/yimen demo

# Lint, import contracts (.importlinter), type-check (mypy, pyproject.toml), then every test on all
# cores (pytest-xdist).
test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist loadgroup

# For developers, the inner loop: the same minus headless Chromium, Kivy child processes and real
# server processes (markers browser, kivy, slow; tests/conftest.py). Not a substitute for `make test`.
test-fast: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist loadgroup -m "not browser and not kivy and not slow"

# The API against its own OpenAPI document as every kind of caller (schemathesis; minutes, so not
# part of `make test`): docs/security.md.
FUZZ_STAMP := $(VENV)/.fuzz-installed
$(FUZZ_STAMP): $(STAMP)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test,fuzz]'
	touch $(FUZZ_STAMP)

fuzz: setup $(FUZZ_STAMP)
	$(PY) -m bench.api_fuzz

lint: setup
	$(VENV)/bin/ruff check .

# Re-pin: resolve the newest allowed versions into constraints.txt (review the diff).
lock:
	rm -rf /tmp/yimen-lock && $(PYTHON) -m venv /tmp/yimen-lock
	/tmp/yimen-lock/bin/pip install -q '.[test]'
	( echo "# Pinned versions of every Python package Yimen installs (direct and transitive)."; \
	  echo "# \`make\` installs with \`-c constraints.txt\`, so two installs a month apart match."; \
	  echo "# Refresh deliberately: make lock"; \
	  /tmp/yimen-lock/bin/pip freeze --exclude yimen ) > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache
