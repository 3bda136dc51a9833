"""``/api/cache/projects/{project}/…``: the element cache for test processes (the HTTP store).

Authenticated by a per-run token (``Authorization: Bearer tbr_…``). A token resolves to ONE
project and every call is scoped to it: a path naming another project is refused (403)
before any data is read. Element keys travel in the query or body, never in the path,
because a key may contain ``/``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from backend.cache.store.base import Actor, ChangeKind
from backend.cache.store.common import (
    STATUSES,
    UnknownElement,
    policy_from_settings,
    validate_decision,
    validate_element,
)
from backend.cache.store.postgres import DatabaseStore
from backend.db.deps import ReadSessionDep, SessionDep
from backend.kit.errors import Forbidden, NotFound, Unauthorized, Unprocessable
from backend.runs.tokens import RunTokenInfo, resolve_run_token

router = APIRouter(prefix="/api/cache/projects/{project}", tags=["cache"])

_bearer = HTTPBearer(auto_error=False, description="The run token (TESTABLE_RUN_TOKEN).")


async def run_token(
    project: str,
    session: ReadSessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> RunTokenInfo:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized(
            "A run token is required: send 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    info = await resolve_run_token(session, credentials.credentials)
    if info is None:
        raise Unauthorized(
            "The run token is unknown, expired or revoked.",
            code="invalid_token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if info.project != project:
        raise Forbidden(
            "This run token belongs to another project.",
            details={"project": project},
        )
    return info


RunTokenDep = Annotated[RunTokenInfo, Depends(run_token)]
KeyQuery = Annotated[str, Query(min_length=1, max_length=255)]


def _reader(request: Request, session: ReadSessionDep) -> DatabaseStore:
    return DatabaseStore.in_session(session, policy_from_settings(request.app.state.settings))


def _writer(request: Request, session: SessionDep) -> DatabaseStore:
    return DatabaseStore.in_session(session, policy_from_settings(request.app.state.settings))


ReaderDep = Annotated[DatabaseStore, Depends(_reader)]
WriterDep = Annotated[DatabaseStore, Depends(_writer)]


class PutBody(BaseModel):
    element: dict[str, Any]
    change: ChangeKind
    actor: Actor
    reason: str = Field(default="", max_length=2000)


class FindBody(BaseModel):
    scope: str
    route: str
    frame: str = ""
    instruction: str = Field(min_length=1)


class OutcomeBody(BaseModel):
    key: str = Field(min_length=1, max_length=255)
    success: bool


class InvalidateBody(BaseModel):
    key: str = Field(min_length=1, max_length=255)
    actor: Actor = "person"
    reason: str = Field(default="", max_length=2000)


def _unknown(key: str) -> NotFound:
    # Its own code: a client must tell "no such entry" from "no such endpoint".
    return NotFound(
        f"No cached element {key!r} in this project.", code="unknown_element", details={"key": key}
    )


@router.get("/element", response_model=None)
async def get_element(token: RunTokenDep, store: ReaderDep, key: KeyQuery) -> dict[str, Any]:
    element = await store.get(token.project, key)
    if element is None:
        raise _unknown(key)
    return dict(element)


@router.post("/find", response_model=None)
async def find_element(token: RunTokenDep, store: ReaderDep, body: FindBody) -> dict[str, Any]:
    element = await store.find(token.project, body.scope, body.route, body.frame, body.instruction)
    return {"element": dict(element) if element is not None else None}


@router.put("/element", response_model=None)
async def put_element(token: RunTokenDep, store: WriterDep, body: PutBody) -> dict[str, Any]:
    try:
        element = validate_element(body.element)
    except ValueError as exc:
        raise Unprocessable(str(exc), details=[{"field": "element", "message": str(exc)}]) from exc
    if element["project"] != token.project:
        raise Forbidden("The element belongs to another project than this run token.")
    stored = await store.put(element, change=body.change, actor=body.actor, reason=body.reason)
    return dict(stored)


@router.post("/element/outcome", response_model=None)
async def record_outcome(token: RunTokenDep, store: WriterDep, body: OutcomeBody) -> dict[str, Any]:
    try:
        element = await store.record_outcome(token.project, body.key, success=body.success)
    except UnknownElement as exc:
        raise _unknown(exc.key) from exc
    return dict(element)


@router.post("/element/invalidate", status_code=204)
async def invalidate_element(
    token: RunTokenDep, store: WriterDep, body: InvalidateBody
) -> Response:
    try:
        await store.invalidate(token.project, body.key, actor=body.actor, reason=body.reason)
    except UnknownElement as exc:
        raise _unknown(exc.key) from exc
    return Response(status_code=204)


@router.get("/elements", response_model=None)
async def list_elements(
    token: RunTokenDep,
    store: ReaderDep,
    route: str | None = None,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None,
) -> dict[str, Any]:
    elements = await store.list_elements(token.project, route=route, status=status)
    return {"elements": [dict(e) for e in elements]}


@router.get("/element/versions", response_model=None)
async def element_versions(token: RunTokenDep, store: ReaderDep, key: KeyQuery) -> dict[str, Any]:
    return {"versions": [dict(v) for v in await store.versions(token.project, key)]}


@router.post("/decisions", status_code=204)
async def record_decision(token: RunTokenDep, store: WriterDep, body: dict[str, Any]) -> Response:
    try:
        record = validate_decision(body)
    except ValueError as exc:
        raise Unprocessable(str(exc), details=[{"field": "decision", "message": str(exc)}]) from exc
    if record["project"] != token.project:
        raise Forbidden("The decision belongs to another project than this run token.")
    if token.run_id is not None:
        record["run_id"] = token.run_id  # the token knows the run better than the caller
    await store.record_decision(record)
    return Response(status_code=204)


@router.get("/decisions", response_model=None)
async def list_decisions(
    token: RunTokenDep, store: ReaderDep, key: str | None = None
) -> dict[str, Any]:
    return {"decisions": [dict(d) for d in await store.decisions(token.project, key)]}


@router.get("/stats", response_model=None)
async def cache_stats(token: RunTokenDep, store: ReaderDep) -> dict[str, Any]:
    return dict(await store.stats(token.project))
