"""姓名呼叫: where a hall calls by name, screens get the masked name (张*) and nothing more is stored;
elsewhere a name sent with a ticket is dropped."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

from queue_server.auth import Accounts
from queue_server.service import HallService
from queue_server.web.app import create_app

FULL_NAME = "张三丰"


async def open_hall(aiohttp_client, config, store, clock):
    accounts = Accounts(store)
    kiosk = accounts.add_device("kiosk-1", "kiosk", None, clock())
    pad = accounts.add_device("keypad-1", "keypad", 1, clock())
    client = await aiohttp_client(create_app(HallService(config, store, clock), accounts, "http://hall.test"))
    return client, {"Authorization": f"Bearer {kiosk}"}, {"Authorization": f"Bearer {pad}"}


async def next_of(ws, kind: str) -> dict:
    while True:
        msg = json.loads((await asyncio.wait_for(ws.receive(), 3)).data)
        if msg["kind"] == kind:
            return msg


def database_bytes(store) -> bytes:
    store.conn.execute("PRAGMA wal_checkpoint(FULL)")
    return b"".join(p.read_bytes() for p in store.path.parent.iterdir() if p.is_file())


@pytest.mark.parametrize("show_names", [True, False])
async def test_names_reach_screens_masked_and_only_where_the_hall_calls_by_name(
        aiohttp_client, township, store, clock, show_names):
    config = dataclasses.replace(township, calling=dataclasses.replace(township.calling, show_names=show_names))
    client, kiosk, pad = await open_hall(aiohttp_client, config, store, clock)
    ws = await client.ws_connect("/api/v1/events")
    await next_of(ws, "snapshot")
    r = await client.post("/api/v1/tickets", json={"category": "A", "name": FULL_NAME}, headers=kiosk)
    assert r.status == 201, await r.text()
    for action in ("open", "call-next", "recall"):
        r = await client.post(f"/api/v1/windows/1/{action}", headers=pad)
        assert r.status == 200, await r.text()
    events = [await next_of(ws, "event") for _ in range(4)]
    called, recalled = events[2], events[3]
    assert (called["type"], recalled["type"]) == ("ticket_called", "ticket_recalled")
    expected = "张*" if show_names else None
    assert called["data"].get("name") == expected and recalled["data"].get("name") == expected
    snap = await next_of(await client.ws_connect("/api/v1/events"), "snapshot")
    assert snap["recent_calls"][0].get("name") == expected
    # The full name is nowhere: not in the log, not on any screen.
    assert FULL_NAME.encode() not in database_bytes(store)
    assert "三丰" not in json.dumps(events + [snap], ensure_ascii=False)
    if not show_names:
        assert "张".encode() not in database_bytes(store)
    await ws.close()


async def test_a_name_that_is_too_long_is_refused(aiohttp_client, township, store, clock):
    client, kiosk, _ = await open_hall(aiohttp_client, township, store, clock)
    r = await client.post("/api/v1/tickets", json={"category": "A", "name": "张" * 40}, headers=kiosk)
    assert r.status == 400 and (await r.json())["field"] == "name"
