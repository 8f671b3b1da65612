"""The hall as a running service: the pure `Hall` joined to the event log and to listeners.

Every command goes the same way: roll the business day over if midnight (Asia/Shanghai) has
passed, let the `Hall` decide the event, append it in one transaction, fold it into the state,
then tell the listeners (the websocket hub). A command that the hall refuses writes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import overload

from .cases import Case, Cases, OpenRequest, case_number
from .errors import Conflict, Invalid
from .events import (
    AppointmentBooked,
    AppointmentCancelled,
    CaseOpened,
    CaseStep,
    DayClosed,
    Event,
    FollowUpStep,
    LayoutSet,
    RatingGiven,
    RatingsDefaulted,
    StaffAlert,
)
from .followup import FollowUps
from .hall import Hall
from .hallconfig import HallConfig
from .history import Rows, booking_row, case_row, day_rows, follow_up_row
from .hours import issuing_refusal
from .layout import in_force
from .numbering import business_day
from .retention import DailyPurge
from .state import IssueRequest, Ticket
from .store import Store, Transaction
from .store.history import HISTORY_VERSION

log = logging.getLogger("yimen.service")
CASE_PREFIX = "#case"  # case numbers' daily sequence, beside the tickets' (no ticket prefix has a #)
DAY_TICK_S = 10.0  # how soon after midnight the day is closed when nobody acts

Clock = Callable[[], float]
Listener = Callable[[Event, Hall], None]


@dataclass(frozen=True)
class Actor:
    """Who asked: recorded on every event (device name or username)."""

    name: str
    role: str

    def __str__(self) -> str:
        return f"{self.role}:{self.name}"


# The follow-ups fold only 差评 (a good rating opens nothing): the others are left in the file. A
# rating whose data cannot be read is still folded, to be reported as before.
ONLY_BAD_RATINGS = (f"type != '{RatingGiven.TYPE}' OR CASE WHEN json_valid(data) "
                    "THEN coalesce(json_extract(data, '$.bad'), 1) ELSE 1 END != 0")


class HallService:
    def __init__(self, config: HallConfig, store: Store, clock: Clock = time.time,
                 new_token: Callable[[], str] = lambda: secrets.token_urlsafe(16)):
        self.file_config = config  # the hall file; `config` is the day's (with accepted layouts, layout.py)
        self.store = store
        self.clock = clock
        self.new_token = new_token
        self.listeners: list[Listener] = []
        self.storage_problem: tuple[float, str] | None = None  # (since, what) while writes fail
        self.skipped: list[tuple[int, str]] = store.unreadable  # events left out on loading, and why
        if store.history.version() != HISTORY_VERSION:
            counts = rebuild_history(store, config)
            log.info("history tables rebuilt from the log: %s", counts)
        self._hall, self.follow_ups, self.cases = self._load_all()
        self._alert_cases(clock())
        self.purge = DailyPurge(store, config.retention.personal_days)

    def _load_all(self) -> tuple[Hall, FollowUps, Cases]:
        """Everything the service keeps in memory, folded from the log."""
        hall = self._load(business_day(self.clock()))
        follow_ups = FollowUps(self.config.ratings.follow_up_days, self.config.calendar)
        cases = Cases(self.config.calendar, self.config.cases.yellow_days)
        self._fold_span(follow_ups, "follow-ups", (RatingGiven.TYPE, FollowUpStep.TYPE), ONLY_BAD_RATINGS)
        self._fold_span(cases, "cases", (CaseOpened.TYPE, CaseStep.TYPE, StaffAlert.TYPE))
        return hall, follow_ups, cases

    def _fold_span(self, projection: FollowUps | Cases, name: str, types: tuple[str, ...], where: str = "") -> None:
        """Fold a projection that spans days (follow-ups, cases) from the whole log, one event at a
        time; an event it cannot apply is skipped and reported, as for the day's hall."""
        for event in self.store.stream_of(*types, where=where):
            try:
                projection.apply(event)
            except (ValueError, KeyError, TypeError) as exc:
                log.error("event %s (%s) cannot be applied to %s and is skipped: %r", event.seq, event.type, name, exc)
                self.skipped.append((event.seq, f"{event.type}: {exc!r}"))

    @property
    def config(self) -> HallConfig:
        """The configuration the hall runs on now: the hall file's, with the layouts managers
        accepted (`layout_set` events) in place of its windows' `serves`."""
        hall = getattr(self, "_hall", None)
        return hall.config if hall is not None else self.file_config

    @property
    def hall(self) -> Hall:
        """The current business day's hall. Reading never writes: the day is closed at start, by
        the server's timer (`tick`, every few seconds) and before any command after midnight."""
        return self._hall

    # ------------------------------------------------------------ state from the log

    def _load(self, day: date) -> Hall:
        for old in self.store.unclosed_days_before(day.isoformat()):
            self._close_old_day(date.fromisoformat(old))
        purged = self.store.purge_intake(day.isoformat())
        if purged:
            log.info("deleted %d intake draft(s) of earlier days", purged)
        self._default_old_ratings(day)
        hall = Hall(self._config_on(day.isoformat()), day)
        self._fold(hall, self.store.events(day=day.isoformat()))
        hall.state.last_seq = self.store.last_seq()
        return hall

    def _config_on(self, day: str) -> HallConfig:
        """The configuration `day` starts with: the hall file and the layouts accepted before it."""
        return in_force(self.file_config, list(self.store.stream_of(LayoutSet.TYPE)), day)

    def _fold(self, hall: Hall, events: list[Event]) -> None:
        """Fold a day's events; one this version cannot apply (an unknown type, missing fields) is
        skipped and reported rather than keeping the hall from opening."""
        for event in events:
            try:
                hall.apply(event)
            except (ValueError, KeyError, TypeError) as exc:
                log.error("event %s (%s) cannot be applied and is skipped: %r", event.seq, event.type, exc)
                self.skipped.append((event.seq, f"{event.type}: {exc!r}"))

    def _default_old_ratings(self, today: date) -> None:
        """Where the province turns silence into a rating after N days, record it for the days that
        are now N days old (and any the box missed while it was off, up to 60 days back)."""
        after = self.config.ratings.default_after_days
        if not after:
            return
        last = today - timedelta(days=after)
        served_days = self.store.days_with("ticket_issued", (last - timedelta(days=60)).isoformat(), last.isoformat())
        done_days = set(self.store.days_with("ratings_defaulted", served_days[0], last.isoformat())) if served_days else set()
        for day in served_days:
            if day in done_days:
                continue
            old = Hall(self._config_on(day), date.fromisoformat(day))
            self._fold(old, self.store.events(day=day))
            event = old.ratings.default_ratings(self.clock(), self.config.ratings.default_level)
            if event is not None:
                with self.store.transaction() as tx:
                    self._record(tx, event, old, spans_days=False)
                log.info("province default rating for %d silent service(s) of %s", len(event.data["tickets"]), day)

    def _close_old_day(self, day: date) -> None:
        old = Hall(self._config_on(day.isoformat()), day)
        self._fold(old, self.store.events(day=day.isoformat()))
        event = old.close_day(self.clock())
        with self.store.transaction() as tx:
            self._record(tx, event, old, spans_days=False)
        log.info("closed business day %s: %d unfinished ticket(s) expired", day, len(event.data["expired"]))

    def _roll_over(self, now: float) -> None:
        today = business_day(now)
        if today != self._hall.state.day:
            event = self._hall.close_day(now)
            self._write(event)
            self._publish(event)
            self._hall = self._load(today)  # appointments booked earlier for today come with it
            self._alert_cases(now)

    # ------------------------------------------------------------ commands

    @overload
    def run(self, command: Callable[[Hall, float], Event]) -> Event: ...
    @overload
    def run(self, command: Callable[[Hall, float], Event | None]) -> Event | None: ...

    def run(self, command: Callable[[Hall, float], Event | None]) -> Event | None:
        """Decide, append, apply, publish — for every command except issuing.
        A command that finds nothing to change returns None and nothing is written."""
        now = self.clock()
        self._roll_over(now)
        event = command(self._hall, now)
        if event is None:
            return None
        self._commit(event)
        return event

    def run_all(self, command: Callable[[Hall, float], list[Event]]) -> list[Event]:
        """As `run`, for a command that records several events at once (an appointment moved to
        another slot: the new booking and the old one's cancellation), in one transaction."""
        now = self.clock()
        self._roll_over(now)
        events = command(self._hall, now)
        with self._folding() as tx:
            for event in events:
                self._record(tx, event, self._hall)
        self.storage_trouble(None)
        for event in events:
            self._publish(event)
        return events

    def follow_up(self, item: str, step: str, note: str, by: str, actor: Actor) -> Event:
        """Advance a bad-review follow-up item (items span days: they are not in the day's hall)."""
        now = self.clock()
        self._roll_over(now)
        event = self.follow_ups.advance(item, step, note, by, now, str(actor))
        self._commit(event)
        return event

    def open_case(self, request: OpenRequest, identity: dict | None, actor: Actor) -> Case:
        """Open a case; its number is allocated inside the transaction that records it, with the
        applicant's identity (kept beside the log, never in it)."""
        now = self.clock()
        self._roll_over(now)
        day = business_day(now)
        matter = self.config.matter(request.matter)
        token = self.new_token()
        self.cases.open_payload(request, matter, "", token, actor.name)  # refuse before taking a number
        with self._folding() as tx:
            number = case_number(self.config.hall.region_code, day, tx.next_sequence(day.isoformat(), CASE_PREFIX))
            event = Event.of(self.cases.open_payload(request, matter, number, token, actor.name), now,
                             day.isoformat(), str(actor))
            if identity:
                tx.put_applicant(number, identity, now)
            self._record(tx, event, self._hall)  # the day's ratings note the ticket the case came from
        self.storage_trouble(None)
        self._publish(event)
        return self.cases.get(number)

    def case_step(self, number: str, action: str, actor: Actor, **details) -> Event:
        """One step of a case (cases span days: they are not in the day's hall)."""
        now = self.clock()
        self._roll_over(now)
        if action == "accept_incomplete":  # the 一次性告知书 lists them from the matter's checklist
            matter = self.config.matter(self.cases.get(number).matter)
            known = {m.name for m in matter.materials} if matter else set()
            unknown = [name for name in details.get("missing") or () if name not in known]
            if unknown:
                raise Invalid("unknown_material", f"not on the matter's checklist: {', '.join(unknown)}")
        event = self.cases.act(number, action, actor.name, now, str(actor), **details)
        self._commit(event)
        self._alert_cases(now, number)
        return event

    def _alert_cases(self, now: float, only: str | None = None) -> None:
        """电子监察: a case turning yellow or red raises a staff alert, once per colour. Checked at
        start-up, when the day rolls over (colours change with the date) and after a case's step."""
        names = {m.code: m.name for m in self.config.matters}
        for kind, message, source in self.cases.alerts_due(business_day(now), names, only):
            self._commit(self._hall.desk.alert(kind, message, source, now, "system:supervision", system=True))

    def _commit(self, event: Event) -> None:
        self._write(event)
        self.storage_trouble(None)
        self._publish(event)

    def _write(self, event: Event) -> None:
        with self._folding() as tx:
            self._record(tx, event, self._hall)

    @contextmanager
    def _folding(self) -> Iterator[Transaction]:
        """A write transaction in which events are folded as they are appended (their history rows
        go into the same transaction). Should it fail after a fold, the memory no longer matches
        the log: everything is folded again from the log, and the failure goes on to the caller."""
        before = self._hall.state.last_seq
        try:
            with self.store.transaction() as tx:
                yield tx
        except BaseException:
            if self._hall.state.last_seq != before:
                self._hall, self.follow_ups, self.cases = self._load_all()
            raise

    def _record(self, tx: Transaction, event: Event, hall: Hall, *, spans_days: bool = True) -> None:
        """Append an event, fold it, and write the history rows it changed — all inside `tx`.
        `spans_days`: fold it into the follow-ups and cases too (not for a past day's closing)."""
        tx.append(event)
        hall.apply(event)
        rows = day_rows(hall)
        if event.type == AppointmentBooked.TYPE:
            rows.bookings.append(booking_row(event.day, event.payload()))  # type: ignore[arg-type]
        if event.type == AppointmentCancelled.TYPE:  # a cancelled booking is neither kept nor missed
            tx.conn.execute("DELETE FROM booking_facts WHERE code = ? AND day = ?", (event.data["code"], event.day))
        if spans_days:
            self.follow_ups.apply(event)
            self.cases.apply(event)
            rows.cases += [case_row(c, self.config.calendar) for c in self.cases.touched(event)]
            rows.follow_ups += [follow_up_row(f) for f in self.follow_ups.touched(event)]
        tx.write_history(rows)
        if event.type in (DayClosed.TYPE, RatingsDefaulted.TYPE):  # a closed day's tickets: tallied once
            tx.tally_day(event.day)

    def issue(self, request: IssueRequest, actor: Actor) -> tuple[Ticket, Event | None]:
        """Issue a ticket; its number is allocated inside the same transaction as the event.
        Returns the ticket and its event — no event when this same request (same caller, same
        idempotency key) got its ticket already (see `Hall.replayed`)."""
        now = self.clock()
        self._roll_over(now)
        earlier = self._hall.replayed(request, str(actor))
        if earlier is not None:
            return earlier, None
        if request.channel == "kiosk":
            refusal = issuing_refusal(self.config.hours, now)
            if refusal:
                raise Conflict("hall_closed", refusal)
        if request.cases:
            self._check_pickup(request)
        prepared = self._hall.prepare_issue(request, now, str(actor))  # checked once, estimated: outside
        with self._folding() as tx:  # the write transaction holds only the number, the event and its rows
            sequence = tx.next_sequence(self._hall.state.day.isoformat(), prepared.prefix)
            event = self._hall.issue_event(prepared, sequence, self.new_token())
            self._record(tx, event, self._hall)
        self.storage_trouble(None)
        self._publish(event)
        return self._hall.state.tickets[event.data["ticket"]], event

    def _check_pickup(self, request: IssueRequest) -> None:
        """A pick-up ticket collects results that are ready, in the hall's pick-up category, and
        no case is waited for twice."""
        pickup = self.config.cases.pickup_category
        if not pickup or request.category != pickup:
            raise Invalid("not_a_pickup_category", f"results are collected with a ticket of category {pickup or '(none set)'}")
        for number in request.cases:
            case = self.cases.get(number)
            if case.status != "result_ready":
                raise Conflict("result_not_ready", f"the result of case {number} is not ready to collect")
            held = next((t for t in self._hall.state.tickets.values() if t.active and number in t.cases), None)
            if held is not None:
                raise Conflict("already_has_ticket", f"ticket {held.number} is already waiting to collect case {number}")

    def storage_trouble(self, problem: str | None) -> None:
        """Note that writing failed (a full disk, a locked or damaged file), or — after an event was
        written — that it works again.
        Kept in memory — the database cannot take it — and shown to managers on the live page."""
        if problem is None:
            if self.storage_problem is not None:
                log.warning("storage works again")
            self.storage_problem = None
        elif self.storage_problem is None:
            self.storage_problem = (self.clock(), problem)

    def tick(self) -> None:
        """Called periodically: rolls the day over even when nobody acts at midnight, and once a
        day purges personal data older than the retention (retention.py)."""
        now = self.clock()
        self._roll_over(now)
        self.purge.run(business_day(now), self.cases)

    async def keep_the_day(self, every_s: float = DAY_TICK_S) -> None:
        """Tick for as long as the server runs (a background task of the web app)."""
        while True:
            await asyncio.sleep(every_s)
            try:
                self.tick()
            except Exception:
                log.exception("day roll-over failed")

    def _publish(self, event: Event) -> None:
        for listener in list(self.listeners):
            try:
                listener(event, self._hall)
            except Exception:  # a broken listener must not undo a committed event
                log.exception("listener failed on event %s", event.seq)


