"""Reporting a finished run: GitHub Checks, PR comment, Slack, Notion, e-mail and report pages."""
