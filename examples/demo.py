"""``make demo``, part one: show the element cache at work on the demo shop.

Runs the example suite against the original shop twice, cold (empty cache: the resolver
finds every element) and warm (the cache finds them), then against the redesigned shop
(steps heal), one line per finished test, and prints the three runs side by side. Exits
non-zero, saying why, when a run fails.

    uv run python -m examples.demo
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from backend.client.settings import ClientSettings
from examples.demo_app import Variant, running_demo_app
from examples.suite import SuiteRun, run_suite

console = Console()


def _table(cold: SuiteRun, warm: SuiteRun, changed: SuiteRun) -> Table:
    """Three runs side by side: what decided each element step, and what it cost."""
    runs = (cold, warm, changed)
    s = [run.summary for run in runs]
    table = Table(title="The example suite: cold cache, warm cache, redesigned shop")
    table.add_column("")
    for label in ("cold", "warm", "changed shop"):
        table.add_column(label, justify="right")
    row = table.add_row
    row("tests passed", *(f"{x.passed}/{x.tests}" for x in s))
    row("element steps", *(str(x.steps) for x in s))
    row(
        "  from the cache (verified)",
        f"{s[0].cache_hits} ¹",
        str(s[1].cache_hits),
        str(s[2].cache_hits),
    )
    row("  healed", *(str(x.heals) for x in s))
    row("  decided by the resolver", *(str(x.resolver_steps) for x in s))
    row("resolver calls", *(str(x.resolver_calls) for x in s))
    row(
        "resolver calls avoided (vs cold)",
        "—",
        *(str(max(0, s[0].resolver_calls - x.resolver_calls)) for x in s[1:]),
    )
    row("time in steps", *(f"{x.step_seconds:.2f} s" for x in s))
    row("wall time (incl. browser start)", *(f"{run.wall_seconds:.1f} s" for run in runs))
    return table


_NOTES = (
    "¹ The cold run starts with an empty cache; its cache hits are steps repeated within the "
    "run (the same instruction on the same page in another test).\n"
    "The offline resolver is already fast, so here the cache buys stability more than time: "
    "each warm step is the element learnt before, verified against its fingerprint, and a "
    "changed page heals instead of silently picking another element. For speed, compare the "
    "warm plain-language suite with hand-written Playwright: docs/benchmarks.md."
)


def _check(run: SuiteRun, label: str) -> bool:
    summary = run.summary
    if run.returncode == 0 and not summary.failed:
        return True
    console.print(f"[red bold]The {label} run failed[/] (pytest exit {run.returncode}):")
    for node_id in summary.failed:
        console.print(f"  [red]✗[/] {node_id}")
    console.print(run.output[-4000:], markup=False, highlight=False)
    return False


def _progress(label: str) -> Callable[[str, str], None]:
    """One line per finished test (a terminal or a log file alike)."""
    count = 0

    def on_test(node_id: str, outcome: str) -> None:
        nonlocal count
        count += 1
        mark = "✓" if outcome == "passed" else "✗"
        console.print(
            f"  [{label}] {count:>2} {mark} {node_id.rpartition('/')[2]}",
            markup=False,
            highlight=False,
            soft_wrap=True,  # one line per test, also in a log file
        )

    return on_test


def _run(variant: Variant, label: str, cache_dir: Path, reports: Path) -> tuple[SuiteRun, int]:
    with running_demo_app(variant) as shop:
        console.print(f"Example suite, {label} ({variant.value} shop on {shop.base_url})")
        run = run_suite(
            variant=variant.value,
            base_url=shop.base_url,
            data_dir=cache_dir,
            report_file=reports / f"{label}.json",
            on_test=_progress(label),
        )
        return run, int(shop.state()["decoy_clicks"])


def main() -> int:
    data_dir = ClientSettings().data_dir
    cache_dir = data_dir / "demo-cache"
    shutil.rmtree(cache_dir, ignore_errors=True)  # the demo starts cold on purpose
    cache_dir.mkdir(parents=True)
    console.print(f"Element cache of the demo: {cache_dir}")
    with tempfile.TemporaryDirectory(prefix="testable-demo-") as tmp:
        reports = Path(tmp)
        runs = []
        for variant, label in (
            (Variant.ORIGINAL, "cold"),
            (Variant.ORIGINAL, "warm"),
            (Variant.CHANGED, "changed"),
        ):
            run, decoy_clicks = _run(variant, label, cache_dir, reports)
            if not _check(run, label):
                return 1
            if decoy_clicks:
                console.print(
                    f"[red bold]The look-alike button was clicked {decoy_clicks} time(s).[/]"
                )
                return 1
            runs.append(run)
    console.print(_table(*runs))
    console.print(_NOTES, highlight=False)
    changed = runs[2].summary
    console.print(
        f"Redesigned shop (examples/demo_app/CHANGES.md): {changed.heals} steps healed and "
        "the look-alike button was never clicked."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
