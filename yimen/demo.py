"""`yimen demo`: a living hall on loopback — the real server, a simulated kiosk and clerks.

One clock for everyone. The server and the simulated people share one hall clock that starts at
the hall's opening time today and runs `speed` times faster than real time: every figure the demo
shows (waits, 目标内叫号率, estimates, times on pages) is in the hall's own time and agrees with
what the simulated people do. (Running everyone in real time would be just as consistent, but a
visitor would wait an hour to see a morning; a server on real time beside fast people reported
a 100-minute wait as "610 s".)

The kiosk issues tickets at a rate the hall can serve: the busiest group of windows is about 80 %
busy (`arrivals_per_hour`), after the few people who waited at the door for the opening: a busy
but stable morning. The simulated devices are ordinary API
clients with device tokens, exactly like the real kiosk and keypads; the demo itself also watches
the hall's events, so that a window a person works at through /console is left to them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import logging
import math
import random
import secrets
import shutil
import signal
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from aiohttp import web

from hallapi.client import ApiError, HallClient, ServerAway
from hallapi.protocol import HALL_TZ
from queue_server.auth import USER_ROLES, Accounts
from queue_server.config import HallConfig, Hours
from queue_server.events import Event
from queue_server.hall import Hall
from queue_server.numbering import business_day
from queue_server.public_url import PublicAddress
from queue_server.service import HallService
from queue_server.store import Store
from queue_server.web.app import create_app

from .demo_history import add_clerks, seed_history
from .listen import listen_error

# Share of tickets per category in a township morning (categories missing from a hall are skipped).
MIX = {"A": 0.45, "B": 0.07, "C": 0.08, "D": 0.12, "E": 0.06, "F": 0.07, "G": 0.15}
OTHER_SHARE = 0.05  # a category the mix does not name
TARGET_LOAD = 0.8  # how busy the busiest group of windows is
PRIORITY_SHARE = 0.15
NO_SHOW_SHARE = 0.05
WALK_S = (20.0, 60.0)  # the called person walks to the window
RECALL_WAIT_S = 60.0  # a clerk recalls a missing person once, then waits this long before skipping
SERVICE_SPREAD = 0.5  # lognormal sigma of service times around the category's service_min
BREAK_SHARE, BREAK_S = 0.03, 300.0  # after a service, a short break now and then
IDLE_S = 20.0  # a clerk with nobody waiting looks again after this long
OPENING_CROWD, CROWD_GAP_S = 8, (5.0, 40.0)  # people waiting at the door when the hall opens


@dataclasses.dataclass
class HallClock:
    """The demo hall's time: `start` (epoch seconds) at launch, then `speed` times real time."""

    start: float
    speed: float
    t0: float = dataclasses.field(default_factory=time.monotonic)

    def __call__(self) -> float:
        return self.start + (time.monotonic() - self.t0) * self.speed

    async def sleep(self, hall_s: float) -> None:
        await asyncio.sleep(hall_s / self.speed)


def window_time_s(service_min: float) -> float:
    """Mean seconds a window spends on one ticket of this category in the simulation: the walk,
    the service (or a recall and the wait for a no-show), and the occasional break."""
    service = math.exp(SERVICE_SPREAD ** 2 / 2) * service_min * 60
    return (sum(WALK_S) / 2 + (1 - NO_SHOW_SHARE) * service + NO_SHOW_SHARE * RECALL_WAIT_S
            + BREAK_SHARE * BREAK_S)


def arrivals_per_hour(config: HallConfig, load: float = TARGET_LOAD) -> float:
    """The kiosk's rate that makes the busiest group of windows `load` busy. A rate is servable
    exactly when every set of categories gets no more work per hour than the windows that may
    serve it can do (the supply–demand theorem), so the bottleneck is the worst such set."""
    shares = category_shares(config)
    service_min = {c.code: c.service_min for c in config.categories}
    worst = 0.0
    codes = list(shares)
    for size in range(1, len(codes) + 1):
        for group in itertools.combinations(codes, size):
            work = sum(shares[c] * window_time_s(service_min[c]) for c in group)
            windows = sum(1 for w in config.windows if set(w.serves) & set(group))
            worst = max(worst, work / windows)
    return load * 3600 / worst


def category_shares(config: HallConfig) -> dict[str, float]:
    weights = {c.code: MIX.get(c.code, OTHER_SHARE) for c in config.categories}
    total = sum(weights.values())
    return {code: w / total for code, w in weights.items()}


def opening_today(config: HallConfig, now: float) -> float:
    """Today's (Asia/Shanghai) first opening time of the hall's configured hours, as epoch seconds."""
    first = config.hours.sessions[0][0] if config.hours.sessions else "08:30"
    day = datetime.fromtimestamp(now, HALL_TZ).date()
    hour, minute = map(int, first.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HALL_TZ).timestamp()


