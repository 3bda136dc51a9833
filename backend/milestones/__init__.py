"""Milestones (sprints, releases): dates and a goal; plans, runs, defects and cases attach."""
