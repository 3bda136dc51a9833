"""Plain-language specs on apps nobody tuned the resolver for (issue #11): every app of
``examples/apps`` × variant × phrasing (terse / chatty / imperative), run with the TestAble
client and the offline resolver. Prints one JSON line.

    uv run python bench/bench_plain_language.py [--group dev|held_out|all] [--apps a,b]
        [--phrasings terse,chatty] [--modes cold,warm,changed,cross_app] [--timeout-ms 3000]
        [--status FILE]

``--group``: ``dev`` (default) the apps the resolver was developed against; ``held_out``
the apps written afterwards and never looked at while changing the resolver (the honest
figures); ``all`` runs both and prints one JSON line per group (each line says its group).

Modes (each run in a fresh browser context against a freshly started app):

* ``cold``: empty cache; ``warm``: the same cache again (both on each variant);
* ``changed``: the cache learnt on the original, run on the redesign;
* ``cross_app``: the cache learnt on app A (original), replayed with app B's spec on B
  (every project is called "bench", so entries with the same route and instruction meet):
  it must pass or refuse, never act wrongly.

After every step the spec's ``check`` (a JS predicate) runs in the page. A step whose call
returned but whose check is false is a **wrong action** (for ``extract``: a wrong value,
counted apart); a ``TestAbleStepError`` is a **refusal**. After a refusal the step's
hand-written Playwright version brings the page to where the spec expects it, so one
refusal does not fail every later step; after a wrong action the run stops (the page is
in a state the spec does not describe) and the remaining steps count as not passed.

``extract`` steps ask for the type the expected value has (an integer for "2", a number
for "4.50", otherwise a string), as a test writer would (``ai.extract(..., int)``).

Speed: the hand-written ``playwright`` steps of each spec against the plain-language warm
run on the same variant (the sum of the steps' wall times, page loads excluded).

``--status FILE`` also writes a Markdown table of every step that did not pass (which,
where, why) — the failure analysis shared with whoever works on the resolver.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.ai.local import LocalResolver
from backend.cache.store.sqlite import SqliteStore
from backend.client.api import AI
from backend.client.drivers import LoopThread
from backend.client.engine import EngineConfig
from backend.client.errors import TestAbleStepError
from examples.apps import APPS, DEV_APPS, HELD_OUT_APPS, serve
from examples.apps.spec import AppSpec, Step, normalise

PHRASINGS = ("terse", "chatty", "imperative")
MODES = ("cold", "warm", "changed", "cross_app")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
PROJECT = "bench"  # one project for every app: cross-app replay meets the other app's entries


@dataclass
class StepOutcome:
    index: int
    instruction: str
    outcome: str  # passed | refused | wrong | wrong_value | error | not_reached
    detail: str = ""
    decision: str = ""
    duration_ms: float = 0.0


@dataclass
class Run:
    app: str
    variant: str
    phrasing: str
    mode: str
    steps: list[StepOutcome] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(s.outcome == "passed" for s in self.steps)

    def count(self, outcome: str) -> int:
        return sum(s.outcome == outcome for s in self.steps)

    @property
    def step_ms(self) -> float:
        return sum(s.duration_ms for s in self.steps)


def extract_schema(expected: str | None) -> dict[str, Any]:
    """The type a test writer would ask for: a whole number, a number or a text."""
    kind = "string"
    if expected is not None and re.fullmatch(r"-?\d+", expected.strip()):
        kind = "integer"
    elif expected is not None and re.fullmatch(r"-?\d+\.\d+", expected.strip()):
        kind = "number"
    return {"type": "object", "properties": {"value": {"type": kind}}, "required": ["value"]}


def _same(value: Any, expected: str | None) -> bool:
    if expected is None:
        return True
    if isinstance(value, float) and re.fullmatch(r"-?\d+\.\d+", expected.strip()):
        return abs(value - float(expected)) < 1e-9
    return normalise(value) == normalise(expected)


# How long a step's check may wait for the page to show the step's effect, as a
# hand-written Playwright test's auto-retrying expect() does (a hash route re-renders a
# moment after the click). A wrong action never makes the check true, however long it waits.
CHECK_TIMEOUT_MS = 2000


def _check(page: Page, step: Step) -> bool:
    for attempt in range(2):
        try:
            page.wait_for_function(step.check, timeout=CHECK_TIMEOUT_MS)
            return True
        except PlaywrightTimeoutError:
            return False
        except PlaywrightError:  # a navigation in progress: check the page it leads to
            if attempt:
                raise
            page.wait_for_load_state()
    return False


@contextmanager
def open_store(path: Path) -> Iterator[tuple[SqliteStore, LoopThread]]:
    loop = LoopThread("bench-plain-language")
    store = loop.run(SqliteStore.open(path))
    try:
        yield store, loop
    finally:
        loop.run(store.close())
        loop.close()


def copy_store(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        origin = Path(str(source) + suffix)
        if origin.exists():
            shutil.copyfile(origin, Path(str(target) + suffix))


def run_spec(
    browser: Browser,
    app: str,
    variant: str,
    phrasing: str,
    store_path: Path,
    *,
    mode: str,
    spec: AppSpec | None = None,
    timeout_ms: float = 3_000,
) -> Run:
    """One plain-language run of ``app``'s spec (or ``spec``) on ``variant``."""
    spec = spec or APPS[app].spec
    run = Run(app=app, variant=variant, phrasing=phrasing, mode=mode)
    config = EngineConfig(project=PROJECT, scope="main", action_timeout_ms=timeout_ms)
    with serve(app, variant) as base, open_store(store_path) as (store, loop):
        context = browser.new_context()
        try:
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.goto(base + spec.start)
            page.wait_for_load_state("networkidle")
            ai = AI(page, store=store, resolver=LocalResolver(), config=config, loop=loop)
            stopped = ""
            for index, step in enumerate(spec.steps):
                instruction = step.phrasings()[phrasing]
                if stopped:
                    run.steps.append(StepOutcome(index, instruction, "not_reached", stopped))
                    continue
                outcome = _run_step(page, ai, spec, step, index, instruction)
                run.steps.append(outcome)
                if outcome.outcome in ("refused", "error"):
                    # Bring the page where the spec expects it, by the hand-written step.
                    try:
                        step.playwright(page)
                        recovered = _check(page, step)
                    except Exception as error:
                        recovered, outcome.detail = False, f"{outcome.detail} | recovery: {error}"
                    if not recovered:
                        stopped = f"step {index + 1} could not be recovered"
                elif outcome.outcome == "wrong":
                    stopped = f"step {index + 1} acted wrongly"
        finally:
            context.close()
    return run


