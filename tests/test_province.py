"""Forwarding ratings to the province by a follower of the log, against a fake provincial endpoint
on loopback that times out, fails with 500 and loses an answer: every rating arrives exactly once,
in order, with the province's own level codes; the follower's position survives a restart."""

from __future__ import annotations

import asyncio
import dataclasses

import aiohttp
import pytest
from aiohttp import web

from queue_server.auth import ANY_WINDOW, Accounts
from queue_server.config import ConfigError, ProvinceLink, parse_config
from queue_server.followers import DeliveryFailed, Follower, backoff_s
from queue_server.province import NAME, TYPES, province_follower, province_payload
from queue_server.store import Store
from tests.support.domain import PRESET
from tests.support.hall import serve_one

REVERSED = ((5, "1"), (4, "2"), (3, "3"), (2, "4"), (1, "5"))


class FakeProvince:
    """Answers per a script: 'slow' (no answer in time), '500', 'lose' (accept, then drop the answer), 'ok'."""

    def __init__(self, script: list[str]):
        self.script = list(script)
        self.arrivals: list[str] = []
        self.accepted: dict[str, dict] = {}
        self.release = asyncio.Event()  # set by the test at its end: held requests may finish

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        key = request.headers["Idempotency-Key"]
        assert key == body["idempotency_key"]
        self.arrivals.append(key)
        action = self.script.pop(0) if self.script else "ok"
        if action == "slow":
            await self.release.wait()  # held past the link's time-out
        if action == "500":
            return web.json_response({"error": "internal"}, status=500)
        self.accepted.setdefault(key, body)  # the province drops repeats by their idempotency key
        if action == "lose":
            request.transport.close()  # processed, but the answer never arrives
            await self.release.wait()
        return web.json_response({"ok": True})


async def rate(hall, window: int, level: int, headers: dict) -> None:
    number = await serve_one(hall, window, "A")
    body = {"number": number, "level": level, **({"reasons": ["其他"]} if level <= 2 else {})}
    r = await hall.client.post("/api/v1/ratings", headers=headers, json=body)
    assert r.status == 201


async def test_every_rating_arrives_once_in_order_despite_failures(hall, aiohttp_server):
    province = FakeProvince(["slow", "500", "lose", "ok", "500"])
    app = web.Application()
    app.router.add_post("/ratings", province.handle)
    server = await aiohttp_server(app)
    link = ProvinceLink(endpoint=str(server.make_url("/ratings")), level_codes=REVERSED, timeout_s=1.0)
    await hall.act(1, "open")
    pad = {"Authorization": "Bearer " + Accounts(hall.service.store).add_device("pad-1", "review", 1, hall.clock())}
    for level in (5, 1, 4):
        await rate(hall, 1, level, pad)

    try:
        store = hall.service.store
        delivered = 0
        async with aiohttp.ClientSession() as session:
            follower = province_follower(store, link, hall.service.config.hall, hall.clock, session)
            for attempt in range(12):
                if attempt == 6:  # the box restarts half-way: the follower's position is on disk
                    follower = province_follower(Store.open(store.path.parent), link, hall.service.config.hall,
                                                 hall.clock, session)
                delivered += await follower.step()
                hall.clock.advance(backoff_s(8) + 1)  # past any backoff
                if follower.state()["pending"] == 0:
                    break
    finally:
        province.release.set()
    assert delivered == 3 and store.followers.state(NAME, TYPES)["pending"] == 0
    keys = [e.seq for e in store.events() if e.type == "rating_given"]
    assert list(province.accepted) == [f"rating_given-{seq}" for seq in keys]  # once each, in order
    assert [b["level"] for b in province.accepted.values()] == ["1", "5", "2"]  # 5→1, 1→5, 4→2
    assert province.arrivals[:3] == [province.arrivals[0]] * 3  # the first waited at the head of the line
    # first: no answer in time, 500, answer lost, repeat accepted; second: 500, ok; third: ok
    assert len(province.arrivals) == 7


