"""Local resolver latency over N generated candidates. Prints one JSON line.

uv run python bench/bench_resolver.py [--candidates 2000] [--runs 50]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from typing import Any, cast

from backend.ai.base import ResolveRequest
from backend.ai.local import LocalResolver
from backend.cache.records import ActionSpec, Fingerprint

WORDS = [
    "account",
    "order",
    "invoice",
    "product",
    "review",
    "shipping",
    "payment",
    "profile",
    "message",
    "report",
    "export",
    "filter",
    "archive",
    "settings",
    "billing",
    "team",
    "project",
    "customer",
    "coupon",
    "address",
]


def candidates(count: int, rng: random.Random) -> list[Fingerprint]:
    out: list[dict[str, Any]] = []
    for i in range(count):
        a, b = rng.sample(WORDS, 2)
        kind = rng.choice(("button", "link", "textbox"))
        record: dict[str, Any] = {
            "tag": {"button": "button", "link": "a", "textbox": "input"}[kind],
            "role": kind,
            "name": f"{a.title()} {b}",
            "text": f"{a.title()} {b}" if kind != "textbox" else "",
            "attributes": {"id": f"{a}-{b}-{i}", "data-testid": f"{a}_{b}_{i}"},
            "neighbour_text": f"{rng.choice(WORDS)} section",
            "editable": kind == "textbox",
            "index": i,
        }
        out.append(record)
    # The one the instruction means.
    out[count // 2] = {"tag": "button", "role": "button", "name": "Log in", "index": count // 2}
    return cast(list[Fingerprint], out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(7)
    resolver = LocalResolver()
    timings: list[float] = []
    cpu: list[float] = []  # process CPU time: what the resolver costs, whatever the load
    chosen = None
    for run in range(args.runs):
        request = ResolveRequest(
            instruction="click the sign in button",
            target="the sign in button",
            action=cast(ActionSpec, {"method": "click"}),
            candidates=candidates(args.candidates, rng),
            shortlist=None,
        )
        start, start_cpu = time.perf_counter(), time.process_time()
        result = resolver.decide(request)
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        if run == 0:
            chosen = result["index"]
    timings.sort()
    cpu.sort()
    print(
        json.dumps(
            {
                "bench": "local_resolver",
                "candidates": args.candidates,
                "runs": args.runs,
                "p50_ms": round(statistics.median(timings), 2),
                "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
                "max_ms": round(timings[-1], 2),
                "cpu_p50_ms": round(statistics.median(cpu), 2),
                "cpu_p95_ms": round(cpu[int(0.95 * (len(cpu) - 1))], 2),
                "correct": chosen == args.candidates // 2,
                "load_avg_1m": round(os.getloadavg()[0], 2),  # timings mean little under load
            }
        )
    )


if __name__ == "__main__":
    main()
