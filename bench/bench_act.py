"""A cached ``act()`` against a hand-written Playwright locator click on the same element,
in the same run, and cached against uncached ``act()`` (local resolver). Prints one JSON
line.

    uv run python bench/bench_act.py [--rounds 200]

Real headless Chromium on a page served from a localhost HTTP server; the element store is
the standalone default (the in-memory layer over a SQLite file in a temporary folder).
The three measurements are interleaved round by round so that machine load hits them
alike.

Then, with ``--stagehand-rounds N`` (default 20; 0 skips it), cached against uncached
``act()`` with the Stagehand resolver: the real Stagehand 4.x SDK attached to a second
headless Chromium over CDP, its model an *instant* local OpenAI-compatible server
(``tests/ai/fake_openai.py``, answering the "Log in" element at once), so the uncached
figure is Stagehand's own overhead (accessibility tree, observe round trips) without any
model latency. Stagehand needs the async client, so this part uses ``AsyncAI``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright
from playwright.sync_api import sync_playwright
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.ai.fake_openai

from backend.ai.settings import LLMProvider, ResolverSettings
from backend.ai.stagehand import StagehandResolver, stagehand_launch_options
from backend.cache.store.sqlite import SqliteStore
from backend.client.api import AI, AsyncAI
from backend.client.drivers import LoopThread
from backend.client.engine import EngineConfig
from backend.client.settings import ClientSettings
from tests.ai.fake_openai import FakeModelServer, Recorded, free_port

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


def instant_log_in_choice(recorded: Recorded) -> str:
    """What a perfect, instant model answers Stagehand's observe(): the "Log in" button
    (its element id as Stagehand numbered it in the accessibility tree it sent)."""
    prompt = json.dumps(recorded.body["messages"])
    match = re.search(r"\[(\d+-\d+)\] button: Log in", prompt)
    elements: list[dict[str, Any]] = (
        [{"elementId": match.group(1), "description": "Log in", "method": "click", "arguments": []}]
        if match
        else []
    )
    return json.dumps({"elements": elements})


async def stagehand_rounds(url: str, rounds: int) -> dict[str, Any]:
    """Cached vs uncached act() with the Stagehand resolver and an instant local model."""
    instruction = "click the log in button"
    model = FakeModelServer()
    model.reply = instant_log_in_choice
    model.start()
    port = free_port()
    options = stagehand_launch_options(port)
    resolver = StagehandResolver(
        ResolverSettings(
            llm_provider=LLMProvider.OPENAI,
            llm_model="instant-local",
            llm_api_key=SecretStr("sk-bench"),
            llm_base_url=f"{model.url}/v1",
            llm_max_retries=0,
            llm_timeout_seconds=10,
            stagehand_cdp_url=f"http://127.0.0.1:{port}",
        )
    )
    hits: list[float] = []
    misses: list[float] = []
    decisions: dict[str, int] = {}
    try:
        with tempfile.TemporaryDirectory() as data:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    args=[*LAUNCH_ARGS, *options["args"]],
                    ignore_default_args=options["ignore_default_args"],
                )
                page = await (await browser.new_context()).new_page()
                await page.goto(url)
                store = await SqliteStore.open(Path(data) / "cache.db")
                cached = AsyncAI(
                    page, store=store, resolver=resolver, config=EngineConfig("bench", "main")
                )
                uncached = AsyncAI(
                    page,
                    resolver=resolver,
                    config=EngineConfig("bench", "main", use_cache=False),
                )
                first = await cached.act(instruction)
                assert first.decision == "resolver", first
                for _ in range(rounds):
                    started = time.perf_counter()
                    decision = (await cached.act(instruction)).decision
                    hits.append((time.perf_counter() - started) * 1000)
                    decisions[decision] = decisions.get(decision, 0) + 1
                    started = time.perf_counter()
                    await uncached.act(instruction)
                    misses.append((time.perf_counter() - started) * 1000)
                await store.close()
                await browser.close()
    finally:
        await resolver.aclose()
        model.stop()
    return {
        "rounds": rounds,
        "cached_act": summary(hits),
        "uncached_act_stagehand": summary(misses),
        "uncached_vs_cached_median": round(statistics.median(misses) / statistics.median(hits), 1),
        "cached_decisions": decisions,
        "model_requests": len(model.requests),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--stagehand-rounds", type=int, default=20)
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
    stagehand = (
        asyncio.run(stagehand_rounds(url, args.stagehand_rounds))
        if args.stagehand_rounds
        else "skipped"
    )
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
                "stagehand": stagehand,
                "loadavg": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
