"""The built-in reporting destinations (registered as ``testable.reporters`` entry points):
GitHub Checks, a pull-request comment, Slack, Notion and e-mail. See docs/reports.md."""
