"""Appointments as the log records them, read across days: each booking with its check-in and its
cancellation (appointments.BookingFacts). Bookings, cancellations and check-ins are all events of
the slot's business day, so a day range reads everything about the bookings of those days."""

from __future__ import annotations

import sqlite3
from datetime import date

from ..appointments import BookingFacts

_BOOKED = ("SELECT day, json_extract(data, '$.code'), json_extract(data, '$.slot_start'), "
           "json_extract(data, '$.slot_end'), json_extract(data, '$.category'), json_extract(data, '$.matter'), "
           "json_extract(data, '$.person_key'), json_extract(data, '$.contact'), json_extract(data, '$.via') "
           "FROM events WHERE type = 'appointment_booked' AND day BETWEEN ? AND ?")


def bookings(conn: sqlite3.Connection, first: date, last: date, *, category: str | None = None,
             person_key: str | None = None, code: str | None = None) -> list[BookingFacts]:
    """The bookings for the days `first`…`last` (inclusive), in slot order, narrowed to a category,
    a person or a code; each with when it checked in and whether it was cancelled."""
    sql, args = _BOOKED, [first.isoformat(), last.isoformat()]
    for name, value in (("category", category), ("person_key", person_key), ("code", code)):
        if value is not None:
            sql += f" AND json_extract(data, '$.{name}') = ?"
            args.append(value)
    rows = conn.execute(sql + " ORDER BY seq", args).fetchall()
    if not rows:
        return []
    days = sorted({r[0] for r in rows})
    marks = ", ".join("?" for _ in days)
    cancelled = {(d, c): by for d, c, by in conn.execute(
        "SELECT day, json_extract(data, '$.code'), json_extract(data, '$.by') FROM events "
        f"WHERE type = 'appointment_cancelled' AND day IN ({marks})", days)}
    checked: dict[tuple[str, str], tuple[float, str]] = {}
    for d, c, at, number in conn.execute(
            "SELECT day, json_extract(data, '$.appointment.code'), at, json_extract(data, '$.number') FROM events "
            f"WHERE type = 'ticket_issued' AND day IN ({marks}) AND json_extract(data, '$.appointment') IS NOT NULL",
            days):
        checked.setdefault((d, c), (at, number))
    out = []
    for d, c, start, end, cat, matter, key, contact, via in rows:
        at, number = checked.get((d, c), (None, None))
        out.append(BookingFacts(c, date.fromisoformat(d), float(start), float(end), cat, matter, key, contact, via,
                                at, number, cancelled.get((d, c))))
    return sorted(out, key=lambda b: (b.slot_start, b.code))


def code_in_use(conn: sqlite3.Connection, code: str, since: date) -> bool:
    """Whether a booking from `since` on has this code (citizens' codes are unique over the days
    they can be used, so a code and a contact find one booking)."""
    return conn.execute("SELECT 1 FROM events WHERE type = 'appointment_booked' AND day >= ? "
                        "AND json_extract(data, '$.code') = ? LIMIT 1", (since.isoformat(), code)).fetchone() is not None
