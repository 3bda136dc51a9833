"""One hit rate everywhere (backend.cache.rates): hits over element lookups, navigation
and undecided steps left out; a run's cache_stats, the store's stats and the overview's
days agree on the same decisions."""

from __future__ import annotations

from backend.cache import rates
from backend.cache.store.common import stats_from_counts
from backend.runs.service import TestRecord, cache_statistics

DECISIONS = ["navigated", "cache_hit", "cache_hit_verified", "healed", "resolver", "navigated"]


def _record(steps: list[dict[str, object]]) -> TestRecord:
    return TestRecord(
        node_id="t.py::test_x",
        outcome="passed",
        duration=1.0,
        error_message=None,
        traceback=None,
        retries=0,
        flaky=False,
        steps=steps,
    )


def test_a_run_and_the_store_give_the_same_rate_for_the_same_decisions() -> None:
    steps: list[dict[str, object]] = [{"decision": d} for d in DECISIONS]
    steps[4]["resolver"] = "local"
    stats = cache_statistics([_record(steps)])
    assert stats["steps"] == 6
    assert stats["lookups"] == 4  # the two navigations looked nothing up
    assert stats["cache_hits"] == 2
    assert stats["hit_rate"] == 0.5
    assert stats["resolvers"] == ["local"]

    counts = {d: DECISIONS.count(d) for d in set(DECISIONS) if d != "navigated"}
    store = stats_from_counts(entries=3, counts=counts, resolver_ms_total=10.0)
    assert (store["hits"], store["lookups"], store["hit_rate"]) == (2, 4, 0.5)
    assert rates.run_figures(stats) == (2, 4)


def test_no_lookups_is_no_rate_and_old_runs_count_their_steps() -> None:
    only_navigation = cache_statistics([_record([{"decision": "navigated"}])])
    assert only_navigation["lookups"] == 0
    assert only_navigation["hit_rate"] is None
    assert only_navigation["resolvers"] == []
    assert rates.hit_rate(0, 0) is None
    # A run stored before "lookups" existed: its steps are all it kept.
    assert rates.run_figures({"steps": 4, "cache_hits": 3}) == (3, 4)
    assert rates.run_figures({}) == (0, 0)
