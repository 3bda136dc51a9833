"""``make demo``, part one: show the element cache at work on the demo shop.

Runs the example suite against the original shop twice, cold (empty cache: the resolver
finds every element) and warm (the cache finds them), prints a table of what happened,
then runs it once against the redesigned shop and prints how many steps healed. Exits
non-zero, saying why, when a run fails.

    uv run python -m examples.demo
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from backend.client.settings import ClientSettings
from examples.demo_app import Variant, running_demo_app
from examples.suite import SuiteRun, run_suite

console = Console()


def _table(cold: SuiteRun, warm: SuiteRun) -> Table:
    c, w = cold.summary, warm.summary
    table = Table(title="Example suite on the demo shop: cold cache, then warm")
    table.add_column("")
    table.add_column("cold", justify="right")
    table.add_column("warm", justify="right")
    rows = [
        ("tests passed", f"{c.passed}/{c.tests}", f"{w.passed}/{w.tests}"),
        ("element steps", str(c.steps), str(w.steps)),
        ("cache hits", str(c.cache_hits), str(w.cache_hits)),
        ("hit rate", f"{c.hit_rate:.0%}", f"{w.hit_rate:.0%}"),
        ("heals", str(c.heals), str(w.heals)),
        ("resolver calls", str(c.resolver_calls), str(w.resolver_calls)),
        ("time in steps", f"{c.step_seconds:.2f} s", f"{w.step_seconds:.2f} s"),
        (
            "wall time (incl. browser start)",
            f"{cold.wall_seconds:.1f} s",
            f"{warm.wall_seconds:.1f} s",
        ),
    ]
    for row in rows:
        table.add_row(*row)
    speedup = c.step_seconds / w.step_seconds if w.step_seconds else float("inf")
    table.add_row("speed-up (time in steps)", "", f"{speedup:.1f}×", style="bold")
    return table


def _check(run: SuiteRun, label: str) -> bool:
    summary = run.summary
    if run.returncode == 0 and not summary.failed:
        return True
    console.print(f"[red bold]The {label} run failed[/] (pytest exit {run.returncode}):")
    for node_id in summary.failed:
        console.print(f"  [red]✗[/] {node_id}")
    console.print(run.output[-4000:], markup=False, highlight=False)
    return False


def main() -> int:
    data_dir = ClientSettings().data_dir
    cache_dir = data_dir / "demo-cache"
    shutil.rmtree(cache_dir, ignore_errors=True)  # the demo starts cold on purpose
    cache_dir.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="testable-demo-") as tmp:
        reports = Path(tmp)
        with running_demo_app(Variant.ORIGINAL) as shop:
            console.print(f"Demo shop (original) on {shop.base_url}; cache in {cache_dir}")
            runs = []
            for label in ("cold", "warm"):
                with console.status(f"Running the example suite ({label} cache)…"):
                    run = run_suite(
                        variant=Variant.ORIGINAL.value,
                        base_url=shop.base_url,
                        data_dir=cache_dir,
                        report_file=reports / f"{label}.json",
                    )
                if not _check(run, label):
                    return 1
                runs.append(run)
        console.print(_table(*runs))

        with running_demo_app(Variant.CHANGED) as shop:
            with console.status("Running the example suite on the redesigned shop…"):
                changed = run_suite(
                    variant=Variant.CHANGED.value,
                    base_url=shop.base_url,
                    data_dir=cache_dir,
                    report_file=reports / "changed.json",
                )
            decoy_clicks = shop.state()["decoy_clicks"]
        if not _check(changed, "changed-shop"):
            return 1
        if decoy_clicks:
            console.print(f"[red bold]The look-alike button was clicked {decoy_clicks} time(s).[/]")
            return 1
        s = changed.summary
        console.print(
            f"Redesigned shop (examples/demo_app/CHANGES.md): {s.passed}/{s.tests} tests passed, "
            f"{s.steps} element steps: [bold]{s.heals} healed[/], {s.cache_hits} cache hits, "
            f"{s.resolver_calls} resolver calls; the look-alike button was never clicked."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
