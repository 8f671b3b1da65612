"""The case service's state: every case, folded from `case_opened` and `case_step` events, and the
commands that check a request against the case rules (casework.py) and answer with an event.

Cases span days (a 承诺件 runs for weeks), so like the 差评 follow-ups they are a projection of their
own over the whole log, not part of one day's hall. Pure: no I/O, the time is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hallapi.protocol import mask_name

from .casework import (
    CASE_TYPES,
    CLOCK_RUNS,
    CROSS_REGION_ACTIONS,
    FINISHED,
    REAL_TYPES,
    STATUSES,
    TRANSITIONS,
    Due,
    Pause,
    Supervision,
    due_date,
    next_status,
    supervise,
)
from .errors import Conflict, Invalid, NotFound
from .events import CaseOpened, CaseStep, Event, StaffAlert
from .matters import Matter
from .numbering import business_day
from .shelf import Shelf
from .workdays import WorkCalendar

CHANNELS = ("window", "mail", "agent_point", "help_desk")
DELIVERIES = ("window", "ems", "electronic")
ALERT_SOURCE = "case:"  # a staff alert's source for a case: case:<number>
OUTCOMES = ("approved", "not_approved")
# What the citizen is told comes next, by status (the case page and the console).
NEXT_STEP = {
    "received": ("等待窗口受理", "waiting to be accepted"),
    "accepted": ("已受理，正在办理", "accepted; being processed"),
    "awaiting_materials": ("请按一次性告知书补齐材料", "bring the missing materials listed on the notice"),
    "in_progress": ("正在审查办理", "under review"),
    "decided": ("已作出决定，正在制作结果", "decided; the result is being prepared"),
    "result_ready": ("办理结果已出，请领取", "the result is ready to collect"),
    "handed_over": ("办理结果已送达", "the result has been handed over"),
    "archived": ("已办结归档", "finished and archived"),
    "returned": ("不予受理，详见通知书", "not accepted; see the notice"),
    "withdrawn": ("申请人已撤回", "withdrawn by the applicant"),
}


def case_number(region_code: str, day: date, sequence: int) -> str:
    """Region code + date + sequence (the pattern of GB/T 39046's 办件编号): unique in the hall,
    allocated in the transaction that records the case."""
    return f"{region_code[:6]}{day:%Y%m%d}{sequence:05d}"


@dataclass
class Case:
    number: str
    token: str
    matter: str
    case_type: str
    applicant_kind: str
    applicant_name: str
    person_key: str | None
    channel: str
    window: int | None
    clerk: str
    ticket: str | None
    materials: list[dict[str, Any]]
    legal_limit_days: int
    committed_limit_days: int
    delivery: str
    opened_at: float
    opened_day: date
    agent_name: str | None = None
    departments: list[str] = field(default_factory=list)
    lead_window: int | None = None
    region: str | None = None  # 跨域通办: the responsible region
    status: str = "received"
    accepted_day: date | None = None
    decided_day: date | None = None
    outcome: str | None = None
    missing: list[str] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)
    waybill: str | None = None
    mail: list[dict[str, Any]] = field(default_factory=list)  # 跨域通办: the file out, the result back
    delivered_on: date | None = None  # EMS: the day the applicant signed for the result
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def paused(self) -> bool:
        return any(p.end is None for p in self.pauses)

    def due(self, calendar: WorkCalendar, committed: bool = True) -> Due | None:
        """The committed (else the legal) completion date; None before acceptance or for a refusal."""
        if self.accepted_day is None:
            return None
        limit = self.committed_limit_days if committed and self.committed_limit_days else self.legal_limit_days
        return due_date(self.accepted_day, limit, calendar, self.pauses)

    def actions(self) -> list[str]:
        """The steps this case can take now (the console offers only these): its lifecycle, and
        the clock — pause only while running, resume only while paused, no decision or withdrawal
        while paused; mailing to a region only for a 跨域通办 case."""
        paused = self.paused
        return [a for a, (starts, _) in TRANSITIONS.items() if self.status in starts
                and not (a == "pause" and paused) and not (a == "resume" and not paused)
                and not (a in ("decide", "withdraw") and paused)
                and not (a in CROSS_REGION_ACTIONS and self.region is None)
                and not (a == "delivered" and (self.delivery != "ems" or self.delivered_on is not None))]

    def supervision(self, today: date, calendar: WorkCalendar, yellow_days: int) -> Supervision | None:
        """电子监察 while the clock runs (from acceptance to the decision); a decided case keeps
        the colour of the day it was decided on, so a late decision stays on the record as late."""
        due = self.due(calendar)
        if due is None or due.day is None or self.status not in CLOCK_RUNS | {"decided", "result_ready",
                                                                               "handed_over", "archived"}:
            return None
        on = self.decided_day if self.decided_day is not None else today
        return supervise(due.day, on, calendar, yellow_days, self.pauses)


@dataclass(frozen=True)
class OpenRequest:
    """What a clerk gives to open a case; checked by `Cases.open_payload`."""

    matter: str
    applicant_kind: str
    applicant_name: str
    person_key: str | None
    channel: str
    window: int | None
    ticket: str | None
    materials: tuple[dict[str, Any], ...]
    delivery: str
    case_type: str | None = None  # the matter's type unless the clerk says otherwise
    agent_name: str | None = None
    departments: tuple[str, ...] = ()
    lead_window: int | None = None
    region: str | None = None  # 跨域通办: the responsible region (the file is mailed there)


class Cases:
    def __init__(self, calendar: WorkCalendar, yellow_days: int = 1):
        self.calendar = calendar
        self.yellow_days = yellow_days
        # Only cases whose clock runs are walked often (supervision): the others are kept packed.
        self.items: Shelf[Case] = Shelf(Case, lambda case: case.status not in CLOCK_RUNS)
        self.by_token: dict[str, str] = {}
        self.by_person: dict[str, list[str]] = {}  # person key → their cases, in the order opened
        self.alerted: set[tuple[str, str]] = set()  # (case, alert kind) raised already

    def touched(self, event: Event) -> list[Case]:
        """The case an event (already applied) changed, for its history row."""
        if event.type in (CaseOpened.TYPE, CaseStep.TYPE):
            case = self.items.get(event.data.get("case", ""))
            return [case] if case is not None else []
        return []

    def get(self, number: str) -> Case:
        found = self.items.get(number)
        if found is None:
            raise NotFound("case_not_found", f"no case {number}")
        return found

    def by_public_token(self, token: str) -> Case:
        number = self.by_token.get(token)
        if number is None:
            raise NotFound("case_not_found", "no such case page; check the link on the notice")
        return self.items[number]

    def of_person(self, key: str) -> list[Case]:
        """A person's cases (by their person key), in the order they were opened."""
        return [self.items[number] for number in self.by_person.get(key, ())]

    def forget(self, number: str) -> None:
        """The applicant's personal data purged (retention): the case keeps its masked record only."""
        case = self.items.get(number)
        if case is None:
            return
        if case.person_key is not None and number in self.by_person.get(case.person_key, ()):
            self.by_person[case.person_key].remove(number)
            if not self.by_person[case.person_key]:
                del self.by_person[case.person_key]
        case.applicant_name, case.person_key, case.agent_name = "", None, None
        self.items[number] = case

    # ------------------------------------------------------------ commands

    def open_payload(self, req: OpenRequest, matter: Matter | None, number: str, token: str, clerk: str) -> CaseOpened:
        """The event for a new case, or why it cannot be opened."""
        if matter is None:
            raise Invalid("unknown_matter", f"no matter {req.matter} in this hall's catalog")
        case_type = req.case_type or matter.case_type
        if case_type not in CASE_TYPES or case_type == "returned":
            raise Invalid("unknown_case_type", f"a case is opened as one of {', '.join(t for t in CASE_TYPES if t != 'returned')}")
        if req.applicant_kind not in ("person", "company"):
            raise Invalid("unknown_applicant", "the applicant is a person or a company")
        if not req.applicant_name.strip():
            raise Invalid("applicant_required", "name the applicant")
        if req.channel not in CHANNELS:
            raise Invalid("unknown_channel", f"a case arrives by one of {', '.join(CHANNELS)}")
        if req.channel == "window" and req.window is None:
            raise Invalid("window_required", "a case received at a window names the window")
        if req.delivery not in DELIVERIES:
            raise Invalid("unknown_delivery", f"the result is delivered by one of {', '.join(DELIVERIES)}")
        if case_type == "joint" and (len(req.departments) < 2 or req.lead_window is None):
            raise Invalid("joint_needs_departments", "a 联办件 names at least two departments and the lead window")
        known = {m.name for m in matter.materials}
        unknown = [m["name"] for m in req.materials if m.get("name") not in known]
        if unknown:
            raise Invalid("unknown_material", f"not on {matter.name}'s checklist: {', '.join(unknown)}")
        if req.region is not None and not req.region.strip():
            raise Invalid("region_required", "a 跨域通办 case names the responsible region")
        name = mask_name(req.applicant_name) if req.applicant_kind == "person" else req.applicant_name.strip()
        return CaseOpened(number, token, matter.code, case_type, req.applicant_kind, name, req.person_key,
                          req.channel, req.window, clerk, req.ticket, [dict(m) for m in req.materials],
                          matter.legal_limit_days, matter.committed_limit_days, req.delivery,
                          mask_name(req.agent_name) if req.agent_name else None, list(req.departments),
                          req.lead_window, req.region.strip() if req.region else None)

    def act(self, number: str, action: str, by: str, now: float, actor: str, note: str = "",
            outcome: str | None = None, missing: list[str] | None = None, case_type: str | None = None,
            delivery: str | None = None, waybill: str | None = None, body: str | None = None,
            ticket: str | None = None) -> Event:
        """One step of a case, checked against its lifecycle and what the step needs."""
        case = self.get(number)
        next_status(case.status, action)  # refuses what the case cannot do now
        note = note.strip()
        if action in ("return", "withdraw", "pause", "step") and not note:
            raise Invalid("note_required", f"say why ({action.replace('_', ' ')}): it is written on the record")
        if action == "accept_incomplete" and not missing:
            raise Invalid("missing_required", "list every missing material (一次性告知: all of them, at once)")
        if action == "materials_complete" and case_type not in REAL_TYPES:
            raise Invalid("case_type_required", f"say which type it continues as: {', '.join(REAL_TYPES)}")
        if action == "decide":
            if outcome not in OUTCOMES:
                raise Invalid("outcome_required", "a decision is approved or not_approved")
            if outcome == "not_approved" and not note:
                raise Invalid("note_required", "a refusal gives its reason")
        if action == "pause" and case.paused:
            raise Conflict("already_paused", f"case {number}'s clock is already stopped")
        if action == "resume" and not case.paused:
            raise Conflict("not_paused", f"case {number}'s clock is running")
        if action in ("decide", "withdraw") and case.paused:
            raise Conflict("paused", f"resume case {number}'s clock first (record when the pause ended)")
        if action in CROSS_REGION_ACTIONS:
            if case.region is None:
                raise Conflict("not_cross_region", f"case {number} is not a 跨域通办 case")
            if not (waybill or "").strip():
                raise Invalid("waybill_required", "record the waybill number of the mail")
            if action == "result_received" and outcome not in OUTCOMES:
                raise Invalid("outcome_required", "say what the responsible region decided: approved or not_approved")
        if action == "delivered" and (case.delivery != "ems" or case.delivered_on is not None):
            raise Conflict("not_in_the_mail", f"case {number}'s result is not in the mail waiting to be signed for")
        if action == "hand_over":
            delivery = delivery or case.delivery
            if delivery not in DELIVERIES:
                raise Invalid("unknown_delivery", f"handed over by one of {', '.join(DELIVERIES)}")
            if delivery == "ems" and not (waybill or "").strip():
                raise Invalid("waybill_required", "an EMS hand-over records the waybill number")
        payload = CaseStep(number, action, note, by, outcome, list(missing) if missing else None, case_type,
                           delivery if action == "hand_over" else None,
                           waybill.strip() if waybill else None, body, ticket if action == "hand_over" else None)
        return Event.of(payload, now, business_day(now).isoformat(), actor)

    # ------------------------------------------------------------ folding

    def apply(self, event: Event) -> None:
        if event.type == StaffAlert.TYPE:
            alert = event.payload()
            assert isinstance(alert, StaffAlert)
            if alert.source.startswith(ALERT_SOURCE):
                self.alerted.add((alert.source.removeprefix(ALERT_SOURCE), alert.kind))
            return
        if event.type not in (CaseOpened.TYPE, CaseStep.TYPE):
            return
        e = event.payload()
        day = date.fromisoformat(event.day)
        if isinstance(e, CaseOpened):
            self.items[e.case] = Case(e.case, e.token, e.matter, e.case_type, e.applicant_kind, e.applicant_name,
                                      e.person_key, e.channel, e.window, e.clerk, e.ticket, list(e.materials),
                                      e.legal_limit_days, e.committed_limit_days, e.delivery, event.at, day,
                                      e.agent_name, list(e.departments), e.lead_window, e.region)
            self.by_token[e.token] = e.case
            if e.person_key is not None:
                self.by_person.setdefault(e.person_key, []).append(e.case)
            return
        assert isinstance(e, CaseStep)
        case = self.items[e.case]
        case.history.append({"action": e.action, "note": e.note, "by": e.by, "at": event.at, "day": event.day,
                             **({"outcome": e.outcome} if e.outcome else {}), **({"body": e.body} if e.body else {})})
        case.status = next_status(case.status, e.action)
        if e.action in ("accept", "accept_incomplete"):
            case.accepted_day = day
        if e.action == "accept_incomplete":
            case.missing = list(e.missing or [])
            case.pauses.append(Pause(day, None, "等待补正材料"))  # the wait for materials does not count
        elif e.action == "materials_complete":
            case.missing, case.case_type = [], e.case_type or case.case_type
            self._end_pause(case, day)
        elif e.action == "pause":
            case.pauses.append(Pause(day, None, e.note))
        elif e.action == "resume":
            self._end_pause(case, day)
        elif e.action == "decide":
            case.outcome, case.decided_day = e.outcome, day
        elif e.action == "send_to_region":
            case.mail.append({"direction": "out", "waybill": e.waybill, "on": event.day, "to": case.region})
        elif e.action == "result_received":
            case.outcome, case.decided_day = e.outcome, day
            case.mail.append({"direction": "back", "waybill": e.waybill, "on": event.day, "from": case.region})
        elif e.action == "hand_over":
            case.delivery, case.waybill = e.delivery or case.delivery, e.waybill
        elif e.action == "delivered":
            case.delivered_on = day
        elif e.action == "return":
            case.case_type = "returned"
        self.items[e.case] = case  # stored again: packed once it is finished

    @staticmethod
    def _end_pause(case: Case, day: date) -> None:
        """The clock runs again from `day`: the pause covered its first day up to the day before
        (a pause ended on the day it began covers nothing)."""
        for i, p in enumerate(case.pauses):
            if p.end is None:
                case.pauses[i] = Pause(p.start, day - timedelta(days=1), p.reason)

    # ------------------------------------------------------------ supervision alerts

    def alerts_due(self, today: date, matter_names: dict[str, str], only: str | None = None) -> list[tuple[str, str, str]]:
        """The staff alerts supervision calls for now, each raised once per case and colour:
        (kind, message, source). Yellow → `case_due`, red → `case_overdue`."""
        out = []
        for case in ([self.get(only)] if only else self.items.live()):
            if case.status not in CLOCK_RUNS:
                continue
            sup = case.supervision(today, self.calendar, self.yellow_days)
            if sup is None or sup.colour == "green":
                continue
            kind = "case_overdue" if sup.colour == "red" else "case_due"
            if (case.number, kind) in self.alerted:
                continue
            due = _day(case.due(self.calendar))
            name = matter_names.get(case.matter, case.matter)
            if kind == "case_overdue":
                message = f"办件 {case.number}（{name}）已超期 {sup.overdue_days} 个工作日，承诺 {due} 办结"
            else:
                message = f"办件 {case.number}（{name}）剩余 {sup.days_left} 个工作日，承诺 {due} 办结"
            out.append((kind, message, ALERT_SOURCE + case.number))
        return out

    # ------------------------------------------------------------ views

    def view(self, case: Case, today: date, matter_name: str = "") -> dict[str, Any]:
        """The staff view (personal data beyond the masked name is added by the caller, audited)."""
        due, legal = case.due(self.calendar), case.due(self.calendar, committed=False)
        sup = case.supervision(today, self.calendar, self.yellow_days)
        return {
            "number": case.number, "matter": case.matter, "matter_name": matter_name, "case_type": case.case_type,
            "case_type_label": CASE_TYPES[case.case_type][0], "status": case.status,
            "status_label": STATUSES[case.status][0], "applicant_kind": case.applicant_kind,
            "applicant_name": case.applicant_name, "agent_name": case.agent_name, "channel": case.channel,
            "window": case.window, "clerk": case.clerk, "ticket": case.ticket, "materials": case.materials,
            "missing": case.missing, "delivery": case.delivery, "waybill": case.waybill,
            "departments": case.departments, "lead_window": case.lead_window, "opened_at": case.opened_at,
            "region": case.region, "mail": case.mail,
            "delivered_on": case.delivered_on.isoformat() if case.delivered_on else None,
            "accepted_on": case.accepted_day.isoformat() if case.accepted_day else None,
            "legal_limit_days": case.legal_limit_days, "committed_limit_days": case.committed_limit_days,
            "due": _day(due), "due_provisional": bool(due and due.provisional), "legal_due": _day(legal),
            "paused": case.paused, "pauses": [{"start": p.start.isoformat(), "end": p.end.isoformat() if p.end else None,
                                                "reason": p.reason} for p in case.pauses],
            "outcome": case.outcome, "finished": case.status in FINISHED,
            "supervision": None if sup is None else {"colour": sup.colour, "days_left": sup.days_left,
                                                     "overdue_days": sup.overdue_days},
            "history": case.history, "actions": case.actions(), "token": case.token,
        }

    def public_view(self, case: Case, matter_name: str) -> dict[str, Any]:
        """The citizen's case page: where it stands, what comes next, the date — no personal data
        beyond the masked name."""
        due = case.due(self.calendar)
        zh, en = NEXT_STEP[case.status]
        if case.region and case.status == "in_progress" and case.mail:
            zh, en = f"材料已寄往{case.region}办理，结果寄回后通知领取", f"mailed to {case.region}; you will be told when the result is back"
        return {"number": case.number, "matter_name": matter_name, "case_type_label": CASE_TYPES[case.case_type][0],
                "status": case.status, "status_label": STATUSES[case.status][0], "status_en": STATUSES[case.status][1],
                "next_step": zh, "next_step_en": en, "applicant_name": case.applicant_name, "due": _day(due), "due_provisional": bool(due and due.provisional),
                "paused": case.paused, "missing": case.missing if case.status == "awaiting_materials" else [],
                "delivery": case.delivery, "outcome": case.outcome if case.status in ("result_ready", "handed_over",
                                                                                      "archived") else None}

    def board(self, today: date) -> dict[str, Any]:
        """The supervision board: running cases by colour, and the overdue ones with who answers for them."""
        counts = {"green": 0, "yellow": 0, "red": 0}
        overdue: list[dict[str, Any]] = []
        for case in self.items.live():
            if case.status not in CLOCK_RUNS:
                continue
            sup = case.supervision(today, self.calendar, self.yellow_days)
            if sup is None:  # paused with no date to promise: counted apart
                continue
            counts[sup.colour] += 1
            if sup.colour == "red":
                overdue.append({"number": case.number, "matter": case.matter, "window": case.window,
                                "clerk": case.clerk, "due": _day(case.due(self.calendar)),
                                "overdue_days": sup.overdue_days})
        overdue.sort(key=lambda c: (-c["overdue_days"], c["number"]))
        paused = sum(1 for c in self.items.live() if c.status in CLOCK_RUNS and c.paused)
        return {"counts": counts, "paused": paused, "overdue": overdue}


def _day(due: Due | None) -> str | None:
    return due.day.isoformat() if due is not None and due.day is not None else None
