"""Workflow configuration validation: defaults, and 422s that name the bad field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, HttpUrl

from backend.kit.errors import Unprocessable
from backend.workflows import config as config_module
from backend.workflows.config import WorkflowConfig, parse_config


def _fields(data: dict[str, Any], **kwargs: Any) -> dict[str, str]:
    with pytest.raises(Unprocessable) as caught:
        parse_config(data, **kwargs)
    return {d["field"]: d["message"] for d in caught.value.details}


def test_an_empty_config_gets_every_default() -> None:
    config = parse_config({})
    assert config == WorkflowConfig()
    assert config.triggers.pr_actions == ["opened", "synchronize", "reopened", "ready_for_review"]
    assert config.branches.strategy == "all"
    assert config.execution.timeout == 1800
    assert config.environment.name == "default"


def test_a_full_config_round_trips() -> None:
    data = {
        "triggers": {
            "push": True,
            "pull_request": True,
            "pr_actions": ["opened", "synchronize"],
            "include_drafts": True,
            "schedule": {"cron": "0  9 * * 1-5", "timezone": "Europe/Paris"},
            "required_labels": ["qa"],
        },
        "branches": {"strategy": "list", "include": ["main", "release/**", "re:^hotfix-\\d+$"]},
        "reporting": {"destinations": [{"type": "pr_comment", "settings": {}}]},
        "environment": {"name": "staging", "required": ["BASE_URL"]},
        "execution": {"timeout": 600, "parallel": True, "max_workers": 4, "retries": 2},
    }
    config = parse_config(data)
    assert config.triggers.schedule is not None
    assert config.triggers.schedule.cron == "0 9 * * 1-5"  # whitespace normalised
    assert parse_config(config.model_dump(mode="json")) == config


def test_bad_cron_timezone_regex_and_timeout_each_name_their_field() -> None:
    fields = _fields(
        {
            "triggers": {"schedule": {"cron": "61 * * * *", "timezone": "Mars/Olympus"}},
            "branches": {"exclude": ["re:feature/(unclosed"]},
            "execution": {"timeout": 5},
        }
    )
    assert set(fields) == {
        "triggers.schedule.cron",
        "triggers.schedule.timezone",
        "branches.exclude[0]",
        "execution.timeout",
    }
    assert "cron" in fields["triggers.schedule.cron"]
    assert "IANA" in fields["triggers.schedule.timezone"]
    assert "regular expression" in fields["branches.exclude[0]"]
    assert "between 60 and" in fields["execution.timeout"]


def test_timeout_upper_bound_comes_from_settings() -> None:
    assert parse_config({"execution": {"timeout": 7200}}, max_timeout=7200).execution.timeout
    fields = _fields({"execution": {"timeout": 7201}}, max_timeout=7200)
    assert fields == {"execution.timeout": "must be between 60 and 7200 seconds"}


def test_cron_aliases_are_accepted() -> None:
    config = parse_config({"triggers": {"schedule": {"cron": "@daily"}}})
    assert config.triggers.schedule is not None
    assert config.triggers.schedule.cron == "@daily"
    assert "triggers.schedule.cron" in _fields({"triggers": {"schedule": {"cron": "@reboot"}}})


def test_six_field_cron_and_unknown_keys_are_refused() -> None:
    assert "triggers.schedule.cron" in _fields({"triggers": {"schedule": {"cron": "* * * * * *"}}})
    assert "execution.timout" in _fields({"execution": {"timout": 60}})


def test_unknown_destination_names_its_index() -> None:
    fields = _fields(
        {"reporting": {"destinations": [{"type": "pr_comment"}, {"type": "carrier_pigeon"}]}}
    )
    assert list(fields) == ["reporting.destinations[1].type"]
    assert "carrier_pigeon" in fields["reporting.destinations[1].type"]


def test_destination_settings_are_validated_by_the_reporters_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class SlackSettings(BaseModel):
        webhook_url: HttpUrl

    monkeypatch.setattr(config_module, "destination_types", lambda: {"slack": SlackSettings})
    fields = _fields(
        {
            "reporting": {
                "destinations": [
                    {"type": "slack", "settings": {"webhook_url": "https://hooks.example/x"}},
                    {"type": "slack", "settings": {"webhook_url": "not a url"}},
                ]
            }
        },
        prefix="config",
    )
    assert list(fields) == ["config.reporting.destinations[1].settings.webhook_url"]


def test_known_destinations_are_accepted_while_their_reporters_are_missing() -> None:
    names = ["github_checks", "pr_comment", "slack", "notion", "email"]
    assert set(names) <= set(config_module.destination_types())


def test_bad_required_variable_names_and_worker_counts() -> None:
    fields = _fields(
        {"environment": {"required": ["OK", "9BAD"]}, "execution": {"max_workers": 17}}
    )
    assert set(fields) == {"environment.required[1]", "execution.max_workers"}
