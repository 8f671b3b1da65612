"""`yimen demo`: a living hall on loopback — the real server, a simulated kiosk and clerks.

The simulated devices are ordinary API clients with device tokens, exactly like the real kiosk
and keypads will be; nothing reaches into the server's internals. Time runs `speed` times faster
for the simulated people (arrivals and service times), while the server keeps real time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import random
import secrets
import shutil
import signal
import time
from datetime import date
from pathlib import Path

from aiohttp import web

from queue_server.auth import Accounts
from queue_server.client import ApiError, HallClient, ServerAway
from queue_server.config import HallConfig, Hours
from queue_server.service import HallService
from queue_server.store import Store
from queue_server.web.app import create_app

# Share of tickets per category in a township morning (categories missing from a hall are skipped).
MIX = {"A": 0.42, "B": 0.07, "C": 0.09, "D": 0.16, "E": 0.08, "F": 0.09, "G": 0.09}
ARRIVALS_PER_HOUR = 70
PRIORITY_SHARE = 0.15
NO_SHOW_SHARE = 0.05


async def kiosk(client: HallClient, config: HallConfig, speed: float, rng: random.Random, first: asyncio.Future) -> None:
    codes = [c.code for c in config.categories]
    weights = [MIX.get(code, 0.05) for code in codes]
    while True:
        await asyncio.sleep(rng.expovariate(ARRIVALS_PER_HOUR / 3600) / speed)
        category = rng.choices(codes, weights)[0]
        matters = [m.code for m in config.matters if m.category == category]
        body: dict = {"matter": rng.choice(matters)} if matters and rng.random() < 0.8 else {"category": category}
        if rng.random() < PRIORITY_SHARE:
            body["birth_date"] = date(rng.randint(1935, 1960), rng.randint(1, 12), rng.randint(1, 28)).isoformat()
        try:
            ticket = await client.issue(**body)
        except (ApiError, ServerAway) as exc:
            print(f"  kiosk: {exc}")
            continue
        if not first.done():
            first.set_result(ticket)


async def clerk(client: HallClient, config: HallConfig, window: int, speed: float, rng: random.Random) -> None:
    mean_s = {c.code: c.service_min * 60 for c in config.categories}
    await client.window(window, "open")
    while True:
        try:
            result = await client.window(window, "call-next")
        except ApiError as exc:
            if exc.code == "nothing_waiting":
                await asyncio.sleep(20 / speed)
                continue
            raise
        ticket = result["ticket"]
        await asyncio.sleep(rng.uniform(20, 60) / speed)  # the citizen walks to the window
        if rng.random() < NO_SHOW_SHARE:
            await client.window(window, "recall")
            await asyncio.sleep(60 / speed)
            await client.window(window, "skip")
            continue
        await client.window(window, "start")
        await asyncio.sleep(rng.lognormvariate(0, 0.5) * mean_s[ticket["category"]["code"]] / speed)
        await client.window(window, "complete")
        if rng.random() < 0.03:
            await client.window(window, "pause", {"reason": "休息"})
            await asyncio.sleep(300 / speed)
            await client.window(window, "resume")


def run(args: argparse.Namespace, config: HallConfig) -> int:
    return asyncio.run(_run(args, config))


async def _run(args: argparse.Namespace, config: HallConfig) -> int:
    # A demo should be alive whenever someone tries it: open around the clock, every day.
    config = dataclasses.replace(config, hours=Hours(tuple(range(1, 8)), (("00:00", "23:59"),), 0))
    data_dir = Path(args.data_dir)
    if data_dir.exists() and not args.keep:
        shutil.rmtree(data_dir)
    store = Store.open(data_dir)
    accounts = Accounts(store)
    now = time.time()
    password = "demo-" + secrets.token_hex(3)
    for username, role in (("manager", "manager"), ("clerk1", "clerk")):
        if not any(u["username"] == username for u in accounts.users()):
            accounts.add_user(username, password, role, now)
    tokens = {}
    for name, kind, window in [("demo-kiosk", "kiosk", None)] + [(f"demo-keypad-{w.number}", "keypad", w.number) for w in config.windows]:
        if not any(d["name"] == name for d in accounts.devices()):
            tokens[name] = accounts.add_device(name, kind, window, now)
    if len(tokens) < 1 + len(config.windows):
        print("yimen demo: --keep needs the tokens of the first run; start without --keep")
        return 2

    service = HallService(config, store)
    base = f"http://{args.host}:{args.port}"
    runner = web.AppRunner(create_app(service, accounts, base), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    try:
        await site.start()
    except OSError as exc:
        print(f"yimen demo: cannot listen on {args.host}:{args.port}: {exc.strerror}. Try --port 8081.")
        await runner.cleanup()
        return 1

    rng = random.Random(args.seed)
    first: asyncio.Future = asyncio.get_running_loop().create_future()
    clients = [HallClient(base, tokens["demo-kiosk"])]
    tasks = [asyncio.create_task(kiosk(clients[0], config, args.speed, rng, first))]
    for w in config.windows:
        c = HallClient(base, tokens[f"demo-keypad-{w.number}"])
        clients.append(c)
        tasks.append(asyncio.create_task(clerk(c, config, w.number, args.speed, random.Random(rng.random()))))

    print(f"\nYimen demo — {config.hall.name} ({len(config.windows)} windows, simulated at {args.speed:g}× speed, open around the clock)\n")
    print(f"  Hall overview (public):  {base}/")
    print(f"  Manager live page:       {base}/manage    user: manager   password: {password}")
    print(f"  Clerk account:           clerk1 / {password}")
    print(f"  API document:            {base}/api/v1/openapi.json")
    print(f"  Live event stream:       ws://{args.host}:{args.port}/api/v1/events")
    print(f"  Kiosk device token:      {tokens['demo-kiosk']}")
    print(f"  Data:                    {data_dir}/ (fresh each run unless --keep)")
    with contextlib.suppress(asyncio.TimeoutError):
        ticket = await asyncio.wait_for(asyncio.shield(first), 30)
        print(f"  A citizen's ticket page: {ticket['status_url']}   ({ticket['number']})")
    print("\nPress Ctrl-C to stop.", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    waiter = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([waiter, *tasks], timeout=args.duration or None, return_when=asyncio.FIRST_COMPLETED)
    failed = [t for t in done if t is not waiter and t.exception() is not None]
    for task in [*tasks, waiter]:
        task.cancel()
    await asyncio.gather(*tasks, waiter, return_exceptions=True)
    for c in clients:
        await c.close()
    await runner.cleanup()
    issued = store.issued_count(service.hall.state.day.isoformat())
    store.close()
    if failed:
        print(f"yimen demo: a simulated device failed: {failed[0].exception()!r}")
        return 1
    print(f"\nDemo stopped: {issued} tickets issued today.")
    return 0
