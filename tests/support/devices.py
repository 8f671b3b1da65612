"""Fake hardware at the device boundary, shared by the device tests: a serial port at a fixed path
(a pty behind a symlink) for LED displays and printers, WAV readings, and a recorded stream."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import wave
from array import array
from pathlib import Path

from hallapi.client import HallClient
from hw.led import Frame, decode_frames
from hw.printer import PtyPrinter

from .hall import Hall


class PtyPort:
    """A serial 'device' at a fixed path: a pty whose slave is reached through a symlink."""

    def __init__(self, link: Path):
        self.link = link
        self.master: int | None = None
        self.buffer = b""

    def plug(self) -> None:
        self.master, slave = os.openpty()
        os.set_blocking(self.master, False)
        name = os.ttyname(slave)
        os.close(slave)  # pyserial opens the slave by name; the master keeps the pty alive
        tmp = self.link.with_suffix(".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(name)
        tmp.replace(self.link)

    def unplug(self) -> None:
        assert self.master is not None
        os.close(self.master)
        self.master = None
        self.link.unlink()

    def frames(self) -> list[Frame]:
        """The LED frames written to the port since the last call."""
        assert self.master is not None
        try:
            while True:
                chunk = os.read(self.master, 65536)
                if not chunk:
                    break
                self.buffer += chunk
        except BlockingIOError:
            pass
        except OSError:  # EIO: nobody has the slave open (yet, or any more)
            pass
        frames, self.buffer = decode_frames(self.buffer)
        return frames


async def wait_frames(port: PtyPort, n: int, timeout: float = 10.0) -> list[Frame]:
    got: list[Frame] = []
    deadline = time.monotonic() + timeout
    while len(got) < n:
        got += port.frames()
        assert time.monotonic() < deadline, f"only {len(got)} of {n} frames arrived: {got}"
        await asyncio.sleep(0.02)
    return got


class PrinterSocket:
    """A printer's stable port name (/dev/serial/by-id/... as udev makes it): a symlink to whichever
    pty is the printer now. Pulling the cable closes the printer's side and removes the name."""

    def __init__(self, path: Path):
        self.path, self.sims = path, []

    def plug(self) -> PtyPrinter:
        self.sims.append(PtyPrinter())
        os.symlink(self.sims[-1].port, self.path)
        return self.sims[-1]

    def pull(self) -> None:
        self.sims[-1].unplug()
        self.path.unlink()

    def close(self) -> None:
        for sim in self.sims:
            sim.close()


def samples_of(path: Path) -> tuple[array, int]:
    """A mono 16-bit WAV's samples and rate."""
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        data = array("h")
        data.frombytes(w.readframes(w.getnframes()))
        return data, w.getframerate()


def sox_rms(path: Path) -> float:
    """The RMS amplitude sox measures (a second opinion on loudness)."""
    out = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True, check=True).stderr
    return float(next(line for line in out.splitlines() if line.startswith("RMS     amplitude")).split(":")[1])


async def recorded_stream(hall: Hall) -> list[dict]:
    """The real stream of a ticket that moves: B001 (综合业务(企业)) called at window 3 (企业综合受理),
    recalled, transferred to category F (个体户与食品经营(市场监管)), then called at window 7 (市场监管)."""
    await hall.act(3, "open")
    await hall.act(7, "open")
    await hall.post("/api/v1/tickets", json={"category": "B"}, expect=201)
    client = HallClient(str(hall.client.make_url("")).rstrip("/"), hall.tokens["display"])
    stream = client.events(10.0)
    try:
        messages = [await asyncio.wait_for(anext(stream), 10)]
        assert messages[0]["kind"] == "snapshot"
        await hall.act(3, "call-next")
        await hall.act(3, "recall")
        await hall.act(3, "transfer", json={"category": "F"})
        await hall.act(7, "call-next")
        last = hall.service.hall.state.last_seq
        while not (messages[-1]["kind"] == "event" and messages[-1]["seq"] == last):
            messages.append(await asyncio.wait_for(anext(stream), 10))
    finally:
        await stream.aclose()
        await client.close()
    return messages
