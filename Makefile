# The two commands of the README: `make demo` and `make test`. Everything they need is
# installed by the scripts below, so they work on a fresh Debian machine (as root).
SHELL := /bin/bash
UV := $(shell scripts/bootstrap.sh)
RUN := $(UV) run --frozen
export UV

.PHONY: demo test install chromium services lint format typecheck pytest bench clean frontend api-client

install:
	$(UV) sync --frozen

# Chromium, and bubblewrap: the sandbox every test process of a run is started in.
chromium: install
	scripts/install-chromium.sh
	scripts/install-bubblewrap.sh

# The cache table (cold / warm / changed shop), then a run live through the platform,
# which keeps serving the dashboard until Ctrl-C. The build's own output (uv, apt, npm,
# next) goes to $(DEMO_LOG): one line per stage here, the log's tail if a stage fails.
DEMO_LOG := .tools/demo-build.log
DEMO_STAGE = $(MAKE) --no-print-directory $(1) >> $(DEMO_LOG) 2>&1 || { tail -n 30 $(DEMO_LOG); echo "failed: see $(DEMO_LOG)"; exit 1; }

demo:
	@mkdir -p .tools && : > $(DEMO_LOG)
	@echo "Building (output in $(DEMO_LOG))"
	@echo "  [1/3] Python environment (uv sync)"; $(call DEMO_STAGE,install)
	@echo "  [2/3] Chromium and bubblewrap"; $(call DEMO_STAGE,chromium)
	@echo "  [3/3] Dashboard (npm install, next build)"; $(call DEMO_STAGE,frontend)
	@$(RUN) python -m examples.demo
	@$(RUN) python -m examples.live_demo

# The dashboard: a static export in frontend/out that the api serves at "/". Rebuilt only
# when a source file is newer than the last build (no Node process at run time).
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/package.json frontend/next.config.ts frontend/tsconfig.json frontend/postcss.config.mjs

frontend: frontend/out/index.html

# `npm install`, not `npm ci`: the registry reachable here has no builds of the native
# packages for other platforms (Tailwind's oxide for macOS, Windows...), so the lock file
# cannot list them and `npm ci` refuses it as out of sync. `npm install` installs the
# locked versions; `--no-save` keeps it from writing the platform packages it found into
# the lock file (nothing `make` runs may change a tracked file).
frontend/node_modules/.package-lock.json: frontend/package-lock.json frontend/package.json
	cd frontend && npm install --no-save --no-audit --no-fund --loglevel=error
	touch $@

frontend/out/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && NEXT_TELEMETRY_DISABLED=1 npm run build --silent
	touch $@

# Fails when frontend/openapi.json or the generated client no longer match the api.
api-client: install frontend/node_modules/.package-lock.json
	scripts/check-api-client.sh

services:
	@scripts/services.sh > .services.env
	@cat .services.env

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports
	$(RUN) python scripts/check-import-cycles.py

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

typecheck: install
	$(RUN) mypy

# Two pytest processes: Playwright's sync API marks an event loop as running in the main
# thread, which breaks every asyncio test that runs after it in the same process.
pytest: install chromium services frontend
	set -a && source .services.env && set +a && \
	$(RUN) pytest -n 3 --dist loadgroup -m "not sync_browser" $(PYTEST_ARGS) && \
	$(RUN) pytest -n 2 --dist loadgroup -m "sync_browser" $(PYTEST_ARGS)

test: lint typecheck api-client pytest

clean:
	rm -rf .services .services.env .tools .venv .mypy_cache .ruff_cache
