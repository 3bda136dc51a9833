"""``/api/auth``: the seed's endpoints, same paths, done properly.

Browser clients (the dashboard) get the refresh token also as an httpOnly cookie scoped
to ``/api/auth``; ``/refresh`` and ``/logout`` accept it from the body or the cookie.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials

from backend.auth.audit import AuditedSessionDep, AuditTrailDep, client_ip
from backend.auth.deps import CurrentPrincipal, CurrentUser, bearer_scheme, get_current_principal
from backend.auth.schemas import (
    Accepted,
    ChangePasswordRequest,
    EmailIn,
    LoginRequest,
    RefreshRequest,
    RegisterRequest,
    RegisterResponse,
    ResetPasswordRequest,
    SessionOut,
    StatusOut,
    TokenPair,
    UserOut,
)
from backend.auth.service import AuthService, Client
from backend.config import Settings
from backend.email.sender import MailerDep
from backend.kit.errors import TestableError, Unauthorized, error_response
from backend.kit.ratelimit import enforce, get_rate_limiter

REFRESH_COOKIE = "testable_refresh"
REFRESH_COOKIE_PATH = "/api/auth"

auth_router = APIRouter(prefix="/api/auth", tags=["auth"])


def get_auth_service(
    request: Request, session: AuditedSessionDep, audit: AuditTrailDep, mailer: MailerDep
) -> AuthService:
    return AuthService(
        session,
        settings=request.app.state.settings,
        keyring=request.app.state.keyring,
        audit=audit,
        mailer=mailer,
    )


AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


async def _limit(request: Request, action: str, account: str | None = None) -> None:
    """Per-IP and per-account limits of one action (429 + Retry-After beyond them)."""
    settings: Settings = request.app.state.settings
    limiter = get_rate_limiter(request)
    window = settings.rate_limit_window_seconds
    await enforce(
        limiter,
        f"{action}:ip",
        client_ip(request),
        limit=settings.rate_limit_per_ip,
        window_seconds=window,
    )
    if account:
        await enforce(
            limiter,
            f"{action}:account",
            account.strip().lower(),
            limit=settings.rate_limit_per_account,
            window_seconds=window,
        )


def _client(request: Request) -> Client:
    agent = request.headers.get("user-agent")
    return Client(ip=client_ip(request), user_agent=agent[:400] if agent else None)


def _set_refresh_cookie(request: Request, response: Response, token: str) -> None:
    settings: Settings = request.app.state.settings
    response.set_cookie(
        REFRESH_COOKIE,
        token,
        max_age=settings.refresh_token_ttl_days * 86_400,
        path=REFRESH_COOKIE_PATH,
        httponly=True,
        secure=settings.public_url.startswith("https://"),
        samesite="strict",
    )


def _clear_refresh_cookie(response: Response) -> None:
    response.delete_cookie(
        REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, httponly=True, samesite="strict"
    )


def _error(exc: TestableError) -> JSONResponse:
    return error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)


@auth_router.get("/health", response_model=StatusOut)
async def auth_health() -> StatusOut:
    return StatusOut(status="ok")


@auth_router.post("/register", status_code=201, response_model=RegisterResponse)
async def register(
    body: RegisterRequest, request: Request, service: AuthServiceDep
) -> RegisterResponse:
    """Creates the account and its personal organisation, and e-mails a verification link
    (valid 24 h). Sign-in is possible once the address is verified."""
    await _limit(request, "register", body.email)
    user = await service.register(body)
    return RegisterResponse(
        user=UserOut.model_validate(user),
        message="Account created. Open the link we e-mailed you to verify your address, "
        "then sign in.",
    )


@auth_router.get("/verify-email", response_model=StatusOut)
async def verify_email(
    request: Request,
    service: AuthServiceDep,
    token: Annotated[str, Query(min_length=1, max_length=512)],
) -> StatusOut:
    await _limit(request, "verify")
    await service.verify_email(token)
    return StatusOut(status="verified", message="Your e-mail address is verified; you can sign in.")


@auth_router.post("/resend-verification", status_code=202, response_model=Accepted)
async def resend_verification(body: EmailIn, request: Request, service: AuthServiceDep) -> Accepted:
    """Always 202, whether or not the account exists or is already verified."""
    await _limit(request, "verify", body.email)
    await service.resend_verification(body.email)
    return Accepted(message="If this address has an unverified account, a new link is on its way.")


@auth_router.post("/login", response_model=TokenPair)
async def login(
    body: LoginRequest, request: Request, response: Response, service: AuthServiceDep
) -> TokenPair:
    """403 ``email_not_verified`` for an unverified account with the right password."""
    await _limit(request, "login", body.email)
    tokens = await service.login(body.email, body.password, _client(request))
    _set_refresh_cookie(request, response, tokens.refresh_token)
    return tokens


@auth_router.post("/refresh", response_model=TokenPair)
async def refresh(
    request: Request,
    response: Response,
    service: AuthServiceDep,
    body: RefreshRequest | None = None,
) -> TokenPair | JSONResponse:
    """Rotates: the old refresh token stops working. Presenting it again ends the session."""
    token = (body.refresh_token if body else None) or request.cookies.get(REFRESH_COOKIE)
    if not token:
        raise Unauthorized(
            "Send the refresh token in the body (`refresh_token`) or its cookie.",
            code="missing_refresh_token",
        )
    outcome = await service.refresh(token)
    if outcome.error is not None:
        answer = _error(outcome.error)  # returned, not raised: the revocation must commit
        _clear_refresh_cookie(answer)
        return answer
    assert outcome.tokens is not None
    _set_refresh_cookie(request, response, outcome.tokens.refresh_token)
    return outcome.tokens


@auth_router.post("/logout", status_code=204)
async def logout(
    request: Request,
    service: AuthServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    body: RefreshRequest | None = None,
) -> Response:
    """Ends the session of the access token (``Authorization: Bearer``) or, without one, of
    the refresh token (body or cookie)."""
    refresh_token = (body.refresh_token if body else None) or request.cookies.get(REFRESH_COOKIE)
    if credentials is not None or not refresh_token:
        principal = await get_current_principal(request, credentials)
        await service.logout(principal.user.id, principal.session_id)
    else:
        await service.logout_with_refresh_token(refresh_token)
    answer = Response(status_code=204)
    _clear_refresh_cookie(answer)
    return answer


@auth_router.post("/forgot-password", status_code=202, response_model=Accepted)
async def forgot_password(body: EmailIn, request: Request, service: AuthServiceDep) -> Accepted:
    """Always 202: the answer never says whether an account exists."""
    await _limit(request, "forgot_password", body.email)
    await service.forgot_password(body.email)
    return Accepted(message="If an account uses this address, a reset link is on its way.")


@auth_router.post("/reset-password", response_model=StatusOut)
async def reset_password(
    body: ResetPasswordRequest, request: Request, service: AuthServiceDep
) -> StatusOut:
    """Single use, valid 1 h; signs the account out everywhere."""
    await _limit(request, "reset_password")
    await service.reset_password(body.token, body.new_password)
    return StatusOut(status="password_reset", message="Password changed; sign in again.")


@auth_router.post("/change-password", response_model=StatusOut)
async def change_password(
    body: ChangePasswordRequest, principal: CurrentPrincipal, service: AuthServiceDep
) -> StatusOut:
    """Keeps this session, ends all the others."""
    await service.change_password(
        principal.user.id, principal.session_id, body.current_password, body.new_password
    )
    return StatusOut(status="password_changed", message="Password changed; other sessions ended.")


@auth_router.get("/me", response_model=UserOut)
async def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@auth_router.get("/sessions", response_model=list[SessionOut])
async def list_sessions(principal: CurrentPrincipal, service: AuthServiceDep) -> list[SessionOut]:
    """Your active sessions; ``current`` marks the one making this request."""
    sessions = await service.list_sessions(principal.user.id)
    return [
        SessionOut.model_validate(s).model_copy(update={"current": s.id == principal.session_id})
        for s in sessions
    ]


@auth_router.delete("/sessions/{session_id}", status_code=204)
async def revoke_session(
    session_id: uuid.UUID, principal: CurrentPrincipal, service: AuthServiceDep
) -> Response:
    await service.revoke_session(principal.user.id, session_id)
    return Response(status_code=204)


router = auth_router
