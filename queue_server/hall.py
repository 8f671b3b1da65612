"""The hall's state machine: commands become events, events change the state. Pure code.

`Hall` holds the configuration and the state of one business day. Every command (`issue`,
`call_next`, `recall`, …) checks the request against the state and returns the one `Event` that
records it — or raises `Conflict`/`Invalid` with a reason a clerk can read. `apply` folds an event
into the state; it is the only code that changes the state, and rebuilding from the event log is
just `apply` over the stored events. The time is always passed in; nothing here reads a clock,
a file or a socket, so the server, the simulator and the benchmarks share this one copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hallapi.protocol import mask_name

from .config import HallConfig, Window
from .dispatch import Choice, Dispatcher, Rules, Waiting, WindowView, choose_next, overtaken_by
from .estimate import (
    Busy,
    Estimate,
    Forecast,
    ReplayInput,
    SlotStats,
    expected_arrivals,
    priority_probe,
    replay,
)
from .events import Conflict, DomainError, Event, Invalid, NotFound  # noqa: F401  (re-exported)
from .frontdesk import FrontDesk, FrontDeskState
from .numbering import business_day, format_number, ticket_id
from .outlook import Day, Outlook, honest, quote_key  # noqa: F401  (quote_key re-exported)
from .ratings import Ratings, RatingState

TICKET_STATUSES = ("waiting", "called", "serving", "held", "done")
OUTCOMES = ("served", "no_show", "cancelled", "expired")
WINDOW_STATUSES = ("closed", "open", "paused")
# Events that change projections spanning days (follow-ups), not the day's hall.
OTHER_PROJECTIONS = frozenset({"follow_up_step"})


# A probe in the estimate replay (a ticket being issued by appointment) sorts after every real ticket.
QUOTE_SEQ = 1 << 60


@dataclass
class Ticket:
    id: str
    number: str
    category: str
    matter: str | None
    priority: str | None
    person_key: str | None
    appointment: dict[str, Any] | None
    issued_at: float
    queued_at: float
    seq: int  # issue order today, across categories: the tie-break between equal queue times
    token: str
    estimate: dict[str, float] | None = None
    status: str = "waiting"
    outcome: str | None = None
    window: int | None = None
    target_window: int | None = None
    first_called_at: float | None = None
    called_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    recalls: int = 0
    overtaken: int = 0
    transfers: int = 0
    channel: str = ""
    issued_by: str = ""  # who issued it (the actor, e.g. "kiosk:kiosk-1"): a kiosk acts only on its own
    request_hash: str | None = None
    issued_category: str = ""  # the category it was taken for; `category` follows transfers
    name: str | None = None  # masked (张*), and only where the hall calls by name
    print_failure: str | None = None  # why the slip did not print (the ticket stays valid, shown on screen)

    @property
    def active(self) -> bool:
        return self.status != "done"


@dataclass
class WindowState:
    number: int
    status: str = "closed"
    clerk: str | None = None
    pause_reason: str | None = None
    current: str | None = None
    since: float | None = None


@dataclass
class HallState:
    day: date
    tickets: dict[str, Ticket] = field(default_factory=dict)
    by_number: dict[str, str] = field(default_factory=dict)
    windows: dict[int, WindowState] = field(default_factory=dict)
    service_s: dict[str, list[float]] = field(default_factory=dict)
    recent_calls: list[dict[str, Any]] = field(default_factory=list)
    # Idempotency keys are the caller's own: (issuer, key) → ticket id; and those given up on.
    by_request_key: dict[tuple[str, str], str] = field(default_factory=dict)
    void_keys: set[tuple[str, str]] = field(default_factory=set)
    desk: FrontDeskState = field(default_factory=FrontDeskState)
    ratings: RatingState = field(default_factory=RatingState)
    last_seq: int = 0


@dataclass(frozen=True)
class IssueRequest:
    category: str | None = None
    matter: str | None = None
    priority: str | None = None
    birth_date: date | None = None
    person_key: str | None = None
    appointment: dict[str, Any] | None = None
    channel: str = "kiosk"
    request_key: str | None = None  # the caller's idempotency key: a retry gets the same ticket
    request_hash: str | None = None  # what was asked, so a key reused for another request is refused
    name: str | None = None  # the holder's name, kept (masked) only where the hall calls by name



def _named(ticket: Ticket) -> dict[str, str]:
    """The masked name a call carries, where the hall calls by name (it is only stored there)."""
    return {"name": ticket.name} if ticket.name else {}

class Hall(FrontDesk, Ratings):
    """One hall, one business day: commands and the fold over events."""

    def __init__(self, config: HallConfig, day: date, rules: Rules | None = None,
                 dispatcher: Dispatcher | None = None):
        """`rules` default to the configuration's; `dispatcher` to the production `choose_next`
        (the simulator plugs in the peer policies it compares against)."""
        self.config = config
        self.rules = rules or Rules(config.priority.max_overtake, config.priority.promote_after_min * 60,
                                    config.priority.preference_step_min * 60)
        self.dispatcher: Dispatcher = dispatcher or choose_next
        self.state = HallState(day, windows={w.number: WindowState(w.number) for w in config.windows})
        self._views = {w.number: WindowView(w.number, w.serves) for w in config.windows}
        self.outlook = Outlook(config.hours)
        self._dispatch_cache: dict[str, tuple[tuple, Waiting]] = {}

    # ------------------------------------------------------------ lookups

    def ticket(self, ticket: str) -> Ticket:
        """By id (20261123-A001) or by today's number (A001)."""
        found = self.state.tickets.get(ticket) or self.state.tickets.get(self.state.by_number.get(ticket.upper(), ""))
        if found is None:
            raise NotFound("ticket_not_found", f"no ticket {ticket} today")
        return found

    def window(self, number: int) -> tuple[Window, WindowState]:
        config = self.config.window(number)
        if config is None:
            raise NotFound("window_not_found", f"there is no window {number} in this hall")
        return config, self.state.windows[number]

    def waiting(self) -> list[Ticket]:
        return sorted((t for t in self.state.tickets.values() if t.status == "waiting"),
                      key=lambda t: (t.queued_at, t.seq))

    def _dispatch_view(self, tickets: Iterable[Ticket]) -> list[Waiting]:
        """The tickets as the dispatcher sees them (made once per state of each ticket)."""
        out = []
        cache = self._dispatch_cache
        for t in tickets:
            key = (t.category, t.queued_at, t.overtaken, t.target_window)
            found = cache.get(t.id)
            if found is None or found[0] != key:
                found = cache[t.id] = (key, Waiting(t.id, t.category, t.queued_at, t.seq, t.priority is not None,
                                                    t.overtaken, t.target_window))
            out.append(found[1])
        return out

    def mean_service_s(self) -> dict[str, float]:
        """Mean service time per category today; the configured prior until there is data."""
        out = {}
        for c in self.config.categories:
            done = self.state.service_s.get(c.code, [])
            prior = c.service_min * 60
            # The prior counts as two observations, so one odd service does not swing estimates.
            out[c.code] = (prior * 2 + sum(done)) / (2 + len(done))
        return out

    def _slot_stats(self) -> SlotStats:
        """What a call costs a window today: no-show share and time lost, service spread."""
        done = [t for t in self.state.tickets.values() if t.outcome in ("served", "no_show")]
        missed = [t for t in done if t.outcome == "no_show"]
        lost = [(t.finished_at or 0.0) - (t.called_at or t.finished_at or 0.0) for t in missed]
        cvs = []
        for c in self.config.categories:
            times = self.state.service_s.get(c.code, [])
            if len(times) >= 2:
                mean = sum(times) / len(times)
                var = sum((x - mean) ** 2 for x in times) / (len(times) - 1)
                cvs.append((len(times), var / mean ** 2 if mean > 0 else 0.0))
        return SlotStats.from_day(len(done), len(missed), sum(lost), cvs)

    def _expected_priority(self, now: float) -> list[Waiting]:
        """Priority tickets to expect soon, at today's recent pace (they may pass those waiting)."""
        tickets = self.state.tickets.values()
        if not tickets:
            return []
        opened = min(t.issued_at for t in tickets)
        return expected_arrivals([(t.issued_at, t.category) for t in tickets if t.priority is not None],
                                 now, opened)

    def _busy(self) -> list[Busy]:
        out = []
        for number, ws in self.state.windows.items():
            if ws.status == "paused":  # it will be back: count on it after a typical pause
                out.append(Busy(self._views[number], paused_since=ws.since))
                continue
            if ws.status != "open":
                continue
            current = self.state.tickets.get(ws.current) if ws.current else None
            out.append(Busy(self._views[number], current.called_at if current else None,
                            current.category if current else None))
        return out

    def _waiting_ids(self) -> set[str]:
        return {t.id for t in self.state.tickets.values() if t.status == "waiting"}

    def open_categories(self) -> set[str]:
        """Categories that an open (or paused, soon back) window serves."""
        return {c for b in self._busy() for c in b.window.serves}

    def replay_input(self, now: float, probes: Sequence[Waiting] = ()) -> ReplayInput:
        """What the estimate replay reads, taken from the live state. Windows that are open or
        paused take part; for a category that none of them serves, the closed windows configured
        for it are planned in, for that category only (they serve from the next session, or —
        during a session — nobody can say when, and the estimate says so)."""
        busy = self._busy()
        unserved = {c.code for c in self.config.categories} - {c for b in busy for c in b.window.serves}
        for number, view in self._views.items():
            serves = tuple(c for c in view.serves if c in unserved)
            if serves and self.state.windows[number].status == "closed":
                busy.append(Busy(WindowView(number, serves)))
        return ReplayInput(tuple(busy), tuple(self._dispatch_view(self.waiting())), now, self.rules,
                           self.mean_service_s(), self._slot_stats(), self.dispatcher,
                           tuple(self._expected_priority(now)), tuple(probes))

    def take_replay(self, inp: ReplayInput, raw: dict[str, Estimate], forecast: Forecast,
                    now: float) -> Mapping[str, Estimate]:
        """Keep a finished replay (it may have run while tickets were issued: they are booked in)."""
        replayed = {w.ticket_id for w in inp.waiting}
        waiting = self._waiting_ids()
        for t in self.waiting():
            if t.id not in replayed:
                forecast.book(t.id, t.category, now, t.priority is not None)
        for ticket in replayed - waiting:  # called or gone while the replay ran
            forecast.forget(ticket)
        categories = {w.ticket_id: w.category for w in [*inp.waiting, *inp.probes]}
        return self.outlook.take(raw, forecast, categories, [c.code for c in self.config.categories],
                                 self.open_categories(), now)

    def probes(self, now: float) -> list[Waiting]:
        """An ordinary and a priority ticket that might be taken now, per category: the replay finds
        when each would be called (expected priority tickets and the overtaking bound decide it),
        for the forecast that quotes new tickets."""
        n = len(self.config.categories)
        return [Waiting(key(c.code), c.code, now, QUOTE_SEQ + k + n * (key is priority_probe), priority=key is priority_probe)
                for key in (quote_key, priority_probe) for k, c in enumerate(self.config.categories)]

    def estimates(self, now: float) -> Mapping[str, Estimate]:
        """Replay now: people ahead and wait range for every waiting ticket, and under
        `quote_key(category)` what a ticket taken now in each category would be told."""
        inp = self.replay_input(now, self.probes(now))
        raw, forecast = replay(inp)
        return self.take_replay(inp, raw, forecast, now)

    def current_estimates(self, now: float) -> Mapping[str, Estimate]:
        """The last replay's estimates with fresh quotes (replaying first only if there is none)."""
        if self.outlook.forecast is None:
            return self.estimates(now)
        return self.outlook.current([c.code for c in self.config.categories], self.open_categories(), now)

    def quote(self, category: str, now: float, priority: bool = False) -> Estimate:
        """What a ticket taken now in `category` would be told: from the forecast, in time that does
        not grow with the queue (replaying first if the hall has no usable forecast)."""
        if self.outlook.needs_replay():
            self.estimates(now)
        return self.outlook.quote(category, now, category in self.open_categories(), priority)

    # ------------------------------------------------------------ commands

    def _event(self, kind: str, now: float, data: dict[str, Any], actor: str) -> Event:
        return Event(kind, now, self.state.day.isoformat(), data, actor)

    def check_issue(self, req: IssueRequest, now: float, actor: str = "") -> tuple[str, str | None, str | None]:
        """Validate an issue request; returns (category, matter, priority class)."""
        cfg = self.config
        if req.request_key is not None and (actor, req.request_key) in self.state.void_keys:
            raise Conflict("abandoned", "this request was abandoned by the device; take a new ticket")
        matter = None
        if req.matter is not None:
            found = cfg.matter(req.matter)
            if found is None:
                raise Invalid("unknown_matter", f"unknown matter {req.matter!r}")
            matter = found.code
            if req.category is not None and req.category != found.category:
                raise Invalid("category_mismatch", f"matter {found.code} belongs to category {found.category}, not {req.category}")
            category = found.category
        elif req.category is not None:
            if cfg.category(req.category) is None:
                raise Invalid("unknown_category", f"unknown category {req.category!r}; known: "
                              + ", ".join(c.code for c in cfg.categories))
            category = req.category
        else:
            raise Invalid("category_required", "say which category or matter the ticket is for")

        priority = req.priority
        if req.birth_date is not None and priority in (None, "elderly") and "elderly" in cfg.priority.classes:
            elderly = _age(req.birth_date, self.state.day) >= cfg.priority.elderly_age
            if priority == "elderly" and not elderly:
                raise Invalid("not_elderly", f"elderly priority starts at age {cfg.priority.elderly_age}")
            priority = "elderly" if elderly else None
        elif priority == "elderly":
            raise Invalid("evidence_required", "elderly priority needs the birth date from the ID card")
        if priority is not None and priority not in cfg.priority.classes:
            raise Invalid("unknown_priority", f"priority class {priority!r} is not used in this hall; known: "
                          + ", ".join(cfg.priority.classes))

        if req.appointment is not None and req.appointment.get("code"):
            booked = self.state.desk.bookings.get(req.appointment["code"])
            if booked is not None and booked.ticket is not None:
                raise Conflict("already_checked_in", f"appointment {booked.code} is already checked in as "
                               f"{self.state.tickets[booked.ticket].number}")
        if req.person_key is not None:
            scope = matter or f"category:{category}"
            for t in self.state.tickets.values():
                if t.active and t.person_key == req.person_key and (t.matter or f"category:{t.category}") == scope:
                    raise Conflict("already_has_ticket",
                                   f"this person already holds ticket {t.number} for the same matter")
        return category, matter, priority

    def issue(self, req: IssueRequest, now: float, sequence: int, token: str, actor: str = "") -> Event:
        """The `ticket_issued` event, numbered with `sequence` (allocated by the caller's transaction)."""
        category, matter, priority = self.check_issue(req, now, actor)
        prefix = self.config.category(category).prefix  # type: ignore[union-attr]
        number = format_number(prefix, sequence)
        queued_at = now
        appointment = None
        if req.appointment is not None:
            appointment, queued_at = self._check_in(req.appointment, now)
        if appointment is None:
            est = self.quote(category, now, priority is not None).stored()
        else:  # queued by its slot, not at the end: replay with it in place
            est = self._probe_estimate(category, queued_at, now, priority is not None).stored()
        return self._event("ticket_issued", now, {
            "ticket": ticket_id(self.state.day, number), "number": number, "sequence": sequence,
            "category": category, "matter": matter, "priority": priority, "person_key": req.person_key,
            "appointment": appointment, "queued_at": queued_at, "token": token, "estimate": est,
            "channel": req.channel, "request_key": req.request_key, "request_hash": req.request_hash,
            "issued_by": actor,
            **({"name": mask_name(req.name)} if req.name and self.config.calling.show_names else {}),
        }, actor)

    def _probe_estimate(self, category: str, queued_at: float, now: float, priority: bool) -> Estimate:
        probe = Waiting("__probe__", category, queued_at, QUOTE_SEQ - 1, priority=priority)
        raw, _ = replay(self.replay_input(now, [probe]))
        return honest(Day.at(self.config.hours, now), raw["__probe__"], category in self.open_categories())

    def _check_in(self, appointment: dict[str, Any], now: float) -> tuple[dict[str, Any], float]:
        """An appointment queues at its slot start if the person is in time, else as a walk-in."""
        start, end = float(appointment["slot_start"]), float(appointment["slot_end"])
        if end <= start:
            raise Invalid("bad_slot", "the appointment slot ends before it starts")
        if business_day(start) != self.state.day:
            raise Invalid("wrong_day", "the appointment is for another day")
        early = self.config.appointments.early_min * 60
        late = self.config.appointments.late_min * 60
        if now < start - early:
            raise Conflict("too_early", f"check-in opens {self.config.appointments.early_min:.0f} min before the slot")
        on_time = now <= end + late
        record = {"code": str(appointment.get("code", "")), "slot_start": start, "slot_end": end, "on_time": on_time}
        return record, (min(start, now) if on_time else now)

    def _active_window(self, number: int, *, need_open: bool = True) -> tuple[Window, WindowState]:
        config, ws = self.window(number)
        if need_open and ws.status == "closed":
            raise Conflict("window_closed", f"window {number} is closed; open it first")
        if need_open and ws.status == "paused":
            raise Conflict("window_paused", f"window {number} is paused ({ws.pause_reason}); resume it first")
        return config, ws

    def _current(self, ws: WindowState) -> Ticket:
        if ws.current is None:
            raise Conflict("no_current_ticket", f"window {ws.number} has no ticket at the moment")
        return self.state.tickets[ws.current]

    def _call_event(self, window: Window, ws: WindowState, ticket: Ticket, choice: Choice | None,
                    now: float, actor: str) -> Event:
        finished = None
        if ws.current is not None:
            previous = self.state.tickets[ws.current]
            finished = {"ticket": previous.id, "number": previous.number, "outcome": "served"}
        view = self._views[window.number]
        waiting = self._dispatch_view(t for t in self.waiting() if t.id != ticket.id)
        me = self._dispatch_view([ticket])[0]
        return self._event("ticket_called", now, {
            "ticket": ticket.id, "number": ticket.number, "category": ticket.category,
            "window": window.number,
            "reason_code": choice.reason_code if choice else "by_number",
            "reason": choice.reason if choice else f"called by number at window {window.number}",
            "finished": finished,
            "overtaken": overtaken_by(me, view, waiting) if ticket.status == "waiting" else [],
            **_named(ticket),
        }, actor)

    def call_next(self, window: int, now: float, actor: str = "") -> Event:
        config, ws = self._active_window(window)
        choice = self.dispatcher(self._views[window], self._dispatch_view(self.waiting()), now, self.rules)
        if choice is None:
            raise Conflict("nothing_waiting", f"nobody is waiting for window {window}")
        return self._call_event(config, ws, self.state.tickets[choice.ticket_id], choice, now, actor)

    def call_number(self, window: int, number: str, now: float, actor: str = "") -> Event:
        config, ws = self._active_window(window)
        ticket = self.ticket(number)
        if ticket.status not in ("waiting", "held"):
            raise Conflict("not_callable", f"ticket {ticket.number} is {ticket.status}, it cannot be called")
        if ticket.status == "held" and ticket.window != window:
            raise Conflict("held_elsewhere", f"ticket {ticket.number} is held by window {ticket.window}")
        if ticket.category not in config.serves:
            raise Conflict("not_served_here", f"window {window} does not serve category {ticket.category}")
        if ticket.target_window not in (None, window):
            raise Conflict("reserved", f"ticket {ticket.number} was transferred to window {ticket.target_window}")
        if ws.current == ticket.id:
            raise Conflict("already_current", f"ticket {ticket.number} is already at window {window}; use recall")
        return self._call_event(config, ws, ticket, None, now, actor)

    def recall(self, window: int, now: float, actor: str = "") -> Event:
        _, ws = self._active_window(window)
        ticket = self._current(ws)
        if ticket.status != "called":
            raise Conflict("already_started", f"ticket {ticket.number} is being served; nothing to recall")
        if ticket.recalls >= self.config.calling.recall_limit:
            return self._event("ticket_no_show", now, {
                "ticket": ticket.id, "number": ticket.number, "window": window, "reason": "recall_limit"}, actor)
        return self._event("ticket_recalled", now, {
            "ticket": ticket.id, "number": ticket.number, "window": window, "recalls": ticket.recalls + 1,
            **_named(ticket)}, actor)

    def start(self, window: int, now: float, actor: str = "") -> Event:
        _, ws = self._active_window(window)
        ticket = self._current(ws)
        if ticket.status != "called":
            raise Conflict("already_started", f"ticket {ticket.number} is already being served")
        return self._event("service_started", now, {"ticket": ticket.id, "number": ticket.number, "window": window}, actor)

    def skip(self, window: int, now: float, actor: str = "") -> Event:
        _, ws = self._active_window(window)
        ticket = self._current(ws)
        if ticket.status != "called":
            raise Conflict("already_started", f"ticket {ticket.number} is being served; complete or hold it")
        return self._event("ticket_no_show", now, {
            "ticket": ticket.id, "number": ticket.number, "window": window, "reason": "skipped"}, actor)

    def complete(self, window: int, now: float, actor: str = "") -> Event:
        _, ws = self._active_window(window)
        ticket = self._current(ws)
        return self._event("ticket_completed", now, {
            "ticket": ticket.id, "number": ticket.number, "window": window,
            "category": ticket.category, "matter": ticket.matter,
            "service_s": round(now - (ticket.started_at or ticket.called_at or now), 3)}, actor)

    def hold(self, window: int, now: float, actor: str = "") -> Event:
        _, ws = self._active_window(window)
        ticket = self._current(ws)
        return self._event("ticket_held", now, {"ticket": ticket.id, "number": ticket.number, "window": window}, actor)

    def transfer(self, window: int, now: float, to_category: str | None = None,
                 to_window: int | None = None, actor: str = "") -> Event:
        _, ws = self._active_window(window)
        ticket = self._current(ws)
        if (to_category is None) == (to_window is None):
            raise Invalid("transfer_target", "transfer to exactly one of a category or a window")
        if to_window is not None:
            target, _ = self.window(to_window)
            if to_window == window:
                raise Invalid("transfer_target", "cannot transfer a ticket to the window it is at")
            category = to_category or (ticket.category if ticket.category in target.serves else target.serves[0])
        else:
            if self.config.category(to_category or "") is None:
                raise Invalid("unknown_category", f"unknown category {to_category!r}")
            category = to_category  # type: ignore[assignment]
        placement = self.config.calling.transfer_placement
        if placement == "keep":
            queued_at = ticket.queued_at
        elif placement == "back":
            queued_at = now
        else:
            heads = [t.queued_at for t in self.waiting() if t.category == category]
            queued_at = min([ticket.queued_at, now, *heads]) - 1.0
        return self._event("ticket_transferred", now, {
            "ticket": ticket.id, "number": ticket.number, "from_window": window,
            "to_category": category, "to_window": to_window, "queued_at": queued_at}, actor)

    def cancel(self, ticket: str, now: float, reason: str = "", actor: str = "") -> Event:
        t = self.ticket(ticket)
        if t.status not in ("waiting", "held"):
            raise Conflict("not_cancellable", f"ticket {t.number} is {t.status}; only waiting or held tickets can be cancelled")
        return self._event("ticket_cancelled", now, {"ticket": t.id, "number": t.number, "reason": reason}, actor)

    def issued_for(self, request_key: str, actor: str) -> Ticket | None:
        """The ticket an earlier request of `actor` with this idempotency key got today, if any."""
        found = self.state.by_request_key.get((actor, request_key))
        return self.state.tickets[found] if found else None

    def replayed(self, req: IssueRequest, actor: str) -> Ticket | None:
        """The ticket this very request got already (a retry after a lost answer); None if it is
        new. The same key with a different request is refused: keys are not reusable."""
        if req.request_key is None:
            return None
        earlier = self.issued_for(req.request_key, actor)
        if earlier is not None and req.request_hash and earlier.request_hash not in (None, req.request_hash):
            raise Invalid("idempotency_key_reused", "this Idempotency-Key was used for a different request; "
                          "send a new key with a new request")
        return earlier

    def abandon(self, request_key: str, now: float, actor: str = "") -> Event:
        """A device lost the answer to an issue request and told the citizen no ticket was issued:
        cancel the ticket if it was issued after all, and refuse the key from now on — so there is
        never a ticket in the queue that nobody holds."""
        if (actor, request_key) in self.state.void_keys:
            raise Conflict("already_abandoned", "this request was abandoned already")
        t = self.issued_for(request_key, actor)
        cancel = t.id if t is not None and t.status in ("waiting", "held") else None
        return self._event("issue_abandoned", now, {"request_key": request_key, "by": actor, "ticket": cancel,
                                                    "number": t.number if t else None}, actor)

    def _on_issue_abandoned(self, d: dict, at: float) -> None:
        self.state.void_keys.add((d.get("by", ""), d["request_key"]))
        if d["ticket"]:
            t = self.state.tickets[d["ticket"]]
            t.status, t.outcome, t.finished_at = "done", "cancelled", at

    def print_failed(self, ticket: str, reason: str, now: float, actor: str = "") -> Event:
        """The kiosk could not print this ticket's slip: recorded, so it is neither lost nor a phantom."""
        t = self.ticket(ticket)
        if t.print_failure is not None:
            raise Conflict("already_recorded", f"the print failure of {t.number} is recorded already")
        return self._event("ticket_print_failed", now, {"ticket": t.id, "number": t.number,
                                                        "reason": reason.strip() or "unknown"}, actor)

    def _on_ticket_print_failed(self, d: dict, at: float) -> None:
        self.state.tickets[d["ticket"]].print_failure = d["reason"]

    def rejoin(self, ticket: str, now: float, actor: str = "") -> Event:
        t = self.ticket(ticket)
        rule = self.config.calling
        if t.outcome != "no_show":
            raise Conflict("not_no_show", f"ticket {t.number} is not a no-show; only missed tickets can rejoin")
        if rule.no_show_rejoin == "refuse":
            raise Conflict("rejoin_refused", "this hall does not let missed tickets rejoin; please take a new ticket")
        if now - (t.finished_at or now) > rule.rejoin_within_min * 60:
            raise Conflict("rejoin_too_late", f"missed more than {rule.rejoin_within_min:.0f} min ago; please take a new ticket")
        queued_at = now if rule.no_show_rejoin == "back" else t.queued_at
        return self._event("ticket_rejoined", now, {"ticket": t.id, "number": t.number, "queued_at": queued_at}, actor)

    def open_window(self, window: int, now: float, clerk: str | None = None, actor: str = "",
                    take_over: bool = False) -> Event:
        """Open a window; a signed-in clerk becomes its clerk. A window a colleague is signed in at
        is taken over only when asked for explicitly, and the event says from whom."""
        _, ws = self.window(window)
        if ws.status == "open" and ws.clerk == clerk:
            raise Conflict("already_open", f"window {window} is already open")
        colleague = ws.clerk if ws.status != "closed" and ws.clerk and clerk and ws.clerk != clerk else None
        if colleague and not take_over:
            raise Conflict("window_taken", f"window {window} is open for {colleague}; take it over explicitly")
        return self._event("window_opened", now, {"window": window, "clerk": clerk,
                                                  **({"took_over_from": colleague} if colleague else {})}, actor)

    def close_window(self, window: int, now: float, actor: str = "") -> Event:
        _, ws = self.window(window)
        if ws.status == "closed":
            raise Conflict("already_closed", f"window {window} is already closed")
        if ws.current is not None:
            raise Conflict("busy", f"window {window} still has ticket {self.state.tickets[ws.current].number}; complete, skip or hold it first")
        return self._event("window_closed", now, {"window": window}, actor)

    def pause(self, window: int, reason: str, now: float, actor: str = "") -> Event:
        _, ws = self._active_window(window)
        if not reason.strip():
            raise Invalid("reason_required", "say why the window pauses")
        if ws.current is not None:
            raise Conflict("busy", f"window {window} still has ticket {self.state.tickets[ws.current].number}; complete, skip or hold it first")
        return self._event("window_paused", now, {"window": window, "reason": reason.strip()}, actor)

    def resume(self, window: int, now: float, actor: str = "") -> Event:
        _, ws = self.window(window)
        if ws.status != "paused":
            raise Conflict("not_paused", f"window {window} is not paused")
        return self._event("window_resumed", now, {"window": window}, actor)

    def close_day(self, now: float, actor: str = "system") -> Event:
        """Expire what is left of this business day (appended when the day rolls over)."""
        left = [t.id for t in self.state.tickets.values() if t.active]
        return Event("day_closed", now, self.state.day.isoformat(), {"expired": left}, actor)

    # ------------------------------------------------------------ the fold

    def apply(self, event: Event) -> None:
        """Fold one event into the state. The only place the state changes.

        An event that belongs to another business day (an appointment booked for a later day)
        is logged today but folded on its own day."""
        handler = getattr(self, f"_on_{event.type}", None)
        if handler is None and event.type not in OTHER_PROJECTIONS:
            raise ValueError(f"unknown event type {event.type!r}")
        if handler is not None and event.day == self.state.day.isoformat():
            handler(event.data, event.at)
            if event.type == "ticket_issued":  # the forecast books it; anything else dates it
                self.outlook.book(event.data["ticket"], event.data["category"], event.at,
                                  event.data["priority"] is not None)
            else:
                self.outlook.stale = True
                for key in ("ticket", "finished"):  # a ticket that left the queue is nobody's "ahead"
                    ref = event.data.get(key)
                    ticket = self.state.tickets.get(ref["ticket"] if isinstance(ref, dict) else ref)
                    if ticket is not None and ticket.status != "waiting":
                        self.outlook.forget(ticket.id)
        if event.seq:
            self.state.last_seq = event.seq

    def _on_ticket_issued(self, d: dict, at: float) -> None:
        t = Ticket(d["ticket"], d["number"], d["category"], d["matter"], d["priority"], d["person_key"],
                   d["appointment"], at, d["queued_at"], len(self.state.tickets) + 1, d["token"], d["estimate"],
                   channel=d.get("channel", ""), issued_category=d["category"], name=d.get("name"),
                   issued_by=d.get("issued_by", ""), request_hash=d.get("request_hash"))
        self.state.tickets[t.id] = t
        self.state.by_number[t.number] = t.id
        if t.appointment and t.appointment.get("code"):
            self.checked_in(t.appointment["code"], t.id)
        if d.get("request_key"):
            self.state.by_request_key[(t.issued_by, d["request_key"])] = t.id

    def _on_ticket_called(self, d: dict, at: float) -> None:
        ws = self.state.windows[d["window"]]
        if d.get("finished"):
            self._finish(self.state.tickets[d["finished"]["ticket"]], "served", at)
        t = self.state.tickets[d["ticket"]]
        if t.status == "held" and t.window is not None and t.window != d["window"]:
            self.state.windows[t.window].current = None
        for passed in d.get("overtaken", []):
            self.state.tickets[passed].overtaken += 1
        t.status, t.window, t.called_at = "called", d["window"], at
        t.first_called_at = t.first_called_at or at
        t.target_window = None
        ws.current = t.id
        self.state.recent_calls = [{"number": t.number, "window": d["window"], "at": at, "recall": False, **_named(t)},
                                   *self.state.recent_calls][:20]

    def _on_ticket_recalled(self, d: dict, at: float) -> None:
        t = self.state.tickets[d["ticket"]]
        t.recalls = d["recalls"]
        t.called_at = at
        self.state.recent_calls = [{"number": t.number, "window": d["window"], "at": at, "recall": True, **_named(t)},
                                   *self.state.recent_calls][:20]

    def _on_service_started(self, d: dict, at: float) -> None:
        t = self.state.tickets[d["ticket"]]
        t.status, t.started_at = "serving", at

    def _on_ticket_completed(self, d: dict, at: float) -> None:
        self._finish(self.state.tickets[d["ticket"]], "served", at)

    def _on_ticket_no_show(self, d: dict, at: float) -> None:
        self._finish(self.state.tickets[d["ticket"]], "no_show", at)

    def _on_ticket_held(self, d: dict, at: float) -> None:
        t = self.state.tickets[d["ticket"]]
        t.status = "held"
        self.state.windows[d["window"]].current = None

    def _on_ticket_transferred(self, d: dict, at: float) -> None:
        t = self.state.tickets[d["ticket"]]
        self.state.windows[d["from_window"]].current = None
        t.status, t.category, t.target_window, t.queued_at = "waiting", d["to_category"], d["to_window"], d["queued_at"]
        t.transfers += 1
        t.started_at = None
        t.overtaken = 0

    def _on_ticket_cancelled(self, d: dict, at: float) -> None:
        t = self.state.tickets[d["ticket"]]
        if t.status == "held" and t.window is not None:
            ws = self.state.windows[t.window]
            if ws.current == t.id:
                ws.current = None
        t.status, t.outcome, t.finished_at = "done", "cancelled", at

    def _on_ticket_rejoined(self, d: dict, at: float) -> None:
        t = self.state.tickets[d["ticket"]]
        t.status, t.outcome, t.finished_at, t.queued_at = "waiting", None, None, d["queued_at"]
        t.recalls, t.overtaken, t.window = 0, 0, None

    def _on_window_opened(self, d: dict, at: float) -> None:
        ws = self.state.windows[d["window"]]
        ws.status, ws.clerk, ws.pause_reason, ws.since = "open", d.get("clerk"), None, at

    def _on_window_closed(self, d: dict, at: float) -> None:
        ws = self.state.windows[d["window"]]
        ws.status, ws.clerk, ws.pause_reason, ws.since = "closed", None, None, at

    def _on_window_paused(self, d: dict, at: float) -> None:
        ws = self.state.windows[d["window"]]
        ws.status, ws.pause_reason, ws.since = "paused", d["reason"], at

    def _on_window_resumed(self, d: dict, at: float) -> None:
        ws = self.state.windows[d["window"]]
        ws.status, ws.pause_reason, ws.since = "open", None, at

    def _on_day_closed(self, d: dict, at: float) -> None:
        for ticket in d["expired"]:
            t = self.state.tickets.get(ticket)
            if t is not None and t.active:
                t.status, t.outcome, t.finished_at = "done", "expired", at
        for ws in self.state.windows.values():
            ws.current = None

    def _finish(self, t: Ticket, outcome: str, at: float) -> None:
        if t.window is not None and self.state.windows[t.window].current == t.id:
            self.state.windows[t.window].current = None
        if outcome == "served":
            began = t.started_at or t.called_at or at
            self.state.service_s.setdefault(t.category, []).append(at - began)
            t.started_at = began
            self._rating_slot_opened(t, at)
        elif t.started_at is None:
            t.started_at = t.called_at
        t.status, t.outcome, t.finished_at = "done", outcome, at


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