class PeopleWatch:
    """Which windows a person has worked at (through /console or any signed-in API call): the
    simulated clerk of such a window leaves it to them for the rest of the demo."""

    def __init__(self) -> None:
        self.taken: dict[int, str] = {}

    def __call__(self, event: Event, hall: Hall) -> None:
        role, _, name = event.actor.partition(":")
        window = event.data.get("window")
        if role in USER_ROLES and isinstance(window, int):
            self.taken.setdefault(window, name)

    def at(self, window: int) -> str | None:
        return self.taken.get(window)


class PersonHere(Exception):
    """A person took the window over: its simulated clerk stops."""


async def kiosk(client: HallClient, config: HallConfig, clock: HallClock, rate_per_hour: float,
                rng: random.Random, first: asyncio.Future, crowd: int = 0) -> None:
    """Tickets at `rate_per_hour` on average, after the `crowd` already at the door at opening."""
    shares = category_shares(config)
    codes, weights = list(shares), list(shares.values())
    for n in itertools.count():
        await clock.sleep(rng.uniform(*CROWD_GAP_S) if n < crowd else rng.expovariate(rate_per_hour / 3600))
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


async def clerk(client: HallClient, config: HallConfig, window: int, clock: HallClock, rng: random.Random,
                people: Callable[[int], str | None], say: Callable[[str], None] = lambda text: print(text, flush=True)
                ) -> None:
    """One window's simulated clerk. Never ends the demo: a refusal (409: the window is not as this
    clerk left it — a person acted at it, the day closed) is met by getting back in step."""
    mean_s = {c.code: c.service_min * 60 for c in config.categories}

    async def act(action: str, body: dict | None = None) -> dict:
        if people(window):
            raise PersonHere
        return await client.window(window, action, body)

    opened = False
    while True:
        try:
            if not opened:
                try:
                    await act("open")
                except ApiError as exc:
                    if exc.code != "already_open":
                        raise
                opened = True
            try:
                result = await act("call-next")
            except ApiError as exc:
                if exc.code != "nothing_waiting":
                    raise
                await clock.sleep(IDLE_S)
                continue
            await clock.sleep(rng.uniform(*WALK_S))
            if rng.random() < NO_SHOW_SHARE:
                await act("recall")
                await clock.sleep(RECALL_WAIT_S)
                await act("skip")
                continue
            await act("start")
            await clock.sleep(rng.lognormvariate(0, SERVICE_SPREAD) * mean_s[result["ticket"]["category"]["code"]])
            await act("complete")
            if rng.random() < BREAK_SHARE:
                await act("pause", {"reason": "休息"})
                await clock.sleep(BREAK_S)
                await act("resume")
        except PersonHere:
            say(f"  window {window}: {people(window)} works here now; its simulated clerk leaves it to them.")
            return
        except ApiError as exc:
            if exc.status in (401, 403):
                say(f"  window {window}: the simulated clerk stops: {exc}")
                return
            if exc.status != 409:
                say(f"  window {window}: {exc}; carrying on")
            opened = False  # back in step: open (or find it open), then call-next completes any leftover
            await clock.sleep(IDLE_S)
        except ServerAway:
            await clock.sleep(IDLE_S)


def run(args: argparse.Namespace, config: HallConfig) -> int:
    return asyncio.run(_run(args, config))


