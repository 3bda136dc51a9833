"""The dashboard's weight and first load. Prints one JSON line:

* ``pages`` — for each main page of the static export (``frontend/out``): the bytes a
  first visit downloads (the HTML, and the scripts and style sheets it references, less
  the ``noModule`` polyfills), raw and gzip-compressed (what a compressing proxy sends);
* ``total_static_kib`` — everything under ``frontend/out/_next/static``;
* ``first_load_ms`` — the sign-in page opened in a fresh headless Chromium context (empty
  cache) from the api on this machine (embedded mode, SQLite): navigation start -> the
  form is interactive (its heading rendered by React after the auth check), and the
  browser's own ``domContentLoaded`` and ``load`` marks; medians over ``--repeat`` loads.

    make frontend && uv run python bench/bench_dashboard.py      # --repeat 10
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import re
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from playwright.async_api import async_playwright

from backend.app import DASHBOARD_DIR, create_app
from backend.client.browser import launch_options
from backend.config import Settings
from backend.db.migrate import upgrade

PAGES = ("login", "projects", "runs", "runs/view", "cache")
_TAG = re.compile(r"<(?:script|link)\b[^>]*>")
_ASSET = re.compile(r'(?:src|href)="(/_next/static/[^"]+\.(?:js|css))"')


def _assets(html: str) -> list[str]:
    """Scripts and style sheets a modern browser fetches (``noModule`` polyfills are for
    old browsers only)."""
    found = {m for tag in _TAG.findall(html) if "noModule" not in tag for m in _ASSET.findall(tag)}
    return sorted(found)


def _page_weight(page: str) -> dict[str, float]:
    html = (DASHBOARD_DIR / page / "index.html").read_bytes()
    files = [html] + [
        (DASHBOARD_DIR / asset.lstrip("/")).read_bytes() for asset in _assets(html.decode())
    ]
    return {
        "files": len(files),
        "kib": round(sum(map(len, files)) / 1024, 1),
        "gzip_kib": round(sum(len(gzip.compress(f)) for f in files) / 1024, 1),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _first_loads(base_url: str, repeat: int) -> dict[str, float]:
    ready, dcl, load = [], [], []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options())
        for _ in range(repeat):
            context = await browser.new_context()  # a first visit: nothing cached
            page = await context.new_page()
            started = time.perf_counter()
            await page.goto(f"{base_url}/login/")
            await page.get_by_role("heading", name="Sign in").wait_for()
            ready.append((time.perf_counter() - started) * 1000)
            timing: dict[str, float] = await page.evaluate(
                "() => { const t = performance.getEntriesByType('navigation')[0];"
                " return {dcl: t.domContentLoadedEventEnd, load: t.loadEventEnd}; }"
            )
            dcl.append(timing["dcl"])
            load.append(timing["load"])
            await context.close()
        await browser.close()
    return {
        "interactive_ms": round(statistics.median(ready), 1),
        "dom_content_loaded_ms": round(statistics.median(dcl), 1),
        "load_ms": round(statistics.median(load), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    if not (DASHBOARD_DIR / "index.html").exists():
        raise SystemExit("the dashboard is not built: run `make frontend` first")

    static = DASHBOARD_DIR / "_next" / "static"
    result: dict[str, Any] = {
        "bench": "dashboard",
        "pages": {page: _page_weight(page) for page in PAGES},
        "total_static_kib": round(
            sum(p.stat().st_size for p in static.rglob("*") if p.is_file()) / 1024, 1
        ),
    }
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(_env_file=None, data_dir=Path(data_dir))
        upgrade(settings.resolved_database_url)
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            result["first_load_ms"] = asyncio.run(
                _first_loads(f"http://127.0.0.1:{port}", args.repeat)
            )
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    result["repeat"] = args.repeat
    result["loadavg_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
