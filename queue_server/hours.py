"""Opening hours: may the kiosk issue a ticket at this moment? Pure code.

A kiosk stops issuing `stop_issuing_min` before each session ends, so nobody takes a ticket that
cannot be served before the window closes. Staff may still issue at the counter (their judgement).
"""

from __future__ import annotations

from datetime import datetime

from hallapi.protocol import HALL_TZ

from .hallconfig import Hours


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


def session_bounds(hours: Hours, at: float) -> list[tuple[float, float]]:
    """The day's sessions (of the day of `at`) as epoch-second intervals."""
    moment = datetime.fromtimestamp(at, HALL_TZ)
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    return [(midnight + _minutes(start) * 60, midnight + _minutes(end) * 60) for start, end in hours.sessions]


def over_breaks(hours: Hours, at: float, wait_s: float, bounds: list[tuple[float, float]] | None = None) -> float:
    """`wait_s` of serving time from `at`, stretched over the breaks between today's sessions.

    The estimate counts service time; when the hall closes for lunch in between, the citizen
    waits the break too. Nothing is added after the day's last session (the queue is then closed).
    `bounds` (from `session_bounds`) saves recomputing the day's sessions for every ticket.
    """
    if wait_s == float("inf"):
        return wait_s
    t, left = at, wait_s
    for begin, finish in bounds if bounds is not None else session_bounds(hours, at):
        if t < begin:
            t = begin  # the break (or the time before opening) passes first
        if t < finish:
            if left <= finish - t:
                return t + left - at
            left -= finish - t
            t = finish
    return t + left - at


def is_opening_day(hours: Hours, at: float) -> bool:
    return datetime.fromtimestamp(at, HALL_TZ).isoweekday() in hours.days


def serving_ends(hours: Hours, at: float) -> float | None:
    """When serving stops on the day of `at`: the end of its last session; None on a closed day."""
    if not is_opening_day(hours, at):
        return None
    return session_bounds(hours, at)[-1][1]


def next_session_start(hours: Hours, at: float) -> float | None:
    """If `at` falls before a session of its day (before opening, in the lunch break), when that
    session starts; None during a session, after the last one, or on a closed day."""
    if not is_opening_day(hours, at):
        return None
    for begin, finish in session_bounds(hours, at):
        if at < begin:
            return begin
        if at < finish:
            return None
    return None