async def _run(args: argparse.Namespace, config: HallConfig) -> int:
    data_dir = Path(args.data_dir)
    if data_dir.exists() and not args.keep:
        shutil.rmtree(data_dir)
    store = Store.open(data_dir)
    last = store.conn.execute("SELECT max(at) FROM events").fetchone()[0]
    clock = HallClock(max(opening_today(config, time.time()), last or 0.0), args.speed)
    real = config  # its history follows the hall's real hours
    # A demo should be alive whenever someone tries it: open around the clock, every day.
    config = dataclasses.replace(config, hours=Hours(tuple(range(1, 8)), (("00:00", "23:59"),), 0))
    accounts = Accounts(store)
    password = "demo-" + secrets.token_hex(3)
    for username, role, name in (("manager", "manager", "张主任"), ("clerk1", "clerk", "王芳")):
        if not any(u["username"] == username for u in accounts.users()):
            accounts.add_user(username, password, role, clock(), name)
    tokens = {}
    for device, kind, window in [("demo-kiosk", "kiosk", None)] + [(f"demo-keypad-{w.number}", "keypad", w.number) for w in config.windows]:
        if not any(d["name"] == device for d in accounts.devices()):
            tokens[device] = accounts.add_device(device, kind, window, clock())
    if len(tokens) < 1 + len(config.windows):
        print("yimen demo: --keep needs the tokens of the first run; start without --keep")
        return 2

    add_clerks(accounts, real, password, clock())  # each window's clerk, by name in the reports
    seeded = None
    if not last:  # a fresh folder: four weeks of the hall's past, with its case work
        played = time.monotonic()
        seeded = seed_history(store, real, clock.start, args.seed if args.seed is not None else 1)
        played = time.monotonic() - played
        clock.t0 = time.monotonic()  # the hall clock starts at the opening once its past is written
    cases = seeded.cases if seeded else []
    service = HallService(config, store, clock=clock)
    people = PeopleWatch()
    service.listeners.append(people)
    address = PublicAddress("", args.host, args.port)
    logging.getLogger("yimen.public").setLevel(logging.ERROR)  # the banner says it in the demo's words
    base = f"http://{args.host}:{args.port}"
    runner = web.AppRunner(create_app(service, accounts, address), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, args.host, args.port).start()
    except OSError as exc:
        print(f"yimen demo: cannot listen on {args.host}:{args.port}: {listen_error(exc)}")
        await runner.cleanup()
        return 1

    rng = random.Random(args.seed)
    rate = arrivals_per_hour(config)
    first: asyncio.Future = asyncio.get_running_loop().create_future()
    clients = [HallClient(base, tokens["demo-kiosk"])]
    crowd = 0 if last else OPENING_CROWD
    tasks = [asyncio.create_task(kiosk(clients[0], config, clock, rate, rng, first, crowd))]
    for w in config.windows:
        c = HallClient(base, tokens[f"demo-keypad-{w.number}"])
        clients.append(c)
        tasks.append(asyncio.create_task(clerk(c, config, w.number, clock, random.Random(rng.random()), people.at)))

    started = datetime.fromtimestamp(clock.start, HALL_TZ).strftime("%Y-%m-%d %H:%M")
    public = address.base()
    print(f"\nYimen demo — {config.hall.name} ({len(config.windows)} windows, open around the clock)\n")
    print(f"  Hall clock:              starts {started} (Asia/Shanghai), runs {args.speed:g}× real time; "
          "every time and wait shown is the hall's")
    print(f"  Arrivals:                about {rate:.0f} tickets an hour (the busiest windows about "
          f"{TARGET_LOAD:.0%} busy)")
    print(f"  Hall overview (public):  {base}/")
    print(f"  Manager live page:       {base}/manage    user: manager   password: {password}")
    print(f"  Clerk console:           {base}/console   user: clerk1    password: {password}")
    print("                           (open or take over a window there: its simulated clerk leaves it to you)")
    if cases:
        board = service.cases.board(business_day(clock()))["counts"]
        print(f"  Cases (办件):            {len(service.cases.items)} on record — 电子监察 green {board['green']}, "
              f"yellow {board['yellow']}, red {board['red']} (GET /api/v1/cases/supervision)")
    if seeded:
        print(f"  History:                 {seeded.tickets} tickets on the {seeded.days} working days before today "
              f"(played in {played:.0f} s): reports, charts and attendance on /manage")
    print(f"  API document:            {base}/api/v1/openapi.json")
    print(f"  Live event stream:       ws://{args.host}:{args.port}/api/v1/events")
    print(f"  Kiosk device token:      {tokens['demo-kiosk']}")
    print(f"  Data:                    {data_dir}/ (fresh each run unless --keep)")
    if public:
        print(f"  Slips' QR codes open:    {public}/t/…")
    else:
        print(f"  Slips' QR codes:         none — the demo listens on {args.host} only, which no phone can reach "
              "(--host 0.0.0.0 lets phones on this network open them)")
    with contextlib.suppress(asyncio.TimeoutError):
        ticket = await asyncio.wait_for(asyncio.shield(first), 30)
        print(f"  A citizen's ticket page: {base}/t/{ticket['token']}   ({ticket['number']})")
    print("\nPress Ctrl-C to stop.", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    waiter = asyncio.create_task(stop.wait())
    failed = await _until_stopped(waiter, tasks, args.duration or None)
    for task in [*tasks, waiter]:
        task.cancel()
    await asyncio.gather(*tasks, waiter, return_exceptions=True)
    for c in clients:
        await c.close()
    await runner.cleanup()
    hall = service.hall
    issued, waiting = len(hall.state.tickets), len(hall.waiting())
    store.close()
    if failed is not None:
        print(f"yimen demo: a simulated device failed: {failed!r}")
        return 1
    at = datetime.fromtimestamp(clock(), HALL_TZ).strftime("%H:%M")
    print(f"\nDemo stopped at {at} hall time: {issued} tickets issued today, {waiting} waiting.")
    return 0


async def _until_stopped(waiter: asyncio.Task, tasks: list[asyncio.Task], duration: float | None) -> BaseException | None:
    """Wait for Ctrl-C or the duration; a device that ends on its own (a clerk leaving its window
    to a person) is fine, one that raised is a bug worth stopping for."""
    deadline = None if duration is None else time.monotonic() + duration
    pending = {waiter, *tasks}
    while waiter in pending:
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        done, pending = await asyncio.wait(pending, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if not done:
            return None  # the duration is over
        for task in done:
            if task is not waiter and task.exception() is not None:
                return task.exception()
    return None
