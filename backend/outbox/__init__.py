"""The post-commit outbox (``core``), the job shape and embedded handlers (``jobs``), the
embedded registry (``embedded``) and the Celery app (``celery``)."""

from backend.outbox.core import Dispatcher, Outbox, OutboxDep
from backend.outbox.jobs import Job, handler

__all__ = ["Dispatcher", "Job", "Outbox", "OutboxDep", "handler"]
