"""``testable cache stats|list|show|invalidate|stale`` on a real SQLite store file."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backend.cache.cli import cache_app
from backend.cache.store.common import now_iso
from backend.cache.store.sqlite import SqliteStore
from backend.config import get_settings
from tests.cache.conftest import make_element
from tests.cache.test_store_contract import decision

PROJECT = "shop"
runner = CliRunner()


async def _seed(path: Path) -> None:
    store = await SqliteStore.open(path)
    try:
        old = make_element(PROJECT, "old-link", instruction="click the help link", route="/help")
        old["stats"]["created_at"] = "2020-01-01T00:00:00+00:00"  # never used since
        await store.put(old, change="created", actor="resolver")
        login = make_element(PROJECT, "login-button")
        login["stats"]["created_at"] = now_iso()
        await store.put(login, change="created", actor="resolver")
        for success in [True] * 8 + [False] * 2:  # 80 %: active, but low confidence
            await store.record_outcome(PROJECT, "login-button", success=success)
        other = make_element("other-project", "login-button")
        await store.put(other, change="created", actor="resolver")
        for kind, ms in [("resolver", 1200.0), ("cache_hit", 3.0), ("healed", 30.0)]:
            await store.record_decision(decision(PROJECT, "login-button", kind, ms))
    finally:
        await store.close()


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    path = tmp_path / "cache.db"
    asyncio.run(_seed(path))
    return f"sqlite:///{path}"


def invoke(*args: str) -> Any:
    return runner.invoke(cache_app, list(args))


def invoke_json(*args: str) -> Any:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_stats_json_reports_counts_hit_rate_and_time_saved(store_url: str) -> None:
    stats = invoke_json("stats", "--project", PROJECT, "--store", store_url)
    assert stats == {
        "project": PROJECT,
        "entries": 2,
        "lookups": 3,
        "hits": 1,
        "heals": 1,
        "resolver_calls": 1,
        "failures": 0,
        "hit_rate": pytest.approx(1 / 3),
        "time_saved_ms": pytest.approx(2400.0),
    }


def test_stats_of_another_project_do_not_include_this_one(store_url: str) -> None:
    stats = invoke_json("stats", "--project", "other-project", "--store", store_url)
    assert (stats["entries"], stats["lookups"]) == (1, 0)


def test_list_json_returns_the_project_entries_with_filters(store_url: str) -> None:
    everything = invoke_json("list", "--project", PROJECT, "--store", store_url)
    assert [e["key"] for e in everything] == ["login-button", "old-link"]
    assert {e["project"] for e in everything} == {PROJECT}
    on_help = invoke_json("list", "--project", PROJECT, "--store", store_url, "--route", "/help")
    assert [e["key"] for e in on_help] == ["old-link"]


def test_show_json_gives_the_entry_its_history_and_decisions(store_url: str) -> None:
    shown = invoke_json("show", "login-button", "--project", PROJECT, "--store", store_url)
    assert shown["element"]["key"] == "login-button"
    assert shown["element"]["stats"]["uses"] == 10
    assert [v["change"] for v in shown["versions"]] == ["created"]
    assert [d["decision"] for d in shown["decisions"]] == ["resolver", "cache_hit", "healed"]


def test_show_of_an_unknown_key_exits_1_with_a_message(store_url: str) -> None:
    result = invoke("show", "no-such-key", "--project", PROJECT, "--store", store_url)
    assert result.exit_code == 1
    assert "no cached element 'no-such-key'" in result.stderr


def test_invalidate_marks_the_entry_and_records_the_person(store_url: str) -> None:
    element = invoke_json(
        "invalidate",
        "login-button",
        "--reason",
        "clicks the wrong row",
        "--project",
        PROJECT,
        "--store",
        store_url,
    )
    assert element["status"] == "invalidated"
    shown = invoke_json("show", "login-button", "--project", PROJECT, "--store", store_url)
    last = shown["versions"][-1]
    assert (last["change"], last["actor"], last["reason"]) == (
        "invalidated",
        "person",
        "clicks the wrong row",
    )
    other = invoke_json("show", "login-button", "--project", "other-project", "--store", store_url)
    assert other["element"]["status"] == "active"


def test_invalidate_of_an_unknown_key_exits_1(store_url: str) -> None:
    result = invoke("invalidate", "nope", "--project", PROJECT, "--store", store_url)
    assert result.exit_code == 1
    assert "no cached element 'nope'" in result.stderr


def test_stale_json_lists_unused_and_low_confidence_entries(store_url: str) -> None:
    report = invoke_json("stale", "--project", PROJECT, "--store", store_url)
    assert report["days"] == 30
    assert [e["key"] for e in report["stale"]] == ["old-link"]
    assert [e["key"] for e in report["low_confidence"]] == ["login-button"]


def test_human_output_is_a_table(store_url: str) -> None:
    result = invoke("list", "--project", PROJECT, "--store", store_url)
    assert result.exit_code == 0
    assert "2 cached elements of shop" in result.stdout
    assert "login-button" in result.stdout


def test_an_unknown_store_url_exits_2(store_url: str) -> None:
    result = invoke("stats", "--store", "mongodb://localhost/cache")
    assert result.exit_code == 2
    assert "unknown cache store" in result.stderr


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("TESTABLE_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def test_the_default_store_is_the_sqlite_file_in_the_data_dir(data_dir: Path) -> None:
    asyncio.run(_seed(data_dir / "cache" / "cache.db"))
    stats = invoke_json("stats", "--project", PROJECT)
    assert stats["entries"] == 2


def test_the_project_defaults_to_testable_project(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TESTABLE_PROJECT", PROJECT)
    assert [e["key"] for e in invoke_json("list", "--store", store_url)] == [
        "login-button",
        "old-link",
    ]
