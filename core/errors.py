"""One error vocabulary for actions; core.api maps it once onto HTTP statuses.

Every code has exactly one HTTP status, so a client that learns what `link_expired` means never
meets it under two statuses from two endpoints.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    """Stable, client-visible error codes, each bound to one HTTP status."""

    status: int

    def __new__(cls, value: str, status: int):
        member = str.__new__(cls, value)
        member._value_ = value
        member.status = status
        return member

    INVALID = "invalid", 400
    PERMISSION_DENIED = "permission_denied", 403
    NOT_FOUND = "not_found", 404
    TRANSITION_NOT_ALLOWED = "transition_not_allowed", 409
    CONFLICT = "conflict", 409
    UNPROCESSABLE = "unprocessable", 422
    NOT_CONFIGURED = "not_configured", 503
    # Business rules with a code of their own.
    CONDITIONS_NOT_MET = "conditions_not_met", 409
    DEPARTURE_EXISTS = "departure_exists", 409
    INTERVIEW_EXISTS = "interview_exists", 409
    STEP_EXISTS = "step_exists", 409
    STEP_BLOCKED = "step_blocked", 409
    ALREADY_ACCEPTED = "already_accepted", 409
    ANSWERS_READ_ONLY = "answers_read_only", 409
    SURVEY_ANSWERED = "survey_answered", 409
    SURVEY_CANCELLED = "survey_cancelled", 409
    PURGED = "purged", 409
    NO_FREE_SLOT = "no_free_slot", 422
    NO_INTERVIEWER = "no_interviewer", 422
    NO_OPEN_DEPARTURE = "no_open_departure", 422
    EMPLOYEE_INCOMPLETE = "employee_incomplete", 422
    INVALID_CREDENTIALS = "invalid_credentials", 400
    TOO_LARGE = "too_large", 413
    # Signed links in emails (core.links).
    LINK_INVALID = "link_invalid", 404
    LINK_EXPIRED = "link_expired", 410
    LINK_USED = "link_used", 409


class ApplicationError(Exception):
    """A business rule said no. `code` is stable and safe to show to clients; it fixes the status."""

    default_code = ErrorCode.INVALID

    def __init__(self, message: str = "", *, code: ErrorCode | None = None, fields: dict | None = None):
        self.message = message or (self.__class__.__doc__ or "").strip() or str(code or self.default_code)
        super().__init__(self.message)
        self.code: ErrorCode = code or self.default_code
        self.fields = fields or {}

    @property
    def status(self) -> int:
        return self.code.status


class InvalidInput(ApplicationError):
    """The input is not valid."""

    default_code = ErrorCode.INVALID


class PermissionDenied(ApplicationError):
    """You may not do this."""

    default_code = ErrorCode.PERMISSION_DENIED


class NotFound(ApplicationError):
    """Not found."""

    default_code = ErrorCode.NOT_FOUND


class TransitionNotAllowed(ApplicationError):
    """This action is not allowed in the current state."""

    default_code = ErrorCode.TRANSITION_NOT_ALLOWED


class Conflict(ApplicationError):
    """The request conflicts with the current state."""

    default_code = ErrorCode.CONFLICT


class Unprocessable(ApplicationError):
    """The request is well-formed but lacks what is needed to act on it."""

    default_code = ErrorCode.UNPROCESSABLE


class TooLarge(ApplicationError):
    """The request body is larger than this endpoint accepts."""

    default_code = ErrorCode.TOO_LARGE


class ConfigurationError(ApplicationError):
    """The server is not configured for this."""

    default_code = ErrorCode.NOT_CONFIGURED
