"""Followers of the event log: each forwards the events it cares about to another system, in
order and idempotently, from its own position in the log (kept in the database).

The store knows none of them: an event is written once, and each follower reads it when its turn
comes — the province's 好差评 link today; the provincial case push and the county uplink are more of
the same. A follower tries the oldest event it has not delivered; if that fails (timeout, refused,
5xx) it waits longer each time (2, 4, 8 … s, at most 5 minutes) and tries the same event again, so
nothing overtakes it. Each delivery carries an idempotency key (`type-seq`), so the other side can
drop a repeat when an answer was lost. A restart simply carries on from the position on disk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from .events import Event
from .store import Store

log = logging.getLogger("yimen.followers")
MAX_BACKOFF_S = 300.0

Deliver = Callable[[Event, str], Awaitable[None]]  # (event, idempotency key); raises DeliveryFailed


class DeliveryFailed(Exception):
    """The other side did not take the event (no answer in time, refused, a server error)."""


def http_delivery(session: aiohttp.ClientSession, endpoint: str, timeout_s: float,
                  body_of: Callable[[Event, str], dict[str, Any] | None]) -> Deliver:
    """Deliver by POSTing JSON with the idempotency key as a header; `body_of` returns None for an
    event this follower reads but has nothing to send for (it then counts as delivered)."""
    async def deliver(event: Event, key: str) -> None:
        body = body_of(event, key)
        if body is None:
            return
        try:
            async with session.post(endpoint, json=body, headers={"Idempotency-Key": key},
                                    timeout=aiohttp.ClientTimeout(total=timeout_s)) as response:
                if response.status >= 300:
                    raise DeliveryFailed(f"{response.status}: {(await response.text())[:200]}")
        except TimeoutError:
            raise DeliveryFailed(f"no answer within {timeout_s:g} s") from None
        except aiohttp.ClientError as exc:
            raise DeliveryFailed(str(exc) or exc.__class__.__name__) from None
    return deliver


def backoff_s(attempts: int) -> float:
    return min(MAX_BACKOFF_S, 2.0 ** attempts)


def delivery_key(event: Event) -> str:
    return f"{event.type}-{event.seq}"


@dataclass
class Follower:
    """One follower: its name (its position's), the event types it forwards, and how."""

    name: str
    types: frozenset[str]
    deliver: Deliver
    store: Store
    clock: Callable[[], float]

    async def step(self) -> bool:
        """Try the oldest undelivered event once, if its wait is over; True if it was delivered."""
        state = self.store.followers.state(self.name, self.types)
        if state["next_at"] and state["next_at"] > self.clock():
            return False
        event = self.store.followers.next_event(self.name, self.types)
        if event is None:
            return False
        key = delivery_key(event)
        try:
            await self.deliver(event, key)
        except DeliveryFailed as exc:
            attempts = self.store.followers.failed(self.name, str(exc), self.clock() + backoff_s(state["attempts"] + 1))
            log.warning("%s: %s not delivered (attempt %d): %s", self.name, key, attempts, exc)
            return False
        self.store.followers.delivered(self.name, event.seq, self.clock())
        return True

    def state(self) -> dict:
        return self.store.followers.state(self.name, self.types)

    async def run(self, idle_s: float = 1.0) -> None:
        while True:
            if not await self.step():
                await asyncio.sleep(idle_s)
