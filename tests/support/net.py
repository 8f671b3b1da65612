"""Loopback plumbing: free ports, an always-open hall preset for real server processes, the real
app on a fixed port that can be stopped and started, and a TCP relay that can be cut."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from importlib import resources
from pathlib import Path

from aiohttp import web

from queue_server.web.app import create_app


def free_port() -> int:
    """A loopback port nobody listens on now (the kernel's choice, so parallel workers differ)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def around_the_clock(tmp_path: Path) -> Path:
    """The township preset, open every day all day, so a test runs whatever the time is."""
    text = resources.files("queue_server.presets").joinpath("township.toml").read_text("utf-8")
    text = re.sub(r"days = \[[^\]]*\]", "days = [1, 2, 3, 4, 5, 6, 7]", text, count=1)
    text = re.sub(r"sessions = \[\[.*\]\]", 'sessions = [["00:00", "23:59"]]', text, count=1)
    text = re.sub(r"stop_issuing_min = \d+", "stop_issuing_min = 0", text, count=1)
    path = tmp_path / "hall.toml"
    path.write_text(text, "utf-8")
    return path


class LiveServer:
    """The real app on a fixed loopback port that can be stopped and started again."""

    def __init__(self, service, accounts, token: str = ""):
        self.service, self.accounts, self.token = service, accounts, token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.runner: web.AppRunner | None = None

    async def start(self) -> None:
        self.runner = web.AppRunner(create_app(self.service, self.accounts, "http://hall.test"))
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


class Proxy:
    """A loopback TCP relay that can be cut (every connection dropped, new ones refused) and restored."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = 0
        self.server: asyncio.AbstractServer | None = None
        self.pipes: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.pipes |= {writer, up_writer}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in list(self.pipes):
            w.transport.abort()
        self.pipes.clear()

    async def restore(self) -> None:
        await self.start()
