"""Moved to ``backend.repositories.github_client`` (#17: lower domains reach GitHub without
importing ``github``). Kept only for code written against the old path this session
(``backend/defects``); delete once nothing imports it."""

from backend.repositories.github_client import GitHubClient as GitHubClient
from backend.repositories.github_client import GitHubError as GitHubError
from backend.repositories.github_client import repo_path as repo_path
