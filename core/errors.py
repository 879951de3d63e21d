"""One error vocabulary for services; core.api maps it once onto HTTP statuses."""

from __future__ import annotations


class ApplicationError(Exception):
    """A business rule said no. `code` is stable and safe to show to clients."""

    code = "error"
    status = 400

    def __init__(self, message: str = "", *, code: str | None = None, fields: dict | None = None):
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        if code:
            self.code = code
        self.fields = fields or {}


class InvalidInput(ApplicationError):
    """The input is not valid."""

    code = "invalid"
    status = 400


class PermissionDenied(ApplicationError):
    """You may not do this."""

    code = "permission_denied"
    status = 403


class NotFound(ApplicationError):
    """Not found."""

    code = "not_found"
    status = 404


class TransitionNotAllowed(ApplicationError):
    """This action is not allowed in the current state."""

    code = "transition_not_allowed"
    status = 409


class Conflict(ApplicationError):
    """The request conflicts with the current state."""

    code = "conflict"
    status = 409


class Unprocessable(ApplicationError):
    """The request is well-formed but lacks what is needed to act on it."""

    code = "unprocessable"
    status = 422


class ConfigurationError(ApplicationError):
    """The server is not configured for this."""

    code = "not_configured"
    status = 503
