"""Events and the errors a command can end in: shared by every part of the hall's state machine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class DomainError(Exception):
    status = 409

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Conflict(DomainError):
    """The request is well-formed but the hall's state does not allow it now (HTTP 409)."""


class Invalid(DomainError):
    """The request names something that does not exist or breaks a rule (HTTP 422)."""

    status = 422


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    """Authenticated, but this caller may not do this to this window or item (HTTP 403)."""

    status = 403


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
