"""What the manager's history needs from a business day, kept beside the hall's fold. Pure code.

The hall's state says where every ticket and window is *now*; a report also needs what happened
between events: how long a window sat open and idle while people it could serve were waiting
(idle-while-queue), and each stretch a window was open or paused, by whom and why (open hours,
pause time by reason, a clerk's first sign-in and last sign-out). `DayTracker` is a part of the
`Hall`: it sees every event the hall folds, just before and just after the fold, and records
which tickets and windows the event touched so the service can write their history rows in the
same transaction as the event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .events import (
    DayClosed,
    Payload,
    TicketCalled,
    WindowClosed,
    WindowOpened,
    WindowPaused,
    WindowResumed,
)
from .hallconfig import HallConfig
from .state import HallState


@dataclass
class Span:
    """A stretch of one window in one state (open or paused), by one clerk. `end` is None while it lasts."""

    window: int
    start: float
    state: str
    clerk: str | None
    reason: str | None = None
    end: float | None = None


@dataclass
class Touched:
    """What the last folded event changed, for the history rows."""

    tickets: set[str] = field(default_factory=set)
    windows: set[int] = field(default_factory=set)  # their idle time or spans changed
    spans: list[Span] = field(default_factory=list)


class DayTracker:
    def __init__(self, config: HallConfig, state: HallState):
        self.state = state
        self.serves = {w.number: frozenset(w.serves) for w in config.windows}
        self.idle_s: dict[int, float] = {w.number: 0.0 for w in config.windows}
        self.spans: list[Span] = []
        self.current: dict[int, Span] = {}  # the span each window is in now
        self.clerk_of: dict[str, str | None] = {}  # ticket → the clerk signed in where it was (last) called
        self.waiting: dict[str, str] = {}  # waiting ticket → its category
        self.last_at: float | None = None
        self.touched = Touched()

    def before(self, payload: Payload, at: float) -> None:
        """Count the time since the last event for every window that was open, free and had
        someone waiting whom it serves. The day's closing is not a moment of the day: nothing
        after the day's last event counts."""
        if self.last_at is not None and not isinstance(payload, DayClosed):
            gap = max(0.0, at - self.last_at)
            if gap:
                categories = set(self.waiting.values())
                for number, ws in self.state.windows.items():
                    if ws.status == "open" and ws.current is None and categories & self.serves.get(number, frozenset()):
                        self.idle_s[number] += gap
                        self.touched.windows.add(number)
        if not isinstance(payload, DayClosed):
            self.last_at = at if self.last_at is None else max(self.last_at, at)

    def after(self, payload: Payload, data: dict[str, Any], at: float) -> None:
        """Note the tickets and windows the event changed (`data`: the event's stored form), and
        open or end window spans."""
        refs = [data.get("ticket"), (data.get("finished") or {}).get("ticket"),
                *(data.get("tickets") or ()), *(data.get("expired") or ()), *(data.get("overtaken") or ())]
        for ref in refs:
            if isinstance(ref, str) and ref in self.state.tickets:
                self.touched.tickets.add(ref)
                ticket = self.state.tickets[ref]
                if ticket.status == "waiting":
                    self.waiting[ref] = ticket.category
                else:
                    self.waiting.pop(ref, None)
        if isinstance(payload, TicketCalled):
            self.clerk_of[payload.ticket] = self.state.windows[payload.window].clerk
        if isinstance(payload, (WindowOpened, WindowPaused, WindowResumed, WindowClosed)):
            self._end_span(payload.window, at)
            ws = self.state.windows[payload.window]
            if ws.status in ("open", "paused"):
                span = Span(payload.window, at, ws.status, ws.clerk, ws.pause_reason)
                self.spans.append(span)
                self.current[payload.window] = span
                self.touched.spans.append(span)
        if isinstance(payload, DayClosed):  # a window left open ends with the day's last event
            for number in list(self.current):
                self._end_span(number, self.last_at if self.last_at is not None else at)

    def _end_span(self, window: int, at: float) -> None:
        span = self.current.pop(window, None)
        if span is not None:
            span.end = max(span.start, at)
            self.touched.spans.append(span)
            self.touched.windows.add(window)
