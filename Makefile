# zhibu: two commands. `make demo` builds and serves the demo district; `make test` checks everything.
# The first Python ≥ 3.11 that actually runs (pyenv shims may name versions that are not active).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json | cksum | cut -d' ' -f1)
PG_URL ?= postgres://postgres@127.0.0.1:5432/zhibu
HOST ?= 127.0.0.1:8000
# The browser tests (tests/e2e) drive Debian's Chromium and read PDFs with poppler (poppler-data maps the
# Chinese fonts the PDFs name; a Chinese font draws them); the deployment tests run the nginx site and the
# city's PgBouncer with Debian's nginx and pgbouncer (on a machine with systemd each package also starts a
# service of its own, which zhibu does not need). Installed when missing.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
BROWSER_TOOLS := /usr/bin/chromium /usr/bin/pdftoppm /usr/share/poppler/cMap/Adobe-GB1 $(CJK_FONT) \
	/usr/sbin/nginx /usr/sbin/pgbouncer
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get

.PHONY: demo test install lint test-sqlite test-postgres serve

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "zhibu needs Python 3.11 or newer (python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

$(BROWSER_TOOLS):
	$(APT) install -y -qq --no-install-recommends chromium poppler-utils poppler-data fonts-wqy-microhei nginx pgbouncer >/dev/null 2>&1 \
	  || ($(APT) update -qq && $(APT) install -y -qq --no-install-recommends chromium poppler-utils poppler-data fonts-wqy-microhei nginx pgbouncer >/dev/null)

demo: install
	$(BIN)/zhibu migrate --no-input -v0
	$(BIN)/zhibu demo-district
	$(BIN)/zhibu demo-logins --url http://$(HOST)/
	$(BIN)/zhibu runserver $(HOST)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	ZHIBU_VAR_DIR=$$(mktemp -d) $(BIN)/zhibu makemigrations --check --dry-run
	ZHIBU_VAR_DIR=$$(mktemp -d) $(BIN)/python scripts/check-deploy

test-sqlite: install $(BROWSER_TOOLS)
	$(BIN)/pytest -q -n 2 --dist loadfile

test-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -n 2 --dist loadfile

test: lint test-sqlite test-postgres
