"""The hall's state machine: commands become events, events change the state. Pure code.

`Hall` holds the configuration and the state of one business day. Every command (`issue`,
`call_next`, `recall`, …) checks the request against the state and returns the one `Event` that
records it — or raises `Conflict`/`Invalid` with a reason a clerk can read. `apply` folds an event
into the state; it is the only code that changes the state, and rebuilding from the event log is
just `apply` over the stored events. The time is always passed in; nothing here reads a clock,
a file or a socket, so the server, the simulator and the benchmarks share this one copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from hallapi.protocol import mask_name

from .caps import cap_refusal
from .daytrack import DayTracker, Touched
from .dispatch import (
    Choice,
    Dispatcher,
    Rules,
    Waiting,
    WindowView,
    choose_next,
    head_starts,
    overtaken_by,
)
from .errors import Conflict, Invalid, NotFound
from .estimate import (
    Estimate,
)
from .estimating import Estimating
from .events import (
    AlertAcknowledged,
    AppointmentBooked,
    AppointmentCancelled,
    CaseOpened,
    CaseStep,
    DayClosed,
    DeviceStatus,
    Event,
    FollowUpStep,
    IssueAbandoned,
    LayoutSet,
    NoticeSet,
    Payload,
    RatingGiven,
    RatingRequested,
    RatingsDefaulted,
    ServiceStarted,
    StaffAlert,
    TicketCalled,
    TicketCancelled,
    TicketCompleted,
    TicketHeld,
    TicketIssued,
    TicketNoShow,
    TicketPrintFailed,
    TicketRecalled,
    TicketRejoined,
    TicketTransferred,
    WindowClosed,
    WindowOpened,
    WindowPaused,
    WindowResumed,
)
from .frontdesk import FrontDesk
from .hallconfig import HallConfig, Window
from .layout import SOURCES, as_data, folded, parse, serves_of
from .numbering import business_day, format_number, ticket_id
from .outlook import Outlook
from .ratings import Ratings
from .state import HallState, IssueRequest, Ticket, WindowState


@dataclass(frozen=True)
class PreparedIssue:
    """A checked issue request waiting for its number (Hall.prepare_issue → Hall.issue_event)."""

    request: IssueRequest
    category: str
    prefix: str
    matter: str | None
    priority: str | None
    queued_at: float
    appointment: dict[str, Any] | None
    estimate: dict[str, Any]
    now: float
    actor: str


class Hall:
    """One hall, one business day: commands and the fold over events. The front desk and the
    ratings are parts of it (`desk`, `ratings`), sharing its state and its fold table."""

    def __init__(self, config: HallConfig, day: date, rules: Rules | None = None,
                 dispatcher: Dispatcher | None = None):
        """`rules` default to the configuration's; `dispatcher` to the production `choose_next`
        (the simulator plugs in the peer policies it compares against)."""
        self.config = config
        self.rules = rules or rules_of(config)
        self.dispatcher: Dispatcher = dispatcher or choose_next
        self.state = HallState(day, windows={w.number: WindowState(w.number) for w in config.windows})
        self._views = {w.number: WindowView(w.number, w.serves) for w in config.windows}
        self.desk = FrontDesk(config, self.state, self._emit)
        self.ratings = Ratings(config, self.state, self._emit)
        self.track = DayTracker(config, self.state)
        self.outlook = Outlook(config.hours)
        self._dispatch_cache: dict[str, tuple[tuple[object, ...], Waiting]] = {}
        self.estimating = Estimating(config, self.state, self.rules, self.dispatcher, self.outlook,
                                     self.waiting, self._dispatch_view)

    def reconfigure(self, config: HallConfig) -> None:
        """Run on with another layout (which windows serve which categories): every part that
        reads the configuration sees it from now on; tickets, windows and the day's history stay."""
        self.config = config
        self._views = {w.number: WindowView(w.number, w.serves) for w in config.windows}
        self.desk.config = self.ratings.config = self.estimating.config = config
        self.estimating._views = dict(self._views)
        self.track.serves = {w.number: frozenset(w.serves) for w in config.windows}

    def set_layout(self, serves: Any, source: str, now: float, actor: str = "", by: str = "",
                   figures: dict[str, Any] | None = None, note: str = "") -> Event:
        """A manager accepts a layout (checked against the hall: every window, known categories,
        every category served). It takes effect when the event is folded."""
        if source not in SOURCES:
            raise Invalid("bad_layout", f"source must be one of {', '.join(SOURCES)}")
        new, before = parse(self.config, serves), serves_of(self.config)
        if new == before:
            raise Conflict("layout_unchanged", "the hall already runs this layout")
        return self._emit(LayoutSet(as_data(new), as_data(before), source, by, figures, note), now, actor)

    def _on_layout_set(self, e: LayoutSet, at: float) -> None:
        """A layout accepted today: folded with the hall's own configuration as the file's (a
        `source = "file"` event carries the file's layout in `serves` when it is written)."""
        self.reconfigure(folded(self.config, self.config, {"serves": e.serves}))

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

    def estimates(self, now: float) -> Mapping[str, Estimate]:
        """Replay now: people ahead and wait range for every waiting ticket, and under
        `quote_key(category)` what a ticket taken now would be told (see `estimating`)."""
        return self.estimating.estimates(now)

    def quote(self, category: str, now: float, priority: bool = False) -> Estimate:
        """What a ticket taken now in `category` would be told (see `estimating`)."""
        return self.estimating.quote(category, now, priority)

    # ------------------------------------------------------------ commands

    def _emit(self, payload: Payload, now: float, actor: str, day: date | None = None) -> Event:
        """The event recording `payload`, on this business day (or `day`: a booking for a later one)."""
        return Event.of(payload, now, (day or self.state.day).isoformat(), actor)

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
        refusal = cap_refusal(cfg, self.state, category, priority, req.channel, req.appointment)
        if refusal:
            raise Conflict("daily_cap_reached", refusal)
        if req.person_key is not None:
            scope = matter or f"category:{category}"
            for t in self.state.tickets.values():
                if t.active and t.person_key == req.person_key and (t.matter or f"category:{t.category}") == scope:
                    raise Conflict("already_has_ticket",
                                   f"this person already holds ticket {t.number} for the same matter")
        return category, matter, priority

    def prepare_issue(self, req: IssueRequest, now: float, actor: str = "") -> PreparedIssue:
        """Everything a ticket needs but its number: the request checked once (refusals raise), its
        queue time, its estimate. Done before the numbering transaction, which it never holds up."""
        category, matter, priority = self.check_issue(req, now, actor)
        queued_at, appointment = now, None
        if req.appointment is not None:
            appointment, queued_at = self._check_in(req.appointment, now)
        if appointment is None:
            est = self.quote(category, now, priority is not None)
        else:  # queued by its slot, not at the end: replay with it in place
            est = self.estimating.probe(category, queued_at, now, priority is not None)
        known = self.config.category(category)
        assert known is not None  # check_issue refused unknown categories
        prefix = known.prefix
        return PreparedIssue(req, category, prefix, matter, priority, queued_at, appointment, est.stored(), now, actor)

    def issue_event(self, p: PreparedIssue, sequence: int, token: str) -> Event:
        """The `ticket_issued` event of a prepared issue, numbered with `sequence` (allocated in the
        caller's transaction)."""
        req = p.request
        number = format_number(p.prefix, sequence)
        return self._emit(TicketIssued(
            ticket_id(self.state.day, number), number, sequence, p.category, p.matter, p.priority, req.person_key,
            p.appointment, p.queued_at, token, p.estimate, req.channel, req.request_key, req.request_hash, p.actor,
            mask_name(req.name) if req.name and self.config.calling.show_names else None,
            list(req.cases) or None), p.now, p.actor)

    def issue(self, req: IssueRequest, now: float, sequence: int, token: str, actor: str = "") -> Event:
        """Prepare and number in one go (the simulator and tests, which need no transaction)."""
        return self.issue_event(self.prepare_issue(req, now, actor), sequence, token)

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
        return self._emit(TicketCalled(
            ticket.id, ticket.number, ticket.category, window.number,
            choice.reason_code if choice else "by_number",
            choice.reason if choice else f"called by number at window {window.number}",
            finished, overtaken_by(me, view, waiting) if ticket.status == "waiting" else [], ticket.name), now, actor)

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
            return self._emit(TicketNoShow(ticket.id, ticket.number, window, "recall_limit"), now, actor)
        return self._emit(TicketRecalled(ticket.id, ticket.number, window, ticket.recalls + 1, ticket.name), now, actor)

    def start(self, window: int, now: float, actor: str = "") -> Event:
        _, ws = self._active_window(window)
        ticket = self._current(ws)
        if ticket.status != "called":
            raise Conflict("already_started", f"ticket {ticket.number} is already being served")
        return self._emit(ServiceStarted(ticket.id, ticket.number, window), now, actor)

    def skip(self, window: int, now: float, actor: str = "") -> Event:
        _, ws = self._active_window(window)
        ticket = self._current(ws)
        if ticket.status != "called":
            raise Conflict("already_started", f"ticket {ticket.number} is being served; complete or hold it")
        return self._emit(TicketNoShow(ticket.id, ticket.number, window, "skipped"), now, actor)

    def complete(self, window: int, now: float, actor: str = "") -> Event:
        _, ws = self._active_window(window)
        ticket = self._current(ws)
        return self._emit(TicketCompleted(ticket.id, ticket.number, window, ticket.category, ticket.matter,
                                          round(now - (ticket.started_at or ticket.called_at or now), 3)), now, actor)

    def hold(self, window: int, now: float, actor: str = "") -> Event:
        _, ws = self._active_window(window)
        ticket = self._current(ws)
        return self._emit(TicketHeld(ticket.id, ticket.number, window), now, actor)

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
            known = self.config.category(to_category or "")
            if known is None:
                raise Invalid("unknown_category", f"unknown category {to_category!r}")
            category = known.code
        placement = self.config.calling.transfer_placement
        if placement == "keep":
            queued_at = ticket.queued_at
        elif placement == "back":
            queued_at = now
        else:
            heads = [t.queued_at for t in self.waiting() if t.category == category]
            queued_at = min([ticket.queued_at, now, *heads]) - 1.0
        return self._emit(TicketTransferred(ticket.id, ticket.number, window, category, to_window, queued_at), now, actor)

    def cancel(self, ticket: str, now: float, reason: str = "", actor: str = "") -> Event:
        t = self.ticket(ticket)
        if t.status not in ("waiting", "held"):
            raise Conflict("not_cancellable", f"ticket {t.number} is {t.status}; only waiting or held tickets can be cancelled")
        return self._emit(TicketCancelled(t.id, t.number, reason), now, actor)

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
        return self._emit(IssueAbandoned(request_key, cancel, t.number if t else None, actor), now, actor)

    def _on_issue_abandoned(self, e: IssueAbandoned, at: float) -> None:
        self.state.void_keys.add((e.by, e.request_key))
        if e.ticket:
            t = self.state.tickets[e.ticket]
            t.status, t.outcome, t.finished_at = "done", "cancelled", at

    def print_failed(self, ticket: str, reason: str, now: float, actor: str = "") -> Event:
        """The kiosk could not print this ticket's slip: recorded, so it is neither lost nor a phantom."""
        t = self.ticket(ticket)
        if t.print_failure is not None:
            raise Conflict("already_recorded", f"the print failure of {t.number} is recorded already")
        return self._emit(TicketPrintFailed(t.id, t.number, reason.strip() or "unknown"), now, actor)

    def _on_ticket_print_failed(self, e: TicketPrintFailed, at: float) -> None:
        self.state.tickets[e.ticket].print_failure = e.reason

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
        return self._emit(TicketRejoined(t.id, t.number, queued_at), now, actor)

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
        return self._emit(WindowOpened(window, clerk, colleague), now, actor)

    def close_window(self, window: int, now: float, actor: str = "") -> Event:
        _, ws = self.window(window)
        if ws.status == "closed":
            raise Conflict("already_closed", f"window {window} is already closed")
        if ws.current is not None:
            raise Conflict("busy", f"window {window} still has ticket {self.state.tickets[ws.current].number}; complete, skip or hold it first")
        return self._emit(WindowClosed(window), now, actor)

    def pause(self, window: int, reason: str, now: float, actor: str = "") -> Event:
        _, ws = self._active_window(window)
        if not reason.strip():
            raise Invalid("reason_required", "say why the window pauses")
        if ws.current is not None:
            raise Conflict("busy", f"window {window} still has ticket {self.state.tickets[ws.current].number}; complete, skip or hold it first")
        return self._emit(WindowPaused(window, reason.strip()), now, actor)

    def resume(self, window: int, now: float, actor: str = "") -> Event:
        _, ws = self.window(window)
        if ws.status != "paused":
            raise Conflict("not_paused", f"window {window} is not paused")
        return self._emit(WindowResumed(window), now, actor)

    def close_day(self, now: float, actor: str = "system") -> Event:
        """Expire what is left of this business day (appended when the day rolls over)."""
        left = [t.id for t in self.state.tickets.values() if t.active]
        return self._emit(DayClosed(left), now, actor)

    # ------------------------------------------------------------ the fold

    def apply(self, event: Event) -> None:
        """Fold one event into the state. The only place the state changes.

        An event that belongs to another business day (an appointment booked for a later day)
        is logged today but folded on its own day. Raises UnknownEvent for a type this version
        does not know, and TypeError for data it cannot read (the service skips and reports both)."""
        payload = event.payload()
        fold = FOLD[type(payload)]
        self.track.touched = Touched()
        if fold is not None and event.day == self.state.day.isoformat():
            self.track.before(payload, event.at)
            fold(self, payload, event.at)
            self.track.after(payload, event.data, event.at)
            if isinstance(payload, TicketIssued):  # the forecast books it; anything else dates it
                self.outlook.book(payload.ticket, payload.category, event.at, payload.priority is not None)
            else:
                self.outlook.stale = True
                for ref in (getattr(payload, "ticket", None), (getattr(payload, "finished", None) or {}).get("ticket")):
                    ticket = self.state.tickets.get(ref) if ref else None
                    if ticket is not None and ticket.status != "waiting":  # it left the queue: nobody's "ahead"
                        self.outlook.forget(ticket.id)
        if event.seq:
            self.state.last_seq = event.seq

    def _on_ticket_issued(self, e: TicketIssued, at: float) -> None:
        t = Ticket(e.ticket, e.number, e.category, e.matter, e.priority, e.person_key,
                   e.appointment, at, e.queued_at, len(self.state.tickets) + 1, e.token, e.estimate,
                   channel=e.channel, issued_category=e.category, name=e.name,
                   issued_by=e.issued_by, request_hash=e.request_hash, cases=tuple(e.cases or ()))
        self.state.tickets[t.id] = t
        self.state.by_number[t.number] = t.id
        if t.appointment and t.appointment.get("code"):
            self.desk.checked_in(t.appointment["code"], t.id)
        if e.request_key:
            self.state.by_request_key[(t.issued_by, e.request_key)] = t.id

    def _on_ticket_called(self, e: TicketCalled, at: float) -> None:
        ws = self.state.windows[e.window]
        if e.finished:
            self._finish(self.state.tickets[e.finished["ticket"]], "served", at)
        t = self.state.tickets[e.ticket]
        if t.status == "held" and t.window is not None and t.window != e.window:
            self.state.windows[t.window].current = None
        for passed in e.overtaken:
            self.state.tickets[passed].overtaken += 1
        t.status, t.window, t.called_at = "called", e.window, at
        t.first_called_at = t.first_called_at or at
        t.target_window = None
        ws.current = t.id
        self.state.recent_calls = [{"number": t.number, "window": e.window, "at": at, "recall": False, **({"name": t.name} if t.name else {})},
                                   *self.state.recent_calls][:20]

    def _on_ticket_recalled(self, e: TicketRecalled, at: float) -> None:
        t = self.state.tickets[e.ticket]
        t.recalls = e.recalls
        t.called_at = at
        self.state.recent_calls = [{"number": t.number, "window": e.window, "at": at, "recall": True, **({"name": t.name} if t.name else {})},
                                   *self.state.recent_calls][:20]

    def _on_service_started(self, e: ServiceStarted, at: float) -> None:
        t = self.state.tickets[e.ticket]
        t.status, t.started_at = "serving", at

    def _on_ticket_completed(self, e: TicketCompleted, at: float) -> None:
        self._finish(self.state.tickets[e.ticket], "served", at)

    def _on_ticket_no_show(self, e: TicketNoShow, at: float) -> None:
        self._finish(self.state.tickets[e.ticket], "no_show", at)

    def _on_ticket_held(self, e: TicketHeld, at: float) -> None:
        t = self.state.tickets[e.ticket]
        t.status = "held"
        self.state.windows[e.window].current = None

    def _on_ticket_transferred(self, e: TicketTransferred, at: float) -> None:
        t = self.state.tickets[e.ticket]
        self.state.windows[e.from_window].current = None
        t.status, t.category, t.target_window, t.queued_at = "waiting", e.to_category, e.to_window, e.queued_at
        t.transfers += 1
        t.started_at = None
        t.overtaken = 0

    def _on_ticket_cancelled(self, e: TicketCancelled, at: float) -> None:
        t = self.state.tickets[e.ticket]
        if t.status == "held" and t.window is not None:
            ws = self.state.windows[t.window]
            if ws.current == t.id:
                ws.current = None
        t.status, t.outcome, t.finished_at = "done", "cancelled", at

    def _on_ticket_rejoined(self, e: TicketRejoined, at: float) -> None:
        t = self.state.tickets[e.ticket]
        t.status, t.outcome, t.finished_at, t.queued_at = "waiting", None, None, e.queued_at
        t.recalls, t.overtaken, t.window = 0, 0, None

    def _on_window_opened(self, e: WindowOpened, at: float) -> None:
        ws = self.state.windows[e.window]
        ws.status, ws.clerk, ws.pause_reason, ws.since = "open", e.clerk, None, at

    def _on_window_closed(self, e: WindowClosed, at: float) -> None:
        ws = self.state.windows[e.window]
        ws.status, ws.clerk, ws.pause_reason, ws.since = "closed", None, None, at

    def _on_window_paused(self, e: WindowPaused, at: float) -> None:
        ws = self.state.windows[e.window]
        ws.status, ws.pause_reason, ws.since = "paused", e.reason, at

    def _on_window_resumed(self, e: WindowResumed, at: float) -> None:
        ws = self.state.windows[e.window]
        ws.status, ws.pause_reason, ws.since = "open", None, at

    def _on_day_closed(self, e: DayClosed, at: float) -> None:
        for ticket in e.expired:
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
            self.ratings.slot_opened(t, at)
        elif t.started_at is None:
            t.started_at = t.called_at
        t.status, t.outcome, t.finished_at = "done", outcome, at


