"""Citizens' own bookings (/book): which matters may be booked, the slots of a day with what is left
in each, the contact a booking is known by, no-shows and the booking block. Pure code.

**What may be booked**: a matter of the catalog with `"appointment": true` whose category takes
appointments (`appointments_per_slot`, else `[appointments] per_slot`, above 0).
**When**: the days from today to `[appointments] book_ahead_days` ahead on which the category is
served (`appointment_sessions`, the ONE place that asks which sessions a day has), each session cut
into `slot_min` slots from its start; today only the slots that have not begun.
**No-shows**: a booking that was neither cancelled nor checked in by its slot's end plus
`late_min` is missed. It is counted once its day has closed (the day after), so the day's own
tally can still change while the hall is open; `no_show_limit` missed bookings within
`no_show_days` days block booking for `block_days` days from the day of the one that reached the
limit (0: never block).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hallapi.protocol import HALL_TZ

from .caps import opens_for_appointments, per_slot
from .hallconfig import AppointmentRules, HallConfig
from .matters import Matter

# ---------------------------------------------------------------- the contact: phone or ID number

_PHONE = re.compile(r"1[3-9]\d{9}")
_ID = re.compile(r"\d{17}[\dX]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Contact:
    kind: str  # "phone" | "id"
    value: str  # normalised: 11 digits, or 18 characters with a capital X

    @property
    def key_text(self) -> str:
        """What the person key is made from: an ID number as the kiosk's card reader gives it (so the
        card checks the booking in), a phone number marked as one (it can never equal an ID)."""
        return self.value if self.kind == "id" else "tel:" + self.value

    @property
    def masked(self) -> str:
        return mask_phone(self.value) if self.kind == "phone" else mask_id(self.value)


def id_check_char(first17: str) -> str:
    """The 18th character of a resident ID number (GB 11643, ISO 7064 MOD 11-2)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def contact_of(text: str) -> Contact | None:
    """A mainland mobile number (11 digits from 13…19, spaces, dashes and +86 allowed) or an
    18-character ID number with a right check character and a real birth date; None otherwise."""
    raw = re.sub(r"[\s\-]", "", text or "").upper()
    if raw.startswith("+86"):
        raw = raw[3:]
    if _PHONE.fullmatch(raw):
        return Contact("phone", raw)
    if _ID.fullmatch(raw) and id_check_char(raw[:17]) == raw[17]:
        try:
            born = date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
        except ValueError:
            return None
        return Contact("id", raw) if born.year >= 1900 else None
    return None


def contact_problem(text: str) -> str:
    """Why `text` is not a contact, for the message naming the field."""
    raw = re.sub(r"[\s\-]", "", text or "").upper()
    if len(raw) == 18 and _ID.fullmatch(raw):
        return "the ID number's check character (the 18th) does not match: check the number"
    if len(raw) == 18:
        return "an ID number is 17 digits and a last digit or X"
    return "give an 11-digit mobile number (1XXXXXXXXXX) or an 18-character resident ID number"


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


def mask_id(id_number: str) -> str:
    """First 3 and last 4 characters, as the person recognises their card; the birth date is hidden."""
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


# ---------------------------------------------------------------- matters and the day's slots


def bookable(config: HallConfig, matter: Matter) -> bool:
    """May citizens book this matter? Its catalog entry says `appointment` and its category takes bookings."""
    return matter.appointment and config.category(matter.category) is not None and per_slot(config, matter.category) > 0


def bookable_matters(config: HallConfig) -> list[Matter]:
    return [m for m in config.matters if bookable(config, m)]


def appointment_sessions(config: HallConfig, category: str, day: date) -> tuple[list[tuple[float, float]], bool]:
    """The sessions (epoch seconds) in which `category` takes appointments on `day`, and whether the
    day is a working day only by a guess (预计). The ONE place bookings ask: the hall's hours
    (queue_server/hours.py) may replace the body with "sessions on day D" without touching callers."""
    opens, provisional = opens_for_appointments(config, day)
    if not opens:
        return [], provisional
    out = []
    for begin, finish in config.hours.sessions:
        out.append((datetime.combine(day, time.fromisoformat(begin), HALL_TZ).timestamp(),
                    datetime.combine(day, time.fromisoformat(finish), HALL_TZ).timestamp()))
    return out, provisional


