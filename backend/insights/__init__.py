"""A project at a glance (the dashboard home): read from runs, workflows and the cache's
hit rates, so it sits above them (``projects`` imports none of them)."""
