"""Typed errors raised by services; one handler per API version renders them (core/envelopes.py)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class AppError(Exception):
    """A refusal with a status and a reason a person can act on.

    ``code`` is the v2 ``error.code`` (Cal.com uses the NestJS exception class name).
    ``v1_body`` replaces the default v1 body ``{"message": …, "data": null}`` where Cal.com's
    v1 answers in another shape (its auth errors use ``{"error": …}``).
    """

    status: int = 500
    code: str = "InternalServerErrorException"

    def __init__(
        self,
        message: str,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
        v1_body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}
        self.v1_body = v1_body

    @property
    def reason_phrase(self) -> str:
        return HTTPStatus(self.status).phrase


class BadRequest(AppError):
    status, code = 400, "BadRequestException"


class Unauthorized(AppError):
    status, code = 401, "UnauthorizedException"


class Forbidden(AppError):
    status, code = 403, "ForbiddenException"


class NotFound(AppError):
    status, code = 404, "NotFoundException"


class MethodNotAllowed(AppError):
    status, code = 405, "MethodNotAllowedException"


class Conflict(AppError):
    status, code = 409, "ConflictException"


class PayloadTooLarge(AppError):
    status, code = 413, "PayloadTooLargeException"


class Unprocessable(AppError):
    status, code = 422, "UnprocessableEntityException"


class TooManyRequests(AppError):
    status, code = 429, "ThrottlerException"
