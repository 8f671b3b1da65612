"""A played history in which some people are known: tickets taken with an ID card (a person key
and a name), appointments booked by a person, cases with the applicant's identity — so that a
purge has something to clear and a test can look for every value in the database file's bytes.

Days before `split` use a surname and keys that appear nowhere else (龚, "old-"), later days their
own (黎, "new-"), and the one old case left running a third (欧, "run-"); HistoryPlayer's own
traffic has no person keys (its cases are all "张*").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from hallapi.protocol import HALL_TZ
from queue_server.cases import OpenRequest
from queue_server.hallconfig import HallConfig, RetentionRules
from queue_server.service import Actor, HallService
from queue_server.sim.history import HistoryPlayer, Load, SimClock, working_days
from queue_server.state import IssueRequest
from queue_server.store import Store

COUNTER = Actor("counter-1", "clerk")
CLERK = Actor("clerk1", "clerk")


@dataclass
class Known:
    """The personal values written, by whether their day falls before the purge's cut-off."""

    old: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    running_case: str = ""  # an old case left running: it keeps its applicant
    running_values: list[str] = field(default_factory=list)
    finished_cases: list[str] = field(default_factory=list)


def named_config(config: HallConfig, days: int = 30) -> HallConfig:
    """The hall calling by (masked) name, so names are stored, with a short retention."""
    return dataclasses.replace(config, calling=dataclasses.replace(config.calling, show_names=True),
                               retention=RetentionRules(days))


def _opening(day: date, hhmm: str = "08:00") -> float:
    h, m = hhmm.split(":")
    return datetime.combine(day, time(int(h), int(m)), HALL_TZ).timestamp()


def identified_history(folder: Path, config: HallConfig, first: date, last: date, split: date,
                       tickets_per_day: float = 12) -> tuple[Store, HallService, SimClock, Known]:
    """Play the working days from `first` through `last`; each morning, before the hall opens,
    two people take tickets with their ID card at the counter, one books an appointment, and on
    every other day a case is opened with the applicant's identity (decided at once, except one
    old case left running)."""
    store = Store.open(folder)
    clock = SimClock(_opening(first, "07:00"))
    service = HallService(config, store, clock)
    player = HistoryPlayer(service, clock, seed=5, load=Load(tickets_per_day=tickets_per_day, appointments_per_day=1))
    known = Known()
    matter = next(m for m in config.matters if m.case_type == "committed" and m.materials)
    for i, day in enumerate(working_days(config, first, last)):
        tag, surname = ("old", "龚") if day < split else ("new", "黎")
        values = known.old if day < split else known.new
        clock.t = max(clock.t, _opening(day))
        for k in range(2):
            key = f"{tag}-person-{day:%m%d}-{k}"
            service.issue(IssueRequest(category="A", person_key=key, name=f"{surname}某{k}", channel="counter"), COUNTER)
            values.append(key)
        booking = f"{tag}-booking-{day:%m%d}"
        service.run(lambda h, now, day=day, booking=booking: h.desk.book(
            f"B{day:%m%d}", _opening(day, "15:00"), _opening(day, "15:30"), now, category="A", person_key=booking))
        values.append(booking)
        if surname not in values:
            values.append(surname)  # in masked names (龚*) and the applicants' full names
        if i % 2 == 0:
            running = day < split and not known.running_case
            surname = "欧" if running else surname  # the running case's values stay: a surname of its own
            phone = f"1{'37' if running else '39' if day < split else '38'}{day:%m%d}0000"
            key = f"{'run' if running else tag}-case-{day:%m%d}"
            request = OpenRequest(matter.code, "person", f"{surname}建{i}", key, "window", 1, None,
                                  ({"name": matter.materials[0].name, "form": "original", "count": 1},),
                                  "window", agent_name=f"{surname}代办")
            case = service.open_case(request, {"name": f"{surname}建{i}", "phone": phone}, CLERK)
            service.case_step(case.number, "accept", CLERK)
            store.applicant(case.number, "clerk1", clock())  # a reading, recorded in case_views
            if running:
                known.running_case, known.running_values = case.number, [key, phone, surname]
            else:
                service.case_step(case.number, "decide", CLERK, outcome="approved")
                values += [key, phone]
                if day < split:
                    known.finished_cases.append(case.number)
        player.play([day])
    return store, service, clock, known
