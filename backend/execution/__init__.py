"""Running a repository's pytest suite on a worker, without database or API.

checkout -> environment -> runner (channel, masking) -> results + artifacts.
Import the modules directly; this package imports nothing so that the plugin can load
``backend.execution.channel`` cheaply inside the test process.
"""
