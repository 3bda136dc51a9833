"""A cached ``act()`` against a hand-written Playwright locator click on the same element,
in the same run, and cached against uncached ``act()`` (local resolver). Prints one JSON
line.

    uv run python bench/bench_act.py [--rounds 200]

Real headless Chromium on a page served from a localhost HTTP server; the element store is
the standalone default (the in-memory layer over a SQLite file in a temporary folder).
The three measurements are interleaved round by round so that machine load hits them
alike. Stagehand with an instant local model is not measured yet (no time was left to
wire a local OpenAI-compatible server into this script).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from backend.client.api import AI
from backend.client.drivers import LoopThread
from backend.client.engine import EngineConfig
from backend.client.settings import ClientSettings

PAGE = (
    b"""<!doctype html><html><head><title>Shop</title></head><body>
<nav><a href="#home">Home</a> <a href="#cart">Cart</a></nav>
<form onsubmit="return false">
<label for="email">E-mail</label><input id="email" type="email">
<label for="password">Password</label><input id="password" type="password">
<button id="login" class="btn primary" onclick="window.clicks++">Log in</button>
<a href="#signup">Sign up</a>
</form>
<ul>"""
    + b"".join(f"<li>Product {i} <button>Add to cart</button></li>".encode() for i in range(40))
    + b"""</ul><script>window.clicks = 0;</script></body></html>"""
)

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def serve() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/login"


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    instruction = "click the log in button"

    server, url = serve()
    with tempfile.TemporaryDirectory() as data, sync_playwright() as playwright:
        settings = ClientSettings(data_dir=Path(data), project="bench-act", branch_scope="main")
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH_ARGS)
        page = browser.new_page()
        page.goto(url)
        loop = LoopThread("bench-act")
        cached = AI(page, settings=settings, loop=loop, config=EngineConfig("bench-act", "main"))
        uncached = AI(
            page,
            settings=settings,
            loop=loop,
            config=EngineConfig("bench-act", "main", use_cache=False),
        )
        first = cached.act(instruction)  # cold: the resolver chooses, the cache learns
        warm = cached.act(instruction)
        assert first.decision == "resolver", first
        assert warm.decision == "cache_hit", warm
        locator = page.locator("#login")

        plain: list[float] = []
        hits: list[float] = []
        misses: list[float] = []
        decisions: dict[str, int] = {}
        for _ in range(args.rounds):
            plain.append(timed(lambda: locator.click()))
            started = time.perf_counter()
            decision = cached.act(instruction).decision
            hits.append((time.perf_counter() - started) * 1000)
            decisions[decision] = decisions.get(decision, 0) + 1
            misses.append(timed(lambda: uncached.act(instruction)))
        clicks = page.evaluate("window.clicks")
        cached.close()
        uncached.close()
        loop.close()
        browser.close()
    server.shutdown()

    print(
        json.dumps(
            {
                "bench": "act",
                "rounds": args.rounds,
                "plain_click": summary(plain),
                "cached_act": summary(hits),
                "uncached_act_local": summary(misses),
                "cached_vs_plain_median": round(
                    statistics.median(hits) / statistics.median(plain), 2
                ),
                "uncached_vs_cached_median": round(
                    statistics.median(misses) / statistics.median(hits), 2
                ),
                "cached_decisions": decisions,
                "clicks": clicks,
                "stagehand": "not measured yet",
                "loadavg": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
