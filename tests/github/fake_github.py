"""A local stand-in for GitHub's REST API, for tests: a threaded ``http.server`` on a free
port that the real httpx client talks to, recording every request.

It follows GitHub's contract where TestAble depends on it:

* ``POST /app/installations/{id}/access_tokens`` needs an App JWT (RS256, ``iss`` = the
  App id, ``exp - iat`` at most 10 minutes, not expired) and answers 201
  ``{"token", "expires_at"}``; anything else is 401.
* other endpoints need ``Authorization: Bearer <token>`` (or ``token <token>``) with a
  known personal access token or a minted installation token: 401 ``Bad credentials``
  otherwise, 404 ``Not Found`` for repositories the fake does not hold;
* ``GET /repos/{o}/{r}``, ``/branches?protected=true`` (paginated, ``per_page``/``page``),
  ``/actions/secrets`` (names only, as GitHub).

Other tests add endpoints with ``add_route`` (e.g. check runs or PR comments)::

    with FakeGitHub(app_id="42") as gh:
        gh.add_repo("octo/shop", protected=["main"])
        gh.add_route("POST", r"/repos/octo/shop/check-runs", lambda req: (201, {"id": 1}))
        settings.github_api_url = gh.url
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

JWT_MAX_LIFETIME = 600


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: Any

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")


Handler = Callable[[RecordedRequest], tuple[int, Any]]


@dataclass
class FakeRepo:
    full_name: str
    id: int
    default_branch: str = "main"
    private: bool = True
    branches: list[str] = field(default_factory=lambda: ["main"])
    protected: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    # Tokens that may see it (None: any known token).
    visible_to: set[str] | None = None


def generate_app_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@lru_cache(maxsize=1)
def shared_app_key() -> str:
    """One App key per test process (generating RSA keys is slow)."""
    return generate_app_key()


class FakeGitHub:
    def __init__(
        self, *, app_id: str = "4242", private_key: str | None = None, token_ttl: float = 3600
    ) -> None:
        self.app_id = app_id
        self.private_key = private_key or shared_app_key()
        loaded = serialization.load_pem_private_key(self.private_key.encode(), password=None)
        self.public_key = loaded.public_key()
        self.token_ttl = token_ttl
        self.repos: dict[str, FakeRepo] = {}
        self.personal_tokens: set[str] = set()
        self.installations: set[int] = set()
        self.minted: dict[str, int] = {}  # installation token -> installation id
        self.jwt_claims: list[dict[str, Any]] = []
        self.requests: list[RecordedRequest] = []
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- set-up

    def add_repo(self, full_name: str, **values: Any) -> FakeRepo:
        repo = FakeRepo(full_name=full_name, id=values.pop("id", 1000 + len(self.repos)), **values)
        self.repos[full_name.lower()] = repo
        return repo

    def add_route(self, method: str, pattern: str, handler: Handler) -> None:
        """An extra endpoint (checked before the built-in ones); ``pattern`` must match the
        whole path."""
        self.routes.append((method.upper(), re.compile(pattern), handler))

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeGitHub:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                request = RecordedRequest(
                    method=self.command,
                    path=parts.path,
                    query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                with fake._lock:
                    fake.requests.append(request)
                status, payload = fake.dispatch(request)
                data = json.dumps(payload).encode() if payload is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    # ----------------------------------------------------------------- behaviour

    def dispatch(self, request: RecordedRequest) -> tuple[int, Any]:
        for method, pattern, handler in self.routes:
            if method == request.method and pattern.fullmatch(request.path):
                return handler(request)
        minted = re.fullmatch(r"/app/installations/(\d+)/access_tokens", request.path)
        if minted and request.method == "POST":
            return self._mint(request, int(minted.group(1)))
        token = self._token(request)
        if token is None:
            return 401, {"message": "Bad credentials", "status": "401"}
        repo_path = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", request.path)
        if repo_path is None or request.method != "GET":
            return 404, {"message": "Not Found", "status": "404"}
        repo = self.repos.get(f"{repo_path.group(1)}/{repo_path.group(2)}".lower())
        if repo is None or (repo.visible_to is not None and token not in repo.visible_to):
            return 404, {"message": "Not Found", "status": "404"}
        rest = repo_path.group(3) or ""
        if rest == "":
            return 200, self._repo_json(repo)
        if rest == "/branches":
            names = repo.protected if request.query.get("protected") == "true" else repo.branches
            items = [
                {"name": n, "commit": {"sha": "0" * 40}, "protected": n in repo.protected}
                for n in names
            ]
            return 200, _page(items, request)
        if rest == "/actions/secrets":
            secrets = [
                {
                    "name": n,
                    "created_at": "2026-01-01T00:00:00Z",
                    "updated_at": "2026-01-01T00:00:00Z",
                }
                for n in repo.secrets
            ]
            return 200, {"total_count": len(secrets), "secrets": _page(secrets, request)}
        return 404, {"message": "Not Found", "status": "404"}

    def _token(self, request: RecordedRequest) -> str | None:
        header = request.authorization or ""
        scheme, _, value = header.partition(" ")
        if scheme.lower() not in ("bearer", "token") or not value:
            return None
        if value in self.personal_tokens or value in self.minted:
            return value
        return None

    def _mint(self, request: RecordedRequest, installation_id: int) -> tuple[int, Any]:
        header = request.authorization or ""
        if not header.startswith("Bearer "):
            return 401, {"message": "A JSON web token could not be decoded"}
        try:
            claims = jwt.decode(
                header.removeprefix("Bearer "),
                self.public_key,  # type: ignore[arg-type]
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"]},
                leeway=60,
            )
        except jwt.PyJWTError as exc:
            return 401, {"message": f"A JSON web token could not be decoded: {exc}"}
        self.jwt_claims.append(claims)
        if str(claims["iss"]) != self.app_id or claims["exp"] - claims["iat"] > JWT_MAX_LIFETIME:
            return 401, {"message": "'Expiration time' claim ('exp') is too far in the future"}
        if installation_id not in self.installations:
            return 404, {"message": "Not Found"}
        token = f"ghs_fake{len(self.minted):04d}{installation_id}"
        self.minted[token] = installation_id
        expires = datetime.fromtimestamp(time.time() + self.token_ttl, tz=UTC)
        return 201, {
            "token": token,
            "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "permissions": {"contents": "read", "checks": "write"},
            "repository_selection": "selected",
        }

    def _repo_json(self, repo: FakeRepo) -> dict[str, Any]:
        owner, name = repo.full_name.split("/")
        return {
            "id": repo.id,
            "name": name,
            "full_name": repo.full_name,
            "private": repo.private,
            "owner": {"login": owner},
            "default_branch": repo.default_branch,
            "clone_url": f"https://github.com/{repo.full_name}.git",
            "html_url": f"https://github.com/{repo.full_name}",
        }


def _page(items: list[Any], request: RecordedRequest) -> list[Any]:
    per_page = int(request.query.get("per_page", 30))
    page = int(request.query.get("page", 1))
    return items[(page - 1) * per_page : page * per_page]


def running_fake(**kwargs: Any) -> Iterator[FakeGitHub]:
    """For a pytest fixture: ``yield from running_fake(app_id="1")``."""
    fake = FakeGitHub(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()