@dataclass(frozen=True)
class DaySlot:
    start: float
    end: float
    capacity: int
    taken: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)


def day_grid(config: HallConfig, category: str, day: date, booked: Iterable[float], now: float) -> list[DaySlot]:
    """The day's slots of `category` that have not begun at `now`, each with its capacity and the
    bookings in it (a booking counts in the slot its start falls in: staff may book off the grid)."""
    capacity = per_slot(config, category)
    if capacity <= 0:
        return []
    starts = sorted(booked)
    length = config.appointments.slot_min * 60
    out = []
    for begin, finish in appointment_sessions(config, category, day)[0]:
        start = begin
        while start + length <= finish:
            if start > now:
                out.append(DaySlot(start, start + length, capacity, sum(1 for b in starts if start <= b < start + length)))
            start += length
    return out


def booking_days(config: HallConfig, category: str, today: date) -> list[tuple[date, bool]]:
    """(day, provisional) of the days from today to `book_ahead_days` ahead that have sessions."""
    out = []
    for ahead in range(config.appointments.book_ahead_days + 1):
        day = today + timedelta(days=ahead)
        sessions, provisional = appointment_sessions(config, category, day)
        if sessions:
            out.append((day, provisional))
    return out


def last_booking_day(config: HallConfig, today: date) -> date:
    return today + timedelta(days=config.appointments.book_ahead_days)


def next_free(grids: Iterable[list[DaySlot]], after: float, count: int = 3) -> list[DaySlot]:
    """The first `count` slots with room that start at or after `after`, day by day."""
    out = []
    for grid in grids:
        for slot in grid:
            if slot.start >= after and slot.free > 0:
                out.append(slot)
                if len(out) == count:
                    return out
    return out


# ---------------------------------------------------------------- no-shows and the booking block


@dataclass(frozen=True)
class BookingFacts:
    """What the log says of one booking (store/bookings.py reads it)."""

    code: str
    day: date
    slot_start: float
    slot_end: float
    category: str
    matter: str | None
    person_key: str | None
    contact: str | None  # masked
    via: str | None
    checked_in_at: float | None
    ticket: str | None
    cancelled_by: str | None  # "citizen" | "staff" | None


def state_of(b: BookingFacts, now: float, late_min: float) -> str:
    """booked | checked_in | late (checked in after the grace: served as a walk-in) | no_show | cancelled."""
    if b.cancelled_by:
        return "cancelled"
    deadline = b.slot_end + late_min * 60
    if b.checked_in_at is not None:
        return "checked_in" if b.checked_in_at <= deadline else "late"
    return "no_show" if now > deadline else "booked"


def missed(b: BookingFacts, today: date, late_min: float) -> bool:
    """A no-show as counted for the block: not kept (by the grace) on a day that has closed."""
    return b.day < today and state_of(b, float("inf"), late_min) in ("no_show", "late")


def blocked_until(missed_days: Iterable[date], rules: AppointmentRules) -> date | None:
    """The first day the person may book again after their no-shows, or None if they were never
    blocked: `no_show_limit` misses within `no_show_days` days block for `block_days` from the day
    of the miss that reached the limit (the latest such block counts)."""
    if rules.no_show_limit <= 0:
        return None
    days = sorted(missed_days)
    until = None
    for i in range(rules.no_show_limit - 1, len(days)):
        if (days[i] - days[i - rules.no_show_limit + 1]).days < rules.no_show_days:
            ends = days[i] + timedelta(days=rules.block_days + 1)
            until = ends if until is None or ends > until else until
    return until


def block_of(history: Iterable[BookingFacts], today: date, rules: AppointmentRules) -> date | None:
    """The day booking opens again for a person with this booking history, if they are blocked today."""
    until = blocked_until((b.day for b in history if missed(b, today, rules.late_min)), rules)
    return until if until is not None and until > today else None


def history_from(today: date, rules: AppointmentRules) -> date:
    """How far back a person's bookings matter for `block_of`."""
    return today - timedelta(days=rules.no_show_days + rules.block_days + 1)
