"""好差评 at the window: which service a rating belongs to, and who may give it. Pure code.

Every finished service (a ticket completed as served) opens one rating slot, bound to the
ticket, the window, the clerk signed in there and the matter. The window's review pad may fill
that slot once, with one of five levels; levels 1 and 2 (不满意, 非常不满意) are 差评 and ask for
reasons. A clerk can ask the pad to show the rating screen, but only a review device can rate —
the clerk can never rate for the citizen. A slot nobody fills stays 未评: there is no national
default rating, and a province's default (`[ratings] default_after_days`) is a different record
(`ratings_defaulted`, channel "system-default") that never counts as a citizen's rating.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .config import HallConfig
from .events import Conflict, Event, Invalid, NotFound

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
LEVELS_EN = {5: "very satisfied", 4: "satisfied", 3: "basically satisfied", 2: "dissatisfied", 1: "very dissatisfied"}
BAD = (1, 2)
CHANNELS = ("pad", "evaluator", "qr")


@dataclass
class RatingSlot:
    ticket: str
    number: str
    window: int
    clerk: str | None
    matter: str | None
    finished_at: float
    level: int | None = None
    channel: str | None = None
    reasons: tuple[str, ...] = ()
    text: str = ""
    rated_at: float | None = None
    default_level: int | None = None  # set by a province's rule after silence: never the citizen's rating


@dataclass
class RatingState:
    slots: dict[str, RatingSlot] = field(default_factory=dict)  # by ticket id
    requested: dict[int, str] = field(default_factory=dict)  # window → ticket the pad should ask about


def is_bad(level: int) -> bool:
    return level in BAD


class Ratings:
    """Mixed into `Hall`, which provides these."""

    config: HallConfig
    state: Any  # HallState with a `ratings: RatingState`

    def _event(self, kind: str, now: float, data: dict[str, Any], actor: str) -> Event:
        raise NotImplementedError

    def _rating_slot_opened(self, ticket: Any, at: float) -> None:
        """Called by the ticket fold when a service finishes as served."""
        clerk = self.state.windows[ticket.window].clerk if ticket.window else None
        self.state.ratings.slots[ticket.id] = RatingSlot(ticket.id, ticket.number, ticket.window, clerk,
                                                         ticket.matter, at)

    def request_rating(self, window: int, now: float, actor: str = "") -> Event:
        """Ask the window's pad to show the levels for its latest unrated service."""
        open_slots = [s for s in self.state.ratings.slots.values() if s.window == window and s.level is None]
        if not open_slots:
            raise Conflict("nothing_to_rate", f"window {window} has no finished service waiting for a rating")
        slot = max(open_slots, key=lambda s: s.finished_at)
        return self._event("rating_requested", now, {"window": window, "ticket": slot.ticket,
                                                     "number": slot.number}, actor)

    def _on_rating_requested(self, d: dict, at: float) -> None:
        self.state.ratings.requested[d["window"]] = d["ticket"]

    def rate(self, number: str, level: int, now: float, *, device_window: int | None, channel: str = "pad",
             reasons: list[str] | None = None, text: str = "", actor: str = "") -> Event:
        if level not in LEVELS:
            raise Invalid("bad_level", "level must be 1 (非常不满意) … 5 (非常满意)")
        if channel not in CHANNELS:
            raise Invalid("bad_channel", f"channel must be one of {', '.join(CHANNELS)}")
        slot = next((s for s in self.state.ratings.slots.values() if s.number == number.upper()), None)
        if slot is None:
            raise NotFound("no_service", f"ticket {number} has no finished service to rate today")
        if device_window is not None and device_window != slot.window:
            raise Conflict("other_window", f"{slot.number} was served at window {slot.window}, not {device_window}")
        if slot.level is not None:
            raise Conflict("already_rated", f"the service of {slot.number} has been rated already")
        allowed = self.config.ratings.reasons
        reasons = reasons or []
        unknown = [r for r in reasons if r not in allowed]
        if unknown:
            raise Invalid("unknown_reason", f"unknown reason(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")
        if reasons and not is_bad(level):
            raise Invalid("reasons_for_bad_only", "reasons are asked only for 不满意 and 非常不满意")
        return self._event("rating_given", now, {
            "ticket": slot.ticket, "number": slot.number, "window": slot.window, "clerk": slot.clerk,
            "matter": slot.matter, "level": level, "label": LEVELS[level], "bad": is_bad(level),
            "reasons": reasons, "text": text.strip(), "channel": channel, "round": 1}, actor)

    def default_ratings(self, now: float, level: int, actor: str = "system") -> Event | None:
        """The province's default for every service of this day that nobody rated; None if none.
        Recorded on the services' own day, with its own channel, apart from citizens' ratings."""
        silent = [s.ticket for s in self.state.ratings.slots.values() if s.level is None and s.default_level is None]
        if not silent:
            return None
        return Event("ratings_defaulted", now, self.state.day.isoformat(),
                     {"tickets": silent, "level": level, "label": LEVELS[level], "channel": "system-default"}, actor)

    def _on_ratings_defaulted(self, d: dict, at: float) -> None:
        for ticket in d["tickets"]:
            self.state.ratings.slots[ticket].default_level = d["level"]

    def _on_rating_given(self, d: dict, at: float) -> None:
        slot = self.state.ratings.slots[d["ticket"]]
        slot.level, slot.channel, slot.reasons, slot.text, slot.rated_at = (
            d["level"], d["channel"], tuple(d["reasons"]), d["text"], at)
        if self.state.ratings.requested.get(d["window"]) == d["ticket"]:
            del self.state.ratings.requested[d["window"]]
