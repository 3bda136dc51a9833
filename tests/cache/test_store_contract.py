"""The one contract every element store keeps, run against each store on its real medium:
a SQLite file, the in-memory layer over it, PostgreSQL, Redis and the api over HTTP."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from backend.cache.store.base import DecisionRecord
from backend.cache.store.common import StoreError, StorePolicy, UnknownElement, now_iso
from backend.cache.store.factory import open_store
from backend.cache.store.http import HttpStore, HttpStoreError
from backend.cache.store.layered import LayeredStore
from backend.cache.store.postgres import DatabaseStore
from backend.cache.store.redis import RedisStore
from backend.cache.store.sqlite import SqliteStore
from backend.config import Settings
from backend.runs.models import RunToken
from tests.cache.conftest import REDIS_URL, StoreUnderTest, issue_token, make_element, unique


def decision(
    project: str, key: str, kind: str, duration_ms: float, *, run_id: str | None = None
) -> DecisionRecord:
    record: dict[str, Any] = {
        "project": project,
        "key": key,
        "instruction": "click the login button",
        "decision": kind,
        "confidence": 95.0,
        "scores": {"structural": 90.0, "visual": 95.0, "behavioural": 100.0, "context": 90.0},
        "reasons": [f"{kind} because of the test"],
        "selector": "#login",
        "duration_ms": duration_ms,
        "run_id": run_id,
        "at": now_iso(),
    }
    return record  # type: ignore[return-value]


# --- put / get / find ----------------------------------------------------------------


async def test_put_stores_version_one_with_statistics_owned_by_the_store(
    stores: StoreUnderTest,
) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    stored = await store.put(make_element(project), change="created", actor="resolver")

    assert stored["version"] == 1
    assert stored["status"] == "active"
    assert (stored["stats"]["uses"], stored["stats"]["failures"]) == (0, 0)
    assert stored["stats"]["created_at"] == "2026-01-01T00:00:00+00:00"
    assert [s["kind"] for s in stored["selectors"]] == ["testid", "role", "css"]
    assert await store.get(project, "login-button") == stored


async def test_get_of_an_unknown_key_is_none(stores: StoreUnderTest) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    assert await store.get(project, "nothing-here") is None


async def test_find_returns_the_entry_for_the_exact_instruction(stores: StoreUnderTest) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    await store.put(make_element(project), change="created", actor="resolver")

    found = await store.find(project, "main", "/login", "", "click the login button")
    assert found is not None
    assert found["key"] == "login-button"


async def test_find_reuses_the_entry_for_a_near_identical_instruction(
    stores: StoreUnderTest,
) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    await store.put(make_element(project), change="created", actor="resolver")

    found = await store.find(project, "main", "/login", "", "press the log in button")
    assert found is not None
    assert found["key"] == "login-button"


async def test_find_misses_other_pages_scopes_frames_and_other_elements(
    stores: StoreUnderTest,
) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    await store.put(make_element(project), change="created", actor="resolver")

    assert await store.find(project, "main", "/signup", "", "click the login button") is None
    assert await store.find(project, "feature-x", "/login", "", "click the login button") is None
    assert await store.find(project, "main", "/login", "frame#1", "click the login button") is None
    assert await store.find(project, "main", "/login", "", "click the sign up button") is None


async def test_an_entry_moved_to_another_route_is_found_only_there(
    stores: StoreUnderTest,
) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    await store.put(make_element(project), change="created", actor="resolver")
    await store.find(project, "main", "/login", "", "click the login button")  # warm a layer
    await store.put(make_element(project, route="/sign-in"), change="updated", actor="healing")

    assert await store.find(project, "main", "/login", "", "click the login button") is None
    moved = await store.find(project, "main", "/sign-in", "", "click the login button")
    assert moved is not None
    assert moved["version"] == 2


async def test_find_does_not_return_an_invalidated_entry(stores: StoreUnderTest) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    await store.put(make_element(project), change="created", actor="resolver")
    await store.find(project, "main", "/login", "", "click the login button")  # warm a layer
    await store.invalidate(project, "login-button", actor="person", reason="wrong element")

    assert await store.find(project, "main", "/login", "", "click the login button") is None
    invalidated = await store.get(project, "login-button")
    assert invalidated is not None
    assert invalidated["status"] == "invalidated"


# --- versions ------------------------------------------------------------------------


async def test_a_second_put_bumps_the_version_and_records_the_diff(
    stores: StoreUnderTest,
) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    await store.put(make_element(project), change="created", actor="resolver")
    healed = make_element(project, element_id="sign-in")
    stored = await store.put(healed, change="updated", actor="healing", reason="id renamed")

    assert stored["version"] == 2
    versions = await store.versions(project, "login-button")
    assert [(v["version"], v["change"], v["actor"]) for v in versions] == [
        (1, "created", "resolver"),
        (2, "updated", "healing"),
    ]
    diff = versions[1]["diff"]
    assert diff["fingerprint.attributes.id"] == {"old": "login", "new": "sign-in"}
    assert "stats" not in diff
    assert "version" not in diff
    assert versions[1]["reason"] == "id renamed"
    assert versions[1]["element"]["fingerprint"]["attributes"]["id"] == "sign-in"
    assert versions[0]["diff"]["key"] == {"old": None, "new": "login-button"}


async def test_an_update_keeps_statistics_and_a_revival_restarts_them(
    stores: StoreUnderTest,
) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    await store.put(make_element(project), change="created", actor="resolver")
    await store.record_outcome(project, "login-button", success=True)
    updated = await store.put(make_element(project), change="updated", actor="healing")
    assert updated["stats"]["uses"] == 1

    await store.invalidate(project, "login-button", actor="person", reason="check it")
    revived = await store.put(make_element(project), change="updated", actor="resolver")
    assert revived["status"] == "active"
    assert revived["stats"]["uses"] == 0
    assert revived["version"] == 4


async def test_concurrent_writes_of_a_new_entry_all_land_as_versions(
    stores: StoreUnderTest,
) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    writes = [
        store.put(make_element(project, element_id=f"id-{i}"), change="updated", actor="healing")
        for i in range(5)
    ]
    results = await asyncio.gather(*writes)

    assert sorted(r["version"] for r in results) == [1, 2, 3, 4, 5]
    versions = await store.versions(project, "login-button")
    assert [v["version"] for v in versions] == [1, 2, 3, 4, 5]
    final = await store.get(project, "login-button")
    assert final is not None
    assert final["version"] == 5


# --- outcomes and automatic invalidation ---------------------------------------------


async def test_record_outcome_counts_uses_successes_and_failures(
    stores: StoreUnderTest,
) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    await store.put(make_element(project), change="created", actor="resolver")
    await store.record_outcome(project, "login-button", success=True)
    after = await store.record_outcome(project, "login-button", success=False)

    assert (after["stats"]["uses"], after["stats"]["successes"], after["stats"]["failures"]) == (
        2,
        1,
        1,
    )
    assert after["stats"]["last_used_at"] is not None
    assert after["status"] == "active"  # below the minimum number of uses
    assert after["version"] == 1  # statistics are not versions


async def test_an_entry_below_seventy_percent_success_is_invalidated(
    stores: StoreUnderTest,
) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    await store.put(make_element(project), change="created", actor="resolver")
    for success in (True, False, False):
        after = await store.record_outcome(project, "login-button", success=success)

    assert after["status"] == "invalidated"
    assert after["version"] == 2
    last = (await store.versions(project, "login-button"))[-1]
    assert (last["change"], last["actor"]) == ("invalidated", "system")
    assert "33%" in last["reason"]
    assert last["diff"]["status"] == {"old": "active", "new": "invalidated"}


async def test_an_entry_at_seventy_percent_success_stays_active(stores: StoreUnderTest) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    await store.put(make_element(project), change="created", actor="resolver")
    for success in [True] * 7 + [False] * 3:
        after = await store.record_outcome(project, "login-button", success=success)

    assert after["stats"]["uses"] == 10
    assert after["status"] == "active"


async def test_outcome_and_invalidate_of_an_unknown_key_raise(stores: StoreUnderTest) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    with pytest.raises(UnknownElement):
        await store.record_outcome(project, "missing", success=True)
    with pytest.raises(UnknownElement):
        await store.invalidate(project, "missing", actor="person", reason="")


async def test_invalidate_writes_a_version_by_its_actor(stores: StoreUnderTest) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    await store.put(make_element(project), change="created", actor="resolver")
    await store.invalidate(project, "login-button", actor="person", reason="acts on the wrong row")

    last = (await store.versions(project, "login-button"))[-1]
    assert (last["version"], last["change"], last["actor"], last["reason"]) == (
        2,
        "invalidated",
        "person",
        "acts on the wrong row",
    )


# --- listing, audit, statistics ------------------------------------------------------


async def test_list_elements_filters_by_route_and_status(stores: StoreUnderTest) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    await store.put(make_element(project, "a"), change="created", actor="resolver")
    await store.put(make_element(project, "b", route="/cart"), change="created", actor="resolver")
    await store.put(make_element(project, "c", route="/cart"), change="created", actor="resolver")
    await store.invalidate(project, "c", actor="person", reason="")

    assert [e["key"] for e in await store.list_elements(project)] == ["a", "b", "c"]
    assert [e["key"] for e in await store.list_elements(project, route="/cart")] == ["b", "c"]
    cart_active = await store.list_elements(project, route="/cart", status="active")
    assert [e["key"] for e in cart_active] == ["b"]
    assert [e["key"] for e in await store.list_elements(project, status="invalidated")] == ["c"]


async def test_decisions_are_audited_in_order_and_filtered_by_key(stores: StoreUnderTest) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    await store.record_decision(decision(project, "a", "resolver", 900.0))
    await store.record_decision(decision(project, "b", "cache_hit", 3.0))
    await store.record_decision(decision(project, "a", "cache_hit_verified", 5.0))

    everything = await store.decisions(project)
    assert [(d["key"], d["decision"]) for d in everything] == [
        ("a", "resolver"),
        ("b", "cache_hit"),
        ("a", "cache_hit_verified"),
    ]
    assert everything[0]["scores"] == {
        "structural": 90.0,
        "visual": 95.0,
        "behavioural": 100.0,
        "context": 90.0,
    }
    assert everything[0]["reasons"] == ["resolver because of the test"]
    only_a = await store.decisions(project, "a")
    assert [d["decision"] for d in only_a] == ["resolver", "cache_hit_verified"]


async def test_rivals_and_decision_evidence_persist_in_every_store(
    stores: StoreUnderTest,
) -> None:
    """Issue #12: the rivals of an entry and the evidence of a decision are fields of the
    stored JSON document, so every store keeps them without a migration."""
    project = unique("p")
    store = await stores.for_project(project)
    element = make_element(project)
    element["rivals"] = [
        {
            "tag": "button",
            "role": "button",
            "name": "Continue as guest",
            "attributes": {"id": "guest", "value": "never stored"},
            "bbox": {"x": 1.0, "y": 2.0, "width": 3.0, "height": 4.0},
        }
    ]
    stored = await store.put(element, change="created", actor="resolver")
    assert stored["rivals"][0]["name"] == "Continue as guest"
    assert "value" not in stored["rivals"][0]["attributes"]
    again = await store.get(project, element["key"])
    assert again is not None
    assert again["rivals"] == stored["rivals"]

    record = decision(project, element["key"], "failed", 4.0)
    record["evidence"] = {
        "verdict": "refused",
        "by": ["'Continue as guest' stood beside 'Log in' when this step was learnt"],
        "rival": "'Continue as guest' stood beside 'Log in' when this step was learnt",
    }
    await store.record_decision(record)
    (audited,) = await store.decisions(project, element["key"])
    assert audited["evidence"] == record["evidence"]


async def test_stats_give_hit_rate_heals_resolver_calls_and_time_saved(
    stores: StoreUnderTest,
) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    await store.put(make_element(project), change="created", actor="resolver")
    for kind, ms in [
        ("resolver", 1000.0),
        ("resolver", 3000.0),
        ("cache_hit", 2.0),
        ("cache_hit", 2.0),
        ("cache_hit_verified", 8.0),
        ("healed", 40.0),
        ("failed", 100.0),
    ]:
        await store.record_decision(decision(project, "login-button", kind, ms))

    stats = await store.stats(project)
    assert stats == {
        "entries": 1,
        "lookups": 7,
        "hits": 3,
        "heals": 1,
        "resolver_calls": 2,
        "failures": 1,
        "hit_rate": pytest.approx(3 / 7),
        "time_saved_ms": pytest.approx(4 * 2000.0),  # 3 hits + 1 heal x mean resolver time
    }


async def test_stats_of_an_empty_project_are_zero(stores: StoreUnderTest) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    stats = await store.stats(project)
    assert (stats["entries"], stats["lookups"], stats["hit_rate"], stats["time_saved_ms"]) == (
        0,
        0,
        0.0,
        0.0,
    )


# --- isolation and secrets -----------------------------------------------------------


async def test_the_same_key_under_two_projects_never_crosses(stores: StoreUnderTest) -> None:
    alpha, beta = unique("alpha"), unique("beta")
    store_a, store_b = await stores.for_project(alpha), await stores.for_project(beta)
    await store_a.put(
        make_element(alpha, element_id="alpha-login"), change="created", actor="resolver"
    )
    await store_b.put(
        make_element(beta, element_id="beta-login"), change="created", actor="resolver"
    )
    await store_b.invalidate(beta, "login-button", actor="person", reason="beta only")
    await store_a.record_decision(decision(alpha, "login-button", "cache_hit", 1.0))

    a = await store_a.get(alpha, "login-button")
    assert a is not None
    assert a["fingerprint"]["attributes"]["id"] == "alpha-login"
    assert a["status"] == "active"
    assert a["version"] == 1
    found = await store_a.find(alpha, "main", "/login", "", "click the login button")
    assert found is not None
    assert found["project"] == alpha
    assert await store_b.find(beta, "main", "/login", "", "click the login button") is None
    assert [v["version"] for v in await store_a.versions(alpha, "login-button")] == [1]
    assert [e["project"] for e in await store_b.list_elements(beta)] == [beta]
    assert await store_b.decisions(beta) == []
    assert (await store_b.stats(beta))["lookups"] == 0


async def test_secret_values_are_never_stored(stores: StoreUnderTest) -> None:
    project = unique("p")
    store = await stores.for_project(project)
    password = make_element(
        project,
        "password",
        instruction='type "hunter2" into the password field',
        method="fill",
        argument="hunter2",
        attributes={"type": "password", "value": "hunter2"},
    )
    variable = make_element(
        project,
        "email",
        instruction="type %email% into the e-mail field",
        method="fill",
        argument="bob@example.com",  # the variable's value, substituted by the engine
        attributes={"type": "email", "value": "bob@example.com"},
    )
    placeholder = make_element(
        project,
        "pin",
        instruction="type %pin% into the pin field",
        method="fill",
        argument="%pin%",
        attributes={"type": "password"},
    )
    literal = make_element(
        project,
        "colour",
        instruction='select "Dark red" from the colour list',
        method="select",
        argument="Dark red",
    )
    for element in (password, variable, placeholder, literal):
        await store.put(element, change="created", actor="resolver")

    stored_password = await store.get(project, "password")
    stored_variable = await store.get(project, "email")
    stored_placeholder = await store.get(project, "pin")
    stored_literal = await store.get(project, "colour")
    assert stored_password is not None
    assert stored_variable is not None
    assert stored_placeholder is not None
    assert stored_literal is not None
    assert stored_password["action"].get("argument") is None
    assert "value" not in stored_password["fingerprint"]["attributes"]
    assert stored_password["instruction"] == 'type "***" into the password field'
    assert stored_variable["action"].get("argument") is None
    assert "value" not in stored_variable["fingerprint"]["attributes"]
    assert stored_placeholder["action"].get("argument") == "%pin%"
    assert stored_literal["action"].get("argument") == "Dark red"
    everything = json.dumps(
        [await store.list_elements(project)]
        + [await store.versions(project, k) for k in ("password", "email", "pin", "colour")]
    )
    assert "hunter2" not in everything
    assert "bob@example.com" not in everything


# --- the HTTP store's token scoping --------------------------------------------------


def _http_store(app: FastAPI, token: str) -> HttpStore:
    return HttpStore("http://testserver", token, transport=httpx.ASGITransport(app))


async def test_a_run_token_cannot_reach_another_project(cache_app: FastAPI) -> None:
    alpha, beta = unique("alpha"), unique("beta")
    store_b = _http_store(cache_app, await issue_token(cache_app, beta))
    await store_b.put(make_element(beta), change="created", actor="resolver")
    store_a = _http_store(cache_app, await issue_token(cache_app, alpha))
    try:
        for call in (
            store_a.get(beta, "login-button"),
            store_a.find(beta, "main", "/login", "", "click the login button"),
            store_a.list_elements(beta),
            store_a.versions(beta, "login-button"),
            store_a.decisions(beta),
            store_a.stats(beta),
            store_a.record_outcome(beta, "login-button", success=False),
            store_a.invalidate(beta, "login-button", actor="person", reason="x"),
            store_a.put(make_element(beta), change="updated", actor="resolver"),
        ):
            with pytest.raises(HttpStoreError) as failure:
                await call
            assert (failure.value.status, failure.value.error) == (403, "forbidden")
        untouched = await store_b.get(beta, "login-button")
        assert untouched is not None
        assert untouched["version"] == 1
        assert untouched["stats"]["uses"] == 0
    finally:
        await store_a.close()
        await store_b.close()


async def test_a_token_cannot_write_an_element_of_another_project(cache_app: FastAPI) -> None:
    alpha, beta = unique("alpha"), unique("beta")
    token = await issue_token(cache_app, alpha)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(cache_app), base_url="http://testserver"
    ) as client:
        response = await client.put(
            f"/api/cache/projects/{alpha}/element",
            headers={"Authorization": f"Bearer {token}"},
            json={"element": make_element(beta), "change": "created", "actor": "resolver"},
        )
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


@pytest.mark.parametrize(
    ("header", "error"),
    [
        (None, "unauthorized"),
        ("Bearer tbr_not-a-real-token", "invalid_token"),
        ("Bearer something-else", "invalid_token"),
    ],
)
async def test_requests_without_a_valid_token_are_refused(
    cache_app: FastAPI, header: str | None, error: str
) -> None:
    headers = {"Authorization": header} if header else {}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(cache_app), base_url="http://testserver"
    ) as client:
        response = await client.get("/api/cache/projects/p/stats", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == error
    assert body["message"]
    assert response.headers["www-authenticate"] == "Bearer"


async def test_expired_and_revoked_tokens_are_refused(cache_app: FastAPI) -> None:
    from backend.runs.tokens import revoke_run_tokens

    project = unique("p")
    expired = await issue_token(cache_app, project, ttl=timedelta(microseconds=1))
    revoked = await issue_token(cache_app, project, run_id="run-1")
    async with cache_app.state.db.session() as session:
        assert await revoke_run_tokens(session, "run-1") == 1
    for token in (expired, revoked):
        store = _http_store(cache_app, token)
        try:
            with pytest.raises(HttpStoreError) as failure:
                await store.stats(project)
            assert (failure.value.status, failure.value.error) == (401, "invalid_token")
        finally:
            await store.close()


async def test_tokens_are_stored_only_as_hashes(cache_app: FastAPI) -> None:
    token = await issue_token(cache_app, unique("p"))
    async with cache_app.state.db.session() as session:
        rows = (await session.scalars(select(RunToken))).all()
    assert rows
    assert all(token not in (r.token_hash, r.project, r.run_id) for r in rows)
    assert any(len(r.token_hash) == 64 for r in rows)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("action", {"method": "explode"}, "action.method"),
        ("key", "k" * 256, "key: at most 255"),
        ("selectors", [{"kind": "magic", "value": "x"}], "selectors: kind"),
        ("version", "one", "version"),
    ],
)
async def test_the_api_answers_a_bad_element_with_a_validation_error(
    cache_app: FastAPI, field: str, value: Any, message: str
) -> None:
    project = unique("p")
    token = await issue_token(cache_app, project)
    element: dict[str, Any] = dict(make_element(project))
    element[field] = value
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(cache_app), base_url="http://testserver"
    ) as client:
        response = await client.put(
            f"/api/cache/projects/{project}/element",
            headers={"Authorization": f"Bearer {token}"},
            json={"element": element, "change": "created", "actor": "resolver"},
        )
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert message in response.json()["message"]


async def test_the_api_answers_a_bad_decision_with_a_validation_error(cache_app: FastAPI) -> None:
    project = unique("p")
    token = await issue_token(cache_app, project)
    record: dict[str, Any] = dict(decision(project, "k", "guessed", 1.0))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(cache_app), base_url="http://testserver"
    ) as client:
        response = await client.post(
            f"/api/cache/projects/{project}/decisions",
            headers={"Authorization": f"Bearer {token}"},
            json=record,
        )
    assert response.status_code == 422
    assert response.json()["message"].startswith("decision: one of")


async def test_decisions_posted_with_a_run_token_carry_its_run(cache_app: FastAPI) -> None:
    project = unique("p")
    store = _http_store(cache_app, await issue_token(cache_app, project, run_id="run-42"))
    try:
        await store.record_decision(decision(project, "k", "cache_hit", 1.0, run_id="forged"))
        assert [d["run_id"] for d in await store.decisions(project)] == ["run-42"]
    finally:
        await store.close()


# --- personal data masking and the factory -------------------------------------------


async def test_personal_data_is_masked_when_configured(tmp_path: Path) -> None:
    project = unique("p")
    element = make_element(project, text="Signed in as ann.lee@example.com")
    element["fingerprint"]["neighbour_text"] = "Call +44 20 7946 0958, order 123456789"
    element["selectors"].append({"kind": "text", "value": 'text="ann.lee@example.com"'})
    masked_store = await SqliteStore.open(
        tmp_path / "masked.db", StorePolicy(mask_personal_data=True)
    )
    plain_store = await SqliteStore.open(tmp_path / "plain.db")
    try:
        masked = await masked_store.put(element, change="created", actor="resolver")
        plain = await plain_store.put(element, change="created", actor="resolver")
    finally:
        await masked_store.close()
        await plain_store.close()

    assert masked["fingerprint"]["text"] == "Signed in as [email]"
    assert masked["fingerprint"]["neighbour_text"] == "Call [phone], order [number]"
    # selectors holding the address (role name, text) are not kept: masked they match nothing
    assert [s["kind"] for s in masked["selectors"]] == ["testid", "css"]
    assert plain["fingerprint"]["text"] == "Signed in as ann.lee@example.com"
    assert len(plain["selectors"]) == 4


async def test_open_store_chooses_the_store_by_url(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    postgres_url = "postgresql://postgres@127.0.0.1:5432/postgres"
    cases: list[tuple[str, type]] = [
        ("sqlite", SqliteStore),
        (f"sqlite:///{tmp_path / 'other.db'}", SqliteStore),
        (f"memory+sqlite:///{tmp_path / 'layered.db'}", LayeredStore),
        ("memory", LayeredStore),
        (postgres_url, DatabaseStore),
        (f"{REDIS_URL}?prefix=unit-test", RedisStore),
    ]
    for url, kind in cases:
        store = await open_store(url, settings)
        try:
            assert isinstance(store, kind), url
        finally:
            await store.close()
    assert (tmp_path / "data" / "cache" / "cache.db").exists()  # "sqlite": the data dir's file
    redis = await open_store(f"{REDIS_URL}?prefix=unit-test", settings)
    assert isinstance(redis, RedisStore)
    assert redis.prefix == "unit-test"
    await redis.close()
    http = await open_store("http://127.0.0.1:8000", settings, token="tbr_x")
    assert isinstance(http, HttpStore)
    await http.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mongodb://localhost/cache", "unknown cache store"),
        ("memory+", "needs a backing store"),
        ("http://127.0.0.1:8000", "needs a run token"),
    ],
)
async def test_open_store_explains_what_is_wrong(
    url: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TESTABLE_RUN_TOKEN", raising=False)
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    with pytest.raises(StoreError, match=message):
        await open_store(url, settings)


# --- the in-memory layer -------------------------------------------------------------


async def test_the_memory_layer_preloads_one_projects_active_entries(tmp_path: Path) -> None:
    project, other = unique("p"), unique("other")
    writer = await SqliteStore.open(tmp_path / "cache.db")
    layered = LayeredStore(await SqliteStore.open(tmp_path / "cache.db"))
    try:
        for key in ("a", "b", "c"):
            await writer.put(make_element(project, key), change="created", actor="resolver")
        await writer.put(make_element(other, "a"), change="created", actor="resolver")
        await writer.invalidate(project, "c", actor="person", reason="")

        assert await layered.preload(project) == 2
        # Answered from memory: another session's later change is not seen until this
        # session writes the entry itself (the session-start snapshot).
        await writer.invalidate(project, "a", actor="person", reason="")
        snapshot = await layered.find(project, "main", "/login", "", "click the login button")
        assert snapshot is not None
        assert (snapshot["key"], snapshot["status"]) == ("a", "active")
        stored = await writer.get(project, "a")
        assert stored is not None
        assert stored["status"] == "invalidated"
    finally:
        await writer.close()
        await layered.close()


async def test_the_memory_layer_hands_out_copies(tmp_path: Path) -> None:
    project = unique("p")
    layered = LayeredStore(await SqliteStore.open(tmp_path / "cache.db"))
    try:
        await layered.put(make_element(project), change="created", actor="resolver")
        first = await layered.get(project, "login-button")
        assert first is not None
        first["selectors"].clear()
        again = await layered.get(project, "login-button")
        assert again is not None
        assert len(again["selectors"]) == 3
    finally:
        await layered.close()
