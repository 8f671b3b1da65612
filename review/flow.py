"""What the review pad shows and does, as pure functions: (state, input, now) → (state, effects).

No Kivy, no network, no clock reads: the app feeds inputs (server events, taps, evaluator keys,
answers to its own requests, the time) and carries out the effects (post a rating, fetch the
staff card). So every rule below is tested exactly and fast, and the screen is a thin view.

Rules it keeps:
- Idle is the staff card. A finished service (`ticket_completed`) or the clerk's request
  (`rating_requested`) of *this* window opens the five levels for that number.
- Nothing is preselected or singled out: the levels screen has no chosen level until a tap.
- 不满意/非常不满意 ask for reasons (multi-select from the card's list) before sending.
- One rating per service: after a level is sent, further taps do nothing; a 409 from the server
  ("already rated") is told calmly and the pad goes back to the card.
- Timeout on the levels screen → back to the card, nothing is sent: the service stays 未评.
  Timeout on the reasons screen sends the level the citizen did choose (with the reasons ticked
  so far): a 差评 is never dropped because the reasons were left out.
- The server away: the card stays with a discreet note; a rating that cannot be sent is NOT kept
  for later — the citizen is told it was not recorded.
- No default rating of any kind (a province's default rule is the server's business, not the pad's).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

BAD_LEVELS = (1, 2)
LEVEL_ORDER = (5, 4, 3, 2, 1)  # left to right on the screen: 非常满意 … 非常不满意
THANKS_S = 5.0
NOTICE_S = 6.0
SENT_MEMORY_S = 12 * 3600.0  # numbers restart every day: remember a sent number for less than a day

# Screens
CARD, LEVELS, REASONS, SENDING, THANKS, NOTICE = "card", "levels", "reasons", "sending", "thanks", "notice"
# Notices
ALREADY_RATED, NOT_RECORDED = "already_rated", "not_recorded"
# Outcomes of a post, as the app reports them
OK, CONFLICT, AWAY, REFUSED = "ok", "conflict", "away", "refused"


@dataclass(frozen=True)
class Post:
    """Effect: send this rating once (never retried, never queued)."""

    number: str
    level: int
    reasons: tuple[str, ...]
    channel: str


@dataclass(frozen=True)
class FetchCard:
    """Effect: fetch the staff card again (window opened/closed, reconnected)."""


Effect = Post | FetchCard


@dataclass(frozen=True)
class PadState:
    window: int
    screen: str = CARD
    number: str | None = None  # the service being rated
    level: int | None = None  # chosen by the citizen; None until a tap
    reasons: tuple[str, ...] = ()
    channel: str = "pad"
    deadline: float | None = None  # when the current screen gives up
    notice: str | None = None
    online: bool = False
    card: dict[str, Any] = field(default_factory=dict)
    timeout_s: float | None = None  # injected override of the card's pad_timeout_s
    thanks_s: float = THANKS_S
    notice_s: float = NOTICE_S
    sent: tuple[tuple[str, float], ...] = ()  # (number, when) this pad sent a rating for, kept SENT_MEMORY_S
    asked: tuple[tuple[str, float], ...] = ()  # (number, when) this pad showed the levels for


def pad_timeout(state: PadState) -> float:
    if state.timeout_s is not None:
        return state.timeout_s
    return float(state.card.get("pad_timeout_s") or 60)


def card_reasons(state: PadState) -> tuple[str, ...]:
    return tuple(state.card.get("reasons") or ())


Memory = tuple[tuple[str, float], ...]


def _in(memory: Memory, number: str, now: float) -> bool:
    return any(n == number and now - at < SENT_MEMORY_S for n, at in memory)


def _add(memory: Memory, number: str, now: float) -> Memory:
    return tuple((n, at) for n, at in memory if now - at < SENT_MEMORY_S and n != number) + ((number, now),)


def _forget(memory: Memory, number: str) -> Memory:
    return tuple((n, at) for n, at in memory if n != number)


def was_sent(state: PadState, number: str, now: float) -> bool:
    return _in(state.sent, number, now)


def _to_card(state: PadState) -> PadState:
    return replace(state, screen=CARD, number=None, level=None, reasons=(), channel="pad", deadline=None,
                   notice=None)


def _open_levels(state: PadState, number: str, now: float) -> PadState:
    return replace(state, screen=LEVELS, number=number, level=None, reasons=(), channel="pad",
                   deadline=now + pad_timeout(state), notice=None, asked=_add(state.asked, number, now))


def _may_open(state: PadState, number: str, now: float) -> bool:
    """A new service may take over the card, a thank-you, a notice, or an untouched levels screen;
    never a citizen who is choosing reasons or whose rating is on its way."""
    if was_sent(state, number, now):
        return False
    return state.screen in (CARD, THANKS, NOTICE) or (state.screen == LEVELS and state.number != number)


def on_card(state: PadState, card: dict[str, Any], now: float) -> tuple[PadState, list[Effect]]:
    """A fresh staff card; its `rating_requested` opens the levels when the pad is idle and has not
    asked about that number yet (the server keeps a request until it is answered: a question that
    timed out must not come back with every refetch of the card — only with a new request)."""
    state = replace(state, card=card, online=True)
    number = card.get("rating_requested")
    if number and state.screen == CARD and not _in(state.asked, number, now) and _may_open(state, number, now):
        state = _open_levels(state, number, now)
    return state, []


def on_message(state: PadState, message: dict[str, Any], now: float) -> tuple[PadState, list[Effect]]:
    """One message of the event stream."""
    kind = message.get("kind")
    if kind == "snapshot":
        return replace(state, online=True), [FetchCard()]
    if kind != "event":
        return state, []
    data = message.get("data") or {}
    kind = message.get("type")
    if data.get("window") != state.window:
        return state, []
    number = data.get("number")
    if kind in ("ticket_completed", "rating_requested") and number and not message.get("replayed"):
        if _may_open(state, number, now):
            return _open_levels(state, number, now), []
        return state, []
    if kind == "rating_given" and number == state.number and state.screen in (LEVELS, REASONS):
        # Rated through another channel meanwhile (evaluator, QR): nothing left to ask.
        return replace(state, screen=NOTICE, notice=ALREADY_RATED, deadline=now + state.notice_s,
                       sent=_add(state.sent, number, now)), []
    if kind in ("window_opened", "window_closed"):
        return state, [FetchCard()]
    return state, []


def on_disconnected(state: PadState) -> PadState:
    return replace(state, online=False)


def tap_level(state: PadState, level: int, now: float, channel: str = "pad") -> tuple[PadState, list[Effect]]:
    """The citizen picks a level (touch or evaluator key). Anywhere but the levels screen: nothing."""
    if state.screen != LEVELS or state.number is None or level not in LEVEL_ORDER:
        return state, []
    if level in BAD_LEVELS:
        return replace(state, screen=REASONS, level=level, reasons=(), channel=channel,
                       deadline=now + pad_timeout(state)), []
    return _send(replace(state, level=level, channel=channel), now)


def toggle_reason(state: PadState, reason: str, now: float) -> PadState:
    if state.screen != REASONS or reason not in card_reasons(state):
        return state
    chosen = tuple(r for r in state.reasons if r != reason) if reason in state.reasons else (*state.reasons, reason)
    order = card_reasons(state)
    return replace(state, reasons=tuple(sorted(chosen, key=order.index)), deadline=now + pad_timeout(state))


def touch(state: PadState, now: float) -> PadState:
    """The citizen is acting (e.g. switched the language): the question does not time out under them."""
    if state.screen in (LEVELS, REASONS):
        return replace(state, deadline=now + pad_timeout(state))
    return state


def back_to_levels(state: PadState, now: float) -> PadState:
    """The citizen changes their mind on the reasons screen."""
    if state.screen != REASONS:
        return state
    return replace(state, screen=LEVELS, level=None, reasons=(), channel="pad", deadline=now + pad_timeout(state))


def submit_reasons(state: PadState, now: float) -> tuple[PadState, list[Effect]]:
    if state.screen != REASONS:
        return state, []
    return _send(state, now)


def _send(state: PadState, now: float) -> tuple[PadState, list[Effect]]:
    assert state.number is not None and state.level is not None
    post = Post(state.number, state.level, state.reasons, state.channel)
    return replace(state, screen=SENDING, deadline=None, sent=_add(state.sent, state.number, now)), [post]


def on_posted(state: PadState, outcome: str, now: float) -> tuple[PadState, list[Effect]]:
    """The server's answer to our one post: thanks, or a calm notice. Never a retry."""
    if state.screen != SENDING:
        return state, []
    if outcome == OK:
        return replace(state, screen=THANKS, deadline=now + state.thanks_s, notice=None), []
    if outcome == CONFLICT:
        return replace(state, screen=NOTICE, notice=ALREADY_RATED, deadline=now + state.notice_s), []
    # Not recorded: nothing is kept for later, but the clerk may ask again for this service.
    online = state.online and outcome != AWAY
    return replace(state, screen=NOTICE, notice=NOT_RECORDED, deadline=now + state.notice_s, online=online,
                   sent=_forget(state.sent, state.number or "")), []


def tick(state: PadState, now: float) -> tuple[PadState, list[Effect]]:
    """Time passes: screens that waited long enough give up."""
    if state.deadline is None or now < state.deadline:
        return state, []
    if state.screen == REASONS:
        return _send(state, now)
    if state.screen in (LEVELS, THANKS, NOTICE):
        return _to_card(state), []
    return state, []


def lights(state: PadState) -> str:
    """What an attached evaluator's key lights show: 'open' only while a level may be chosen."""
    if state.screen == LEVELS:
        return "open"
    if state.screen == THANKS:
        return "thanks"
    if state.screen == NOTICE and state.notice == NOT_RECORDED:
        return "error"
    return "off"
