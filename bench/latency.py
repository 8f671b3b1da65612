"""`yimen bench latency`: from a window call over HTTP to the LAST of N screens receiving it.

In one run, on loopback: the real queue server (SQLite log, auth, dispatcher, estimates, hub) and a
bare aiohttp broadcast server that only fans the same message out. Both are measured by the same
N websocket clients with the same payload, so the ratio says what Yimen adds on top of the fan-out
itself; bare times on a shared machine mean little, the ratio is the figure to compare.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from hallapi.client import HallClient

# The hall's own settings (queue_server/store/core.py, Store.open), for the durable reference.
DURABLE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                   "PRAGMA secure_delete=ON")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def summary(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(ms, 50), 3), "p99_ms": round(percentile(ms, 99), 3),
            "max_ms": round(max(ms), 3), "mean_ms": round(sum(ms) / len(ms), 3), "n": len(ms)}


class Listeners:
    """N websocket clients; each records when it first sees a message containing a marker. With a
    `token` they connect as a device (a screen), not as anonymous viewers, whose number is capped."""

    def __init__(self, url: str, n: int, token: str = ""):
        self.url, self.n, self.token = url, n, token
        self.session: aiohttp.ClientSession | None = None
        self.tasks: list[asyncio.Task] = []
        self.waiting: dict[str, tuple[asyncio.Future, list[float]]] = {}
        self.ready = 0

    async def start(self) -> None:
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                             headers={"Authorization": f"Bearer {self.token}"} if self.token else None)
        connected = asyncio.get_running_loop().create_future()
        for _ in range(self.n):
            self.tasks.append(asyncio.create_task(self._client(connected)))
        await asyncio.wait_for(connected, 60)

    async def _client(self, connected: asyncio.Future) -> None:
        assert self.session is not None
        async with self.session.ws_connect(self.url, max_msg_size=0) as ws:
            self.ready += 1
            if self.ready == self.n and not connected.done():
                connected.set_result(None)
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                for marker, (fut, seen) in list(self.waiting.items()):
                    if marker in msg.data:
                        seen.append(time.perf_counter())
                        if len(seen) == self.n and not fut.done():
                            fut.set_result(seen[-1])

    def expect(self, marker: str) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self.waiting[marker] = (fut, [])
        return fut

    async def close(self) -> None:
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.session is not None:
            await self.session.close()


class RemoteListeners:
    """The same N clients in a child process (screens are other processes, usually other boxes), so the
    server keeps its own core. time.perf_counter is CLOCK_MONOTONIC, comparable across processes."""

    def __init__(self, url: str, n: int, token: str = ""):
        self.url, self.n, self.token = url, n, token
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.latency", self.url, str(self.n), self.token,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        assert (await asyncio.wait_for(self._line(), 120)) == "ready"

    async def _line(self) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the listener process ended")
        return line.decode().strip()

    async def expect(self, marker: str) -> asyncio.Future:
        """Arm the marker; the future resolves to the time the last client saw it."""
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(marker) + "\n").encode())
        await self.proc.stdin.drain()
        assert await self._line() == "armed"

        async def seen() -> float:
            return float(await self._line())
        return asyncio.ensure_future(seen())

    async def close(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


async def _listen_child(url: str, n: int, token: str) -> None:
    """The child's side: N clients; for each armed marker, print when the last of them saw it."""
    listeners = Listeners(url, n, token)
    await listeners.start()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print("ready", flush=True)
    pending: set[asyncio.Task] = set()
    while line := await reader.readline():
        listeners.waiting.clear()
        fut = listeners.expect(json.loads(line))
        print("armed", flush=True)

        async def report(f: asyncio.Future = fut) -> None:
            print(f"{await f:.9f}", flush=True)
        task = asyncio.create_task(report())
        pending.add(task)
        task.add_done_callback(pending.discard)
    await listeners.close()


async def _serve(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]  # the port the kernel chose
    return runner, port


