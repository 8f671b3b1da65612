"""Shared fixtures: a hall on the embedded preset, a settable clock, a real SQLite store,
and the real aiohttp app behind the aiohttp test client."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

import pytest

from hallapi.protocol import HALL_TZ
from queue_server.auth import ANY_WINDOW, Accounts
from queue_server.config import load_preset
from queue_server.service import HallService
from queue_server.store import Store
from queue_server.web.app import create_app

os.environ.setdefault("YIMEN_DATA_DIR", "/nonexistent-yimen-test-guard")
PASSWORD = "correct horse battery"


def at(text: str) -> float:
    """Epoch seconds of a wall-clock time in the hall's zone: at('2026-11-23 09:00')."""
    return datetime.fromisoformat(text).replace(tzinfo=HALL_TZ).timestamp()


class FakeClock:
    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def township():
    return load_preset("township")


@pytest.fixture(scope="session")
def village():
    return load_preset("village")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at("2026-11-23 09:00"))


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def service(township, store, clock):
    tokens = iter(f"token-{i:04d}-abcdefghijklmnop" for i in range(100000))
    return HallService(township, store, clock, new_token=lambda: next(tokens))


@dataclass
class Hall:
    """The API over loopback, with credentials for every kind of caller."""

    client: object
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


@pytest.fixture
async def hall(aiohttp_client, service, store, clock) -> Hall:
    accounts = Accounts(store)
    now = clock()
    tokens = {
        "kiosk": accounts.add_device("kiosk-1", "kiosk", None, now),
        "display": accounts.add_device("display-1", "display", None, now),
        "keypad3": accounts.add_device("keypad-3", "keypad", 3, now),
        "review": accounts.add_device("review-1", "review", 1, now),
        "clerk-token": accounts.add_device("clerk-desk", "keypad", ANY_WINDOW, now),
    }
    for name, role in (("clerk1", "clerk"), ("manager1", "manager"), ("admin1", "admin")):
        accounts.add_user(name, PASSWORD, role, now)
    client = await aiohttp_client(create_app(service, accounts, "http://hall.test"))
    return Hall(client, service, clock, tokens)


@pytest.fixture
async def browser():
    """Real headless Chromium (Debian's package, driven by Playwright) for the page tests. A page
    that logs a console error, throws, or breaks its Content-Security-Policy fails the test."""
    from playwright.async_api import async_playwright

    from tests.support.browser import WatchedBrowser, launch

    async with async_playwright() as p:
        b = await launch(p)
        watched = WatchedBrowser(b)
        yield watched
        await b.close()
        assert watched.unexpected() == [], "the pages reported errors"
