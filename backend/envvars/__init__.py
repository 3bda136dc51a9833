"""Environment variables per workflow and environment, encrypted at rest."""
