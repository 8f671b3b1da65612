"""The live event stream: every committed event goes to every connected screen, in order.

A client connects to /api/v1/events (optionally `?since=SEQ`). It first receives a snapshot of
the hall at sequence S, then — if it says where it left off — the events it missed up to S, then
every new event live, each numbered, and after each burst of events a `queues` message with the
people waiting and the estimates (kept off the call's path: the estimate replays the queue). Heartbeats carry the latest sequence number, so a client
notices a gap and reconnects. A slow client gets its own bounded queue and is dropped (it will
reconnect and catch up) rather than slowing the hall down.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiohttp import WSMsgType, web

from ..estimate import Estimate
from ..hall import Event, Hall
from ..service import HallService
from ..views import public_event, queue_summary, snapshot, windows_public

log = logging.getLogger("yimen.hub")
HEARTBEAT_S = 15.0
CLIENT_QUEUE = 1000
QUEUES_DELAY_S = 0.25  # people-waiting figures follow a burst of events by this much, once


class EstimateCache:
    """Estimates for the current state, recomputed after each event and every 30 s."""

    def __init__(self, service: HallService):
        self.service = service
        self._key: tuple[int, str, int] | None = None
        self._value: dict[str, Estimate] = {}

    def get(self) -> dict[str, Estimate]:
        now = self.service.clock()
        hall = self.service.hall
        key = (hall.state.last_seq, hall.state.day.isoformat(), int(now // 30))
        if key != self._key:
            self._value = hall.estimates(now)
            self._key = key
        return self._value


class Hub:
    def __init__(self, service: HallService, estimates: EstimateCache):
        self.service = service
        self.estimates = estimates
        self.clients: set[asyncio.Queue[str | None]] = set()
        self._queues_pending = False
        service.listeners.append(self.on_event)

    def on_event(self, event: Event, hall: Hall) -> None:
        """Send the event at once (with the windows, which are cheap); the people-waiting figures,
        which need the estimate's forward replay, follow in one `queues` message per burst."""
        message = public_event(event)
        message["kind"] = "event"
        message["windows"] = windows_public(hall)
        self.broadcast(message)
        if self._queues_pending:
            return
        self._queues_pending = True
        try:
            # Later, not next: the estimate replays the whole queue and must not hold up the sockets
            # still sending this event; a burst of calls then costs one estimate, not one each.
            asyncio.get_running_loop().call_later(QUEUES_DELAY_S, self._send_queues)
        except RuntimeError:  # no loop (a command run outside the server): send now
            self._send_queues()

    def _send_queues(self) -> None:
        self._queues_pending = False
        hall = self.service.hall
        self.broadcast({"kind": "queues", "seq": hall.state.last_seq, "queues": queue_summary(hall, self.estimates.get())})

    def broadcast(self, message: dict[str, Any]) -> None:
        text = json.dumps(message, ensure_ascii=False)
        for queue in list(self.clients):
            try:
                queue.put_nowait(text)
            except asyncio.QueueFull:
                log.warning("dropping a slow event-stream client")
                self.clients.discard(queue)
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(None)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        since_text = request.query.get("since")
        since: int | None = None
        if since_text is not None:
            if not since_text.isdigit():
                raise web.HTTPBadRequest(text=json.dumps({"error": "bad_since", "message": "since must be a sequence number"}),
                                         content_type="application/json")
            since = int(since_text)
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S)
        await ws.prepare(request)
        queue: asyncio.Queue[str | None] = asyncio.Queue(CLIENT_QUEUE)
        # Snapshot and registration happen with no await between them: no event can slip through.
        hall = self.service.hall
        snap = snapshot(hall, self.estimates.get())
        missed = []
        if since is not None and since < snap["seq"]:
            missed = [public_event(e) for e in self.service.store.events(after=since) if e.seq <= snap["seq"]]
        self.clients.add(queue)
        try:
            await ws.send_str(json.dumps({"kind": "snapshot", **snap}, ensure_ascii=False))
            for item in missed:
                await ws.send_str(json.dumps({"kind": "event", "replayed": True, **item}, ensure_ascii=False))
            sender = asyncio.create_task(self._pump(ws, queue))
            try:
                async for msg in ws:
                    if msg.type == WSMsgType.TEXT and msg.data == "ping":
                        await ws.send_str(json.dumps({"kind": "pong", "seq": self.service.hall.state.last_seq}))
                    elif msg.type == WSMsgType.ERROR:
                        break
            finally:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sender
        finally:
            self.clients.discard(queue)
        return ws

    async def _pump(self, ws: web.WebSocketResponse, queue: asyncio.Queue[str | None]) -> None:
        while True:
            try:
                text = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
            except TimeoutError:
                text = json.dumps({"kind": "heartbeat", "seq": self.service.hall.state.last_seq,
                                   "at": self.service.clock()})
            if text is None:
                await ws.close()
                return
            await ws.send_str(text)

    async def close_all(self) -> None:
        for queue in list(self.clients):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