async def test_nothing_is_sent_before_its_backoff(hall):
    await hall.act(1, "open")
    pad = {"Authorization": "Bearer " + Accounts(hall.service.store).add_device("pad-1", "review", 1, hall.clock())}
    await rate(hall, 1, 3, pad)
    store = hall.service.store
    sent: list[str] = []

    async def refuse(event, key):
        sent.append(key)
        raise DeliveryFailed("boom")

    follower = Follower(NAME, TYPES, refuse, store, hall.clock)
    assert not await follower.step() and len(sent) == 1
    assert not await follower.step() and len(sent) == 1  # waits its backoff: nothing sent
    hall.clock.advance(backoff_s(1) + 0.5)
    assert not await follower.step() and len(sent) == 2
    event = store.followers.next_event(NAME, TYPES)
    state = store.followers.state(NAME, TYPES)
    assert (state["pending"], state["oldest"], state["last_error"], state["attempts"]) == (1, event.at, "boom", 2)
    body = province_payload(sent[0], event, ProvinceLink(), hall.service.config.hall)
    assert body["level"] == "3" and body["channel"] == "1" and body["region_code"] == "330100001"
    assert body["rated_at"] == "2026-11-23T09:05:00+08:00"


def test_province_codes_are_checked():
    text = PRESET + '\n[ratings.province]\nendpoint = "ftp://x"\nlevel_codes = { "5" = "1", "4" = "1" }\n'
    with pytest.raises(ConfigError) as exc:
        parse_config(text, "hall.toml")
    found = [str(p) for p in exc.value.problems]
    assert any("ratings.province.endpoint: must be an http:// or https:// address" in p for p in found)
    assert any("ratings.province.level_codes: two levels map to the same province code" in p for p in found)
    ok = parse_config(PRESET + '\n[ratings.province]\nendpoint = "https://hcp.example.gov.cn/api"\n'
                      'level_codes = { "5" = "1", "4" = "2", "3" = "3", "2" = "4", "1" = "5" }\n', "hall.toml")
    assert dict(ok.ratings.province.level_codes) == dict(REVERSED)
    assert dataclasses.replace(ok.ratings.province, endpoint="").endpoint == ""


async def test_the_running_server_forwards_by_itself(aiohttp_server, aiohttp_client, township, store, clock):
    from queue_server.service import HallService
    from queue_server.web.app import create_app

    province = FakeProvince([])
    fake = web.Application()
    fake.router.add_post("/ratings", province.handle)
    server = await aiohttp_server(fake)
    link = ProvinceLink(endpoint=str(server.make_url("/ratings")))
    config = dataclasses.replace(township, ratings=dataclasses.replace(township.ratings, province=link))
    service = HallService(config, store, clock)
    accounts = Accounts(store)
    keypad = accounts.add_device("kp", "keypad", ANY_WINDOW, clock())
    kiosk = accounts.add_device("k", "kiosk", None, clock())
    pad = accounts.add_device("pad-2", "review", 2, clock())
    client = await aiohttp_client(create_app(service, accounts))
    for path, token, body in (("/api/v1/tickets", kiosk, {"category": "A"}), ("/api/v1/windows/2/open", keypad, None),
                              ("/api/v1/windows/2/call-next", keypad, None), ("/api/v1/windows/2/complete", keypad, None),
                              ("/api/v1/ratings", pad, {"number": "A001", "level": 4})):
        r = await client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        assert r.status in (200, 201), await r.text()
    for _ in range(50):
        if province.accepted:
            break
        await asyncio.sleep(0.1)
    [(key, body)] = province.accepted.items()
    assert body["service_id"] == "20261123-A001" and body["level"] == "4" and body["window"] == 2


def test_an_old_outbox_becomes_the_follower_s_position(tmp_path):
    """A box upgraded from the outbox: the province link goes on from its first undelivered rating."""
    import sqlite3

    from queue_server.store import MIGRATIONS
    from queue_server.store.core import statements

    conn = sqlite3.connect(tmp_path / "yimen.db")
    for version, script in enumerate(MIGRATIONS[:4], start=1):
        for statement in statements(script):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version={version}")
    for seq in range(1, 12):
        conn.execute("INSERT INTO events(type, at, day, actor, data) VALUES ('rating_given', ?, '2026-11-23', '', '{}')",
                     (1e9 + seq,))
    conn.executemany("INSERT INTO outbox(key, kind, payload, created_at, next_at, delivered_at) VALUES (?, 'rating_given', "
                     "'{}', 0, 0, ?)", [("rating_given-5", 1.0), ("rating_given-9", None), ("rating_given-11", None)])
    conn.commit()
    conn.close()
    store = Store.open(tmp_path)
    assert store.followers.state(NAME, TYPES)["position"] == 8
    assert store.followers.next_event(NAME, TYPES).seq == 9
    assert store.conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'outbox'").fetchone()[0] == 0
