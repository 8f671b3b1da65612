"""The live event stream: every committed event goes to every connected screen, in order.

A client connects to /api/v1/events (optionally `?since=SEQ`). It first receives a snapshot of
the hall at sequence S, then — if it says where it left off — the events it missed up to S, then
every new event live, each numbered, and after each burst of events a `queues` message with the
people waiting and the estimates (kept off the call's path: the estimate replays the queue).
Heartbeats carry the latest sequence number, so a client notices a gap and reconnects.

Catching up is bounded: only today's events, at most MAX_CATCH_UP of them, are replayed — a client
that asks for more (`?since=0`) gets the snapshot alone, which already holds today's state. The
replay is sent in chunks with the event loop free in between, from frames kept for today once
made, so a flood of catching-up clients costs little and never holds up a kiosk; live events that
arrive meanwhile wait for that client in order. Connections are capped (web/guard.py).

Sending is synchronous and happens in the committing transaction's wake: each message is framed
once and the same bytes are written to every socket, in commit order, before the HTTP answer is
even built — a call reaches the screens without waiting for any task to be scheduled. A client
whose unsent bytes pile up past a limit is dropped (it reconnects and catches up) rather than
slowing the hall down or holding memory.
"""

from __future__ import annotations

import asyncio
import json
import logging
import struct
import time
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import WSMsgType, web

from ..estimate import Estimate, replay_steps
from ..events import Event
from ..hall import Hall
from ..service import HallService
from ..views import queue_summary, snapshot, windows_public
from . import keys
from .guard import client_address

log = logging.getLogger("yimen.hub")
HEARTBEAT_S = 15.0
SLOW_CLIENT_BYTES = 1 << 20  # unsent bytes past which a screen is dropped: ~1000 events behind
CLOSE_TIMEOUT_S = 2.0  # how long a stopping server waits for a screen to acknowledge the close
QUEUES_DELAY_S = 0.25  # people-waiting figures follow a burst of events by this much, once
REFRESH_S = 30.0  # estimates are replayed at least this often (time passing changes them)
REPLAY_CHUNK = 32  # calls replayed between two turns of the event loop
PAUSE_PER_WAITING_S = 0.0005  # between replays, at least this much per ticket waiting (1 s at 2,000)
MAX_CATCH_UP = 10_000  # events replayed to one client at most (a busy day has a few thousand)
CATCH_UP_CHUNK = 200  # events read, framed and written between two turns of the event loop
CATCH_UP_BUFFER = 256 * 1024  # unsent bytes a catching-up client may hold before we wait for it
CATCH_UP_STALL_S = 10.0  # how long we wait for it to read before letting it go


def text_frame(text: str) -> bytes:
    """One unmasked, unfragmented websocket text frame (RFC 6455 §5.2): servers never mask, so the
    same bytes are valid on every connection."""
    payload = text.encode()
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x81, n)
    elif n < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, n)
    else:
        header = struct.pack("!BBQ", 0x81, 127, n)
    return header + payload


