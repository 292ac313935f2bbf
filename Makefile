# kefu: `make demo` runs it with demo data, `make test` runs the suite (SQLite by default).
SHELL := /bin/bash
VENV := .venv
# Django 6 needs Python 3.12 or newer; take the first one we can find.
PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3.13 \
	$$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.13 /usr/bin/python3.12 python3; do \
	if $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo $$p; break; fi; done)
KEFU_PORT ?= 8000
export KEFU_PORT

.PHONY: demo test install lint messages clean

$(VENV)/.installed-%: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "kefu needs Python 3.12 or newer (Django 6); none found." >&2; exit 1; fi
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e ".[$*]"
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(VENV)/.installed-test

# Unless KEFU_EXCHANGE_URL points at a real exchange, the demo runs the fake exchange (and its fake
# block explorers) beside the server, so account look-ups, cases and the emergency freeze work.
KEFU_DEMO_EXCHANGE_PORT ?= 8100
demo: $(VENV)/.installed-test
	$(VENV)/bin/kefu migrate
	$(VENV)/bin/kefu demo
	@if [ -z "$$KEFU_EXCHANGE_URL" ]; then \
	  fake="http://127.0.0.1:$(KEFU_DEMO_EXCHANGE_PORT)"; \
	  $(VENV)/bin/kefu exchange fake --port $(KEFU_DEMO_EXCHANGE_PORT) & pid=$$!; trap "kill $$pid 2>/dev/null" EXIT; \
	  echo "  Fake exchange:    $$fake (demo accounts, signed API, fake explorers)"; \
	  export KEFU_EXCHANGE_URL="$$fake" KEFU_EXCHANGE_SECRET=demo-exchange-secret \
	    KEFU_EXPLORERS="BTC=esplora:$$fake/esplora,ETH=etherscan:$$fake/etherscan,BSC=etherscan:$$fake/etherscan"; \
	fi; \
	$(VENV)/bin/kefu serve --host 127.0.0.1 --port $(KEFU_PORT)

test: $(VENV)/.installed-test
	$(VENV)/bin/pytest

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The project catalog (kefu/locale) holds the foundation's texts; apps with their own kefu/<app>/locale
# keep theirs there.
messages: $(VENV)/.installed-test
	@own=""; for dir in kefu/*/locale; do [ -d "$$dir" ] || continue; app=$$(basename $$(dirname $$dir)); own="$$own --ignore=$$app/*"; \
	  (cd kefu/$$app && KEFU_VAR_DIR=/tmp/kefu-messages ../../$(VENV)/bin/kefu manage makemessages -l zh_Hans -l en \
	    --no-obsolete --ignore=migrations) || exit 1; done; \
	cd kefu && KEFU_VAR_DIR=/tmp/kefu-messages ../$(VENV)/bin/kefu manage makemessages -l zh_Hans -l en \
	  --no-obsolete --ignore=migrations $$own
	cd kefu && KEFU_VAR_DIR=/tmp/kefu-messages ../$(VENV)/bin/kefu manage compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache
