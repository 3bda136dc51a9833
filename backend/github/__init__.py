"""GitHub: App authentication, the REST client and the webhook receiver."""
