"""Resolver settings, read from the environment (``TESTABLE_`` prefix).

Deliberately separate from ``backend.config``: resolvers run inside the user's pytest
process, which holds no platform settings or secrets. Only the environment is read (no
``.env`` file: the working directory there is the user's repository).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class LLMProvider(StrEnum):
    OPENAI = "openai"  # the OpenAI SDK: OpenAI or any OpenAI-compatible endpoint
    ANTHROPIC = "anthropic"


class ResolverSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TESTABLE_", extra="ignore")

    resolver: str = "local"  # local | llm | stagehand | a name registered by entry point

    # The offline resolver's decision rule (scores are 0..100).
    local_min_score: float = Field(default=50.0, ge=0, le=100)
    local_min_margin: float = Field(default=10.0, ge=0, le=100)
    # An element whose name contains the asked words *plus words that change its meaning*
    # ("Create account for a friend", "Sign in with Google", "Delete all") is refused by
    # default, naming it; lenient acts on it and marks the step "matched by containment".
    local_lenient: bool = False
    # Optional sentence-embedding model (needs the ``embeddings`` extra); never required.
    embedding_model: str | None = None

    # The model behind ``llm`` and ``stagehand``.
    llm_provider: LLMProvider = LLMProvider.OPENAI
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None  # falls back to OPENAI_API_KEY / ANTHROPIC_API_KEY
    llm_base_url: str | None = None  # e.g. http://127.0.0.1:11434/v1 for a local server
    llm_top_k: int = Field(default=8, ge=2, le=50)
    llm_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    llm_max_retries: int = Field(default=1, ge=0, le=10)
    llm_max_tokens: int = Field(default=1024, ge=16, le=32_000)  # Anthropic requires a cap

    # Stagehand attaches to the Chromium the tests already drive, through its CDP endpoint.
    stagehand_cdp_url: str | None = None  # e.g. http://127.0.0.1:9222
    stagehand_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
