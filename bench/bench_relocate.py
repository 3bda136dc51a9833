"""Relocation benchmark: correctness over the generated corpus, and the speed of
``relocate()`` over 2,000 candidates. Prints one JSON line.

    uv run python bench/bench_relocate.py [--cases 3000] [--seed N ...]  (default: SEEDS)

correct_without_resolver: accepted the target (or an element with the same box that
contains it or that it contains); wrong: accepted another element while the target was
present; false_accepts: accepted anything when the target was deleted; deferred:
"ambiguous" (the resolver would choose); missing: "missing".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.cache.relocate import relocate
from bench.relocation_corpus import (
    DEFAULT_CASES,
    DEFAULT_SEED,
    Case,
    generate_cases,
    large_page,
)


def judge(case: Case) -> str:
    """accepted_right | wrong | false_accept | deferred | missing"""
    answer = relocate(
        case["cached"],
        case["candidates"],
        cached_context=case["cached_context"],
        candidate_context=case["candidate_context"],
    )
    if answer["decision"] == "accept":
        if case["truth"] is None:
            return "false_accept"
        if answer["index"] == case["truth"] or answer["index"] in case["equivalent"]:
            return "accepted_right"
        return "wrong"
    return "deferred" if answer["decision"] == "ambiguous" else "missing"


def timing(seed: int, runs: int = 100) -> dict[str, float]:
    page = large_page(seed, 2000)
    rng = random.Random(seed)
    interactive = [fp for fp in page if fp.get("tag") in {"a", "button", "input"}]
    wall, cpu = [], []
    for _ in range(runs):
        cached = dict(rng.choice(interactive))
        attributes = cast(dict[str, str], cached.get("attributes") or {})
        cached["attributes"] = {**attributes, "id": "renamed-x"}
        start, start_cpu = time.perf_counter(), time.process_time()
        relocate(cached, page)  # type: ignore[arg-type]
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    wall.sort()
    cpu.sort()

    def p95(values: list[float]) -> float:
        return round(values[int(0.95 * (len(values) - 1))], 2)

    # CPU time is what relocate() costs; wall time also counts other processes on a
    # shared machine, so both are given.
    return {
        "candidates": len(page),
        "runs": runs,
        "p50_ms": round(statistics.median(wall), 2),
        "p95_ms": p95(wall),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": p95(cpu),
    }


SEEDS = (DEFAULT_SEED, 777, 1, 42, 31337)  # fixed list; the figures are the worst seed's


def run_seed(cases: int, seed: int, failures: bool) -> dict[str, object]:
    outcomes: Counter[str] = Counter()
    by_scenario: dict[str, Counter[str]] = {}
    present = 0
    for case in generate_cases(cases, seed):
        outcome = judge(case)
        outcomes[outcome] += 1
        by_scenario.setdefault(case["scenario"], Counter())[outcome] += 1
        present += case["truth"] is not None
        if failures and outcome in {"wrong", "false_accept"}:
            print(
                json.dumps(
                    {"seed": seed, "case": case["id"], "outcome": outcome, "edits": case["edits"]}
                ),
                file=sys.stderr,
            )
    return {
        "seed": seed,
        "present": present,
        "deleted": cases - present,
        "correct_without_resolver": outcomes["accepted_right"],
        "correct_rate_on_present": round(outcomes["accepted_right"] / max(1, present), 4),
        "wrong": outcomes["wrong"],
        "false_accepts": outcomes["false_accept"],
        "deferred": outcomes["deferred"],
        "missing": outcomes["missing"],
        "by_scenario": {k: dict(v) for k, v in sorted(by_scenario.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES)
    parser.add_argument(
        "--seed", type=int, action="append", help="a seed (repeatable); default: SEEDS"
    )
    parser.add_argument("--failures", action="store_true", help="print wrong/false accepts")
    args = parser.parse_args()
    seeds = args.seed or list(SEEDS)

    results = [run_seed(args.cases, seed, args.failures) for seed in seeds]

    # The worst seed: most wrong + false accepts, then the lowest correct rate.
    def badness(r: dict[str, object]) -> tuple[int, float]:
        errors = int(cast(int, r["wrong"])) + int(cast(int, r["false_accepts"]))
        return errors, -float(cast(float, r["correct_rate_on_present"]))

    worst = max(results, key=badness)
    speed = timing(seeds[0])
    print(
        json.dumps(
            {
                "benchmark": "relocate",
                "cases": args.cases,
                "seeds": seeds,
                "worst_seed": worst["seed"],
                "worst": worst,
                "wrong_total": sum(int(cast(int, r["wrong"])) for r in results),
                "false_accepts_total": sum(int(cast(int, r["false_accepts"])) for r in results),
                "min_correct_rate": min(
                    float(cast(float, r["correct_rate_on_present"])) for r in results
                ),
                "per_seed": [{k: v for k, v in r.items() if k != "by_scenario"} for r in results],
                "relocate_2000": speed,
                "load_1min": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
