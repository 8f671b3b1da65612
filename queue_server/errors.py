"""The refusals a command can end in, shared by every part of the hall's state machine. What a
refusal means on the wire (an HTTP status) is the web layer's business (web/middleware.py)."""

from __future__ import annotations


class DomainError(Exception):
    """A command the hall refuses, with a code for programs and a message for people. What a
    refusal means on the wire (an HTTP status) is the web layer's business (web/middleware.py)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Conflict(DomainError):
    """The request is well-formed but the hall's state does not allow it now."""


class Invalid(DomainError):
    """The request names something that does not exist or breaks a rule."""


class NotFound(DomainError):
    """No such ticket, window, alert or item."""


class Forbidden(DomainError):
    """Authenticated, but this caller may not do this to this window or item."""
