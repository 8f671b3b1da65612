"""Opening hours: may the kiosk issue a ticket at this moment? Pure code.

A kiosk stops issuing `stop_issuing_min` before each session ends, so nobody takes a ticket that
cannot be served before the window closes. Staff may still issue at the counter (their judgement).
"""

from __future__ import annotations

from datetime import datetime

from .config import Hours
from .numbering import HALL_TZ


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def issuing_refusal(hours: Hours, at: float) -> str | None:
    """None if a kiosk may issue at `at`; otherwise why not, for the screen."""
    moment = datetime.fromtimestamp(at, HALL_TZ)
    sessions = ", ".join(f"{start}–{end}" for start, end in hours.sessions)
    if moment.isoweekday() not in hours.days:
        return f"the hall is closed today; it opens on ISO weekdays {', '.join(map(str, hours.days))} ({sessions})"
    now = moment.hour * 60 + moment.minute + moment.second / 60
    for start, end in hours.sessions:
        if _minutes(start) <= now < _minutes(end) - hours.stop_issuing_min:
            return None
        if _minutes(end) - hours.stop_issuing_min <= now < _minutes(end):
            return f"tickets for this session stopped {hours.stop_issuing_min} min before {end}; opening hours: {sessions}"
    return f"the hall is closed now; opening hours: {sessions}"
