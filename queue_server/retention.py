"""The hall's daily purge of personal data older than `[retention] personal_days`.

The server's day timer (`HallService.tick`, every few seconds) asks `DailyPurge.run` once a day;
the store does the purge (store/retention.py says what it clears). A hall that has never purged
catches up a few days per tick, so a first purge of a long history never holds the hall for long.
The cases the service keeps in memory forget the purged applicants too, so a later step of such a
case cannot write them back into its history row.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from .cases import Cases
from .store import Store
from .store.retention import Purged

log = logging.getLogger("yimen.retention")
STEP_DAYS = 2  # days of the log one tick purges while catching up


def cutoff(today: date, personal_days: int) -> date:
    """The first day whose personal data is kept."""
    return today - timedelta(days=personal_days)


class DailyPurge:
    def __init__(self, store: Store, personal_days: int):
        self.store = store
        self.personal_days = personal_days
        self.done_on: date | None = None  # the day the purge last caught up (or failed)

    def run(self, today: date, cases: Cases) -> Purged | None:
        """Purge if today's purge has not caught up yet; None when there was nothing to do."""
        if self.done_on == today:
            return None
        before = cutoff(today, self.personal_days).isoformat()
        try:
            purged = self.store.purge_personal(before, max_days=STEP_DAYS)
        except Exception:
            log.exception("the purge of personal data before %s failed; it is tried again tomorrow", before)
            self.done_on = today
            return None
        forget(cases, purged.cases)
        if purged.caught_up:
            self.done_on = today
        if purged.tickets or purged.calls or purged.bookings or purged.cases or purged.applicants or purged.intake:
            log.info("personal data purged: %s", purged.as_dict())
        return purged


def forget(cases: Cases, numbers: list[str]) -> None:
    """The purged applicants, as the purged log now says (store/retention.py)."""
    for number in numbers:
        cases.forget(number)
