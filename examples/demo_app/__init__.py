"""The demo shop the example suite runs against, in an ``original`` and a ``changed``
version (the differences are listed in ``CHANGES.md``)."""

from examples.demo_app.app import create_app
from examples.demo_app.server import RunningDemo, free_port, running_demo_app, start_demo_app
from examples.demo_app.variants import Variant

__all__ = [
    "RunningDemo",
    "Variant",
    "create_app",
    "free_port",
    "running_demo_app",
    "start_demo_app",
]
