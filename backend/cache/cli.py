"""``testable cache …``: look into the element cache and correct it.

Every command reads the standalone SQLite store in the data directory unless ``--store``
names another (any URL ``open_store`` accepts), works on one project (``--project``,
default ``TESTABLE_PROJECT`` or the current directory's name, as the pytest plugin does)
and prints JSON for scripts with ``--json``. An unknown key exits with code 1, a bad store
URL with code 2.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from backend.cache.records import CachedElement
from backend.cache.store.base import ElementStore
from backend.cache.store.common import (
    STALE_AFTER_DAYS,
    StoreError,
    UnknownElement,
    last_activity,
    low_confidence_elements,
    stale_elements,
    success_rate,
)
from backend.cache.store.factory import open_store
from backend.config import get_settings

cache_app = typer.Typer(
    help="The element cache: statistics, entries, history; invalidate what is wrong.",
    no_args_is_help=True,
)

out = Console()
err = Console(stderr=True)
T = TypeVar("T")

ProjectOption = Annotated[
    str | None,
    typer.Option(
        "--project",
        envvar="TESTABLE_PROJECT",
        help="Project id (default: TESTABLE_PROJECT, else the current directory's name).",
    ),
]
StoreOption = Annotated[
    str,
    typer.Option(
        "--store",
        help="Store URL: sqlite:///path, postgresql://…, redis://…, http(s)://… "
        "(default: the SQLite file in the data directory).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _project(value: str | None) -> str:
    return value or Path.cwd().resolve().name or "default"


def _fail(message: str, code: int) -> NoReturn:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code=code)


def _with_store(store_url: str, work: Callable[[ElementStore], Awaitable[T]]) -> T:
    async def run() -> T:
        store = await open_store(store_url, get_settings())
        try:
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except UnknownElement as exc:
        _fail(str(exc), 1)
    except StoreError as exc:
        _fail(str(exc), 2)


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def _row(*cells: str) -> list[Text]:
    # Text, not markup: selectors like [data-testid="x"] must print as they are.
    return [Text(cell) for cell in cells]


def _rate(element: CachedElement) -> str:
    stats = element["stats"]
    return f"{success_rate(stats):.0%} of {stats['uses']}" if stats["uses"] else "unused"


def _elements_table(title: str, elements: list[CachedElement]) -> Table:
    table = Table(title=title)
    table.add_column("key", no_wrap=True)  # people copy it into `show` / `invalidate`
    for column in ("instruction", "route", "status", "version", "success", "last used"):
        table.add_column(column)
    for e in elements:
        table.add_row(
            *_row(
                e["key"],
                e["instruction"],
                e["route"],
                e["status"],
                str(e["version"]),
                _rate(e),
                f"{last_activity(e):%Y-%m-%d %H:%M}",
            )
        )
    return table


@cache_app.command()
def stats(
    project: ProjectOption = None, store: StoreOption = "sqlite", as_json: JsonOption = False
) -> None:
    """Hit rate, heals, resolver calls and the time the cache saved."""
    name = _project(project)
    result = _with_store(store, lambda s: s.stats(name))
    if as_json:
        _print_json({"project": name, **result})
        return
    table = Table(title=f"Element cache of {name}", show_header=False)
    table.add_row("entries", str(result["entries"]))
    table.add_row("lookups", str(result["lookups"]))
    table.add_row("cache hits", f"{result['hits']} ({result['hit_rate']:.0%})")
    table.add_row("heals", str(result["heals"]))
    table.add_row("resolver calls", str(result["resolver_calls"]))
    table.add_row("failures", str(result["failures"]))
    table.add_row("time saved", f"{result['time_saved_ms'] / 1000:.1f} s")
    out.print(table)


@cache_app.command("list")
def list_entries(
    route: Annotated[str | None, typer.Option(help="Only entries of this route.")] = None,
    status: Annotated[
        str | None, typer.Option(help="Only entries in this status (active, deprecated, …).")
    ] = None,
    project: ProjectOption = None,
    store: StoreOption = "sqlite",
    as_json: JsonOption = False,
) -> None:
    """The cached elements of a project."""
    name = _project(project)
    elements = _with_store(store, lambda s: s.list_elements(name, route=route, status=status))
    if as_json:
        _print_json(elements)
        return
    out.print(_elements_table(f"{len(elements)} cached elements of {name}", elements))


@cache_app.command()
def show(
    key: Annotated[str, typer.Argument(help="The entry's key (see `testable cache list`).")],
    project: ProjectOption = None,
    store: StoreOption = "sqlite",
    as_json: JsonOption = False,
) -> None:
    """One entry: its selectors, its history with diffs and the decisions taken with it."""
    name = _project(project)

    async def gather(s: ElementStore) -> dict[str, Any]:
        element = await s.get(name, key)
        if element is None:
            raise UnknownElement(name, key)
        return {
            "element": element,
            "versions": await s.versions(name, key),
            "decisions": await s.decisions(name, key),
        }

    result = _with_store(store, gather)
    if as_json:
        _print_json(result)
        return
    element: CachedElement = result["element"]
    out.print(_elements_table(f"{key}", [element]))
    selectors = Table(title="selectors, most robust first")
    selectors.add_column("kind")
    selectors.add_column("selector")
    for selector in element["selectors"]:
        selectors.add_row(*_row(selector["kind"], selector["value"]))
    out.print(selectors)
    history = Table(title="history")
    for column in ("version", "change", "by", "at", "reason", "changed fields"):
        history.add_column(column)
    for version in result["versions"]:
        changed = "new entry" if version["change"] == "created" else ", ".join(version["diff"])
        history.add_row(
            *_row(
                str(version["version"]),
                version["change"],
                version["actor"],
                version["at"][:19],
                version["reason"],
                changed,
            )
        )
    out.print(history)
    decisions = Table(title="decisions")
    for column in ("at", "decision", "confidence", "ms", "reasons"):
        decisions.add_column(column)
    for record in result["decisions"][-20:]:
        decisions.add_row(
            *_row(
                record["at"][:19],
                record["decision"],
                f"{record['confidence']:.0f}",
                f"{record['duration_ms']:.1f}",
                "; ".join(record["reasons"]),
            )
        )
    out.print(decisions)


@cache_app.command()
def invalidate(
    key: Annotated[str, typer.Argument(help="The entry's key (see `testable cache list`).")],
    reason: Annotated[str, typer.Option(help="Why; kept in the entry's history.")] = "",
    project: ProjectOption = None,
    store: StoreOption = "sqlite",
    as_json: JsonOption = False,
) -> None:
    """Stop using an entry: the next run asks the resolver again."""
    name = _project(project)

    async def drop(s: ElementStore) -> CachedElement | None:
        await s.invalidate(name, key, actor="person", reason=reason or "invalidated by hand")
        return await s.get(name, key)

    element = _with_store(store, drop)
    if as_json:
        _print_json(element)
        return
    version = element["version"] if element else "?"
    out.print(Text(f"invalidated {key} in {name} (version {version})"))


@cache_app.command()
def stale(
    days: Annotated[
        int, typer.Option(min=1, help="Unused for more than this many days.")
    ] = STALE_AFTER_DAYS,
    project: ProjectOption = None,
    store: StoreOption = "sqlite",
    as_json: JsonOption = False,
) -> None:
    """Entries unused for a long time and active entries that fail too often."""
    name = _project(project)
    elements = _with_store(store, lambda s: s.list_elements(name))
    old = stale_elements(elements, days=days)
    weak = low_confidence_elements(elements)
    if as_json:
        _print_json({"project": name, "days": days, "stale": old, "low_confidence": weak})
        return
    out.print(_elements_table(f"{len(old)} entries unused for more than {days} days", old))
    out.print(_elements_table(f"{len(weak)} active entries with a low success rate", weak))
