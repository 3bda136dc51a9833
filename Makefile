# The two commands of the README: `make demo` and `make test`. Everything they need is
# installed by the scripts below, so they work on a fresh Debian machine (as root).
SHELL := /bin/bash
UV := $(shell scripts/bootstrap.sh)
RUN := $(UV) run --frozen
export UV

.PHONY: demo test install chromium services lint format typecheck pytest bench clean

install:
	$(UV) sync --frozen

chromium: install
	scripts/install-chromium.sh

demo: install chromium
	$(RUN) python -m examples.demo
	$(RUN) testable up

services:
	@scripts/services.sh > .services.env
	@cat .services.env

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

typecheck: install
	$(RUN) mypy

# Two pytest processes: Playwright's sync API marks an event loop as running in the main
# thread, which breaks every asyncio test that runs after it in the same process.
pytest: install chromium services
	set -a && source .services.env && set +a && \
	$(RUN) pytest -n 2 --dist loadgroup -m "not sync_browser" $(PYTEST_ARGS) && \
	$(RUN) pytest -n 2 --dist loadgroup -m "sync_browser" $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf .services .services.env .tools .venv .mypy_cache .ruff_cache
