"""The OpenAPI document names each reporting destination's settings and marks the secret
ones: the dashboard reads which settings get a password input from it (not a list of its
own), so a new secret field of a reporter shows up there without a frontend change."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from backend.reports.registry import destination_types
from backend.workflows.secrets import secret_fields


async def test_destination_settings_and_their_secret_fields_are_in_the_schema(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    components = schema["components"]["schemas"]
    by_type = components["DestinationSettings"]["properties"]
    assert set(by_type) == {name for name, model in destination_types().items() if model}
    for name, model in destination_types().items():
        if model is None:
            continue
        document = components[by_type[name]["$ref"].split("/")[-1]]
        marked = {field for field, spec in document["properties"].items() if spec.get("secret")}
        assert marked == set(secret_fields(model)), name
    # The ones the editor shows as password inputs today.
    slack = components[by_type["slack"]["$ref"].split("/")[-1]]["properties"]
    assert slack["webhook_url"]["secret"] is True
    assert slack["bot_token"]["secret"] is True
    # The document is built once and kept (FastAPI's own caching still applies).
    assert app.openapi() is app.openapi()