class YimenRig:
    """The real queue server with N screens, `waiting` tickets kept waiting, and window 1 open."""

    def __init__(self, devices: int, data_dir: Path, waiting: int):
        self.devices, self.data_dir, self.waiting = devices, data_dir, waiting
        self.stack = contextlib.AsyncExitStack()
        self.calls = 0

    async def __aenter__(self) -> YimenRig:
        from queue_server.auth import Accounts
        from queue_server.config import load_preset
        from queue_server.hours import Hours
        from queue_server.service import HallService
        from queue_server.store import Store
        from queue_server.web.app import create_app

        config = load_preset("township")
        config = dataclasses.replace(config, hours=Hours(tuple(range(1, 8)), (("00:00", "23:59"),), 0))
        store = Store.open(self.data_dir)
        self.stack.callback(store.close)
        accounts = Accounts(store)
        now = time.time()
        kiosk = accounts.add_device("bench-kiosk", "kiosk", None, now)
        keypad = accounts.add_device("bench-keypad", "keypad", 1, now)
        screen = accounts.add_device("bench-screen", "display", None, now)  # screens are devices, not anonymous viewers
        runner, port = await _serve(create_app(HallService(config, store), accounts, ""))
        self.stack.push_async_callback(runner.cleanup)
        self.base = f"http://127.0.0.1:{port}"
        self.kiosk = await self.stack.enter_async_context(HallClient(self.base, kiosk))
        self.pad = await self.stack.enter_async_context(HallClient(self.base, keypad))
        for _ in range(self.waiting):
            await self.kiosk.issue(category="A")
        await self.pad.window(1, "open")
        self.listeners = RemoteListeners(self.base + "/api/v1/events", self.devices, screen)
        self.stack.push_async_callback(self.listeners.close)
        await self.listeners.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stack.aclose()

    async def payload(self) -> str:
        """A message shaped and sized like the server's own call event, for the bare server."""
        snap = await self.kiosk.queue()
        return json.dumps({"seq": snap["seq"], "type": "ticket_called", "at": time.time(),
                           "data": {"number": "X", "category": "A", "window": 1, "reason_code": "preference"},
                           "kind": "event", "windows": snap["windows"]}, ensure_ascii=False)

    async def call(self) -> tuple[float, float]:
        """One timed call-next (to the last screen, and to the HTTP answer), after one untimed issue
        that keeps the queue `waiting` long (and the estimate as costly)."""
        self.calls += 1
        # Armed before issuing: the screens may see the ticket before the kiosk has its answer.
        issued = await self.listeners.expect(f'"data": {{"number": "A{self.waiting + self.calls:03d}"')
        await self.kiosk.issue(category="A")
        await asyncio.wait_for(issued, 10)
        got = await self.listeners.expect(f'"data": {{"number": "A{self.calls:03d}"')
        t0 = time.perf_counter()
        await self.pad.window(1, "call-next")
        answered = time.perf_counter()
        t1 = await asyncio.wait_for(got, 10)
        return (t1 - t0) * 1000, (answered - t0) * 1000


class _NullOut:
    """A speaker that plays instantly: the figure is when playing *starts*."""

    def play(self, wav: Path) -> None:
        pass


async def _measure_audio(base: str, kiosk: HallClient, pad: HallClient, done: int, n: int, cache: Path) -> list[float]:
    """Call to the announcer handing a finished announcement to the speaker (segments pre-rendered)."""
    from display.announcer import Announcer
    from display.speech import Settings
    from hw.voice import Voice

    hall = await kiosk.hall()
    announcer = Announcer(Voice(cache), _NullOut(), cache / "work", Settings(template=hall["templates"]["voice"]))
    with contextlib.redirect_stdout(sys.stderr):  # the espeak driver of pyttsx3 prints on stdout: keep the JSON clean
        await asyncio.to_thread(announcer.prepare, [w["number"] for w in hall["windows"]],
                                sorted({c["prefix"] for c in hall["categories"]}))
    started: dict[str, asyncio.Future] = {}
    loop = asyncio.get_running_loop()

    def on_start(call) -> None:
        fut = started.get(call.number)
        if fut is not None and not fut.done():
            loop.call_soon_threadsafe(fut.set_result, time.perf_counter())

    announcer.on_play_start = on_start
    client = HallClient(base)
    task = asyncio.create_task(announcer.run(client.events(10.0, markers=True)))
    ms = []
    try:
        await asyncio.sleep(0.3)
        for i in range(done, done + n):
            await kiosk.issue(category="A")
            number = f"A{i + 1:03d}"
            started[number] = loop.create_future()
            t0 = time.perf_counter()
            await pad.window(1, "call-next")
            ms.append((await asyncio.wait_for(started[number], 30) - t0) * 1000)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.close()
    return ms


