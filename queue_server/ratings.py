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

from collections.abc import Callable

from .errors import Conflict, Invalid, NotFound
from .events import CaseOpened, CaseStep, Event, RatingGiven, RatingRequested, RatingsDefaulted
from .hallconfig import HallConfig
from .state import HallState, RatingSlot, Ticket

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD = (1, 2)
CHANNELS = ("pad", "evaluator", "qr")

Emit = Callable[..., Event]  # (payload, now, actor, day=None) -> Event


def is_bad(level: int) -> bool:
    return level in BAD


class Ratings:
    """A part of the hall (composed into `Hall`): commands return events, `on_*` fold them into
    `state.ratings`, called from the hall's fold table."""

    def __init__(self, config: HallConfig, state: HallState, emit: Emit):
        self.config, self.state, self.emit = config, state, emit

    def slot_opened(self, ticket: Ticket, at: float) -> None:
        """Called by the ticket fold when a service finishes as served."""
        clerk = self.state.windows[ticket.window].clerk if ticket.window else None
        case, round_ = self.state.ratings.cases.get(ticket.id) or ((ticket.cases[0], 2) if ticket.cases else (None, 1))
        self.state.ratings.slots[ticket.id] = RatingSlot(ticket.id, ticket.number, ticket.window or 0, clerk,
                                                         ticket.matter, at, case=case, round=round_)

    def on_case_opened(self, e: CaseOpened, at: float) -> None:
        """A case taken in from a ticket: rating that service rates the intake (评价次数 1)."""
        if e.ticket is not None:
            self._service_of_case(e.ticket, e.case, 1)

    def on_case_step(self, e: CaseStep, at: float) -> None:
        """A result handed over to a pick-up ticket's holder: rating that service is 评价次数 2."""
        if e.action == "hand_over" and e.ticket is not None:
            self._service_of_case(e.ticket, e.case, 2)

    def _service_of_case(self, ticket: str, case: str, round_: int) -> None:
        self.state.ratings.cases.setdefault(ticket, (case, round_))
        slot = self.state.ratings.slots.get(ticket)
        if slot is not None and slot.level is None and slot.case is None:  # finished before the case was recorded
            slot.case, slot.round = case, round_

    def request_rating(self, window: int, now: float, actor: str = "") -> Event:
        """Ask the window's pad to show the levels for its latest unrated service."""
        open_slots = [s for s in self.state.ratings.slots.values() if s.window == window and s.level is None]
        if not open_slots:
            raise Conflict("nothing_to_rate", f"window {window} has no finished service waiting for a rating")
        slot = max(open_slots, key=lambda s: s.finished_at)
        return self.emit(RatingRequested(window, slot.ticket, slot.number), now, actor)

    def on_rating_requested(self, e: RatingRequested, at: float) -> None:
        self.state.ratings.requested[e.window] = e.ticket

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
        return self.emit(RatingGiven(slot.ticket, slot.number, slot.window, slot.clerk, slot.matter, level,
                                     LEVELS[level], is_bad(level), reasons, text.strip(), channel, slot.round,
                                     slot.case), now, actor)

    def default_ratings(self, now: float, level: int, actor: str = "system") -> Event | None:
        """The province's default for every service of this day that nobody rated; None if none.
        Recorded on the services' own day, with its own channel, apart from citizens' ratings."""
        silent = [s.ticket for s in self.state.ratings.slots.values() if s.level is None and s.default_level is None]
        if not silent:
            return None
        return self.emit(RatingsDefaulted(silent, level, LEVELS[level], "system-default"), now, actor)

    def on_ratings_defaulted(self, e: RatingsDefaulted, at: float) -> None:
        for ticket in e.tickets:
            self.state.ratings.slots[ticket].default_level = e.level

    def on_rating_given(self, e: RatingGiven, at: float) -> None:
        slot = self.state.ratings.slots[e.ticket]
        slot.level, slot.channel, slot.reasons, slot.text, slot.rated_at = (
            e.level, e.channel, tuple(e.reasons), e.text, at)
        if self.state.ratings.requested.get(e.window) == e.ticket:
            del self.state.ratings.requested[e.window]
