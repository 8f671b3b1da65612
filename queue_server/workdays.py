"""Working days in mainland China: weekends, statutory holidays and make-up working days (调休).

Deadlines count working days: the day of acceptance is not counted, the deadline is the N-th
working day after it. The State Council publishes each year's arrangement around November; the
`chinese_calendar` data covers 2004–2026. For a year it does not know, the hall's override table
(`[calendar]` in the hall file) applies first and ordinary weekends otherwise — and every answer
that relied on that guess says so (`provisional`), so screens can show 预计.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)  # admin overrides: days off
    workdays: frozenset[date] = field(default_factory=frozenset)  # admin overrides: make-up working days

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(is it a working day, is that answer provisional)."""
        if day in self.workdays:
            return True, False
        if day in self.holidays:
            return False, False
        return _official(day)


@functools.lru_cache(maxsize=8192)
def _official(day: date) -> tuple[bool, bool]:
    """The published arrangement for a day (remembered: a year of 差评 deadlines asks ~200,000 times)."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.isoweekday() <= 5, True


def add_working_days(start: date, n: int, calendar: WorkCalendar) -> tuple[date, bool]:
    """The n-th working day after `start`, and whether any day on the way was a guess."""
    if n < 0:
        raise ValueError("n must be 0 or more")
    day, provisional, counted = start, False, 0
    while counted < n:
        day += timedelta(days=1)
        workday, guessed = calendar.is_workday(day)
        provisional = provisional or guessed
        counted += workday
    return day, provisional


def working_days_late(deadline: date, today: date, calendar: WorkCalendar) -> int:
    """Working days after `deadline` up to and including `today` (0 when not overdue)."""
    late, day = 0, deadline
    while day < today:
        day += timedelta(days=1)
        late += calendar.is_workday(day)[0]
    return late
