"""The Celery application of the worker and beat processes. It is built by
``backend.outbox.celery`` (the api and jobs send tasks through the same app, without
importing this package); this module is what ``celery -A workers.celery_app`` loads."""

from __future__ import annotations

from backend.outbox.celery import create_celery

celery_app = create_celery()
