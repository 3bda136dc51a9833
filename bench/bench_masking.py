"""Masking a 1 MB test log: 20 secrets (8-200 characters), every one printed whole and
shortened a few times, the rest ordinary log lines. Prints one JSON line.

    uv run python bench/bench_masking.py [--secrets 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import string
import time

from _pytest._io.saferepr import saferepr

from backend.execution.masking import MASK, Masker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--secrets", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = random.Random(13)
    alphabet = string.ascii_letters + string.digits
    secrets = [
        "".join(rng.choices(alphabet, k=rng.choice([8, 29, 64, 200]))) for _ in range(args.secrets)
    ]
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(3000)]
    lines: list[str] = []
    size = 0
    while size < args.size:
        if rng.random() < 0.01:
            secret = rng.choice(secrets)
            line = f"E   assert {saferepr(secret, 28)} == 'nope' ({secret})"
        else:
            line = "2026-12-03 10:00:00 INFO " + " ".join(rng.choices(words, k=14))
        lines.append(line)
        size += len(line) + 1
    text = "\n".join(lines)

    started = time.perf_counter()
    masker = Masker(secrets)
    build_ms = (time.perf_counter() - started) * 1000
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        masked = masker.mask(text)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    for line in lines:
        masker.mask(line)
    line_by_line = time.perf_counter() - started
    print(
        json.dumps(
            {
                "bench": "masking",
                "text_bytes": len(text),
                "secrets": len(secrets),
                "masks": masked.count(MASK),
                "build_ms": round(build_ms, 2),
                "mask_1mb_median_ms": round(statistics.median(timings) * 1000, 1),
                "mask_line_by_line_ms": round(line_by_line * 1000, 1),
                "mb_per_s": round(len(text) / statistics.median(timings) / 1e6, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
