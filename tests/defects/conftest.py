from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.defects.issues_fake import FakeIssues
from tests.github.fake_github import FakeGitHub
from tests.github.webhook_helpers import SECRET
from tests.repositories.helpers import fake_github, github_settings


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    yield from fake_github()


@pytest.fixture
def issues(github: FakeGitHub) -> FakeIssues:
    return FakeIssues(github)


@pytest.fixture
def settings_overrides(github: FakeGitHub) -> dict[str, Any]:
    return {**github_settings(github), "github_webhook_secret": SECRET}
