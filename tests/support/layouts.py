"""Hand-made history rows for the layout advisor's tests: a day whose tickets and window spans
are written out one by one (so the replay's day can be checked by hand), and a land-heavy day on
which window 6, the only land (E) window, is swamped while the comprehensive windows wait."""

from __future__ import annotations

from queue_server.history import SPAN_COLUMNS, TICKET_COLUMNS, Rows
from tests.support.hall import at

DAY = "2026-11-16"  # a Monday; the hall opens 08:30–12:00 and 13:30–17:00


def ticket(id_: str, category: str, issued: str, *, outcome: str | None = "served", service_s: float | None = 300.0,
           called: str | None = None, priority: str | None = None, matter: str | None = None,
           finished: str | None = None, day: str = DAY) -> dict:
    """A ticket_facts row as a dict: what the advisor reads, the rest empty."""
    row = dict.fromkeys(TICKET_COLUMNS)
    row.update(id=f"{day}-{id_}", day=day, number=id_, issued_category=category, category=category, matter=matter,
               priority=priority, issued_at=at(f"{day} {issued}"), hour=int(issued[:2]), weekday=0,
               first_called_at=at(f"{day} {called}") if called else None,
               finished_at=at(f"{day} {finished}") if finished else None, service_s=service_s, outcome=outcome,
               recalls=0, transfers=0, overtaken=0)
    return row


def span(window: int, start: str, end: str | None, state: str = "open", day: str = DAY) -> dict:
    return {"day": day, "window": window, "start": at(f"{day} {start}"), "end": at(f"{day} {end}") if end else None,
            "state": state, "reason": None, "clerk": "c"}


def hand_made_day(day: str = DAY) -> tuple[list[dict], list[dict]]:
    tickets = [
        ticket("t1", "A", "08:20", called="08:31", day=day),  # before opening: arrives at 0
        ticket("t2", "E", "09:00", called="09:05", priority="elderly", matter="E01", service_s=600.0, day=day),
        ticket("t3", "D", "09:10", outcome="no_show", service_s=None, called="09:30", day=day),
        ticket("t4", "A", "16:00", outcome="expired", service_s=None, finished="23:59", day=day),  # never called
        ticket("t5", "A", "10:00", outcome="cancelled", service_s=None, finished="10:01", day=day),  # left at once
        ticket("t6", "Z", "10:00", day=day),  # a category no window serves now
    ]
    spans = [span(1, "08:30", "12:00", day=day), span(1, "12:00", "13:30", "paused", day=day),
             span(1, "13:30", "17:00", day=day), span(6, "08:30", "10:00", day=day)]
    for w in (3, 4, 5, 7):
        spans.append(span(w, "08:30", None, day=day))
    return tickets, spans


def write_days(store, days: list[str]) -> None:
    with store.transaction() as tx:
        for day in days:
            tickets, spans = hand_made_day(day)
            tx.write_history(Rows(tickets=[tuple(t[c] for c in TICKET_COLUMNS) for t in tickets],
                                  spans=[tuple(s[c] for c in SPAN_COLUMNS) for s in spans]))




def land_rush(day: str, staffed: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)) -> tuple[list[dict], list[dict]]:
    """Twenty E tickets between 09:00 and 09:20 (ten minutes each) for window 6 alone; a little
    A work for windows 1–4; the `staffed` windows open all day (the others not at all)."""
    tickets = [ticket(f"e{i}", "E", f"09:{i:02d}", called="09:30", service_s=600.0, day=day) for i in range(20)]
    tickets += [ticket(f"a{i}", "A", f"{9 + i:02d}:00", called=f"{9 + i:02d}:01", service_s=300.0, day=day) for i in range(6)]
    spans = [span(w, "08:30", "17:00", day=day) for w in staffed]
    return tickets, spans


def write_rush_days(store, days: list[str], staffed: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)) -> None:
    with store.transaction() as tx:
        for day in days:
            tickets, spans = land_rush(day, staffed)
            tx.write_history(Rows(tickets=[tuple(t[c] for c in TICKET_COLUMNS) for t in tickets],
                                  spans=[tuple(s[c] for c in SPAN_COLUMNS) for s in spans]))
