"""systemd integration: READY=1 once serving, WATCHDOG=1 while the event loop is alive.

Only the datagram protocol of sd_notify(3) is needed, so no library: when systemd did not start
us (no NOTIFY_SOCKET), every call is a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator

from aiohttp import web


def notify(message: str, environ: dict[str, str] | None = None) -> bool:
    address = (environ if environ is not None else os.environ).get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]  # abstract namespace
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(address)
        sock.sendall(message.encode())
    return True


def watchdog_interval_s(environ: dict[str, str] | None = None) -> float | None:
    """Half the watchdog period systemd asked for, or None when there is no watchdog."""
    env = environ if environ is not None else os.environ
    usec = env.get("WATCHDOG_USEC")
    if not usec or (env.get("WATCHDOG_PID") and env["WATCHDOG_PID"] != str(os.getpid())):
        return None
    return int(usec) / 1e6 / 2


async def lifecycle(app: web.Application) -> AsyncIterator[None]:
    """aiohttp cleanup context: tell systemd we are ready, then keep feeding the watchdog."""
    notify("READY=1")
    interval = watchdog_interval_s()
    task = None
    if interval:
        async def feed() -> None:
            while True:
                notify("WATCHDOG=1")  # only sent while the loop runs: a hung server gets restarted
                await asyncio.sleep(interval)
        task = asyncio.create_task(feed())
    yield
    notify("STOPPING=1")
    if task:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
