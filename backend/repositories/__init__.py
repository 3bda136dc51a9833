"""Repositories connected to a project: GitHub (App installation or token) or, embedded,
a local path."""
