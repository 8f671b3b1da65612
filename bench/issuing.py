"""`yimen bench issuing`: does taking a ticket get slower as the queue grows?

A real server process on loopback, the township hall with every window open and nobody called.
The queue is filled to each length (not timed); then kiosks take tickets, one at a time and 20 at
once, and the time from request to answer is measured. The figure is the ratio of the P99 at a
long queue to the P99 at a short one, in the same run (target ≤ 1.5 at 2,000 against 50). The
measured tickets are cancelled afterwards, so every phase starts at its queue length.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from typing import Any

import aiohttp

from .live import LiveHall

CATEGORIES = "AAAABBCDEFG"  # the prefill's mix, roughly a township day's


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def summary(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(ms, 50), 2), "p99_ms": round(percentile(ms, 99), 2),
            "max_ms": round(max(ms), 2), "n": len(ms)}


async def issue(session: aiohttp.ClientSession, hall: LiveHall, who: str, category: str) -> tuple[float, dict]:
    started = time.perf_counter()
    async with session.post(hall.base + "/api/v1/tickets", json={"category": category},
                            headers={**hall.auth(who), "Idempotency-Key": uuid.uuid4().hex}) as r:
        body = await r.json()
        if r.status != 201:
            raise RuntimeError(f"issuing failed: {r.status} {body}")
    return (time.perf_counter() - started) * 1000, body


async def waiting(session: aiohttp.ClientSession, hall: LiveHall) -> int:
    async with session.get(hall.base + "/api/v1/queue") as r:
        return sum(q["waiting"] for q in (await r.json())["queues"])


async def fill(session: aiohttp.ClientSession, hall: LiveHall, to: int, rng: random.Random) -> None:
    """Issue tickets (not timed) until `to` are waiting, 20 at a time."""
    while (have := await waiting(session, hall)) < to:
        batch = min(20, to - have)
        await asyncio.gather(*(issue(session, hall, f"kiosk{k % hall.kiosks}", rng.choice(CATEGORIES))
                               for k in range(batch)))


async def cancel(session: aiohttp.ClientSession, hall: LiveHall, taken: list[tuple[str, str]]) -> None:
    for who, number in taken:
        async with session.post(f"{hall.base}/api/v1/tickets/{number}/cancel", json={}, headers=hall.auth(who)) as r:
            await r.read()


async def phase(session: aiohttp.ClientSession, hall: LiveHall, calls: int, clients: int) -> list[float]:
    """`calls` tickets in category A from `clients` kiosks at once; the measured tickets are then
    cancelled, so the queue is back at its length."""
    times: list[float] = []
    taken: list[tuple[str, str]] = []

    async def kiosk(k: int) -> None:
        who = f"kiosk{k}"
        for _ in range(calls // clients):
            ms, body = await issue(session, hall, who, "A")
            times.append(ms)
            taken.append((who, body["number"]))

    await asyncio.gather(*(kiosk(k) for k in range(clients)))
    await cancel(session, hall, taken)
    await asyncio.sleep(1.0)  # let the background replay settle
    return times


async def run(lengths: list[int], calls: int, clients: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    out: dict[str, Any] = {"bench": "issuing", "calls": calls, "clients": clients, "by_queue": {}}
    async with LiveHall(kiosks=clients) as hall, aiohttp.ClientSession() as session:
        for w in range(1, 8):
            async with session.post(f"{hall.base}/api/v1/windows/{w}/open", headers=hall.auth("keypad")) as r:
                await r.read()
        for length in sorted(lengths):
            await fill(session, hall, length, rng)
            await asyncio.sleep(1.0)
            one = await phase(session, hall, calls, 1)
            many = await phase(session, hall, calls, clients)
            out["by_queue"][str(length)] = {"waiting": length, "one_kiosk": summary(one),
                                            f"{clients}_kiosks": summary(many)}
    short, long_ = str(min(lengths)), str(max(lengths))
    q = out["by_queue"]
    out["ratio_p99_one_kiosk"] = round(q[long_]["one_kiosk"]["p99_ms"] / q[short]["one_kiosk"]["p99_ms"], 3)
    out["ratio_p99_many_kiosks"] = round(q[long_][f"{clients}_kiosks"]["p99_ms"]
                                         / q[short][f"{clients}_kiosks"]["p99_ms"], 3)
    out["target"] = f"p99 at {long_} waiting <= 1.5 x p99 at {short}"
    out["target_met"] = out["ratio_p99_one_kiosk"] <= 1.5 and out["ratio_p99_many_kiosks"] <= 1.5
    return out


def add_bench_issuing(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("issuing", help="does issuing a ticket slow down as the queue grows?",
                       description="Run a real server on loopback, fill the queue to each length and time taking "
                                   "tickets from one kiosk and from many at once; prints JSON with P50/P99 per "
                                   "queue length and the ratio of the longest queue's P99 to the shortest's.")
    p.add_argument("--lengths", default="50,2000", help="queue lengths to measure at (default: 50,2000)")
    p.add_argument("--calls", type=int, default=300, help="tickets timed per phase (default: 300)")
    p.add_argument("--clients", type=int, default=20, help="kiosks issuing at once in the second phase (default: 20)")
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    lengths = [int(x) for x in args.lengths.split(",")]
    print(json.dumps(asyncio.run(run(lengths, args.calls, args.clients, args.seed)), indent=2))
    return 0
