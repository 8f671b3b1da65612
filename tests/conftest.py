"""Shared fixtures: a hall on the embedded preset, a settable clock, a real SQLite store, the real
aiohttp app behind the aiohttp test client or on a loopback port (with a kiosk on it), and Chromium.
Helpers the test modules share live in tests/support/."""

from __future__ import annotations

import os

import pytest

from hallapi.client import HallClient
from hw.printer import FakePrinter
from kiosk.service import KioskService
from queue_server.auth import ANY_WINDOW, Accounts
from queue_server.config import load_preset
from queue_server.service import HallService
from queue_server.store import Store
from queue_server.web.app import create_app
from tests.support.hall import PASSWORD, FakeClock, Hall, at
from tests.support.markers import KIVY_CHILD_MODULES
from tests.support.net import LiveServer

os.environ.setdefault("YIMEN_DATA_DIR", "/nonexistent-yimen-test-guard")


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


@pytest.fixture
async def live(service, store, clock) -> LiveServer:
    """The real app on a loopback port (stoppable, for outages), with a kiosk's token."""
    accounts = Accounts(store)
    srv = LiveServer(service, accounts, accounts.add_device("kiosk-1", "kiosk", None, clock()))
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def kiosk(live):
    """The kiosk's service layer connected to `live`, with a fake printer."""
    client = HallClient(live.url, live.token, timeout_s=2.0)
    svc = KioskService(client, FakePrinter(), clock=lambda: live.service.clock())
    assert await svc.connect()
    await svc.check_printer()
    yield svc
    await client.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what the inner loop skips: `browser` (uses headless Chromium), `kivy` (a Kivy child).

    For `make test` (pytest-xdist, `--dist loadgroup`): the Kivy tests form one group, run one
    after another by one worker (two software-rendered windows at once only slow each other down
    on a small machine), and the long tests go first, so no worker is left with a long tail."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if item.module is not None and item.module.__name__.rsplit(".", 1)[-1] in KIVY_CHILD_MODULES:
            item.add_marker(pytest.mark.kivy)
            item.add_marker(pytest.mark.xdist_group("kivy"))
    long = ("kivy", "slow", "browser")
    items.sort(key=lambda item: next((i for i, m in enumerate(long) if item.get_closest_marker(m)), len(long)))
