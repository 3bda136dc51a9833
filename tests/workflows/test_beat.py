"""The schedule tick is a registered Celery task that beat sends every minute."""

from __future__ import annotations

from backend.outbox.celery import create_celery


def test_beat_sends_the_schedule_tick_every_minute_to_a_registered_task() -> None:
    app = create_celery("redis://127.0.0.1:6379/15")
    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["schedule-tick"]
    assert entry == {"task": "testable.schedule_tick", "schedule": 60.0}
    assert "testable.schedule_tick" in app.tasks
