"""Forwarding ratings to the province's 好差评 system: an adapter and a store-and-forward outbox.

Ratings enter the outbox in the same transaction that records them. The forwarder sends the
oldest undelivered one, then the next — strictly in order — with an idempotency key, so the
province can drop a repeat when an answer was lost. A failure (timeout, refused, 5xx) leaves the
item in place and waits longer each time (2, 4, 8 … seconds, at most 5 minutes); a restart simply
carries on, because the outbox is in the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp

from .config import HallInfo, ProvinceLink
from .numbering import HALL_TZ
from .store import Store

log = logging.getLogger("yimen.province")
MAX_BACKOFF_S = 300.0


def province_payload(key: str, event: dict[str, Any], link: ProvinceLink, hall: HallInfo) -> dict[str, Any]:
    """Our `rating_given` event in the province's terms (level and channel codes mapped, never assumed)."""
    d = event["data"]
    return {
        "idempotency_key": key,
        "region_code": hall.region_code, "hall": hall.name,
        "service_id": d["ticket"], "window": d["window"], "clerk": d["clerk"], "matter": d["matter"],
        "level": dict(link.level_codes)[d["level"]], "channel": dict(link.channel_codes)[d["channel"]],
        "round": d["round"], "reasons": d["reasons"], "text": d["text"],
        "rated_at": datetime.fromtimestamp(event["at"], HALL_TZ).isoformat(timespec="seconds"),
    }


def backoff_s(attempts: int) -> float:
    return min(MAX_BACKOFF_S, 2.0 ** attempts)


class Forwarder:
    def __init__(self, store: Store, link: ProvinceLink, hall: HallInfo, clock: Callable[[], float]):
        self.store, self.link, self.hall, self.clock = store, link, hall, clock

    async def send_next(self, session: aiohttp.ClientSession) -> bool:
        """Try the oldest due item once; True if it was delivered."""
        item = self.store.outbox_next(self.clock())
        if item is None:
            return False
        row, key, event = item
        body = province_payload(key, event, self.link, self.hall)
        try:
            async with session.post(self.link.endpoint, json=body, headers={"Idempotency-Key": key},
                                    timeout=aiohttp.ClientTimeout(total=self.link.timeout_s)) as response:
                if response.status >= 300:
                    raise aiohttp.ClientResponseError(response.request_info, (), status=response.status,
                                                      message=(await response.text())[:200])
        except (aiohttp.ClientError, TimeoutError) as exc:
            attempts = self.store.outbox_attempts(row) + 1
            why = f"no answer within {self.link.timeout_s:g} s" if isinstance(exc, TimeoutError) else f"{exc}"
            self.store.outbox_failed(row, why, self.clock() + backoff_s(attempts))
            log.warning("rating %s not forwarded (attempt %d): %s", key, attempts, why)
            return False
        self.store.outbox_delivered(row, self.clock())
        return True

    async def run(self, idle_s: float = 1.0) -> None:
        async with aiohttp.ClientSession() as session:
            while True:
                if not await self.send_next(session):
                    await asyncio.sleep(idle_s)
