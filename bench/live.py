"""A real `yimen serve` process on loopback for benchmarks: its own data folder, a hall open around
the clock (so a run works at any hour), device tokens and a manager made before it starts."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import aiohttp

from queue_server.auth import ANY_WINDOW, Accounts
from queue_server.store import Store

PASSWORD = "bench-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def around_the_clock(preset: str = "township") -> str:
    """A preset's TOML, open every day all day."""
    text = resources.files("queue_server.presets").joinpath(f"{preset}.toml").read_text("utf-8")
    text = re.sub(r"days = \[[^\]]*\]", "days = [1, 2, 3, 4, 5, 6, 7]", text, count=1)
    text = re.sub(r"sessions = \[\[.*\]\]", 'sessions = [["00:00", "23:59"]]', text, count=1)
    return re.sub(r"stop_issuing_min = \d+", "stop_issuing_min = 0", text, count=1)


@dataclass
class LiveHall:
    """`async with LiveHall() as hall:` — the server runs until the block ends."""

    kiosks: int = 1
    people: tuple[str, ...] = ()  # more accounts, each with its role as its username (clerk, admin)
    env: dict[str, str] = field(default_factory=dict)
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="yimen-bench-")))
    port: int = field(default_factory=free_port)
    tokens: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    before_start: Callable[[Path], None] | None = None  # given the data folder, before the server starts
    ready_timeout: float = 30.0  # a server on a long history takes longer to fold it

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    async def __aenter__(self) -> LiveHall:
        config = self.directory / "hall.toml"
        config.write_text(around_the_clock(), "utf-8")
        data = self.directory / "data"
        store = Store.open(data)
        accounts = Accounts(store)
        now = time.time()
        for k in range(self.kiosks):
            self.tokens[f"kiosk{k}"] = accounts.add_device(f"kiosk-{k}", "kiosk", None, now)
        self.tokens["kiosk"] = self.tokens["kiosk0"]
        self.tokens["keypad"] = accounts.add_device("keypad-all", "keypad", ANY_WINDOW, now)
        self.tokens["display"] = accounts.add_device("display-1", "display", None, now)
        self.tokens["review"] = accounts.add_device("review-1", "review", 1, now)
        accounts.add_user("manager", PASSWORD, "manager", now)
        for role in self.people:
            accounts.add_user(role, PASSWORD, role, now)
        store.close()
        if self.before_start is not None:
            self.before_start(data)
        log = (self.directory / "server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "yimen", "serve", "--config", str(config), "--data-dir", str(data),
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "WARNING"],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.env})
        await self._ready(self.ready_timeout)
        return self

    async def _ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"the server exited; see {self.directory / 'server.log'}")
                try:
                    async with session.get(self.base + "/api/v1/health") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("the server did not start")

    async def __aexit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