def rebuild_history(store: Store, config: HallConfig) -> dict[str, int]:
    """Fill the history tables from the log, in one transaction: on demand (`yimen rebuild`) and on
    the first start after their schema changed. An event this version cannot fold is skipped, as
    on loading. Returns the rows written per table."""
    follow_ups = FollowUps(config.ratings.follow_up_days, config.calendar)
    cases = Cases(config.calendar, config.cases.yellow_days)
    counts = {"tickets": 0, "spans": 0, "window_days": 0, "bookings": 0, "cases": 0, "follow_ups": 0, "day_tallies": 0}

    def write(tx: Transaction, rows: Rows) -> None:
        for name in counts.keys() - {"day_tallies"}:
            counts[name] += len(getattr(rows, name))
        tx.write_history(rows)

    layouts = list(store.stream_of(LayoutSet.TYPE))
    with store.transaction() as tx:
        store.history.clear()
        for day in store.event_days():
            hall = Hall(in_force(config, layouts, day), date.fromisoformat(day))
            bookings = Rows()
            closed = False
            for event in store.events(day=day):
                closed = closed or event.type == DayClosed.TYPE
                try:
                    hall.apply(event)
                    follow_ups.apply(event)
                    cases.apply(event)
                except (ValueError, KeyError, TypeError) as exc:
                    log.error("event %s (%s) cannot be applied and is left out of the history: %r", event.seq, event.type, exc)
                    continue
                if event.type == AppointmentBooked.TYPE:
                    bookings.bookings.append(booking_row(event.day, event.payload()))  # type: ignore[arg-type]
                if event.type == AppointmentCancelled.TYPE:
                    bookings.bookings = [b for b in bookings.bookings if b[0] != event.data["code"]]
            write(tx, day_rows(hall, everything=True))
            write(tx, bookings)
            if closed:
                counts["day_tallies"] += tx.tally_day(day)
        write(tx, Rows(cases=[case_row(c, config.calendar) for c in cases.items.values()],
                       follow_ups=[follow_up_row(f) for f in follow_ups.items.values()]))
        store.history.mark_built()
    return counts
