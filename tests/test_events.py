"""The websocket event stream: snapshot on connect, ordered events, exact catch-up, heartbeats."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket

import aiohttp

from queue_server.web import hub, keys
from tests.support.hall import receive


async def test_snapshot_then_live_events_in_order(hall):
    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    ws = await hall.client.ws_connect("/api/v1/events")
    snap = await receive(ws)
    assert snap["kind"] == "snapshot" and snap["seq"] == 1
    assert next(q for q in snap["queues"] if q["code"] == "A")["waiting"] == 1
    await hall.act(1, "open")
    await hall.act(1, "call-next")
    opened, called = await receive(ws, "event"), await receive(ws, "event")
    assert (opened["seq"], opened["type"]) == (2, "window_opened")
    assert (called["seq"], called["type"]) == (3, "ticket_called")
    assert called["data"] == {"number": "A001", "category": "A", "window": 1, "reason_code": "preference",
                              "finished": None}
    assert next(w for w in called["windows"] if w["number"] == 1)["current"] == "A001"
    queues = await receive(ws, "queues")  # the people-waiting figures follow the burst
    assert queues["seq"] == 3 and next(q for q in queues["queues"] if q["code"] == "A")["waiting"] == 0
    await ws.close()


async def test_public_stream_never_carries_tokens_or_person_keys(hall):
    ws = await hall.client.ws_connect("/api/v1/events")
    await receive(ws, "snapshot")
    key = "e" * 64
    _, t = await hall.post("/api/v1/tickets", json={"category": "A", "person_key": key}, expect=201)
    issued = await receive(ws, "event")
    text = json.dumps(issued)
    assert issued["type"] == "ticket_issued" and issued["data"]["number"] == "A001"
    assert key not in text and t["token"] not in text
    await ws.close()


async def test_a_client_that_was_away_catches_up_exactly(hall):
    stayer = await hall.client.ws_connect("/api/v1/events")
    leaver = await hall.client.ws_connect("/api/v1/events")
    await receive(stayer, "snapshot")
    await receive(leaver, "snapshot")
    seen_by_stayer: list[dict] = []
    seen_by_leaver: list[dict] = []

    await hall.act(1, "open")
    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    for _ in range(2):
        seen_by_stayer.append(await receive(stayer, "event"))
        seen_by_leaver.append(await receive(leaver, "event"))
    last = seen_by_leaver[-1]["seq"]
    await leaver.close()

    # While it is away: more tickets, a call, a recall, a pause elsewhere.
    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    await hall.act(1, "call-next")
    await hall.act(1, "recall")
    await hall.act(2, "open")
    await hall.act(2, "pause", {"reason": "培训"})
    for _ in range(5):
        seen_by_stayer.append(await receive(stayer, "event"))

    back = await hall.client.ws_connect(f"/api/v1/events?since={last}")
    snap = await receive(back)
    assert snap["kind"] == "snapshot" and snap["seq"] == seen_by_stayer[-1]["seq"]
    for _ in range(5):
        msg = await receive(back, "event")
        assert msg["replayed"] is True
        seen_by_leaver.append(msg)
    strip = [{k: e[k] for k in ("seq", "type", "data")} for e in seen_by_stayer]
    assert [{k: e[k] for k in ("seq", "type", "data")} for e in seen_by_leaver] == strip
    assert [e["seq"] for e in seen_by_stayer] == list(range(1, 8))
    # The state it now shows is the state of one that never left.
    _, now = await hall.get("/api/v1/queue")
    assert snap["windows"] == now["windows"] == seen_by_stayer[-1]["windows"]
    assert snap["queues"] == now["queues"]

    await hall.act(2, "resume")
    live_back, live_stayer = await receive(back, "event"), await receive(stayer, "event")
    assert await receive(back, "queues") == await receive(stayer, "queues")
    assert live_back == live_stayer and live_back["seq"] == 8
    await back.close()
    await stayer.close()


async def test_heartbeat_and_ping(hall, monkeypatch):
    monkeypatch.setattr(hub, "HEARTBEAT_S", 0.2)
    ws = await hall.client.ws_connect("/api/v1/events")
    await receive(ws, "snapshot")
    beat = await receive(ws, "heartbeat", timeout=2)
    assert beat["seq"] == 0
    await ws.send_str("ping")
    assert (await receive(ws, "pong"))["seq"] == 0
    await ws.close()


async def test_bad_since_is_refused(hall):
    r = await hall.client.get("/api/v1/events?since=abc")
    assert r.status == 400
    assert (await r.json())["message"] == "since must be a sequence number"


async def stuck_screen(hall) -> socket.socket:
    """A screen that completes the websocket handshake and then never reads again."""
    loop = asyncio.get_running_loop()
    stuck = socket.socket()
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window fills up quickly
    stuck.setblocking(False)
    await loop.sock_connect(stuck, (hall.client.server.host, hall.client.server.port))
    await loop.sock_sendall(stuck, b"GET /api/v1/events HTTP/1.1\r\nHost: hall.test\r\nUpgrade: websocket\r\n"
                                   b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                   b"Sec-WebSocket-Version: 13\r\n\r\n")
    return stuck


def read_until_cut_off(stuck: socket.socket) -> None:
    """Drain what the server sent; it must end (EOF or reset) rather than block."""
    stuck.setblocking(True)
    stuck.settimeout(5)
    with contextlib.suppress(ConnectionResetError):
        while stuck.recv(1 << 16):
            pass
    stuck.close()


async def a_stuck_and_a_reading_screen(hall):
    """Both connected and registered with the hub: (the stuck raw socket, the reading websocket)."""
    stuck = await stuck_screen(hall)
    reader = await hall.client.ws_connect("/api/v1/events")
    await receive(reader, "snapshot")
    while len(hall.client.app[keys.HUB].clients) < 2:
        await asyncio.sleep(0.01)
    return stuck, reader


async def test_a_screen_that_stops_reading_is_dropped_and_the_others_miss_nothing(hall, monkeypatch):
    """A hung screen's unsent bytes must not grow without bound nor hold the others back."""
    monkeypatch.setattr(hub, "SLOW_CLIENT_BYTES", 256 * 1024)
    the_hub = hall.client.app[keys.HUB]
    stuck, reader = await a_stuck_and_a_reading_screen(hall)

    sent = 0
    while len(the_hub.clients) == 2 and sent < 400:  # 400 × 64 KiB is far beyond any socket buffer
        the_hub.broadcast({"kind": "notice", "n": sent, "filler": "x" * 65536})
        sent += 1
        assert (await receive(reader, "notice"))["n"] == sent - 1  # the reading screen keeps pace
    assert len(the_hub.clients) == 1 and sent < 400  # the stuck one was dropped

    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    assert (await receive(reader, "event"))["data"]["number"] == "A001"
    read_until_cut_off(stuck)
    await reader.close()


async def test_stopping_the_server_does_not_wait_on_a_hung_screen(hall, monkeypatch):
    monkeypatch.setattr(hub, "CLOSE_TIMEOUT_S", 0.2)
    monkeypatch.setattr(hub, "SLOW_CLIENT_BYTES", 1 << 40)  # hung, but not yet dropped
    the_hub = hall.client.app[keys.HUB]
    stuck, polite = await a_stuck_and_a_reading_screen(hall)
    for n in range(100):  # enough that the hung screen's socket is full and its goodbye cannot be written
        the_hub.broadcast({"kind": "notice", "n": n, "filler": "x" * 65536})
        assert (await receive(polite, "notice"))["n"] == n
    closing = asyncio.ensure_future(the_hub.close_all())
    assert (await polite.receive()).type == aiohttp.WSMsgType.CLOSE  # the one that listens is told goodbye
    await asyncio.wait_for(closing, 5)  # and the hung one is cut off instead of awaited
    assert the_hub.clients == {}
    read_until_cut_off(stuck)
