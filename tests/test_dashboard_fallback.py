"""The exported dashboard answers only what no api route does."""

from pathlib import Path

import httpx
from fastapi import FastAPI

from backend.app import _serve_dashboard_when_no_route_matches
from backend.kit.errors import install_error_handlers


def _dashboard(tmp_path: Path) -> Path:
    (tmp_path / "runs").mkdir()
    (tmp_path / "index.html").write_text("<h1>home</h1>")
    (tmp_path / "runs" / "index.html").write_text("<h1>runs</h1>")
    (tmp_path / "404.html").write_text("<h1>lost</h1>")
    return tmp_path


async def test_pages_are_served_and_api_paths_keep_their_json_errors(tmp_path: Path) -> None:
    app = FastAPI()
    install_error_handlers(app)
    _serve_dashboard_when_no_route_matches(app, _dashboard(tmp_path))

    @app.post("/api/added-later")  # a route added after the dashboard still matches
    async def added_later() -> dict[str, bool]:
        return {"ok": True}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/")).text == "<h1>home</h1>"
        assert (await client.get("/runs/?id=1")).text == "<h1>runs</h1>"
        lost = await client.get("/no-such-page/")
        assert (lost.status_code, lost.text) == (404, "<h1>lost</h1>")
        api = await client.get("/api/nope")
        assert (api.status_code, api.json()["error"]) == (404, "not_found")
        assert (await client.post("/api/added-later")).json() == {"ok": True}
        wrong_method = await client.post("/no-such-page/")
        assert wrong_method.json()["error"] == "not_found"
