"""What keeps the citizens' booking page (/book) from being abused (docs/security.md, "Booking").

**CSRF**: a signed double-submit cookie. GET /book gives the browser a random `yimen_book` cookie
(HttpOnly, SameSite=Strict) and writes into the page a token that is the HMAC of that cookie under
a secret kept in the hall's database. Every booking POST must send the token in `X-Book-Token`;
another site can neither read the page's token nor make a cookie/token pair that matches without
the secret, and a request from another origin (`Origin` header) is refused outright.

**Rate limits** (plain bookkeeping, the time passed in): booking actions per address and per
person (the person key of the phone or ID number), and wrong code/contact pairs per code and per
address, which lock further guesses for a while (each answered 429 with `retry_after`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from aiohttp import web

from ..errors import DomainError, Forbidden
from .guard import _Recent

COOKIE = "yimen_book"
HEADER = "X-Book-Token"


class TooMany(DomainError):
    """A booking rate limit was reached: answered 429 with Retry-After."""

    def __init__(self, code: str, message: str, retry_after: int):
        super().__init__(code, message)
        self.retry_after = retry_after


def page_token(secret: str, cookie: str) -> str:
    return hmac.new(secret.encode(), ("book|" + cookie).encode(), hashlib.sha256).hexdigest()[:32]


def new_cookie() -> str:
    return secrets.token_urlsafe(18)


def check_csrf(request: web.Request, secret: str) -> None:
    """Refuse a booking POST without the page's token for its cookie, or from another origin."""
    origin = request.headers.get("Origin")
    if origin and origin != "null" and origin.split("://", 1)[-1] != request.host:
        raise Forbidden("csrf", "this request comes from another site; open the booking page of the hall")
    cookie = request.cookies.get(COOKIE, "")
    token = request.headers.get(HEADER, "")
    if not cookie or not token or not hmac.compare_digest(token, page_token(secret, cookie)):
        raise Forbidden("csrf", f"missing or wrong {HEADER} header: reload the booking page")


@dataclass
class Limit:
    count: int
    window_s: float


@dataclass
class BookingGuard:
    """Limits on the public booking routes. `act`: any booking action (look up, book, change,
    cancel) per address; `person`: bookings, changes and cancellations per person key; `guesses`:
    wrong code/contact pairs per code and per address, after which that code (or address) is
    locked for `lock_s` — the same answer whether the code exists or not."""

    per_address: Limit = field(default_factory=lambda: Limit(30, 600.0))
    per_person: Limit = field(default_factory=lambda: Limit(6, 3600.0))
    guesses_per_code: int = 5
    guesses_per_address: int = 10
    guess_window_s: float = 900.0
    lock_s: float = 900.0
    _addresses: _Recent = field(init=False)
    _people: _Recent = field(init=False)
    _code_misses: _Recent = field(init=False)
    _address_misses: _Recent = field(init=False)

    def __post_init__(self) -> None:
        self._addresses = _Recent(self.per_address.window_s)
        self._people = _Recent(self.per_person.window_s)
        self._code_misses = _Recent(self.guess_window_s)
        self._address_misses = _Recent(self.guess_window_s)

    def action(self, address: str, now: float) -> None:
        """Count one booking action from `address`; refuse it past the limit."""
        self._over(self._addresses, address, self.per_address, now, "too_many_requests",
                   "too many booking requests from this network address")
        self._addresses.add(address, now)

    def person(self, key: str, now: float) -> None:
        """Count one booking, change or cancellation of a person; refuse it past the limit."""
        self._over(self._people, key, self.per_person, now, "too_many_bookings",
                   "too many bookings, changes or cancellations for this phone or ID number")
        self._people.add(key, now)

    def may_guess(self, code: str, address: str, now: float) -> None:
        """Refuse a look-up of a code (or from an address) locked by wrong pairs."""
        for recent, key, limit in ((self._code_misses, code, self.guesses_per_code),
                                   (self._address_misses, address, self.guesses_per_address)):
            times = recent.recent(key, now)
            if len(times) >= limit and now - times[-1] < self.lock_s:
                raise TooMany("too_many_guesses", "too many wrong booking codes or phone/ID numbers; "
                              f"try again in {_minutes(times[-1] + self.lock_s - now)} min",
                              int(times[-1] + self.lock_s - now) + 1)

    def missed(self, code: str, address: str, now: float) -> None:
        self._code_misses.add(code, now)
        self._address_misses.add(address, now)

    def _over(self, recent: _Recent, key: str, limit: Limit, now: float, code: str, what: str) -> None:
        times = recent.recent(key, now)
        if len(times) >= limit.count:
            wait = times[-limit.count] + limit.window_s - now
            raise TooMany(code, f"{what}; try again in {_minutes(wait)} min", int(wait) + 1)


def _minutes(seconds: float) -> int:
    return max(1, int(seconds // 60) + (1 if seconds % 60 else 0))


BOOK_GUARD: web.AppKey[BookingGuard] = web.AppKey("book_guard")
