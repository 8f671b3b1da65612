"""The hall held against its own network (issue 10 §High): bounded catch-up on the event stream,
capped stream connections with room for devices, sign-ins hashed off the loop and throttled per
address, and log lines that repeat written once. Real server on loopback; a trusted proxy's
X-Forwarded-For stands in for callers at other addresses."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from queue_server.auth import Accounts
from queue_server.events import Event
from queue_server.web import hub, keys
from queue_server.web.app import create_app
from queue_server.web.guard import RepeatFilter, SignInThrottle, StreamLimits
from tests.support.hall import PASSWORD, Hall


@pytest.fixture
async def proxied(aiohttp_client, service, store, clock) -> Hall:
    """The hall behind a reverse proxy on 127.0.0.1 that the server trusts."""
    accounts = Accounts(store)
    tokens = {"kiosk": accounts.add_device("kiosk-1", "kiosk", None, clock()),
              "display": accounts.add_device("display-1", "display", None, clock())}
    accounts.add_user("wangfang", PASSWORD, "clerk", clock())
    client = await aiohttp_client(create_app(service, accounts, "http://hall.test", trusted_proxies=["127.0.0.1"]))
    return Hall(client, service, clock, tokens)


def from_address(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def next_message(ws, timeout: float = 5.0) -> dict:
    return json.loads((await asyncio.wait_for(ws.receive(), timeout)).data)


# ---------------------------------------------------------------- 1. bounded catch-up


def old_days(store, days: int, per_day: int) -> None:
    with store.transaction() as tx:
        for d in range(days):
            for i in range(per_day):
                tx.append(Event("notice_set", 1e9 + d * 86400 + i, f"2025-01-{d + 1:02d}", {"text": f"old {i}"}, "test"))


async def test_since_zero_replays_nothing_of_earlier_days(hall, store):
    old_days(store, 5, 400)  # 2,000 events of earlier days
    await hall.act(1, "open")
    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    ws = await hall.client.ws_connect("/api/v1/events?since=0")
    snap = await next_message(ws)
    assert snap["kind"] == "snapshot" and snap["seq"] == 2002
    assert snap["windows"][0]["status"] == "open"  # the snapshot holds today's state
    await ws.send_str("ping")
    assert (await next_message(ws))["kind"] == "pong"  # nothing replayed in between
    await ws.close()


async def test_a_client_too_far_behind_gets_the_snapshot_alone(hall, monkeypatch):
    monkeypatch.setattr(hub, "MAX_CATCH_UP", 3)
    await hall.act(1, "open")
    for _ in range(5):
        await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    ws = await hall.client.ws_connect("/api/v1/events?since=1")
    assert (await next_message(ws))["kind"] == "snapshot"
    await ws.send_str("ping")
    assert (await next_message(ws))["kind"] == "pong"
    near = await hall.client.ws_connect("/api/v1/events?since=4")
    await next_message(near)
    assert [(await next_message(near))["seq"] for _ in range(2)] == [5, 6]
    await ws.close()
    await near.close()


async def test_catch_up_leaves_the_loop_free_and_keeps_live_events_in_order(hall, store, monkeypatch):
    monkeypatch.setattr(hub, "CATCH_UP_CHUNK", 50)
    day = hall.service.hall.state.day.isoformat()
    for i in range(3000):
        hall.service.run(lambda h, now, i=i: Event("notice_set", now, day, {"text": f"n{i}"}, "test"))
    ws = await hall.client.ws_connect("/api/v1/events?since=0")
    snap = await next_message(ws)
    assert snap["seq"] == 3000
    # While the stream is still replaying, a kiosk takes a ticket: it is answered at once ...
    _, ticket = await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    received = []
    while True:
        msg = await next_message(ws)
        if msg["kind"] == "event":
            received.append(msg)
            if msg["seq"] == 3001:
                break
    # ... and its event reaches the stream after every replayed one, with nothing missing or doubled.
    assert [m["seq"] for m in received] == list(range(1, 3002))
    assert all(m.get("replayed") for m in received[:-1]) and not received[-1].get("replayed")
    assert received[-1]["data"]["number"] == ticket["number"]
    await ws.close()


# ---------------------------------------------------------------- 2. connection caps


async def test_anonymous_streams_are_capped_per_address_and_devices_keep_their_room(proxied, monkeypatch):
    limits = proxied.client.app[keys.STREAM_LIMITS]
    limits.per_address, limits.anonymous = 3, 5
    flood = [await proxied.client.ws_connect("/api/v1/events", headers=from_address("10.0.0.66")) for _ in range(3)]
    refused = await proxied.client.get("/api/v1/events", headers={**from_address("10.0.0.66"), "Upgrade": "websocket",
                                                                   "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                                                                   "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert refused.status == 429
    assert (await refused.json())["error"] == "too_many_streams"
    others = [await proxied.client.ws_connect("/api/v1/events", headers=from_address(f"10.0.0.{i}")) for i in (1, 2)]
    with pytest.raises(Exception):  # noqa: B017  (the handshake is refused: the anonymous total is used up)
        await proxied.client.ws_connect("/api/v1/events", headers=from_address("10.0.0.3"))
    display = await proxied.client.ws_connect("/api/v1/events", headers=proxied.auth("display"))
    assert (await next_message(display))["kind"] == "snapshot"  # the hall's own screen still connects
    await flood[0].close()
    await asyncio.sleep(0.05)
    again = await proxied.client.ws_connect("/api/v1/events", headers=from_address("10.0.0.3"))
    assert (await next_message(again))["kind"] == "snapshot"
    for ws in [*flood[1:], *others, display, again]:
        await ws.close()


def test_stream_limits_give_back_what_they_took():
    limits = StreamLimits(per_address=2, anonymous=3, authenticated=1)
    assert limits.admit("a", False) is None and limits.admit("a", False) is None
    assert "per address" in (limits.admit("a", False) or "")
    assert limits.admit("b", False) is None
    assert "full" in (limits.admit("c", False) or "")
    assert limits.admit("d", True) is None and limits.admit("e", True) is not None
    limits.release("a", False)
    assert limits.admit("c", False) is None


# ---------------------------------------------------------------- 3. sign-in floods


def test_the_throttle_locks_the_flooding_address_not_the_user():
    t = SignInThrottle(per_pair=5, per_address=20, window_s=300, lock_s=60)
    for i in range(20):
        t.failed(f"random{i}", "10.0.0.66", 100.0 + i)
    assert t.blocked("anyone", "10.0.0.66", 125.0)  # random usernames no longer help
    assert not t.blocked("wangfang", "10.0.0.7", 125.0)  # the real user at her desk
    assert not t.blocked("anyone", "10.0.0.66", 125.0 + 61)  # a minute later
    for _ in range(5):
        t.failed("wangfang", "10.0.0.66", 200.0)
    assert t.blocked("wangfang", "10.0.0.66", 201.0) and not t.blocked("wangfang", "10.0.0.7", 201.0)


async def sign_in(h: Hall, username: str, password: str, address: str):
    r = await h.client.post("/api/v1/session", json={"username": username, "password": password},
                            headers=from_address(address))
    return r.status, await r.json()


async def test_a_flood_of_random_usernames_is_throttled_and_the_real_user_still_signs_in(proxied, caplog):
    caplog.set_level(logging.WARNING, "yimen.api")
    statuses = [(await sign_in(proxied, f"guess{i}", "wrong-password", "10.0.0.66"))[0] for i in range(22)]
    assert statuses[:20] == [401] * 20 and statuses[20:] == [429, 429]
    # Locking out someone by name from the flooding address does not lock her out at her desk.
    for _ in range(6):
        await sign_in(proxied, "wangfang", "wrong-password", "10.0.0.66")
    status, body = await sign_in(proxied, "wangfang", PASSWORD, "10.0.0.7")
    assert status == 200 and body["username"] == "wangfang"
    failed = [r.getMessage() for r in caplog.records if "failed sign-in" in r.getMessage()]
    assert failed and "guess0" in failed[0] and "10.0.0.66" in failed[0]
    assert not any("wrong-password" in r.getMessage() for r in caplog.records)  # never the password


async def test_x_forwarded_for_is_ignored_from_an_untrusted_peer(hall):
    for i in range(5):
        await sign_in(hall, "clerk1", "wrong-password", f"10.9.9.{i}")  # a forged header changes nothing
    status, body = await sign_in(hall, "clerk1", PASSWORD, "10.9.9.99")
    assert status == 429 and body["error"] == "too_many_attempts"


async def test_password_hashing_runs_off_the_event_loop(proxied):
    """While a sign-in is being hashed, the server answers a kiosk."""
    order: list[str] = []

    async def signing_in() -> None:
        await sign_in(proxied, "wangfang", PASSWORD, "10.0.0.7")
        order.append("sign-in")

    async def kiosk() -> None:
        await asyncio.sleep(0.005)  # the sign-in request is in first
        await proxied.post("/api/v1/tickets", json={"category": "A"}, expect=201)
        order.append("ticket")

    await asyncio.gather(signing_in(), kiosk())
    assert order == ["ticket", "sign-in"]


async def test_too_many_sign_ins_at_once_are_refused_as_busy_not_queued(proxied):
    results = await asyncio.gather(*(sign_in(proxied, f"u{i}", "wrong-password", f"10.1.0.{i}") for i in range(12)))
    codes = sorted(status for status, _ in results)
    assert 503 in codes and codes.count(401) >= 1
    busy = next(body for status, body in results if status == 503)
    assert busy["error"] == "sign_in_busy"


# ---------------------------------------------------------------- log floods


def test_a_repeating_log_line_is_held_back_and_counted():
    now = [0.0]
    repeat = RepeatFilter(burst=3, period_s=60, clock=lambda: now[0])
    log = logging.getLogger("yimen.test.repeat")
    records = [log.makeRecord(log.name, logging.ERROR, "asyncio.py", 10, "accept failed", (), None) for _ in range(100)]
    passed = [r for r in records if repeat.filter(r)]
    assert len(passed) == 3
    now[0] = 61.0
    later = log.makeRecord(log.name, logging.ERROR, "asyncio.py", 10, "accept failed", (), None)
    assert repeat.filter(later) and "97 similar" in later.getMessage()
    other = log.makeRecord(log.name, logging.ERROR, "elsewhere.py", 3, "something else", (), None)
    assert repeat.filter(other)
