"""Report pages and their access: signed links for members, revocable share links for
anyone holding one, nothing for another organisation; masked; artifacts served safely."""

from __future__ import annotations

import hashlib
import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from backend.auth.models import User
from backend.reports.links import issue_report_token
from backend.reports.models import ReportShare
from tests.reports.helpers import SECRET, add_artifact, add_secret, finished_run
from tests.runs.helpers import Api, signed_in_api

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture
async def api(client: httpx.AsyncClient) -> Api:
    return await signed_in_api(client, "owner@example.com")


@pytest.fixture
async def stranger(client: httpx.AsyncClient) -> Api:
    return await signed_in_api(client, "stranger@example.com")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def report_url(api: Api, run_id: uuid.UUID) -> str:
    response = await api.client.post(f"/api/runs/{run_id}/report-link", headers=api.headers)
    assert response.status_code == 200, response.text
    return path_of(response.json()["url"])


async def test_a_member_opens_the_report_through_a_signed_link(app: FastAPI, api: Api) -> None:
    project = await api.project("file:///nowhere")
    await add_secret(app, project["id"], "SHOP_TOKEN", SECRET)
    run_id = await finished_run(app, project["id"])
    shot = await add_artifact(
        app, run_id, "checkout.png", PNG, kind="screenshot", content_type="image/png"
    )
    await add_artifact(
        app,
        run_id,
        "output.log",
        f"starting\nusing token {SECRET}\n".encode(),
        kind="log",
        content_type="text/plain; charset=utf-8",
    )

    url = await report_url(api, run_id)
    page = await api.client.get(url)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "tests/test_shop.py::test_checkout" in html
    assert "tests/test_shop.py:27" in html  # file and line from the traceback
    assert "click the buy button" in html  # a step, with its cache decision
    assert "cache_hit" in html
    assert "96 %" in html  # its confidence
    assert "using token ***" in html  # the log, masked
    assert SECRET not in html
    token = url.split("?t=", 1)[1]
    shot_url = f"/reports/{run_id}/artifacts/{shot}?t={token}"
    assert f'src="{shot_url}"' in html  # screenshots inline, with the same credential
    image = await api.client.get(shot_url)
    assert image.status_code == 200
    assert image.content == PNG
    assert image.headers["content-disposition"].startswith("inline")


async def test_the_page_needs_a_valid_link_for_this_run(app: FastAPI, api: Api) -> None:
    project = await api.project("file:///nowhere")
    run_id = await finished_run(app, project["id"])
    other_run = await finished_run(app, project["id"])
    url = await report_url(api, other_run)
    token = url.split("?t=", 1)[1]

    without = await api.client.get(f"/reports/{run_id}")
    forged = await api.client.get(f"/reports/{run_id}?t=not-a-token")
    wrong_run = await api.client.get(f"/reports/{run_id}?t={token}")

    assert without.status_code == 401
    assert "Sign in" in without.text
    assert forged.status_code == 401
    assert wrong_run.status_code == 401
    assert "test_checkout" not in wrong_run.text


async def test_another_organisation_gets_404_everywhere(
    app: FastAPI, api: Api, stranger: Api
) -> None:
    project = await api.project("file:///nowhere")
    run_id = await finished_run(app, project["id"])
    # A link the stranger could only have by theft still needs membership when used.
    async with app.state.db.session(read_only=True) as session:
        stranger_user = await session.scalar(
            select(User.id).where(User.email == "stranger@example.com")
        )
    assert stranger_user is not None
    stolen = issue_report_token(app.state.keyring, run_id, stranger_user)
    calls = [
        ("GET", f"/api/runs/{run_id}/deliveries"),
        ("POST", f"/api/runs/{run_id}/share"),
        ("DELETE", f"/api/runs/{run_id}/share"),
        ("POST", f"/api/runs/{run_id}/report-link"),
        ("POST", f"/api/runs/{run_id}/deliver"),
        ("POST", f"/api/runs/{run_id}/deliveries/{uuid.uuid4()}/redeliver"),
    ]
    for method, path in calls:
        response = await stranger.client.request(method, path, headers=stranger.headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"] == "not_found"
    page = await stranger.client.get(f"/reports/{run_id}?t={stolen}")
    assert page.status_code == 404
    assert "test_checkout" not in page.text


async def test_a_share_link_opens_the_report_until_it_is_revoked(
    app: FastAPI, api: Api, client: httpx.AsyncClient
) -> None:
    project = await api.project("file:///nowhere")
    run_id = await finished_run(app, project["id"])
    report = await add_artifact(
        app,
        run_id,
        "report.html",
        b"<script>alert(1)</script>",
        kind="html_report",
        content_type="text/html; charset=utf-8",
    )

    response = await api.client.post(f"/api/runs/{run_id}/share", headers=api.headers)
    assert response.status_code == 201, response.text
    share = response.json()
    token = share["token"]
    assert len(token) >= 40
    assert share["url"].endswith(f"/reports/s/{token}")
    async with app.state.db.session(read_only=True) as session:
        stored = (await session.scalars(select(ReportShare.token_hash))).one()
    assert stored == hashlib.sha256(token.encode()).hexdigest()

    anonymous = await client.get(f"/reports/s/{token}")  # no Authorization header at all
    assert anonymous.status_code == 200
    assert "tests/test_shop.py::test_checkout" in anonymous.text
    assert 'id="deliveries"' not in anonymous.text  # internal details stay internal
    download = await client.get(f"/reports/s/{token}/artifacts/{report}")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    assert (await client.get(f"/reports/s/{token[:-2]}xx")).status_code == 404

    revoked = await api.client.delete(f"/api/runs/{run_id}/share", headers=api.headers)
    assert revoked.json() == {"revoked": 1}
    assert (await client.get(f"/reports/s/{token}")).status_code == 404
    assert (await client.get(f"/reports/s/{token}/artifacts/{report}")).status_code == 404


async def test_the_trace_viewer_is_served_from_the_playwright_package(
    client: httpx.AsyncClient,
) -> None:
    index = await client.get("/reports/trace-viewer/index.html")
    worker = await client.get("/reports/trace-viewer/sw.bundle.js")
    escape = await client.get("/reports/trace-viewer/..%2F..%2F__init__.py")

    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/html")
    assert index.headers["x-frame-options"] == "SAMEORIGIN"
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert escape.status_code == 404
