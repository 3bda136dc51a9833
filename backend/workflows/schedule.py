"""Schedule slots: when a cron expression in an IANA time zone is due, in UTC.

Cron runs on the *wall clock* of the zone: ``0 9 * * *`` in Europe/Paris is 09:00 Paris
time in winter and in summer. Slots are computed on naive local times, then placed in the
zone, so daylight-saving changes behave like this:

* spring forward (a wall-clock hour does not exist): a slot inside the gap fires at the
  same offset after it (02:30 becomes 03:30); slots that land on the same instant are one
  slot (they share a UTC time, and a slot is unique per workflow and UTC time);
* fall back (an hour happens twice): a slot in the repeated hour fires once, at its first
  occurrence.

``latest_due_slot`` gives the most recent slot at or before ``now``: a tick claims only
that one, so after downtime at most one missed slot is caught up.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

# How far back to look for the latest slot that is not in the future (the gap case needs
# a second step back; a yearly cron needs no more than that either).
MAX_STEPS_BACK = 4


def _place(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive wall-clock time in ``zone`` as UTC (fold=0: before a gap's shift, first of
    a repeated hour)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _local_now(now: datetime, zone: ZoneInfo) -> datetime:
    return now.astimezone(zone).replace(tzinfo=None)


def latest_due_slot(
    cron: str, timezone: str, now: datetime, *, not_before: datetime | None = None
) -> datetime | None:
    """The latest slot at or before ``now`` (UTC), or None when it is before ``not_before``
    (a schedule does not fire for slots before it was saved)."""
    zone = ZoneInfo(timezone)
    # croniter's get_prev is strict: step a microsecond past now so a slot at exactly now counts.
    iterator = croniter(cron, _local_now(now, zone) + timedelta(microseconds=1))
    for _ in range(MAX_STEPS_BACK):
        slot = _place(iterator.get_prev(datetime), zone)
        if slot <= now:
            if not_before is not None and slot < not_before:
                return None
            return slot
    return None


def next_slots(cron: str, timezone: str, after: datetime, count: int = 5) -> list[datetime]:
    """The next ``count`` distinct slots strictly after ``after`` (UTC)."""
    slots: list[datetime] = []
    for slot in _forward(cron, ZoneInfo(timezone), after):
        if slot <= after or (slots and slot <= slots[-1]):
            continue
        slots.append(slot)
        if len(slots) == count:
            break
    return slots


def _forward(cron: str, zone: ZoneInfo, after: datetime) -> Iterator[datetime]:
    # Start an hour early: a gap can move a wall-clock slot later than its naive time.
    iterator = croniter(cron, _local_now(after, zone) - timedelta(hours=1))
    for _ in range(1000):
        yield _place(iterator.get_next(datetime), zone)