def rules_of(config: HallConfig) -> Rules:
    """The dispatcher's rules from the hall's configuration, with the head-start table of its
    categories' usual service times and of how many windows serve each."""
    p = config.priority
    return Rules(p.max_overtake, p.promote_after_min * 60, p.preference_step_min * 60,
                 head_starts({c.code: c.service_min for c in config.categories}, (w.serves for w in config.windows)))


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# The fold table: which code folds each kind of event into the day's state. Every type of the
# catalogue (events.py) is here; None marks one that a projection spanning days folds instead
# (the follow-ups, service.py). A test checks that nothing is missing.
FOLD: dict[type[Payload], Callable[[Hall, Any, float], None] | None] = {
    TicketIssued: Hall._on_ticket_issued,
    TicketCalled: Hall._on_ticket_called,
    TicketRecalled: Hall._on_ticket_recalled,
    ServiceStarted: Hall._on_service_started,
    TicketCompleted: Hall._on_ticket_completed,
    TicketNoShow: Hall._on_ticket_no_show,
    TicketHeld: Hall._on_ticket_held,
    TicketTransferred: Hall._on_ticket_transferred,
    TicketCancelled: Hall._on_ticket_cancelled,
    IssueAbandoned: Hall._on_issue_abandoned,
    TicketPrintFailed: Hall._on_ticket_print_failed,
    TicketRejoined: Hall._on_ticket_rejoined,
    WindowOpened: Hall._on_window_opened,
    WindowClosed: Hall._on_window_closed,
    WindowPaused: Hall._on_window_paused,
    WindowResumed: Hall._on_window_resumed,
    DayClosed: Hall._on_day_closed,
    StaffAlert: lambda h, e, at: h.desk.on_staff_alert(e, at),
    AlertAcknowledged: lambda h, e, at: h.desk.on_alert_acknowledged(e, at),
    DeviceStatus: lambda h, e, at: h.desk.on_device_status(e, at),
    NoticeSet: lambda h, e, at: h.desk.on_notice_set(e, at),
    LayoutSet: Hall._on_layout_set,
    AppointmentBooked: lambda h, e, at: h.desk.on_appointment_booked(e, at),
    AppointmentCancelled: lambda h, e, at: h.desk.on_appointment_cancelled(e, at),
    RatingRequested: lambda h, e, at: h.ratings.on_rating_requested(e, at),
    RatingGiven: lambda h, e, at: h.ratings.on_rating_given(e, at),
    RatingsDefaulted: lambda h, e, at: h.ratings.on_ratings_defaulted(e, at),
    FollowUpStep: None,  # spans days: folded by FollowUps (followup.py)
    # Cases span days and are folded by Cases (cases.py); the day's ratings note which services they came from.
    CaseOpened: lambda h, e, at: h.ratings.on_case_opened(e, at),
    CaseStep: lambda h, e, at: h.ratings.on_case_step(e, at),
}
