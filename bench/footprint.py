"""The server's footprint, for `yimen bench latency`: CPU time per call and resident memory, of a real
`yimen serve` process on a fresh hall and on a hall with a year of history (`yimen bench stats`
generates and caches that year under var/bench).

Both are read from the kernel, for the server process alone: CPU time as utime + stime of
/proc/<pid>/stat (every thread of it; `resource.getrusage` would have to run inside the server, and
in the latency rigs the server shares its process with the benchmark's own HTTP clients), memory
as VmRSS (and its peak, VmHWM) of /proc/<pid>/status.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import statistics
import tempfile
import time
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any

from hallapi.client import HallClient
from hallapi.protocol import HALL_TZ
from queue_server.store.core import DB_NAME, MARKER

from .live import LiveHall

TICK_S = 1 / os.sysconf("SC_CLK_TCK")
SETTLE_S = 0.35  # the people-waiting figures follow a burst by 0.25 s (hub.QUEUES_DELAY_S): counted with the call
RSS_TARGET_MB = 80.0


def cpu_s(pid: int) -> float:
    """utime + stime of a process, in seconds (the kernel counts in clock ticks, 10 ms)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_S


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (the peak) of a process, in MB (10^6 bytes)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) * 1024 / 1e6, 1)
    return out


def default_year() -> Path | None:
    """Last year's folder as `yimen bench stats` caches it with its defaults, if it was generated."""
    from .stats import CACHE
    from .stats_year import Plan

    folder = CACHE / Plan(datetime.now(HALL_TZ).year - 1, 150_000, 13).key()
    return folder if (folder / "generated.json").exists() else None


def _year_data(year: Path) -> Path:
    """A scratch copy of the cached year's data folder (the cache stays as it was)."""
    directory = Path(tempfile.mkdtemp(prefix="yimen-bench-year-"))
    (directory / "data").mkdir()
    for name in (DB_NAME, MARKER):
        shutil.copy2(year / name, directory / "data" / name)
    return directory


class Served:
    """One real server, its N screens (in a child process), a kiosk and window 1's keypad."""

    def __init__(self, name: str, directory: Path | None, screens: int, waiting: int):
        self.name, self.screens, self.waiting = name, screens, waiting
        self.hall = LiveHall(ready_timeout=300) if directory is None else LiveHall(directory=directory,
                                                                                  ready_timeout=300)
        self.numbers: deque[str] = deque()
        self.cpu_ms: list[float] = []

    async def start(self) -> None:
        from .latency import RemoteListeners

        t = time.perf_counter()
        await self.hall.__aenter__()
        self.start_s = round(time.perf_counter() - t, 2)
        assert self.hall.process is not None
        self.pid = self.hall.process.pid
        self.after_start = memory_mb(self.pid)
        self.kiosk = HallClient(self.hall.base, self.hall.tokens["kiosk"])
        self.pad = HallClient(self.hall.base, self.hall.tokens["keypad"])
        await self.pad.window(1, "open")
        for _ in range(self.waiting):
            await self.issue()
        self.listeners = RemoteListeners(self.hall.base + "/api/v1/events", self.screens, self.hall.tokens["display"])
        await self.listeners.start()

    async def issue(self) -> None:
        ticket = await self.kiosk.issue(category="A")
        self.numbers.append(ticket["number"])

    async def call(self) -> None:
        """Call the next ticket (the oldest: one category, one window) and wait until the last
        screen has it and the people-waiting figures that follow have been sent."""
        seen = await self.listeners.expect(f'"data": {{"number": "{self.numbers.popleft()}"')
        await self.pad.window(1, "call-next")
        await asyncio.wait_for(seen, 10)

    async def close(self) -> None:
        for closing in (self.kiosk.close(), self.pad.close(), self.listeners.close()):
            with contextlib.suppress(Exception):  # closing what is left; the run's figures are taken
                await closing
        await self.hall.__aexit__(None, None, None)


async def measure(year: Path | None, screens: int, calls: int, waiting: int) -> dict[str, Any]:
    """A fresh hall and, given the cached `year`, a hall after that year, side by side: in each round
    both issue one ticket (untimed), settle, then call it; the CPU the server spends from just
    before the call until the figures that follow it are sent is the call's."""
    halls = [Served("fresh", None, screens, waiting)]
    if year is not None:
        halls.append(Served("year", _year_data(year), screens, waiting))
    started: list[Served] = []
    try:
        for hall in halls:
            await hall.start()
            started.append(hall)
        idle = {h.name: cpu_s(h.pid) for h in halls}
        await asyncio.sleep(2.0)
        idle_per_s = {h.name: (cpu_s(h.pid) - idle[h.name]) / 2.0 for h in halls}
        for r in range(calls):
            for hall in halls:
                await hall.issue()
            await asyncio.sleep(SETTLE_S)
            for hall in (halls if r % 2 == 0 else halls[::-1]):
                before = cpu_s(hall.pid)
                await hall.call()
                await asyncio.sleep(SETTLE_S)
                hall.cpu_ms.append((cpu_s(hall.pid) - before - idle_per_s[hall.name] * SETTLE_S) * 1000)
        out: dict[str, Any] = {}
        for hall in halls:
            out[hall.name] = {
                "server_start_s": hall.start_s, "rss_after_start_mb": hall.after_start["VmRSS"],
                "rss_after_calls_mb": memory_mb(hall.pid)["VmRSS"], "rss_peak_mb": memory_mb(hall.pid)["VmHWM"],
                "cpu_ms_per_call": round(statistics.fmean(hall.cpu_ms), 2),
                "idle_cpu_ms_per_s": round(idle_per_s[hall.name] * 1000, 2), "calls": calls,
            }
        return {"screens": screens, "waiting": waiting, "calls": calls, "cpu_from": "/proc/<pid>/stat utime+stime",
                "rss_from": "/proc/<pid>/status VmRSS", "rss_target_mb": RSS_TARGET_MB, **out}
    finally:
        for hall in started:
            await hall.close()
        for hall in halls:  # scratch folders (the year's copy is 300 MB)
            shutil.rmtree(hall.hall.directory, ignore_errors=True)
