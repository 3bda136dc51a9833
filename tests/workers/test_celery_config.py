"""The Celery app's broker settings follow the run limits (no broker, no database)."""

from __future__ import annotations

import pytest

from backend.config import Settings
from backend.outbox.celery import MIN_VISIBILITY_TIMEOUT_SECONDS, visibility_timeout
from backend.runs.jobs import HARD_LIMIT_MARGIN_SECONDS
from backend.runs.models import Run
from backend.runs.service import run_time_limit


@pytest.mark.parametrize("max_timeout", [1800, 3 * 3600, 8 * 3600])
def test_redis_never_redelivers_a_job_that_may_still_be_running(max_timeout: int) -> None:
    settings = Settings(_env_file=None, run_max_timeout_seconds=max_timeout)
    longest_run = Run(options={"timeout": settings.run_max_timeout_seconds})
    hard_limit = run_time_limit(longest_run, settings) + HARD_LIMIT_MARGIN_SECONDS

    assert visibility_timeout(settings) > hard_limit
    assert visibility_timeout(settings) >= MIN_VISIBILITY_TIMEOUT_SECONDS