def _run_step(
    page: Page, ai: AI, spec: AppSpec, step: Step, index: int, instruction: str
) -> StepOutcome:
    started = time.perf_counter()
    value: Any = None
    try:
        if step.kind == "act":
            result = ai.act(instruction, spec.variables or None)
        else:
            value = ai.extract(instruction, extract_schema(step.expected))["value"]
            result = ai.last_result  # type: ignore[assignment]
    except TestAbleStepError as error:
        elapsed = (time.perf_counter() - started) * 1000
        return StepOutcome(index, instruction, "refused", str(error)[:400], "failed", elapsed)
    except Exception as error:  # a defect, not a decision: reported on its own
        elapsed = (time.perf_counter() - started) * 1000
        detail = f"{type(error).__name__}: {error}"[:400]
        return StepOutcome(index, instruction, "error", detail, "error", elapsed)
    elapsed = (time.perf_counter() - started) * 1000
    decision = str(result.decision) if result is not None else ""
    explanation = result.explanation[:300] if result is not None else ""
    if not _check(page, step):
        return StepOutcome(index, instruction, "wrong", explanation, decision, elapsed)
    if step.kind == "extract" and not _same(value, step.expected):
        detail = f"got {value!r}, expected {step.expected!r}; {explanation}"
        return StepOutcome(index, instruction, "wrong_value", detail, decision, elapsed)
    return StepOutcome(index, instruction, "passed", explanation, decision, elapsed)


