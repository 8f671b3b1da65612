"""The event stream as a device sees it, plus a `{"kind": "disconnected"}` marker when it drops.

`HallClient.events()` hides disconnections (it just retries), but a screen must say it is offline
while keeping the last state. This follows the same protocol through the client's own session and
`last_seq`, so a reconnect resumes with `?since=` exactly as the client would.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from queue_server.client import HallClient

log = logging.getLogger("yimen.display.stream")


async def follow(client: HallClient, max_backoff_s: float = 10.0) -> AsyncIterator[dict[str, Any]]:
    """Every message, forever; yields {"kind": "disconnected"} each time the stream is lost."""
    delay = 0.5
    while True:
        query = f"?since={client.last_seq}" if client.last_seq is not None else ""
        try:
            async with client.session.ws_connect(client.base_url + "/api/v1/events" + query, heartbeat=20) as ws:
                delay = 0.5
                async for msg in ws:
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        break
                    message = json.loads(msg.data)
                    if message.get("seq") is not None and message.get("kind") in ("snapshot", "event"):
                        client.last_seq = message["seq"]
                    yield message
        except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
            log.info("event stream lost (%s); retrying in %.1f s", exc.__class__.__name__, delay)
        yield {"kind": "disconnected"}
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_backoff_s)
