"""The hall as tests meet it: the hall's wall clock, a settable clock, the API over loopback with a
credential for every kind of caller, and the few API walks many tests share."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hallapi.protocol import HALL_TZ
from queue_server.service import HallService

PASSWORD = "correct horse battery"


def at(text: str) -> float:
    """Epoch seconds of a wall-clock time in the hall's zone: at('2026-11-23 09:00')."""
    return datetime.fromisoformat(text).replace(tzinfo=HALL_TZ).timestamp()


class FakeClock:
    """A clock the test moves: what the code under test reads instead of the time."""

    def __init__(self, start: float = 0.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Hall:
    """The API over loopback, with credentials for every kind of caller."""

    client: Any  # aiohttp's TestClient
    service: HallService
    clock: FakeClock
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    async def post(self, path: str, who: str = "kiosk", json: dict | None = None, expect: int | None = None):
        r = await self.client.post(path, json=json, headers=self.auth(who))
        data = await r.json()
        if expect is not None:
            assert r.status == expect, data
        return r.status, data

    async def get(self, path: str, who: str | None = None):
        r = await self.client.get(path, headers=self.auth(who) if who else {})
        return r.status, await r.json()

    async def act(self, window: int, action: str, json: dict | None = None, expect: int = 200, who: str = "clerk-token"):
        return (await self.post(f"/api/v1/windows/{window}/{action}", who, json, expect))[1]


async def serve_one(hall: Hall, window: int, category: str) -> str:
    """Issue a ticket of `category` and serve it at `window` for five minutes; its number."""
    _, t = await hall.post("/api/v1/tickets", json={"category": category}, expect=201)
    await hall.act(window, "call-next")
    await hall.act(window, "start")
    hall.clock.advance(300)
    await hall.act(window, "complete")
    return t["number"]


async def signed_in(hall: Hall, username: str) -> dict[str, str]:
    """Sign `username` in (a fresh cookie jar); the CSRF header their writes need."""
    hall.client.session.cookie_jar.clear()
    r = await hall.client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert r.status == 200
    return {"X-CSRF-Token": (await r.json())["csrf_token"]}


async def receive(ws, kind: str | None = None, timeout: float = 3.0) -> dict:
    """The next stream message (of `kind`, skipping others)."""
    while True:
        msg = json.loads((await asyncio.wait_for(ws.receive(), timeout)).data)
        if kind is None or msg["kind"] == kind:
            return msg
