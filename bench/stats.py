"""`yimen bench stats`: do the manager's pages stay fast on a year of history?

Data (bench/stats_year.py): a year of a busy township hall (≈150,000 tickets over its working
days) played through the real service, cached under var/bench; and two data folders whose "today"
is a busy day of the same size — one with nothing before it (day 1), one after the whole year
(day 365).

Measured, each against a reference in the same run (medians of several runs, interleaved):
- the live page's refresh, `GET /api/v1/stats/live` from a real server process on loopback, on
  day 365 against day 1 (target ≤ 1.2×);
- a month's and the year's report (`reporting.build_report`, as the page asks for it: with the
  previous period for comparison, and without) against one plain pass over the same period's
  ticket rows with the standard `sqlite3` module (`SELECT <every column> FROM ticket_facts WHERE
  day BETWEEN …`, iterated in Python) (target for the year ≤ 2×).
A table goes to stderr, one JSON document to stdout and to var/bench/stats-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiohttp

from hallapi.protocol import HALL_TZ
from queue_server.config import load_preset
from queue_server.history import TICKET_COLUMNS
from queue_server.reporting import build_report
from queue_server.reports import Period, period
from queue_server.store import Store
from queue_server.store.core import DB_NAME

from .live import PASSWORD, LiveHall
from .stats_year import Plan, today_folder, year_folder

CACHE = Path(__file__).resolve().parent.parent / "var" / "bench"
LIVE_TARGET, YEAR_TARGET = 1.2, 2.0


# ---------------------------------------------------------------- the live page


async def _signed_in(hall: LiveHall) -> aiohttp.ClientSession:
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # 127.0.0.1 keeps its cookie
    async with session.post(hall.base + "/api/v1/session", json={"username": "manager", "password": PASSWORD}) as r:
        if r.status != 200:
            await session.close()
            raise RuntimeError(f"the manager could not sign in: {r.status} {await r.text()}")
    return session


async def _refresh_ms(session: aiohttp.ClientSession, hall: LiveHall) -> tuple[float, int]:
    started = time.perf_counter()
    async with session.get(hall.base + "/api/v1/stats/live") as r:
        body = await r.read()
        if r.status != 200:
            raise RuntimeError(f"/api/v1/stats/live answered {r.status}: {body[:200]!r}")
    return (time.perf_counter() - started) * 1000, len(body)


async def time_live(folders: dict[str, Path], rounds: int, per_round: int) -> dict[str, Any]:
    """Both servers run at once and are asked in turn, request by request, so that load on the
    box falls on both alike; the ratio is the median of the rounds' ratios of medians."""
    halls = {name: LiveHall(directory=folder, ready_timeout=300) for name, folder in folders.items()}
    started: list[LiveHall] = []
    sessions: dict[str, aiohttp.ClientSession] = {}
    samples: dict[str, list[float]] = {name: [] for name in halls}
    round_medians: dict[str, list[float]] = {name: [] for name in halls}
    sizes: dict[str, int] = {}
    try:
        for name, hall in halls.items():
            t = time.perf_counter()
            await hall.__aenter__()
            started.append(hall)
            sizes[f"{name}_start_s"] = round(time.perf_counter() - t, 2)
            sessions[name] = await _signed_in(hall)
        for name, hall in halls.items():
            for _ in range(max(5, per_round // 4)):  # warm-up: first requests, caches
                _, sizes[name] = await _refresh_ms(sessions[name], hall)
        order = list(halls)
        for r in range(rounds):
            times: dict[str, list[float]] = {name: [] for name in halls}
            for i in range(per_round):  # request by request, taking turns which goes first
                for name in (order if (r + i) % 2 == 0 else order[::-1]):
                    times[name].append((await _refresh_ms(sessions[name], halls[name]))[0])
            for name in halls:
                samples[name] += times[name]
                round_medians[name].append(statistics.median(times[name]))
    finally:
        for s in sessions.values():
            await s.close()
        for hall in started:
            await hall.__aexit__(None, None, None)
    out: dict[str, Any] = {}
    for name in halls:
        out[name] = {"p50_ms": round(statistics.median(samples[name]), 2),
                     "p90_ms": round(_nearest_rank(samples[name], 90), 2), "n": len(samples[name]),
                     "bytes": sizes[name], "server_start_s": sizes[f"{name}_start_s"]}
    first, last = list(halls)
    ratios = [b / a for a, b in zip(round_medians[first], round_medians[last], strict=True)]
    out["ratio"] = round(statistics.median(ratios), 3)
    out["ratio_rounds"] = [round(x, 3) for x in ratios]
    return out


def _nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, -(-len(ordered) * int(q) // 100)) - 1]


# ---------------------------------------------------------------- reports


def one_pass(path: Path, p: Period) -> Callable[[], int]:
    """The reference: every column of the period's ticket rows, read once with plain sqlite3."""
    conn = sqlite3.connect(path)
    columns = ", ".join(f'"{c}"' for c in TICKET_COLUMNS)
    sql = f"SELECT {columns} FROM ticket_facts WHERE day BETWEEN ? AND ?"

    def run() -> int:
        n = 0
        for _row in conn.execute(sql, (p.first.isoformat(), p.last.isoformat())):
            n += 1
        return n

    return run


def time_reports(folder: Path, year: int, runs: int) -> dict[str, Any]:
    """A month (June) and the year, each with and without the previous period, against one pass."""
    config = load_preset("township")
    store = Store.open(folder)
    reader = store.reader()
    today = date(year + 1, 1, 1)
    out: dict[str, Any] = {}
    try:
        for name, p in (("month", period("month", date(year, 6, 1))), ("year", period("year", date(year, 1, 1)))):
            reference = one_pass(folder / DB_NAME, p)
            timed: dict[str, Callable[[], Any]] = {
                "one_pass": reference,
                "report": lambda p=p: build_report(reader, config, p, today),
                "report_no_compare": lambda p=p: build_report(reader, config, p, today, compare=False),
            }
            for fn in timed.values():
                fn()  # warm: the pages in the cache, as for a manager's second look
            times: dict[str, list[float]] = {k: [] for k in timed}
            for _ in range(runs):
                for key, fn in timed.items():
                    started = time.perf_counter()
                    fn()
                    times[key].append((time.perf_counter() - started) * 1000)
            rows = reference()
            med = {k: statistics.median(v) for k, v in times.items()}
            out[name] = {"period": p.label(), "ticket_rows": rows, "runs": runs,
                         **{f"{k}_ms": round(v, 1) for k, v in med.items()},
                         "ratio": round(med["report"] / med["one_pass"], 2),
                         "ratio_no_compare": round(med["report_no_compare"] / med["one_pass"], 2)}
    finally:
        reader.conn.close()
        store.close()
    return out


# ---------------------------------------------------------------- the run


def _box() -> dict[str, Any]:
    return {"machine": platform.machine(), "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "system": platform.platform()}


def run(args: argparse.Namespace) -> dict[str, Any]:
    load_before = os.getloadavg()
    this_year = datetime.now(HALL_TZ).year
    plan = Plan(args.year or this_year - 1, args.tickets, args.seed)
    cache = Path(args.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    print(f"yimen bench stats: the year {plan.year}, {plan.tickets} tickets (cache {cache / plan.key()})",
          file=sys.stderr, flush=True)
    folder, generated = year_folder(cache, plan)
    per_day = generated["tickets_per_day"]
    work = Path(tempfile.mkdtemp(prefix="yimen-bench-stats-"))
    days = {"day1": work / "day1", "day365": work / "day365"}
    today_tickets = {"day1": today_folder(days["day1"] / "data", None, per_day, args.seed),
                     "day365": today_folder(days["day365"] / "data", folder, per_day, args.seed)}
    live = asyncio.run(time_live(days, args.rounds, args.requests))
    for name, n in today_tickets.items():
        live[name]["tickets_today"] = n
    reports = time_reports(folder, plan.year, args.runs)
    out = {
        "bench": "stats", "box": _box(), "load_average": {"before": [round(x, 2) for x in load_before],
                                                          "after": [round(x, 2) for x in os.getloadavg()]},
        "year": generated, "live": live, "reports": reports,
        "targets": {"live_day365_vs_day1": f"<= {LIVE_TARGET}", "year_report_vs_one_pass": f"<= {YEAR_TARGET}"},
        "met": {"live": live["ratio"] <= LIVE_TARGET, "year_report": reports["year"]["ratio"] <= YEAR_TARGET},
    }
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (cache / f"stats-{stamp}.json").write_text(json.dumps(out, ensure_ascii=False, indent=2), "utf-8")
    return out


def table(out: dict[str, Any]) -> str:
    live, reports, year = out["live"], out["reports"], out["year"]
    lines = [
        f"year {year['year']}: {year['tickets']} tickets, {year['events']} events on {year['working_days']} working days "
        f"({'cached' if year['reused'] else 'generated'}; generation took {year['generation_s']} s)",
        f"load average before {out['load_average']['before']}, after {out['load_average']['after']}",
        "",
        f"{'what':<34} {'measured':>12} {'reference':>12} {'ratio':>7}  target",
        f"{'live refresh p50, day 365 vs day 1':<34} {live['day365']['p50_ms']:>9.2f} ms {live['day1']['p50_ms']:>9.2f} ms "
        f"{live['ratio']:>7.2f}  <= {LIVE_TARGET} {'met' if out['met']['live'] else 'NOT met'}",
    ]
    for name in ("month", "year"):
        r = reports[name]
        target = f"<= {YEAR_TARGET} {'met' if out['met']['year_report'] else 'NOT met'}" if name == "year" else ""
        lines.append(f"{name + ' report (' + str(r['ticket_rows']) + ' rows)':<34} {r['report_ms']:>9.1f} ms "
                     f"{r['one_pass_ms']:>9.1f} ms {r['ratio']:>7.2f}  {target}")
        lines.append(f"{'  without the previous period':<34} {r['report_no_compare_ms']:>9.1f} ms "
                     f"{r['one_pass_ms']:>9.1f} ms {r['ratio_no_compare']:>7.2f}")
    return "\n".join(lines)


def add_bench_stats(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stats", help="the live page and reports on a year of history",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tickets", type=int, default=150_000, metavar="N",
                   help="tickets in the generated year (default: 150000; fewer for a quick look)")
    p.add_argument("--year", type=int, default=None, help="the generated year (default: last year)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--runs", type=int, default=7, help="timed runs of each report and its reference (default: 7)")
    p.add_argument("--rounds", type=int, default=10, help="rounds of live refreshes (default: 10)")
    p.add_argument("--requests", type=int, default=40, help="live refreshes per server per round (default: 40)")
    p.add_argument("--cache-dir", default=str(CACHE), metavar="DIR",
                   help=f"where the generated year is kept and the JSON written (default: {CACHE})")
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    if args.tickets < 100 or args.runs < 1 or args.rounds < 1 or args.requests < 1:
        print("yimen bench stats: --tickets must be at least 100; --runs, --rounds and --requests at least 1",
              file=sys.stderr)
        return 2
    out = run(args)
    print(table(out), file=sys.stderr)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0