class BareRig:
    """The reference: a bare aiohttp server whose POST /call sends `payload` to every socket, with the
    same websocket settings as the hub (no compression), and the same N screens. Given `db`, it is the
    durable reference: each call first commits one row (the message) to that SQLite file, with the
    hall's own settings (WAL, synchronous=FULL: an fsync per commit), on the event loop as the hall does."""

    def __init__(self, devices: int, payload: str, db: Path | None = None):
        self.devices, self.payload = devices, payload
        self.stack = contextlib.AsyncExitStack()
        self.sockets: set[web.WebSocketResponse] = set()
        self.calls = 0
        self.conn: sqlite3.Connection | None = None
        if db is not None:
            self.conn = sqlite3.connect(db, isolation_level=None)
            for pragma in DURABLE_PRAGMAS:
                self.conn.execute(pragma)
            self.conn.execute("CREATE TABLE IF NOT EXISTS calls (seq INTEGER PRIMARY KEY, at REAL NOT NULL, "
                              "body TEXT NOT NULL)")
            self.stack.callback(self.conn.close)

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False)
        await ws.prepare(request)
        self.sockets.add(ws)
        try:
            async for _ in ws:
                pass
        finally:
            self.sockets.discard(ws)
        return ws

    async def _call(self, request: web.Request) -> web.Response:
        body = await request.json()
        text = self.payload.replace('"number": "X"', f'"number": "{body["number"]}"')
        if self.conn is not None:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("INSERT INTO calls (at, body) VALUES (?, ?)", (time.time(), text))
            self.conn.execute("COMMIT")
        for ws in list(self.sockets):
            with contextlib.suppress(ConnectionError):
                await ws.send_str(text)
        return web.json_response({"ok": True})

    async def __aenter__(self) -> BareRig:
        app = web.Application()
        app.router.add_get("/ws", self._ws)
        app.router.add_post("/call", self._call)
        runner, port = await _serve(app)
        self.stack.push_async_callback(runner.cleanup)
        self.url = f"http://127.0.0.1:{port}/call"
        self.http = await self.stack.enter_async_context(aiohttp.ClientSession())
        self.listeners = RemoteListeners(f"http://127.0.0.1:{port}/ws", self.devices)
        self.stack.push_async_callback(self.listeners.close)
        await self.listeners.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stack.aclose()

    async def call(self) -> float:
        self.calls += 1
        number = f"A{self.calls:03d}"
        got = await self.listeners.expect(f'"data": {{"number": "{number}"')
        t0 = time.perf_counter()
        async with self.http.post(self.url, json={"number": number}) as r:
            await r.read()
        return (await asyncio.wait_for(got, 10) - t0) * 1000


TARGET_VS_DURABLE = 1.2  # p50 and p99, against the server that commits the same way and broadcasts


def _ratios(y: dict[str, float], ref: dict[str, float]) -> dict[str, float]:
    return {"p50": round(y["p50_ms"] / ref["p50_ms"], 3), "p99": round(y["p99_ms"] / ref["p99_ms"], 3)}


