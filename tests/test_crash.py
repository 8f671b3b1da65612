"""kill -9 the real server during a ticket storm: no acknowledged ticket lost, no number twice."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from tests.support.net import around_the_clock, free_port

YIMEN = [sys.executable, "-m", "yimen"]


def start_server(data_dir: Path, port: int, log: Path) -> subprocess.Popen:
    config = around_the_clock(data_dir.parent)
    return subprocess.Popen([*YIMEN, "serve", "--config", str(config), "--data-dir", str(data_dir), "--host",
                             "127.0.0.1", "--port", str(port), "--log-level", "WARNING"],
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the server exited during start-up"
            try:
                async with session.get(base + "/api/v1/health") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("server did not become ready")


async def storm(base: str, token: str, acknowledged: list[str], stop: asyncio.Event, rng: random.Random) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    categories = ["A", "B", "C", "D", "E", "F", "G"]
    async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=2)) as session:
        while not stop.is_set():
            try:
                async with session.post(base + "/api/v1/tickets", json={"category": rng.choice(categories)}) as r:
                    if r.status == 201:
                        acknowledged.append((await r.json())["id"])
                    else:
                        assert r.status < 500 or r.status == 503, await r.text()
            except (TimeoutError, aiohttp.ClientError):
                await asyncio.sleep(0.01)  # the server is dead: an unacknowledged ticket is not owed


@pytest.mark.slow
async def test_kill_9_during_a_ticket_storm_loses_nothing_and_reuses_nothing(tmp_path):
    data = tmp_path / "data"
    log = tmp_path / "server.log"
    out = subprocess.run([*YIMEN, "device", "add", "--name", "storm-kiosk", "--kind", "kiosk", "--data-dir", str(data)],
                         capture_output=True, text=True, check=True)
    token = out.stdout.strip().splitlines()[-1]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(20261123)
    acknowledged: list[str] = []
    kills = 0
    for _ in range(4):
        proc = start_server(data, port, log)
        await wait_ready(base, proc)
        stop = asyncio.Event()
        workers = [asyncio.create_task(storm(base, token, acknowledged, stop, random.Random(rng.random())))
                   for _ in range(6)]
        await asyncio.sleep(rng.uniform(0.4, 1.2))
        os.kill(proc.pid, signal.SIGKILL)  # mid-write, with requests in flight
        proc.wait()
        kills += 1
        await asyncio.sleep(0.1)
        stop.set()
        await asyncio.gather(*workers)

    assert kills == 4 and len(acknowledged) > 50, log.read_text()
    conn = sqlite3.connect(data / "yimen.db")
    issued = [json.loads(row[0])["ticket"] for row in conn.execute("SELECT data FROM events WHERE type = 'ticket_issued'")]
    counts = Counter(issued)
    assert not [t for t, n in counts.items() if n > 1], "a number was issued twice"
    lost = set(acknowledged) - set(issued)
    assert not lost, f"acknowledged tickets lost: {sorted(lost)[:5]}"
    assert len(set(acknowledged)) == len(acknowledged)
    # Sequences per prefix have no duplicates and the restarted server continued after the last one.
    by_prefix: dict[str, list[int]] = {}
    for ticket in issued:
        number = ticket.split("-")[1]
        by_prefix.setdefault(number[0], []).append(int(number[1:]))
    for prefix, seqs in by_prefix.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), prefix
    conn.close()

    proc = start_server(data, port, log)  # and it still starts and serves the survivors
    try:
        await wait_ready(base, proc)
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession(headers=headers) as session, \
                session.post(base + "/api/v1/tickets", json={"category": "A"}) as r:
            assert r.status == 201
            number = (await r.json())["number"]
        assert int(number[1:]) == len(by_prefix.get("A", [])) + 1
    finally:
        proc.terminate()
        proc.wait(10)
