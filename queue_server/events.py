"""Events and the errors a command can end in: shared by every part of the hall's state machine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class DomainError(Exception):
    """A command the hall refuses, with a code for programs and a message for people. What a
    refusal means on the wire (an HTTP status) is the web layer's business (web/app.py)."""

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


@dataclass
class Event:
    type: str
    at: float
    day: str
    data: dict[str, Any]
    actor: str = ""
    seq: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "type": self.type, "at": self.at, "day": self.day,
                "actor": self.actor, "data": self.data}
