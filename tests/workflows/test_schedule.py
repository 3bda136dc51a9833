"""Schedule slots (pure): time zones, daylight-saving changes, at most one catch-up."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from backend.workflows.schedule import latest_due_slot, next_slots

PARIS = ZoneInfo("Europe/Paris")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def paris(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0
) -> datetime:
    """A Paris wall-clock time (``fold=1``: the second of a repeated hour), in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS, fold=fold).astimezone(UTC)


def test_wall_clock_time_in_the_zone_in_winter_and_summer() -> None:
    assert latest_due_slot("0 9 * * *", "Europe/Paris", utc(2026, 1, 15, 12)) == utc(2026, 1, 15, 8)
    assert latest_due_slot("0 9 * * *", "Europe/Paris", utc(2026, 7, 15, 12)) == utc(2026, 7, 15, 7)


def test_a_slot_at_exactly_now_is_due() -> None:
    assert latest_due_slot("*/5 * * * *", "UTC", utc(2026, 3, 1, 10, 5)) == utc(2026, 3, 1, 10, 5)


def test_after_downtime_only_the_latest_missed_slot_is_due() -> None:
    # Hourly, down from 03:00 to 07:30: one slot (07:00), not four.
    assert latest_due_slot("0 * * * *", "UTC", utc(2026, 3, 1, 7, 30)) == utc(2026, 3, 1, 7)


def test_not_before_hides_slots_from_before_the_schedule_existed() -> None:
    now = utc(2026, 3, 1, 7, 30)
    assert latest_due_slot("0 * * * *", "UTC", now, not_before=utc(2026, 3, 1, 7, 10)) is None


def test_spring_forward_a_slot_in_the_gap_fires_once_after_it() -> None:
    # 2026-03-29 in Paris: 02:00 -> 03:00. A 02:30 slot does not exist that day.
    slots = next_slots("30 2 * * *", "Europe/Paris", paris(2026, 3, 28, 12), count=3)
    assert slots == [
        paris(2026, 3, 29, 3, 30),
        paris(2026, 3, 30, 2, 30),
        paris(2026, 3, 31, 2, 30),
    ]
    # Before 03:30 CEST it is not due yet; the previous day's slot is the latest.
    assert latest_due_slot("30 2 * * *", "Europe/Paris", paris(2026, 3, 29, 3, 10)) == paris(
        2026, 3, 28, 2, 30
    )
    assert latest_due_slot("30 2 * * *", "Europe/Paris", paris(2026, 3, 29, 3, 45)) == paris(
        2026, 3, 29, 3, 30
    )


def test_spring_forward_hourly_slots_do_not_double_up() -> None:
    slots = next_slots("0 * * * *", "Europe/Paris", paris(2026, 3, 29, 0, 30), count=3)
    assert slots == [paris(2026, 3, 29, 1), paris(2026, 3, 29, 3), paris(2026, 3, 29, 4)]
    assert [b - a for a, b in itertools.pairwise(slots)] == [timedelta(hours=1)] * 2


def test_fall_back_a_slot_in_the_repeated_hour_fires_once() -> None:
    # 2026-10-25 in Paris: 03:00 -> 02:00, so 02:30 happens twice.
    first = paris(2026, 10, 25, 2, 30, fold=0)
    second = paris(2026, 10, 25, 2, 30, fold=1)
    assert second - first == timedelta(hours=1)
    slots = next_slots("30 2 * * *", "Europe/Paris", paris(2026, 10, 24, 12), count=2)
    assert slots == [first, paris(2026, 10, 26, 2, 30)]
    # During the second 02:30 the latest slot is still the first one (already run).
    assert latest_due_slot("30 2 * * *", "Europe/Paris", second + timedelta(minutes=5)) == first


def test_every_minute_cron_in_utc() -> None:
    slots = next_slots("* * * * *", "UTC", utc(2026, 1, 1, 0, 0, 30), count=2)
    assert slots == [utc(2026, 1, 1, 0, 1), utc(2026, 1, 1, 0, 2)]


def test_cron_aliases_follow_the_zone() -> None:
    assert latest_due_slot("@daily", "Europe/Paris", utc(2026, 1, 15, 12)) == paris(2026, 1, 15)
