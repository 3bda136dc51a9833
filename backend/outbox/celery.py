"""The Celery application of distributed mode (Redis broker and result backend).

It lives here, not in ``workers/``, so the api and the jobs can send tasks without
importing the worker's code: tasks are sent by name, and the worker process finds their
implementations through ``include`` (``workers/``, ``backend/*/tasks.py``).

Habits from Read the Docs' build workers: ``acks_late`` so a job whose worker dies is
redelivered, prefetch 1 so one long run never hides queued ones, a visibility timeout
longer than the longest run so Redis does not redeliver a run that is still going.
"""

from __future__ import annotations

from functools import lru_cache

from celery import Celery

from backend.config import Settings, get_settings

MIN_VISIBILITY_TIMEOUT_SECONDS = 4 * 60 * 60

# The modules holding the Celery tasks, imported by the worker process at start.
TASK_MODULES = [
    "workers.tasks",
    "backend.github.tasks",
    "backend.workflows.tasks",
    "backend.reports.tasks",
    "backend.defects.tasks",
]


def visibility_timeout(settings: Settings) -> float:
    """Longer than the longest job can last (its hard time limit: the longest allowed
    suite timeout, checkout, install and the two margins of ``run_time_limit`` and the
    dispatcher), plus an hour: Redis must never hand a run still going to another worker."""
    longest_job = (
        settings.run_max_timeout_seconds
        + settings.checkout_timeout_seconds
        + settings.install_timeout_seconds
        + 2 * 60
    )
    return max(MIN_VISIBILITY_TIMEOUT_SECONDS, longest_job + 3600)


def create_celery(redis_url: str | None = None) -> Celery:
    settings = get_settings()
    url = redis_url or settings.redis_url
    visibility = visibility_timeout(settings)
    app = Celery("testable", broker=url, backend=url, include=TASK_MODULES)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        timezone="UTC",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": visibility},
        result_backend_transport_options={"visibility_timeout": visibility},
        worker_hijack_root_logger=False,
        beat_schedule={
            # The reaper of runs whose worker died (heartbeat too old), and retention.
            "reap-dead-runs": {"task": "testable.reap_dead_runs", "schedule": 60.0},
            "cleanup-runs": {"task": "testable.cleanup_runs", "schedule": 24 * 3600.0},
            # Retention of stored GitHub webhook deliveries (backend/github/tasks.py).
            "cleanup-github-deliveries": {
                "task": "testable.cleanup_github_deliveries",
                "schedule": 24 * 3600.0,
            },
            # Scheduled workflows: one run per due slot (backend/workflows/tasks.py).
            "schedule-tick": {"task": "testable.schedule_tick", "schedule": 60.0},
        },
    )
    return app


@lru_cache(maxsize=8)
def celery_for(redis_url: str) -> Celery:
    """The app that sends tasks (one per Redis URL and process)."""
    return create_celery(redis_url)
