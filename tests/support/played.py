"""A hall with history: working days played through the real service (queue_server/sim/history.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from queue_server.cases import OpenRequest
from queue_server.hallconfig import HallConfig
from queue_server.service import Actor, HallService
from queue_server.state import IssueRequest
from queue_server.store import Store
from tests.support.hall import at
from tests.support.history import seed_history


def played_store(tmp_path: Path, config: HallConfig, days: tuple[str, str], tickets_per_day: float = 40,
                 seed: int = 7) -> tuple[Store, HallService]:
    """A store in `tmp_path/played` holding the working days from `days[0]` through `days[1]`, and
    the service that played them (its clock left after the last day's events)."""
    store = Store.open(tmp_path / "played")
    first, last = (date.fromisoformat(d) for d in days)
    service = seed_history(store, config, first, last, seed=seed, tickets_per_day=tickets_per_day)
    return store, service


KIOSK = Actor("kiosk-1", "kiosk")
CLERK = Actor("wang", "clerk")
PAD = "review:pad-5"


def issue_at(svc: HallService, clock, when: str, category: str, matter: str | None = None, **kw) -> str:
    clock.now = at(when)
    ticket, _ = svc.issue(IssueRequest(category=category, matter=matter, **kw), KIOSK)
    return ticket.number


def _do(svc: HallService, clock, when: str, command) -> None:
    clock.now = at(when)
    svc.run(command)


def _case(svc: HallService, clock, when: str, ticket_number: str, matter: str) -> str:
    clock.now = at(when)
    ticket = svc.hall.ticket(ticket_number)
    request = OpenRequest(matter, "person", "张*", None, "window", 5, ticket.id,
                          ({"name": "居民身份证", "form": "original", "count": 1},), "window")
    case = svc.open_case(request, None, CLERK)
    svc.case_step(case.number, "accept", CLERK)
    return case.number


def play_the_scripted_week(svc: HallService, clock) -> None:
    """Window 5 (户籍, category D only), clerk wang; the hall opens 08:30–12:00, 13:30–17:00."""
    # Monday 23 November
    _do(svc, clock, "2026-11-23 08:30", lambda h, now: h.open_window(5, now, clerk="wang"))
    issue_at(svc, clock, "2026-11-23 08:40", "D", "HJ-002")  # D001
    _do(svc, clock, "2026-11-23 08:45", lambda h, now: h.call_next(5, now))  # waited 5 min; 5 min idle with a queue
    _do(svc, clock, "2026-11-23 08:46", lambda h, now: h.start(5, now))
    issue_at(svc, clock, "2026-11-23 08:50", "D")  # D002
    _do(svc, clock, "2026-11-23 08:56", lambda h, now: h.complete(5, now))  # D001 served 10 min
    first_case = _case(svc, clock, "2026-11-23 08:57", "D001", "HJ-002")  # due 5 working days on
    _do(svc, clock, "2026-11-23 08:58", lambda h, now: h.ratings.rate("D001", 5, now, device_window=5, actor=PAD))
    _do(svc, clock, "2026-11-23 09:00", lambda h, now: h.call_next(5, now))  # D002 waited 10 min; 4 min idle
    _do(svc, clock, "2026-11-23 09:00", lambda h, now: h.start(5, now))
    _do(svc, clock, "2026-11-23 09:05", lambda h, now: h.complete(5, now))  # served 5 min
    _do(svc, clock, "2026-11-23 09:06", lambda h, now: h.ratings.rate(
        "D002", 2, now, device_window=5, reasons=["服务态度差"], actor=PAD))  # 差评
    _do(svc, clock, "2026-11-23 09:10", lambda h, now: h.pause(5, "临时离岗", now))
    issue_at(svc, clock, "2026-11-23 09:12", "D")  # D003, waits while the window is paused (not idle)
    _do(svc, clock, "2026-11-23 09:30", lambda h, now: h.resume(5, now))  # paused 20 min
    _do(svc, clock, "2026-11-23 09:31", lambda h, now: h.call_next(5, now))  # waited 19 min (> 15); 1 min idle
    _do(svc, clock, "2026-11-23 09:33", lambda h, now: h.skip(5, now))  # no-show
    issue_at(svc, clock, "2026-11-23 09:40", "D")  # D004
    clock.now = at("2026-11-23 09:50")
    svc.run(lambda h, now: h.cancel("D004", now, "不办了"))  # 10 min idle while it waited
    clock.now = at("2026-11-23 09:55")
    svc.run(lambda h, now: h.desk.book("Y1", at("2026-11-24 09:30"), at("2026-11-24 10:00"), now, category="A"))
    svc.run(lambda h, now: h.desk.book("Y2", at("2026-11-24 10:00"), at("2026-11-24 10:30"), now, category="A"))
    _do(svc, clock, "2026-11-23 10:00", lambda h, now: h.close_window(5, now))  # 1.5 h open, left 7 h early
    # Tuesday 24 November
    clock.now = at("2026-11-24 08:50")
    svc.case_step(first_case, "decide", CLERK, outcome="approved")  # on time
    svc.follow_up("20261123-D002", "verified", "查看录像属实", "主任", Actor("manager1", "manager"))
    svc.follow_up("20261123-D002", "called_back", "已电话致歉", "主任", Actor("manager1", "manager"))
    svc.follow_up("20261123-D002", "rectified", "窗口人员培训", "主任", Actor("manager1", "manager"))
    _do(svc, clock, "2026-11-24 09:00", lambda h, now: h.open_window(5, now, clerk="wang"))  # 30 min late
    issue_at(svc, clock, "2026-11-24 09:05", "D", "JZZ-001")  # D001 of Tuesday
    _do(svc, clock, "2026-11-24 09:05", lambda h, now: h.call_next(5, now))  # waited 0
    _do(svc, clock, "2026-11-24 09:15", lambda h, now: h.complete(5, now))  # no start pressed: 10 min from the call
    _case(svc, clock, "2026-11-24 09:16", "D001", "JZZ-001")  # still running at the week's end
    clock.now = at("2026-11-24 09:50")
    svc.issue(IssueRequest(category="A", appointment={"code": "Y2", "slot_start": at("2026-11-24 10:00"),
                                                       "slot_end": at("2026-11-24 10:30")}), KIOSK)  # kept; no window for A opens
    _do(svc, clock, "2026-11-24 16:00", lambda h, now: h.close_window(5, now))  # 7 h open, left 1 h early
    clock.now = at("2026-11-27 12:00")  # Friday: Tuesday is closed, its waiting ticket expired
    svc.tick()
