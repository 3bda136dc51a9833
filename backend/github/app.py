"""Moved to ``backend.repositories.github_app`` (#17: lower domains reach GitHub without
importing ``github``). Kept only for code written against the old path this session
(``backend/defects``); delete once nothing imports it."""

from backend.repositories.github_app import GitHubNotConfigured as GitHubNotConfigured
from backend.repositories.github_app import token_for_repository as token_for_repository
