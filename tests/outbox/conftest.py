"""The environment cache the runs tests share (the base environment is built once)."""

from tests.runs.conftest import shared_env_cache

__all__ = ["shared_env_cache"]
