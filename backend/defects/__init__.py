"""Defects filed from failed test results: local, or GitHub Issues kept in sync both ways."""
