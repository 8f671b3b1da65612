"""`yimen demo`: figures in the hall's own clock, a backlog the hall can serve, and a person at
/console who is left alone by the simulated clerks — all through the real command."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest

from hallapi.client import ApiError
from hallapi.protocol import HALL_TZ
from queue_server.config import load_preset
from tests.support.net import free_port
from yimen.demo import (
    TARGET_LOAD,
    HallClock,
    PeopleWatch,
    arrivals_per_hour,
    category_shares,
    clerk,
    window_time_s,
)

SPEED = 150.0


def test_arrivals_keep_every_group_of_windows_within_its_capacity():
    for preset in ("township", "village"):
        config = load_preset(preset)
        rate = arrivals_per_hour(config)
        shares = category_shares(config)
        loads = {}
        for code in shares:  # each category alone, and the groups that share windows
            serving = [w for w in config.windows if code in w.serves]
            work = rate * shares[code] * window_time_s(config.category(code).service_min) / 3600
            loads[code] = work / len(serving)
        assert max(loads.values()) <= TARGET_LOAD + 1e-9, (preset, loads)
        everything = sum(rate * s * window_time_s(config.category(c).service_min) / 3600 for c, s in shares.items())
        assert everything / len(config.windows) <= TARGET_LOAD + 1e-9
        assert everything / len(config.windows) > 0.5, "a demo hall should look busy"


@dataclass
class Demo:
    process: asyncio.subprocess.Process
    base: str
    password: str
    clock_start: float
    banner: str
    data_dir: Path

    async def stop(self) -> tuple[int, str]:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGINT)
        rest, _ = await asyncio.wait_for(self.process.communicate(), 30)
        return self.process.returncode, self.banner + rest.decode()


@contextlib.asynccontextmanager
async def running_demo(tmp_path: Path, seed: int):
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "yimen", "demo", "--port", str(port), "--speed", str(SPEED), "--seed", str(seed),
        "--data-dir", str(tmp_path / "demo"), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    banner = ""
    try:
        while "Press Ctrl-C" not in banner:
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            assert line, banner
            banner += line.decode()
        started = re.search(r"Hall clock: +starts (\S+ \S+) \(Asia/Shanghai\), runs 150× real time", banner)
        assert started, banner
        start = datetime.fromisoformat(started.group(1)).replace(tzinfo=HALL_TZ).timestamp()
        password = re.search(r"user: clerk1 +password: (\S+)", banner).group(1)
        yield Demo(process, f"http://127.0.0.1:{port}", password, start, banner, tmp_path / "demo")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def sign_in(session: aiohttp.ClientSession, base: str, username: str, password: str) -> dict:
    async with session.post(f"{base}/api/v1/session", json={"username": username, "password": password}) as r:
        assert r.status == 200, await r.text()
        return {"X-CSRF-Token": (await r.json())["csrf_token"]}


async def get(session: aiohttp.ClientSession, url: str) -> dict:
    async with session.get(url) as r:
        assert r.status == 200, (url, await r.text())
        return await r.json()


async def hall_time(session: aiohttp.ClientSession, base: str) -> tuple[float, float]:
    real = time.monotonic()
    health = await get(session, f"{base}/api/v1/health")
    return real, health["time"]


@pytest.mark.slow
async def test_demo_figures_are_in_the_hall_clock_and_the_backlog_stays_bounded(tmp_path):
    async with running_demo(tmp_path, seed=11) as demo, \
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        real0, hall0 = await hall_time(session, demo.base)
        await asyncio.sleep(30)  # 75 simulated minutes
        real1, hall1 = await hall_time(session, demo.base)
        # The server keeps the simulated people's clock, not real time.
        assert 0.8 * SPEED <= (hall1 - hall0) / (real1 - real0) <= 1.2 * SPEED
        assert hall0 - demo.clock_start < 10 * 60  # it starts at the hall's opening time
        await sign_in(session, demo.base, "manager", demo.password)
        live = await get(session, f"{demo.base}/api/v1/stats/live")
        tickets = (await get(session, f"{demo.base}/api/v1/tickets"))["tickets"]
        code, out = await demo.stop()
    assert code == 0, out
    elapsed = live["at"] - demo.clock_start
    assert elapsed > 60 * 60
    # A busy but stable morning: tickets keep coming, and the queue does not run away.
    assert live["issued_today"] >= 20
    assert live["waiting"] <= 15, live
    assert live["served_today"] >= live["issued_today"] - live["waiting"] - 10
    # Waits are in hall seconds: never longer than the hall has been open, and plausible.
    assert live["longest_wait_s"] is None or live["longest_wait_s"] <= elapsed
    assert all(demo.clock_start <= t["issued_at"] <= live["at"] for t in tickets)
    assert live["waits_today"]["p90_s"] <= 45 * 60, live["waits_today"]
    # Services last what the categories say (7 min for A), in the hall's clock: real-time timestamps
    # beside 150× faster clerks would make them last a few seconds.
    a_services = [t["finished_at"] - t["started_at"] for t in tickets
                  if t["category"]["code"] == "A" and t["outcome"] == "served" and t["started_at"]]
    assert len(a_services) >= 5
    assert 3 * 60 <= sum(a_services) / len(a_services) <= 15 * 60, a_services
    # 目标内叫号率 agrees with the tickets' own times (a recalled ticket's first call is not listed).
    target = live["target_wait_min"] * 60
    firsts = [t["called_at"] - t["issued_at"] for t in tickets if t["called_at"] and not t["recalls"]]
    recalled = sum(1 for t in tickets if t["recalls"])
    n = live["waits_today"]["n"]
    within = sum(1 for w in firsts if w <= target)
    assert abs(live["within_target"] * n - within) <= recalled, (live["within_target"], within, n)


@pytest.mark.slow
async def test_a_person_at_the_console_takes_a_window_and_the_demo_goes_on(tmp_path):
    async with running_demo(tmp_path, seed=3) as demo, \
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await asyncio.sleep(4)  # 10 simulated minutes: window 1's simulated clerk is at work
        csrf = await sign_in(session, demo.base, "clerk1", demo.password)
        async with session.post(f"{demo.base}/api/v1/windows/1/open", headers=csrf) as r:
            assert r.status == 200, await r.text()
            took_over = (await r.json())["event"]["seq"]
        refused = []
        for _ in range(40):  # the person works the window as fast as a keyboard allows
            queue = await get(session, f"{demo.base}/api/v1/queue")
            window = next(w for w in queue["windows"] if w["number"] == 1)
            action = "complete" if window["current"] else "call-next"
            async with session.post(f"{demo.base}/api/v1/windows/1/{action}", headers=csrf) as r:
                if r.status != 200:
                    refused.append((await r.json())["error"])
            assert demo.process.returncode is None, "the demo died under a person's hands"
            await asyncio.sleep(0.25)
        code, out = await demo.stop()
    assert code == 0, out
    assert "window 1: clerk1 works here now; its simulated clerk leaves it to them." in out
    assert set(refused) <= {"nothing_waiting"}, refused  # nobody else acted at the person's window
    conn = sqlite3.connect(demo.data_dir / "yimen.db")
    after = [(actor, json.loads(data).get("window")) for actor, data in
             conn.execute("SELECT actor, data FROM events WHERE seq > ?", (took_over,))]
    assert not [a for a, w in after if w == 1 and a == "keypad:demo-keypad-1"]
    assert any(a == "clerk:clerk1" for a, w in after)
    assert any(a.startswith("keypad:demo-keypad-") for a, w in after), "the other windows go on"


class ScriptedKeypad:
    """The server as one window's keypad sees it: answers from a script, refusals where told."""

    def __init__(self, refuse: dict[int, ApiError], person_after: int):
        self.calls: list[str] = []
        self.refuse, self.person_after = refuse, person_after
        self.people = PeopleWatch()

    async def window(self, number: int, action: str, body: dict | None = None) -> dict:
        self.calls.append(action)
        if len(self.calls) >= self.person_after:  # a person signs in at the console and opens the window
            self.people.taken[number] = "clerk1"
        if len(self.calls) in self.refuse:
            raise self.refuse[len(self.calls)]
        return {"ticket": {"category": {"code": "A"}}}


async def test_a_refused_window_action_is_never_fatal_and_a_person_ends_the_simulation_there():
    config = load_preset("township")
    gone = ApiError(409, "no_current_ticket", "window 1 has no current ticket")
    keypad = ScriptedKeypad({3: gone, 4: ApiError(409, "already_open", "window 1 is already open")}, person_after=9)
    said: list[str] = []
    clock = HallClock(start=0.0, speed=1e7)
    await asyncio.wait_for(clerk(keypad, config, 1, clock, random.Random(1), keypad.people.at, said.append), 5)
    # open, call-next, start (409: someone else finished the ticket) → back in step: open (already),
    # call-next … until the person's window is left to them, without another action.
    assert keypad.calls[:5] == ["open", "call-next", "start", "open", "call-next"]
    assert len(keypad.calls) == 9
    assert said == ["  window 1: clerk1 works here now; its simulated clerk leaves it to them."]
