"""The province's 好差评 system: ratings forwarded by a follower of the log (followers.py), in the
province's own terms — level and channel codes mapped from the settings, never assumed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp

from hallapi.protocol import HALL_TZ

from .events import Event
from .followers import Follower, http_delivery
from .hallconfig import HallInfo, ProvinceLink
from .store import Store

NAME = "province"
TYPES = frozenset({"rating_given"})


def province_payload(key: str, event: Event, link: ProvinceLink, hall: HallInfo) -> dict[str, Any]:
    """Our `rating_given` event in the province's terms."""
    d = event.data
    return {
        "idempotency_key": key,
        "region_code": hall.region_code, "hall": hall.name,
        "service_id": d["ticket"], "window": d["window"], "clerk": d["clerk"], "matter": d["matter"],
        "level": dict(link.level_codes)[d["level"]], "channel": dict(link.channel_codes)[d["channel"]],
        "round": d["round"], "case": d.get("case"), "reasons": d["reasons"], "text": d["text"],
        "rated_at": datetime.fromtimestamp(event.at, HALL_TZ).isoformat(timespec="seconds"),
    }


def province_follower(store: Store, link: ProvinceLink, hall: HallInfo, clock, session: aiohttp.ClientSession) -> Follower:
    """The follower that posts each rating to the province's endpoint."""
    deliver = http_delivery(session, link.endpoint, link.timeout_s,
                            lambda event, key: province_payload(key, event, link, hall))
    return Follower(NAME, TYPES, deliver, store, clock)


async def forward_ratings(store: Store, link: ProvinceLink, hall: HallInfo, clock) -> None:
    """Forward ratings to the province for as long as the server runs (a background task of the
    web app), over one HTTP session of its own."""
    async with aiohttp.ClientSession() as session:
        await province_follower(store, link, hall, clock, session).run()
