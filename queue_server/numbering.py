"""Ticket numbers and the business day.

A number is the category's prefix plus a per-day sequence (A001, A002 … A999, A1000). The day
is the calendar day in Asia/Shanghai, whatever the box's clock zone is, so numbers restart at
Beijing midnight. The sequence itself is allocated by the store inside the issuing transaction.
"""

from __future__ import annotations

from datetime import date, datetime, time

from hallapi.protocol import HALL_TZ


def business_day(at: float) -> date:
    """The hall's calendar day for the epoch time `at`."""
    return datetime.fromtimestamp(at, HALL_TZ).date()


def day_start(day: date) -> float:
    """Epoch seconds of 00:00 Asia/Shanghai on `day`."""
    return datetime.combine(day, time(0), HALL_TZ).timestamp()


def format_number(prefix: str, sequence: int) -> str:
    """A001 … A999, then A1000: three digits at least, never truncated."""
    if sequence < 1:
        raise ValueError("ticket sequence starts at 1")
    return f"{prefix}{sequence:03d}"


def ticket_id(day: date, number: str) -> str:
    """Unique across days: 20261123-A001."""
    return f"{day:%Y%m%d}-{number}"


def local_time(at: float) -> datetime:
    return datetime.fromtimestamp(at, HALL_TZ)
