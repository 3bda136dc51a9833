import httpx


async def test_health_reports_database_and_version(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"]


async def test_unknown_route_answers_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/nope")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_security_headers_on_every_response(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]


async def test_oversized_body_gets_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", content=b"x" * (6 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
