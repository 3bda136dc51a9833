"""The Celery application of the worker and beat processes. It is built by
``backend.outbox.celery`` (the api and jobs send tasks through the same app, without
importing this package); this module is what ``celery -A workers.celery_app`` loads."""

from __future__ import annotations

from backend.outbox.celery import (
    MIN_VISIBILITY_TIMEOUT_SECONDS,
    create_celery,
    visibility_timeout,
)

__all__ = ["MIN_VISIBILITY_TIMEOUT_SECONDS", "celery_app", "create_celery", "visibility_timeout"]

celery_app = create_celery()
