"""The error hierarchy every endpoint answers with: ``{"error", "message", "details"}``.

Services raise these; ``install_error_handlers`` turns them (and FastAPI's own validation
errors) into JSON with the right status, so no user mistake ever becomes a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from loguru import logger
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException


class ErrorBody(BaseModel):
    error: str
    message: str
    details: Any = None


class TestableError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        details: Any = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = dict(headers) if headers else None
        if code is not None:
            self.code = code


class BadRequest(TestableError):
    pass


class Unauthorized(TestableError):
    status_code = 401
    code = "unauthorized"


class Forbidden(TestableError):
    status_code = 403
    code = "forbidden"


class NotFound(TestableError):
    """Also answered for resources of another organisation, so ids never leak."""

    status_code = 404
    code = "not_found"


class Conflict(TestableError):
    status_code = 409
    code = "conflict"


class Gone(TestableError):
    status_code = 410
    code = "gone"


class PayloadTooLarge(TestableError):
    status_code = 413
    code = "payload_too_large"


class Unprocessable(TestableError):
    status_code = 422
    code = "validation_error"


class TooManyRequests(TestableError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(
            message,
            details={"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


class ServiceUnavailable(TestableError):
    status_code = 503
    code = "unavailable"


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(error=code, message=message, details=details)
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("body", "email") -> "email"; ("query", "token") -> "token"; only the first part
    # names where the value came from: a body field may itself be called "path".
    if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
        loc = loc[1:]
    return ".".join(str(p) for p in loc) or "body"


def validation_details(errors: list[Any]) -> list[dict[str, str]]:
    return [
        {"field": _field_name(tuple(e.get("loc", ()))), "message": str(e.get("msg", "invalid"))}
        for e in errors
    ]


def is_database_busy(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database is busy" in text


def is_refused_value(exc: DBAPIError) -> bool:
    """A DB-API "data error": the value itself is invalid for the column. asyncpg's
    errors reach SQLAlchemy's adapter as a generic ``Error``; the original one (e.g.
    ``CharacterNotInRepertoireError``, a ``DataError``) is its cause."""
    if isinstance(exc, DataError):
        return True
    cause = getattr(exc.orig, "__cause__", None)
    return any(klass.__name__ == "DataError" for klass in type(cause).__mro__)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TestableError)
    async def _testable(_: Request, exc: TestableError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(list(exc.errors()))
        first = details[0] if details else {"field": "body", "message": "invalid"}
        message = f"{first['field']}: {first['message']}"
        return error_response(422, "validation_error", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}
        code = codes.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), None, exc.headers)

    @app.exception_handler(OperationalError)
    async def _operational(_: Request, exc: OperationalError) -> JSONResponse:
        if is_database_busy(exc):
            return error_response(
                503,
                "database_busy",
                "The database is busy; retry in a moment.",
                headers={"Retry-After": "1"},
            )
        logger.exception("database error")
        return error_response(503, "database_unavailable", "The database is unavailable.")

    @app.exception_handler(DBAPIError)
    async def _dbapi(request: Request, exc: DBAPIError) -> JSONResponse:
        # The database refused a value the schemas let through (a NUL byte in text on
        # PostgreSQL, an integer out of a column's range): the client's input, not our
        # failure. Schemas should name the field first (backend.kit.text, .pagination);
        # this is the net under them. Anything else stays a 500.
        if not is_refused_value(exc):
            return await _unexpected(request, exc)
        logger.warning("database refused a value: {}", str(exc.orig)[:200])
        return error_response(
            422, "invalid_value", "A value cannot be stored (out of range or invalid characters)."
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.opt(exception=exc).error("unhandled error")
        return error_response(500, "internal_error", "Something went wrong on our side.")