async def run_bench(devices: int, calls: int, data_parent: str | None = None, waiting: int = 20,
                    audio_calls: int = 0) -> dict[str, Any]:
    """The three servers up at once and their calls interleaved (the order turning each round), so
    whatever else the machine does in the meantime weighs on all alike: the ratios are the figures
    to compare. The durable reference's file sits in the same folder as Yimen's database."""
    yimen_ms: list[float] = []
    http_ms: list[float] = []
    bare_ms: list[float] = []
    durable_ms: list[float] = []
    audio_ms: list[float] = []
    with tempfile.TemporaryDirectory(prefix="yimen-bench-", dir=data_parent) as tmp:
        async with YimenRig(devices, Path(tmp) / "hall", waiting) as yimen:
            payload = await yimen.payload()
            async with BareRig(devices, payload) as bare, BareRig(devices, payload, Path(tmp) / "durable.db") as durable:
                await asyncio.sleep(0.2)

                async def one_yimen() -> None:
                    shown, answered = await yimen.call()
                    yimen_ms.append(shown)
                    http_ms.append(answered)

                async def one_bare() -> None:
                    bare_ms.append(await bare.call())

                async def one_durable() -> None:
                    durable_ms.append(await durable.call())

                steps = [one_yimen, one_durable, one_bare]
                for i in range(calls):
                    for step in steps[i % 3:] + steps[:i % 3]:
                        await step()
            if audio_calls:
                audio_ms = await _measure_audio(yimen.base, yimen.kiosk, yimen.pad, yimen.calls, audio_calls,
                                                Path(tmp) / "voice")
    y, d, b = summary(yimen_ms), summary(durable_ms), summary(bare_ms)
    vs_durable = _ratios(y, d)
    return {"benchmark": "call-to-display latency", "devices": devices, "calls": calls, "waiting": waiting,
            "payload_bytes": len(payload.encode()), "yimen": y, "durable_reference": d, "bare_broadcast": b,
            "yimen_http_answer": summary(http_ms),  # call-next answered: commit, dispatch, JSON
            "ratio_vs_durable": vs_durable, "ratio_vs_bare": _ratios(y, b),
            "target": {"p99_ms_at_50": 25.0, "ratio_vs_durable": TARGET_VS_DURABLE},
            "met": {"vs_durable": max(vs_durable.values()) <= TARGET_VS_DURABLE},
            **({"call_to_audio_start": summary(audio_ms)} if audio_ms else {})}


def table(runs: list[dict[str, Any]], footprint: dict[str, Any] | None) -> str:
    """The runs and the footprint as the other benches print them (to stderr)."""
    lines = [f"{'screens':>7} {'yimen p50/p99':>15} {'durable p50/p99':>17} {'bare p50/p99':>14} "
             f"{'vs durable p50/p99':>19} {'vs bare':>12}  target <= {TARGET_VS_DURABLE}"]
    for r in runs:
        y, d, b, rd, rb = r["yimen"], r["durable_reference"], r["bare_broadcast"], r["ratio_vs_durable"], r["ratio_vs_bare"]
        lines.append(f"{r['devices']:>7} {y['p50_ms']:>7.2f}/{y['p99_ms']:<7.2f} {d['p50_ms']:>8.2f}/{d['p99_ms']:<8.2f} "
                     f"{b['p50_ms']:>6.2f}/{b['p99_ms']:<7.2f} {rd['p50']:>9.2f}/{rd['p99']:<9.2f} "
                     f"{rb['p50']:>5.2f}/{rb['p99']:<6.2f}  {'met' if r['met']['vs_durable'] else 'NOT met'}")
        if "call_to_audio_start" in r:
            a = r["call_to_audio_start"]
            lines.append(f"{'':>7} call -> audio start p50/p99 {a['p50_ms']:.1f}/{a['p99_ms']:.1f} ms")
    if footprint:
        lines += ["", f"server process, {footprint['screens']} screens, {footprint['waiting']} waiting, "
                      f"{footprint['calls']} calls ({footprint['cpu_from']}; {footprint['rss_from']}):"]
        for name in ("fresh", "year"):
            if name in footprint:
                f = footprint[name]
                lines.append(f"  {name:<6} CPU {f['cpu_ms_per_call']:.2f} ms/call; RSS after start {f['rss_after_start_mb']} MB, "
                             f"after the calls {f['rss_after_calls_mb']} MB (peak {f['rss_peak_mb']})  "
                             f"target <= {footprint['rss_target_mb']:.0f} MB "
                             f"{'met' if f['rss_after_calls_mb'] <= footprint['rss_target_mb'] else 'NOT met'}")
    return "\n".join(lines)


if __name__ == "__main__":  # the listener child of RemoteListeners: python -m bench.latency URL N [TOKEN]
    asyncio.run(_listen_child(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else ""))