def time_playwright(browser: Browser, app: str, variant: str) -> list[float] | None:
    """Wall time (ms) of each of the spec's hand-written steps, page load excluded."""
    spec = APPS[app].spec
    with serve(app, variant) as base:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(base + spec.start)
            page.wait_for_load_state("networkidle")
            times = []
            for step in spec.steps:
                started = time.perf_counter()
                step.playwright(page)
                times.append((time.perf_counter() - started) * 1000)
            return times
        except Exception:
            return None
        finally:
            context.close()


def bench(
    browser: Browser, apps: list[str], phrasings: list[str], modes: list[str], timeout_ms: float
) -> tuple[list[Run], dict[str, Any]]:
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        learnt: dict[tuple[str, str], Path] = {}
        for app in apps:
            for phrasing in phrasings:
                for variant in ("original", "redesign"):
                    path = root / f"{app}-{variant}-{phrasing}.db"
                    if {"cold", "warm", "changed", "cross_app"} & set(modes):
                        runs.append(
                            run_spec(
                                browser,
                                app,
                                variant,
                                phrasing,
                                path,
                                mode="cold",
                                timeout_ms=timeout_ms,
                            )
                        )
                    if "warm" in modes:
                        runs.append(
                            run_spec(
                                browser,
                                app,
                                variant,
                                phrasing,
                                path,
                                mode="warm",
                                timeout_ms=timeout_ms,
                            )
                        )
                    if variant == "original":
                        learnt[(app, phrasing)] = path
                if "changed" in modes:
                    path = root / f"{app}-changed-{phrasing}.db"
                    copy_store(learnt[(app, phrasing)], path)
                    runs.append(
                        run_spec(
                            browser,
                            app,
                            "redesign",
                            phrasing,
                            path,
                            mode="changed",
                            timeout_ms=timeout_ms,
                        )
                    )
        if "cross_app" in modes:
            for source in apps:
                for target in apps:
                    if source == target:
                        continue
                    for phrasing in phrasings:
                        path = root / f"{source}-to-{target}-{phrasing}.db"
                        copy_store(learnt[(source, phrasing)], path)
                        run = run_spec(
                            browser,
                            target,
                            "original",
                            phrasing,
                            path,
                            mode="cross_app",
                            timeout_ms=timeout_ms,
                        )
                        run.app = f"{source}->{target}"
                        runs.append(run)
    speed: dict[str, Any] = {}
    if "warm" in modes:
        # Over the steps the warm run passed (a refusal's wait is not the cached speed).
        ratios = []
        for app in apps:
            for variant in ("original", "redesign"):
                hand = time_playwright(browser, app, variant)
                if not hand:
                    continue
                warm_ms = hand_ms = 0.0
                for run in runs:
                    if (run.app, run.variant, run.mode) != (app, variant, "warm"):
                        continue
                    for s in run.steps:
                        if s.outcome == "passed":
                            warm_ms += s.duration_ms
                            hand_ms += hand[s.index]
                if hand_ms > 0:
                    ratios.append(warm_ms / hand_ms)
                    speed[f"{app}/{variant}"] = {
                        "playwright_ms": round(hand_ms, 1),
                        "warm_ms": round(warm_ms, 1),
                        "ratio": round(warm_ms / hand_ms, 2),
                    }
        if ratios:
            speed["ratio_median"] = round(statistics.median(ratios), 2)
    return runs, speed


