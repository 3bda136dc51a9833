"""The store a test process uses: the api's ``/api/cache/projects/{project}/…`` endpoints
with the run's token, so the process never holds database credentials. The api applies the
shared semantics (versions, invalidation, no secrets) with its own database store.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import quote

import httpx

from backend.cache.records import CachedElement
from backend.cache.store.base import (
    Actor,
    CacheStats,
    ChangeKind,
    DecisionRecord,
    ElementVersion,
)
from backend.cache.store.common import StoreError, UnknownElement

DEFAULT_TIMEOUT_SECONDS = 10.0
UNKNOWN_ELEMENT = "unknown_element"  # the api's error code for a key it does not hold


class HttpStoreError(StoreError):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(f"cache api answered {status} {error}: {message}")
        self.status = status
        self.error = error


class HttpStore:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            transport=transport,
            timeout=timeout,
        )

    def _path(self, project: str, tail: str) -> str:
        return f"/api/cache/projects/{quote(project, safe='')}/{tail}"

    async def _call(
        self,
        method: str,
        project: str,
        tail: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
    ) -> httpx.Response:
        try:
            response = await self._client.request(
                method, self._path(project, tail), params=params, json=body
            )
        except httpx.HTTPError as exc:
            raise StoreError(f"cache api unreachable at {self._client.base_url}: {exc}") from exc
        if response.is_success:
            return response
        try:
            payload = response.json()
            error, message = str(payload["error"]), str(payload["message"])
        except (ValueError, KeyError, TypeError):
            error, message = "http_error", response.text[:200]
        raise HttpStoreError(response.status_code, error, message)

    async def get(self, project: str, key: str) -> CachedElement | None:
        try:
            response = await self._call("GET", project, "element", params={"key": key})
        except HttpStoreError as exc:
            if exc.error == UNKNOWN_ELEMENT:
                return None
            raise
        return cast(CachedElement, response.json())

    async def find(
        self, project: str, scope: str, route: str, frame: str, instruction: str
    ) -> CachedElement | None:
        body = {"scope": scope, "route": route, "frame": frame, "instruction": instruction}
        response = await self._call("POST", project, "find", body=body)
        return cast(CachedElement | None, response.json()["element"])

    async def put(
        self,
        element: CachedElement,
        *,
        change: ChangeKind,
        actor: Actor,
        reason: str = "",
    ) -> CachedElement:
        body = {"element": element, "change": change, "actor": actor, "reason": reason}
        response = await self._call("PUT", element["project"], "element", body=body)
        return cast(CachedElement, response.json())

    async def record_outcome(self, project: str, key: str, *, success: bool) -> CachedElement:
        try:
            response = await self._call(
                "POST", project, "element/outcome", body={"key": key, "success": success}
            )
        except HttpStoreError as exc:
            if exc.error == UNKNOWN_ELEMENT:
                raise UnknownElement(project, key) from exc
            raise
        return cast(CachedElement, response.json())

    async def invalidate(self, project: str, key: str, *, actor: Actor, reason: str) -> None:
        body = {"key": key, "actor": actor, "reason": reason}
        try:
            await self._call("POST", project, "element/invalidate", body=body)
        except HttpStoreError as exc:
            if exc.error == UNKNOWN_ELEMENT:
                raise UnknownElement(project, key) from exc
            raise

    async def list_elements(
        self, project: str, *, route: str | None = None, status: str | None = None
    ) -> list[CachedElement]:
        params = {
            name: value
            for name, value in (("route", route), ("status", status))
            if value is not None
        }
        response = await self._call("GET", project, "elements", params=params)
        return cast(list[CachedElement], response.json()["elements"])

    async def versions(self, project: str, key: str) -> list[ElementVersion]:
        response = await self._call("GET", project, "element/versions", params={"key": key})
        return cast(list[ElementVersion], response.json()["versions"])

    async def record_decision(self, record: DecisionRecord) -> None:
        await self._call("POST", record["project"], "decisions", body=record)

    async def decisions(self, project: str, key: str | None = None) -> list[DecisionRecord]:
        params = {"key": key} if key is not None else None
        response = await self._call("GET", project, "decisions", params=params)
        return cast(list[DecisionRecord], response.json()["decisions"])

    async def stats(self, project: str) -> CacheStats:
        response = await self._call("GET", project, "stats")
        return cast(CacheStats, response.json())

    async def close(self) -> None:
        await self._client.aclose()
