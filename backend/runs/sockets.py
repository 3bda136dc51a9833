"""WebSockets: ``/api/ws/runs/{run_id}`` (every event of one run) and
``/api/ws/projects/{project_id}`` (status changes and finished tests of a project's runs).

Protocol (Prefect's events socket is the model):

1. The client's first message authenticates:
   ``{"type": "auth", "token": "<access token>", "after": <last seq seen, optional>}``.
   Anything else, a bad token, or a run/project the user may not see: close 1008.
2. The server subscribes to live events FIRST, then backfills from the database (events
   with ``seq > after``), then forwards live events, dropping any it already sent (by
   sequence number) and filling gaps from the database. So a client that connects late,
   or reconnects with ``after``, sees every event exactly once, in order.
3. Messages: ``{"type": "event", "event": {run_id, project_id, seq, type, data, ts}}``,
   ``{"type": "progress", ...}`` (collected, done, counts, percent) after each change,
   ``{"type": "heartbeat", "ts"}`` when idle. The run socket closes (1000) once the run
   finished and everything was sent.

When the bus breaks (Redis restarted) the server re-subscribes and backfills again.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any, cast

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.security import HTTPAuthorizationCredentials
from loguru import logger
from starlette.websockets import WebSocketState

from backend.auth.deps import get_current_principal
from backend.auth.models import User
from backend.config import Settings
from backend.db import Database
from backend.events.bus import BusUnavailable, get_event_bus, project_channel, run_channel
from backend.kit.errors import TestableError
from backend.orgs.deps import check_org_role
from backend.orgs.models import Role
from backend.projects.models import Project
from backend.runs import service
from backend.runs.models import Run
from backend.runs.progress import Progress
from backend.runs.schemas import RunOut

router = APIRouter(tags=["events"])

POLICY_VIOLATION = 1008
AUTH_TIMEOUT_SECONDS = 10.0
RESUBSCRIBE_SECONDS = 1.0
_PROGRESS_EVENTS = ("run_status", "session_started", "test_finished")


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def _authenticate(websocket: WebSocket) -> tuple[User, int]:
    """The user and the ``after`` sequence number from the first message."""
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), AUTH_TIMEOUT_SECONDS)
        message = json.loads(raw)
    except (TimeoutError, ValueError) as exc:
        raise _Refused("the first message must be {'type': 'auth', 'token': ...}") from exc
    if not isinstance(message, dict) or message.get("type") != "auth":
        raise _Refused("the first message must be {'type': 'auth', 'token': ...}")
    token = message.get("token")
    after = message.get("after") or 0
    if not isinstance(token, str) or not token or not isinstance(after, int) or after < 0:
        raise _Refused("auth needs a token (string) and an optional 'after' (integer >= 0)")
    credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    try:
        # The REST dependency only reads ``app.state`` from the connection.
        principal = await get_current_principal(cast(Request, websocket), credentials)
    except TestableError as exc:
        raise _Refused(exc.message) from exc
    return principal.user, after


async def _allowed(database: Database, user: User, org_id: uuid.UUID) -> None:
    try:
        await check_org_role(database, user, org_id, Role.VIEWER)
    except TestableError as exc:
        raise _Refused("not found") from exc


async def _load_run(database: Database, run_id: uuid.UUID) -> tuple[Run, Project]:
    async with database.session(read_only=True) as session:
        run = await session.get(Run, run_id)
        project = await session.get(Project, run.project_id) if run is not None else None
        if run is None or project is None:
            raise _Refused("not found")
        session.expunge_all()
    return run, project


class _RunStream:
    def __init__(self, websocket: WebSocket, database: Database, run: Run, after: int) -> None:
        self.websocket = websocket
        self.database = database
        self.run = run
        self.last = after
        self.progress = Progress()

    async def prime(self) -> None:
        """Progress needs the whole history, even when the client resumes mid-run."""
        if self.last == 0:
            return
        async with self.database.session(read_only=True) as session:
            for message in await service.events_after(session, self.run, 0, limit=1_000_000):
                if message["seq"] > self.last:
                    break
                if message["type"] in _PROGRESS_EVENTS:
                    self.progress.feed(message)

    async def send(self, message: dict[str, Any]) -> None:
        seq = int(message["seq"])
        if seq <= self.last:
            return  # already sent (live copy of a backfilled event, or a duplicate)
        if seq > self.last + 1:
            await self.backfill(until=seq)  # the bus dropped some: the database has them
        self.last = seq
        await self.websocket.send_json({"type": "event", "event": message})
        if self.progress.feed(message):
            await self.websocket.send_json({"type": "progress", **self.progress.snapshot()})

    async def backfill(self, until: int | None = None) -> None:
        while True:
            async with self.database.session(read_only=True) as session:
                batch = await service.events_after(session, self.run, self.last, limit=1000)
            batch = [m for m in batch if until is None or m["seq"] < until]
            if not batch:
                return
            for message in batch:
                self.last = int(message["seq"])
                await self.websocket.send_json({"type": "event", "event": message})
                if self.progress.feed(message):
                    await self.websocket.send_json({"type": "progress", **self.progress.snapshot()})


@router.websocket("/api/ws/runs/{run_id}")
async def run_events(websocket: WebSocket, run_id: uuid.UUID) -> None:
    await websocket.accept()
    settings: Settings = websocket.app.state.settings
    database: Database = websocket.app.state.db
    try:
        user, after = await _authenticate(websocket)
        run, project = await _load_run(database, run_id)
        await _allowed(database, user, project.org_id)
    except _Refused as refused:
        await websocket.close(POLICY_VIOLATION, refused.reason[:120])
        return
    except WebSocketDisconnect:
        return
    stream = _RunStream(websocket, database, run, after)
    bus = get_event_bus(settings)
    try:
        await stream.prime()
        while not stream.progress.finished:
            try:
                async with bus.subscribe(run_channel(run_id)) as subscription:
                    await stream.backfill()
                    while not stream.progress.finished:
                        message = await subscription.get(settings.ws_heartbeat_seconds)
                        if message is None:
                            await websocket.send_json({"type": "heartbeat", "ts": time.time()})
                        else:
                            await stream.send(message)
            except BusUnavailable as exc:
                logger.warning("run {} socket: {}; re-subscribing", run_id, exc)
                await websocket.send_json({"type": "heartbeat", "ts": time.time()})
                await asyncio.sleep(RESUBSCRIBE_SECONDS)
        await websocket.close(1000)
    except WebSocketDisconnect:
        return
    except Exception:
        if websocket.client_state is WebSocketState.CONNECTED:
            await websocket.close(1011)
        raise


@router.websocket("/api/ws/projects/{project_id}")
async def project_events(websocket: WebSocket, project_id: uuid.UUID) -> None:
    await websocket.accept()
    settings: Settings = websocket.app.state.settings
    database: Database = websocket.app.state.db
    try:
        user, _ = await _authenticate(websocket)
        async with database.session(read_only=True) as session:
            project = await session.get(Project, project_id)
            if project is None:
                raise _Refused("not found")
            session.expunge(project)
        await _allowed(database, user, project.org_id)
    except _Refused as refused:
        await websocket.close(POLICY_VIOLATION, refused.reason[:120])
        return
    except WebSocketDisconnect:
        return
    bus = get_event_bus(settings)
    try:
        while True:
            try:
                async with bus.subscribe(project_channel(project_id)) as subscription:
                    async with database.session(read_only=True) as session:
                        runs, _ = await service.list_runs(session, project_id, limit=50)
                        # Serialise inside the session: leaving it expires the rows, and
                        # reading them afterwards raised DetachedInstanceError (issue #13).
                        snapshot = [RunOut.model_validate(r).model_dump(mode="json") for r in runs]
                    await websocket.send_json({"type": "runs", "runs": snapshot})
                    while True:
                        message = await subscription.get(settings.ws_heartbeat_seconds)
                        if message is None:
                            await websocket.send_json({"type": "heartbeat", "ts": time.time()})
                        else:
                            await websocket.send_json({"type": "event", "event": message})
            except BusUnavailable as exc:
                logger.warning("project {} socket: {}; re-subscribing", project_id, exc)
                await asyncio.sleep(RESUBSCRIBE_SECONDS)
    except WebSocketDisconnect:
        return
