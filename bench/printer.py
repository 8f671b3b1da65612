"""Benchmark: tap-to-last-printer-byte time and bytes per slip, against the wire's physical limit.

    yimen bench printer [--server URL --token T] [--bauds 115200,9600] [--tickets 5]

Without --server it starts a real `yimen serve` (open around the clock) in a temporary directory.
The "tap" is the call the confirm button makes (KioskService.take_ticket): the server issues the
ticket over HTTP, the slip goes through the real driver and pyserial into a pty printer that takes
bytes no faster than baud/10 per second, and the clock stops at the last byte it receives. The
physical limit is bytes × 10 / baud (8N1: ten bits per byte). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from escpos.printer import Dummy

from hallapi.client import HallClient
from hw.escpos_bytes import PROFILE
from hw.printer import EscPosPrinter, PtyPrinter
from kiosk.service import KioskService
from kiosk.slip import slip_of, ticket_bytes

ALWAYS_OPEN = """
[hours]
days = [1, 2, 3, 4, 5, 6, 7]
sessions = [["00:00", "23:59"]]
stop_issuing_min = 0
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(work: Path) -> tuple[subprocess.Popen, str, str]:
    """A real `yimen serve` on loopback with the township preset, open around the clock."""
    yimen = [sys.executable, "-m", "yimen.cli"]
    preset = subprocess.run(yimen + ["config", "show", "township"], capture_output=True, text=True, check=True).stdout
    lines, skip = [], False
    for line in preset.splitlines():  # replace the [hours] table
        if line.strip().startswith("["):
            skip = line.strip() == "[hours]"
        if not skip:
            lines.append(line)
    (work / "hall.toml").write_text("\n".join(lines) + ALWAYS_OPEN)
    data = work / "data"
    made = subprocess.run(yimen + ["device", "add", "--name", "bench-kiosk", "--kind", "kiosk", "--data-dir", str(data)],
                          capture_output=True, text=True, check=True).stdout
    token = made.strip().splitlines()[-1].strip()
    port = _free_port()
    proc = subprocess.Popen(yimen + ["serve", "--config", str(work / "hall.toml"), "--data-dir", str(data),
                                     "--host", "127.0.0.1", "--port", str(port), "--log-level", "WARNING"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, url, token
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("yimen serve did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))


async def bench_baud(url: str, token: str, baud: int, tickets: int) -> dict[str, Any]:
    sim = PtyPrinter(baud=baud)
    printer = EscPosPrinter.serial(sim.port, baudrate=baud)
    client = HallClient(url, token)
    svc = KioskService(client, printer)
    try:
        assert await svc.connect(), "server not reachable"
        await svc.check_printer()
        taps, issues, slips = [], [], []
        for _ in range(tickets):
            t0 = time.perf_counter()
            before = len(sim.received)
            out = await svc.take_ticket(category="A")
            if out.kind != "printed":
                raise RuntimeError(f"ticket not printed: {out.kind} {out.message}")
            taps.append(sim.last_byte_at - t0)
            slip = len(ticket_bytes(slip_of(out.issued), printer.cols))
            slips.append(slip)
            issues.append(len(sim.received) - before)
        limit = [s * 10 / baud for s in slips]
        wire = [w * 10 / baud for w in issues]
        return {
            "baud": baud, "tickets": tickets,
            "slip_bytes": round(statistics.mean(slips), 1),
            "wire_bytes_per_ticket": round(statistics.mean(issues), 1),  # slip + DLE EOT status queries
            "tap_to_last_byte_ms": {"p50": round(statistics.median(taps) * 1000, 1),
                                    "max": round(max(taps) * 1000, 1)},
            "physical_limit_ms": round(statistics.mean(limit) * 1000, 1),
            "wire_limit_ms": round(statistics.mean(wire) * 1000, 1),
            "ratio_to_physical_limit": round(statistics.median(taps) / statistics.mean(limit), 2),
        }
    finally:
        printer.close()
        sim.close()
        await client.close()


def raster_qr_bytes(url: str) -> int:
    """For comparison: the same QR sent as a raster image instead of the printer's native QR."""
    p = Dummy(profile=PROFILE)
    p.qr(url, native=False, size=6)
    return len(p.output)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    proc = None
    url, token = args.server, args.token
    with tempfile.TemporaryDirectory() as tmp:
        if not url:
            proc, url, token = start_server(Path(tmp))
        try:
            results = [await bench_baud(url, token, b, args.tickets) for b in args.bauds]
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(10)
    sample = "http://127.0.0.1:8080/t/" + "x" * 22
    return {"benchmark": "kiosk-printer", "results": results,
            "native_qr_note": {"raster_qr_bytes": raster_qr_bytes(sample),
                               "native_qr_bytes": len(_native(sample))},
            "cpu_count": os.cpu_count()}


def _native(url: str) -> bytes:
    p = Dummy(profile=PROFILE)
    p.qr(url, native=True, size=6)
    return p.output


def bench(args: argparse.Namespace) -> int:
    print(json.dumps(asyncio.run(run(args)), indent=2))
    return 0
