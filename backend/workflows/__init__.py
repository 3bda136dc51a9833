"""Workflow configurations: what triggers a run, on which branches, with which settings."""
