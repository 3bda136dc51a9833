"""The one definition of the element cache's hit rate, used by every figure that shows it
(a run's ``cache_stats``, the project overview and runs trend, the report, the cache
explorer, ``testable cache stats``); docs/element-cache.md, "Hit rate".

hit rate = lookups answered from the cache (``cache_hit`` + ``cache_hit_verified``)
           ÷ lookups (steps that looked an element up: those two, ``healed``,
             ``resolver`` and ``failed``)

Navigation steps (``navigated``) and steps without a decision never look anything up, so
they are not lookups. The figures differ only by what they cover (one run, the last runs,
one day, everything the store recorded), and each says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func

HIT_DECISIONS: tuple[str, ...] = ("cache_hit", "cache_hit_verified")
LOOKUP_DECISIONS: tuple[str, ...] = (*HIT_DECISIONS, "healed", "resolver", "failed")


def hits(counts: Mapping[str, int]) -> int:
    return sum(int(counts.get(d, 0) or 0) for d in HIT_DECISIONS)


def lookups(counts: Mapping[str, int]) -> int:
    return sum(int(counts.get(d, 0) or 0) for d in LOOKUP_DECISIONS)


def hit_rate(hit_count: int, lookup_count: int) -> float | None:
    """0..1, or None when nothing was looked up (no rate, rather than a false 0 %)."""
    return hit_count / lookup_count if lookup_count else None


def run_figures(cache_stats: Mapping[str, Any]) -> tuple[int, int]:
    """(hits, lookups) of a run's stored ``cache_stats``. Runs recorded before lookups
    were stored count every step as a lookup (all they kept)."""
    hit_count = int(cache_stats.get("cache_hits", 0) or 0)
    stored = cache_stats.get("lookups")
    if stored is None:
        stored = cache_stats.get("steps", 0)
    return hit_count, int(stored or 0)


def run_figures_sql(cache_stats: Any) -> tuple[Any, Any]:
    """``run_figures`` as SQL expressions over a runs' ``cache_stats`` JSON column, for
    aggregates (``SUM``) on SQLite and PostgreSQL: (hits, lookups), each 0 when absent."""
    hit_count = func.coalesce(cache_stats["cache_hits"].as_integer(), 0)
    lookup_count = func.coalesce(
        cache_stats["lookups"].as_integer(), cache_stats["steps"].as_integer(), 0
    )
    return hit_count, lookup_count
