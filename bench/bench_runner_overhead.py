"""Overhead of run_pytest against plain pytest on the same small suite, same environment.

Prints one JSON line: median wall-clock seconds of each and their ratio. Both run the
suite in the same prepared environment (the cache is warm), so the difference is the
runner itself: process group, output streaming, channel tailing, report parsing,
masking and artifact collection.

    uv run python bench/bench_runner_overhead.py [--tests 50] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from backend.execution.environment import prepare_environment
from backend.execution.runner import PytestSpec, run_pytest


def write_suite(folder: Path, tests: int) -> None:
    body = "\n".join(
        f"def test_{number}():\n    print('step {number}')\n    assert {number} >= 0\n"
        for number in range(tests)
    )
    (folder / "test_bench.py").write_text(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tests", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-runner-"))
    try:
        suite = root / "suite"
        suite.mkdir()
        write_suite(suite, options.tests)
        python = prepare_environment(suite, cache_dir=root / "cache").python
        plain_env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(root)}

        plain, runner = [], []
        for attempt in range(options.repeat):
            started = time.perf_counter()
            subprocess.run(
                [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                cwd=suite,
                env=plain_env,
                check=True,
                capture_output=True,
            )
            plain.append(time.perf_counter() - started)

            started = time.perf_counter()
            outcome = run_pytest(
                PytestSpec(workdir=suite, python=python, run_dir=root / f"run{attempt}"),
                on_event=lambda event: None,
            )
            runner.append(time.perf_counter() - started)
            assert outcome.counts.passed == options.tests, outcome.reason

        plain_median = statistics.median(plain)
        runner_median = statistics.median(runner)
        print(
            json.dumps(
                {
                    "bench": "runner_overhead",
                    "tests": options.tests,
                    "repeat": options.repeat,
                    "plain_pytest_s": round(plain_median, 3),
                    "run_pytest_s": round(runner_median, 3),
                    "ratio": round(runner_median / plain_median, 3),
                }
            )
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
