"""What keeps the hall's network from stopping the hall (docs/security.md).

Anyone on the hall's Wi-Fi can reach the server. These guards make sure that no anonymous caller
can hold up ticket issuing: sign-ins are hashed off the event loop in a small bounded pool and
throttled per address as well as per (username, address); event-stream connections are capped per
address and in total, with room kept for the hall's own devices and staff; and a log line that
repeats (an accept error in a flood) is written once with a count, not a million times.

The throttle and the caps are plain bookkeeping with the time passed in; only `HashPool` and
`RepeatFilter` touch threads and logging.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")


def client_address(request: web.Request, trusted_proxies: frozenset[str] = frozenset()) -> str:
    """The caller's address. Behind a reverse proxy the hall trusts (`--trusted-proxy`), the last
    address in X-Forwarded-For that is not itself a trusted proxy; otherwise the peer. A header
    from an untrusted peer is ignored, so nobody can pretend to be somebody else."""
    peer = request.remote or ""
    if peer not in trusted_proxies:
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted_proxies and _is_address(hop):
            return hop
    return peer


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class _Recent:
    """Failure times per key within a window, holding at most `max_keys` keys (oldest dropped), so
    a flood of made-up usernames cannot grow memory without bound."""

    def __init__(self, window_s: float, max_keys: int = 10_000):
        self.window_s, self.max_keys = window_s, max_keys
        self._times: OrderedDict[str, list[float]] = OrderedDict()

    def add(self, key: str, now: float) -> None:
        times = [t for t in self._times.pop(key, []) if now - t < self.window_s] + [now]
        self._times[key] = times
        while len(self._times) > self.max_keys:
            self._times.popitem(last=False)

    def recent(self, key: str, now: float) -> list[float]:
        return [t for t in self._times.get(key, []) if now - t < self.window_s]

    def clear(self, key: str) -> None:
        self._times.pop(key, None)


@dataclass
class SignInThrottle:
    """Failed sign-ins: 5 for one username from one address within 5 minutes lock that pair for a
    minute; 20 from one address, whatever the usernames, lock that address for a minute. Only the
    address that failed is locked: the real user signing in from another desk is never stopped."""

    per_pair: int = 5
    per_address: int = 20
    window_s: float = 300.0
    lock_s: float = 60.0
    _pairs: _Recent = field(init=False)
    _addresses: _Recent = field(init=False)

    def __post_init__(self) -> None:
        self._pairs, self._addresses = _Recent(self.window_s), _Recent(self.window_s)

    def blocked(self, username: str, address: str, now: float) -> bool:
        return (self._locked(self._pairs.recent(f"{username}|{address}", now), self.per_pair, now)
                or self._locked(self._addresses.recent(address, now), self.per_address, now))

    def _locked(self, recent: list[float], limit: int, now: float) -> bool:
        return len(recent) >= limit and now - recent[-1] < self.lock_s

    def failed(self, username: str, address: str, now: float) -> None:
        self._pairs.add(f"{username}|{address}", now)
        self._addresses.add(address, now)

    def succeeded(self, username: str, address: str) -> None:
        self._pairs.clear(f"{username}|{address}")


class PoolBusy(Exception):
    """More password checks are waiting than the pool takes: answer at once instead of queueing."""


class HashPool:
    """Runs password hashing (scrypt, ~90 ms on a Pi) in one worker thread, so the event loop keeps
    serving kiosks; at most `max_pending` checks wait — beyond that a sign-in is refused as busy.
    A second pool does the same for the case notices' PDFs (api_notices.py)."""

    def __init__(self, workers: int = 1, max_pending: int = 4):
        self.max_pending = max_pending
        self.pending = 0
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="yimen-hash")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self.pending >= self.max_pending:
            raise PoolBusy
        self.pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        finally:
            self.pending -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


@dataclass
class StreamLimits:
    """Caps on event-stream connections. Anonymous ones (phones, the public board): at most
    `per_address` from one address and `anonymous` in all. Devices and staff (a valid token or
    session) have their own allowance, `authenticated`, that anonymous callers can never use up."""

    per_address: int = 8
    anonymous: int = 200
    authenticated: int = 300
    _by_address: dict[str, int] = field(default_factory=dict)
    _anonymous: int = 0
    _authenticated: int = 0

    def admit(self, address: str, authenticated: bool) -> str | None:
        """Take a place, or say why not (and take nothing)."""
        if authenticated:
            if self._authenticated >= self.authenticated:
                return "too many device and staff connections to the event stream"
            self._authenticated += 1
            return None
        if self._by_address.get(address, 0) >= self.per_address:
            return f"at most {self.per_address} event-stream connections per address"
        if self._anonymous >= self.anonymous:
            return "the event stream is full; try again in a minute"
        self._by_address[address] = self._by_address.get(address, 0) + 1
        self._anonymous += 1
        return None

    def release(self, address: str, authenticated: bool) -> None:
        if authenticated:
            self._authenticated -= 1
            return
        self._anonymous -= 1
        left = self._by_address.get(address, 0) - 1
        if left > 0:
            self._by_address[address] = left
        else:
            self._by_address.pop(address, None)


class RepeatFilter(logging.Filter):
    """Lets a log line through at most `burst` times per `period_s` for the same place in the code
    and level; the lines held back are counted and the count is added to the next line let through.
    A flood of failing accepts then costs a few lines a minute, not gigabytes."""

    def __init__(self, burst: int = 5, period_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.burst, self.period_s, self.clock = burst, period_s, clock
        self._seen: dict[tuple[str, int, int], list[float]] = {}
        self._held: dict[tuple[str, int, int], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.pathname, record.lineno, record.levelno)
        now = self.clock()
        times = [t for t in self._seen.get(key, []) if now - t < self.period_s]
        if len(times) >= self.burst:
            self._held[key] = self._held.get(key, 0) + 1
            self._seen[key] = times
            return False
        self._seen[key] = times + [now]
        held = self._held.pop(key, 0)
        if held:
            record.msg = f"{record.msg} (and {held} similar line(s) held back)"
        return True


def install_repeat_filter(handlers: Iterable[logging.Handler] | None = None, **kwargs: Any) -> RepeatFilter:
    """Put one RepeatFilter on the root logger's handlers (where every module's lines end up)."""
    repeat = RepeatFilter(**kwargs)
    for handler in handlers if handlers is not None else logging.getLogger().handlers:
        handler.addFilter(repeat)
    return repeat