def summary(
    runs: list[Run], speed: dict[str, Any], timeout_ms: float, group: str = "dev"
) -> dict[str, Any]:
    by_mode: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        by_mode[run.mode].append(run)

    def rate(selected: list[Run]) -> float | None:
        total = sum(len(r.steps) for r in selected)
        return round(100 * sum(r.passed for r in selected) / total, 1) if total else None

    per_app: dict[str, dict[str, float | None]] = defaultdict(dict)
    for run in runs:
        key = run.app if run.mode == "cross_app" else f"{run.app}/{run.variant}"
        per_app[key][run.mode] = rate(
            [
                r
                for r in runs
                if r.mode == run.mode and r.app == run.app and r.variant == run.variant
            ]
        )
    return {
        "bench": "plain_language",
        "group": group,
        "apps": sorted({r.app for r in runs if "->" not in r.app}),
        "phrasings": sorted({r.phrasing for r in runs}),
        "steps": sum(len(r.steps) for r in runs),
        "pass_rate": {mode: rate(selected) for mode, selected in by_mode.items()},
        "wrong_actions": {m: sum(r.count("wrong") for r in s) for m, s in by_mode.items()},
        "wrong_values": {m: sum(r.count("wrong_value") for r in s) for m, s in by_mode.items()},
        "refusals": {m: sum(r.count("refused") for r in s) for m, s in by_mode.items()},
        "errors": {m: sum(r.count("error") for r in s) for m, s in by_mode.items()},
        "not_reached": {m: sum(r.count("not_reached") for r in s) for m, s in by_mode.items()},
        "per_app": per_app,
        "speed": speed,
        "timeout_ms": timeout_ms,
    }


def status_table(runs: list[Run], line: dict[str, Any], command: str) -> str:
    """Markdown: every step that did not pass, grouped by step (which phrasings/modes)."""
    out = [
        "# Plain-language benchmark: latest failure table",
        "",
        f"Written by bench/bench_plain_language.py at {time.strftime('%H:%M UTC', time.gmtime())}.",
        f"Command: `{command}`",
        "",
        "Pass rate per mode: "
        + ", ".join(f"{m} {v}%" for m, v in line["pass_rate"].items())
        + f"; wrong actions {line['wrong_actions']}; wrong values {line['wrong_values']}.",
        "",
        "| app | variant | mode | phrasing | step | instruction | outcome | decision | detail |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    counts: Counter[str] = Counter()
    for run in runs:
        for s in run.steps:
            if s.outcome == "passed":
                continue
            counts[s.outcome] += 1
            detail = s.detail.replace("|", "\\|").replace("\n", " ")[:260]
            out.append(
                f"| {run.app} | {run.variant} | {run.mode} | {run.phrasing} | {s.index + 1} | "
                f"{s.instruction.replace('|', '/')} | {s.outcome} | {s.decision} | {detail} |"
            )
    out.append("")
    out.append("Totals: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--group", choices=("dev", "held_out", "all"), default="dev")
    parser.add_argument("--apps", default="", help="overrides --group")
    parser.add_argument("--phrasings", default=",".join(PHRASINGS))
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--timeout-ms", type=float, default=3_000)
    parser.add_argument("--status", type=Path, default=None)
    args = parser.parse_args()
    groups: dict[str, list[str]]
    if args.apps:
        apps = [a for a in args.apps.split(",") if a]
        unknown = [a for a in apps if a not in APPS]
        if unknown:
            parser.error(f"unknown app(s) {unknown}; known: {sorted(APPS)}")
        groups = {"custom": apps}
    elif args.group == "all":
        groups = {"dev": DEV_APPS, "held_out": HELD_OUT_APPS}
    else:
        groups = {args.group: DEV_APPS if args.group == "dev" else HELD_OUT_APPS}
    phrasings = [p for p in args.phrasings.split(",") if p]
    modes = [m for m in args.modes.split(",") if m]
    lines: list[tuple[list[Run], dict[str, Any]]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH_ARGS)
        try:
            for group, apps in groups.items():
                runs, speed = bench(browser, apps, phrasings, modes, args.timeout_ms)
                lines.append((runs, summary(runs, speed, args.timeout_ms, group)))
        finally:
            browser.close()
    if args.status is not None:
        command = "uv run python " + " ".join(sys.argv)
        args.status.write_text(
            "\n".join(status_table(runs, line, command) for runs, line in lines), encoding="utf-8"
        )
    for _, line in lines:
        print(json.dumps(line, separators=(",", ":")))


if __name__ == "__main__":
    main()
