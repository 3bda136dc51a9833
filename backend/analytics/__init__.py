"""Analytics of a project's test results: search, history, comparison, trends, flaky
monitors, quarantine, failure clusters, cost (docs/analytics.md)."""