class EstimateCache:
    """The hall's estimates, replayed in the background so that no request waits for a replay:
    after a burst of events (QUEUES_DELAY_S later, or twice the last replay's time if that is
    longer) and every REFRESH_S, in chunks with the event loop free in between. Readers get the
    last finished replay with fresh quotes; only before the first replay of a day does a reader
    wait for one."""

    def __init__(self, service: HallService):
        self.service = service
        self.on_refreshed: list[Callable[[], None]] = []
        self._task: asyncio.Task | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._again = False
        self._last_s = 0.0
        self._last_waiting = 0

    def get(self) -> Mapping[str, Estimate]:
        hall = self.service.hall
        hall.outlook.background = True
        return hall.estimating.current_estimates(self.service.clock())

    def request(self) -> None:
        """Something changed: replay soon (once for a burst)."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        if self._handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a command run outside the server): replay now
            self.service.hall.estimates(self.service.clock())
            self._refreshed()
            return
        # A long queue is replayed less often: its estimates are in minutes anyway, and each replay
        # costs the loop a little (docs/dispatch.md §3).
        pause = max(QUEUES_DELAY_S, 2 * self._last_s, self._last_waiting * PAUSE_PER_WAITING_S)
        self._handle = loop.call_later(pause, self._start)

    def _start(self) -> None:
        self._handle = None
        self._again = False
        self._task = asyncio.get_running_loop().create_task(self.refresh())
        self._task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("estimate replay failed", exc_info=task.exception())
        if self._again:
            self.request()

    async def refresh(self) -> None:
        """One replay of the live hall, a chunk at a time."""
        started = time.perf_counter()
        hall = self.service.hall
        hall.outlook.background = True
        now = self.service.clock()
        inp = hall.estimating.replay_input(now, hall.estimating.probes(now))
        self._last_waiting = len(inp.waiting)
        steps = replay_steps(inp, chunk=REPLAY_CHUNK)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                raw, forecast = done.value
                break
            await asyncio.sleep(0)  # kiosks and keypads go first
        if self.service.hall is hall:  # the day did not roll over meanwhile
            hall.estimating.take_replay(inp, raw, forecast, self.service.clock())
            self._refreshed()
        self._last_s = time.perf_counter() - started

    def _refreshed(self) -> None:
        for callback in list(self.on_refreshed):
            callback()

    async def keep_fresh(self) -> None:
        """Estimates age as time passes even when nothing happens: replay every REFRESH_S."""
        while True:
            await asyncio.sleep(REFRESH_S)
            self.request()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        if self._task is not None:
            self._task.cancel()


class Hub:
    def __init__(self, service: HallService, estimates: EstimateCache):
        self.service = service
        self.estimates = estimates
        self.clients: dict[asyncio.Transport, web.WebSocketResponse] = {}
        # Clients still catching up: what is broadcast meanwhile waits here, in order.
        self.catching_up: dict[asyncio.Transport, list[bytes]] = {}
        self._replay_frames: dict[int, bytes] = {}  # today's replayed events, framed once
        self._replay_day = ""
        self._heartbeat: asyncio.Task | None = None
        service.listeners.append(self.on_event)
        estimates.on_refreshed.append(self._send_queues)

    def on_event(self, event: Event, hall: Hall) -> None:
        """Send the event at once (with the windows, which are cheap); the people-waiting figures,
        which need the estimate's forward replay, follow in one `queues` message once the
        background replay after the burst is done."""
        message = event.public()
        message["kind"] = "event"
        message["windows"] = windows_public(hall)
        self.broadcast(message)
        self.estimates.request()

    def _send_queues(self) -> None:
        hall = self.service.hall
        self.broadcast({"kind": "queues", "seq": hall.state.last_seq, "queues": queue_summary(hall, self.estimates.get())})

    def broadcast(self, message: dict[str, Any]) -> None:
        frame = text_frame(json.dumps(message, ensure_ascii=False))
        for transport in list(self.clients):
            self._write(transport, frame)
        for waiting in self.catching_up.values():
            waiting.append(frame)

    def _write(self, transport: asyncio.Transport, frame: bytes) -> None:
        if transport.is_closing():
            self.clients.pop(transport, None)
        elif transport.get_write_buffer_size() > SLOW_CLIENT_BYTES:
            log.warning("dropping a slow event-stream client")
            self.clients.pop(transport, None)
            transport.abort()
        else:
            transport.write(frame)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        since_text = request.query.get("since")
        since: int | None = None
        if since_text is not None:
            if not (since_text.isascii() and since_text.isdigit()) or len(since_text) > 18:
                return _refusal(400, "bad_since", "since must be a sequence number")
            since = int(since_text)
        authenticated = request.get(keys.PRINCIPAL) is not None
        address = client_address(request, request.app[keys.TRUSTED_PROXIES])
        limits = request.app[keys.STREAM_LIMITS]
        refusal = limits.admit(address, authenticated)
        if refusal is not None:
            log.warning("event stream refused for %s: %s", address, refusal)
            return _refusal(429, "too_many_streams", refusal)
        try:
            return await self._serve(request, since)
        finally:
            limits.release(address, authenticated)

    async def _serve(self, request: web.Request, since: int | None) -> web.WebSocketResponse:
        # Uncompressed: every frame is one shared byte string, and the messages are small anyway.
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S, compress=False)
        await ws.prepare(request)
        transport = request.transport
        if transport is None:  # the client left during the handshake
            return ws
        # The snapshot and the start of buffering with no await between them: nothing slips
        # through or overtakes, because every later event is queued behind these bytes.
        hall = self.service.hall
        snap = snapshot(hall, self.estimates.get())
        self._write(transport, text_frame(json.dumps({"kind": "snapshot", **snap}, ensure_ascii=False)))
        self.catching_up[transport] = []
        try:
            if since is not None and since < snap["seq"]:
                await self._catch_up(transport, since, snap["seq"], snap["day"])
            for frame in self.catching_up.pop(transport):
                self._write(transport, frame)
        finally:
            self.catching_up.pop(transport, None)
        if transport.is_closing():
            return ws
        self.clients[transport] = ws
        self._start_heartbeat()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT and msg.data == "ping":
                    self._write(transport, text_frame(json.dumps({"kind": "pong", "seq": self.service.hall.state.last_seq})))
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.clients.pop(transport, None)
        return ws

    async def _catch_up(self, transport: asyncio.Transport, since: int, upto: int, day: str) -> None:
        """Replay today's events after `since` up to the snapshot's `upto`, in chunks; nothing if
        `since` lies before today or too far back (the snapshot stands in for them)."""
        first = self.service.store.first_seq(day)
        if first is None or since < first - 1 or upto - since > MAX_CATCH_UP:
            return
        if day != self._replay_day:
            self._replay_frames, self._replay_day = {}, day
        at = since
        while at < upto and not transport.is_closing():
            chunk = [self._replay_frames.get(seq) for seq in range(at + 1, min(at + CATCH_UP_CHUNK, upto) + 1)]
            if None in chunk:
                for event in self.service.store.events(after=at, upto=upto, limit=CATCH_UP_CHUNK):
                    self._replay_frames[event.seq] = text_frame(json.dumps(
                        {"kind": "event", "replayed": True, **event.public()}, ensure_ascii=False))
                chunk = [self._replay_frames.get(seq) for seq in range(at + 1, min(at + CATCH_UP_CHUNK, upto) + 1)]
            self._write(transport, b"".join(f for f in chunk if f is not None))
            at += CATCH_UP_CHUNK
            await asyncio.sleep(0)  # let the hall serve kiosks between chunks
            waited = 0.0
            while transport.get_write_buffer_size() > CATCH_UP_BUFFER and not transport.is_closing():
                if waited > CATCH_UP_STALL_S:  # not reading: let it go, it may come back later
                    log.warning("dropping an event-stream client that stopped reading while catching up")
                    transport.abort()
                    return
                await asyncio.sleep(0.02)
                waited += 0.02

    def _start_heartbeat(self) -> None:
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(self._beat())

    async def _beat(self) -> None:
        """Every HEARTBEAT_S, the latest sequence number to every screen: a quiet hall is not a dead link."""
        while self.clients:
            await asyncio.sleep(HEARTBEAT_S)
            self.broadcast({"kind": "heartbeat", "seq": self.service.hall.state.last_seq, "at": self.service.clock()})

    async def close_all(self) -> None:
        """Say goodbye to every screen; one that does not answer within CLOSE_TIMEOUT_S (a hung
        display) is cut off, so stopping the server never waits on it."""
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        screens = list(self.clients.items())
        self.clients.clear()

        async def close(transport: asyncio.Transport, ws: web.WebSocketResponse) -> None:
            try:
                await asyncio.wait_for(ws.close(), CLOSE_TIMEOUT_S)
            except (TimeoutError, ConnectionError):
                transport.abort()
        await asyncio.gather(*(close(t, ws) for t, ws in screens), return_exceptions=True)


def _refusal(status: int, code: str, message: str) -> web.Response:
    """A refused stream, as the documented JSON error (before any websocket handshake)."""
    return web.json_response({"error": code, "message": message}, status=status,
                             headers={"Retry-After": "60"} if status == 429 else None)
