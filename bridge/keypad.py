"""The keypad bridge: keys from a USB keypad or a serial keypad bus become window actions on the
queue server (through HallClient only), and every key earns the clerk a signal back.

Guarantees: a key becomes at most one request, sent at once or never. While an action is in
flight, a further action key is refused (ERROR), not queued; when the server is away the action
is refused (AWAY) and forgotten. Nothing is ever replayed later.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hallapi.client import ApiError, HallClient, ServerAway
from hw.keypad import (
    EvdevKeypad,
    KeypadBusy,
    KeypadGone,
    KeypadUnavailable,
    SerialKeypadBus,
    Signal,
)

from .keymap import Cleared, Command, Entry, KeyMap, Refused, Typing, press

log = logging.getLogger("yimen.keypad")


@dataclass
class ServerState:
    """Shared by the desks of one bridge: whether the health watch last found the server away."""

    away: bool = False


@dataclass(frozen=True)
class Result:
    """What became of one key (also what the status file shows)."""

    signal: Signal
    code: str
    message: str
    keys: str = ""
    action: str = ""
    number: str = ""


Notify = Callable[[Signal, str], None]


class Desk:
    """One window's keypad session: key map state, at most one action in flight, feedback."""

    def __init__(self, window: int, client: HallClient, keymap: KeyMap, notify: Notify,
                 server: ServerState | None = None, clock: Callable[[], float] = time.monotonic,
                 status_file: str | Path | None = None):
        self.window = window
        self.client = client
        self.keymap = keymap
        self.notify = notify
        self.server = server or ServerState()
        self.clock = clock
        self.status_file = Path(status_file) if status_file else None
        self.entry = Entry()
        self.inflight: asyncio.Task[Result] | None = None
        self.results: list[Result] = []

    @property
    def busy(self) -> bool:
        return self.inflight is not None and not self.inflight.done()

    def report(self, result: Result) -> Result:
        """Record a key's result, log it and signal it to the clerk."""
        self.results.append(result)
        level = logging.INFO if result.signal in (Signal.OK, Signal.PENDING, Signal.CLEAR) else logging.WARNING
        log.log(level, "window %d: %s -> %s %s: %s", self.window, result.keys or "-", result.signal.name,
                result.code, result.message)
        signal = result.signal
        if self.server.away and signal in (Signal.PENDING, Signal.CLEAR):
            signal = Signal.AWAY  # typing must not hide that the server is away
        self.notify(signal, result.number or result.code[:8])
        if self.status_file is not None:
            write_status(self.status_file, {
                "window": self.window, "signal": result.signal.name.lower(), "code": result.code,
                "message": result.message, "keys": result.keys, "action": result.action,
                "number": result.number, "at": time.time()})
        return result

    def press(self, key: str) -> Result | None:
        """Handle one key now. Local outcomes are final at once; a command starts its request
        (await `settle()` for its result). Returns the local result, or None if a request began."""
        self.entry, outcome = press(self.keymap, self.entry, key, self.clock())
        if isinstance(outcome, Typing):
            return self.report(Result(Signal.PENDING, "typing", f"digits {outcome.digits}", outcome.digits))
        if isinstance(outcome, Cleared):
            return self.report(Result(Signal.CLEAR, "cleared", "typed digits forgotten", key))
        if isinstance(outcome, Refused):
            return self.report(Result(Signal.ERROR, outcome.code, outcome.message, outcome.keys))
        assert isinstance(outcome, Command)
        if self.busy:
            return self.report(Result(Signal.ERROR, "busy", "the previous action is still running; "
                                       "this key was not sent", outcome.keys, outcome.action))
        if self.server.away:
            return self.report(Result(Signal.AWAY, "server_away", "the queue server cannot be reached; "
                                       "this key was not sent", outcome.keys, outcome.action))
        self.inflight = asyncio.get_running_loop().create_task(self._send(outcome))
        return None

    async def _send(self, command: Command) -> Result:
        try:
            answer = await self.client.window(self.window, command.action, command.body)
        except ServerAway as exc:
            return self.report(Result(Signal.AWAY, "server_away", f"{exc}; the key was discarded",
                                       command.keys, command.action))
        except ApiError as exc:
            return self.report(Result(Signal.ERROR, exc.code, exc.message, command.keys, command.action))
        except Exception as exc:  # a bad answer must not kill the bridge; the clerk still hears
            log.exception("window %d: %s failed", self.window, command.action)
            return self.report(Result(Signal.ERROR, "failed", f"{exc.__class__.__name__}: {exc}",
                                       command.keys, command.action))
        ticket = (answer or {}).get("ticket") or {}
        number = ticket.get("number") or ""
        return self.report(Result(Signal.OK, "ok", command.label, command.keys, command.action, number))

    async def settle(self) -> Result | None:
        """Wait for the request in flight, if any."""
        if self.inflight is None:
            return None
        return await self.inflight


def write_status(path: Path, data: dict[str, Any]) -> None:
    """Atomically replace the status file (a clerk-side widget or `watch cat` can show it)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False) + "\n", "utf-8")
    os.replace(tmp, path)


async def watch_server(client: HallClient, server: ServerState, desks: list[Desk],
                       interval_s: float = 3.0) -> None:
    """Tell every keypad when the server goes away and when it is back (LEDs), without a key."""
    while True:
        try:
            await client.health()
            away = False
        except ServerAway:
            away = True
        except ApiError:
            away = False  # it answered
        if away != server.away:
            server.away = away
            log.warning("queue server %s", "unreachable" if away else "reachable again")
            for desk in desks:
                desk.notify(Signal.AWAY if away else Signal.CLEAR, "")
        await asyncio.sleep(interval_s)


# ------------------------------------------------------------------ USB keypad


async def run_usb(keypad: EvdevKeypad, desk: Desk) -> None:
    """Feed keys from one USB keypad to its desk, forever (the keypad reopens itself on replug)."""
    opens = keypad.opens
    async for key in keypad.keys():
        if keypad.opens != opens:  # replugged: digits typed before belong to nothing now
            opens, desk.entry = keypad.opens, Entry()
        desk.press(key)


# ------------------------------------------------------------------ serial bus


class BusBridge:
    """Polls every keypad on one RS-485 bus; address = window number. Feedback for a keypad is
    sent before its next poll (only the latest signal: the LEDs show a state, not a history)."""

    def __init__(self, bus: SerialKeypadBus, desks: dict[int, Desk], max_key_age_s: float = 3.0,
                 retry_s: float = 1.0, idle_s: float = 0.0):
        self.bus = bus
        self.desks = desks
        self.max_key_age_s = max_key_age_s
        self.retry_s = retry_s
        self.idle_s = idle_s
        self.outbox: dict[int, tuple[Signal, str]] = {}
        self.silent: dict[int, int] = {a: 0 for a in desks}
        self.cycles = 0
        for address, desk in desks.items():
            desk.notify = self._notifier(address)

    def _notifier(self, address: int) -> Notify:
        def notify(signal: Signal, text: str) -> None:
            self.outbox[address] = (signal, text)
        return notify

    async def run(self) -> None:
        while True:
            if self.bus.port is None:
                try:
                    await asyncio.to_thread(self.bus.open)
                    log.info("keypad bus %s open", self.bus.port_name)
                except (KeypadUnavailable, KeypadBusy) as exc:
                    log.warning("keypad bus: %s; retrying", exc)
                    await asyncio.sleep(self.retry_s)
                    continue
            try:
                await self.cycle()
            except KeypadGone as exc:
                log.warning("keypad bus gone (%s); waiting for it to come back", exc)
                self.bus.close()
                for desk in self.desks.values():
                    desk.entry = Entry()
                await asyncio.sleep(self.retry_s)
            if self.idle_s:
                await asyncio.sleep(self.idle_s)

    async def cycle(self) -> None:
        """One round: feedback then poll, for each keypad in turn."""
        for address, desk in self.desks.items():
            pending = self.outbox.pop(address, None)
            if pending is not None and not await asyncio.to_thread(self.bus.feedback, address, *pending):
                log.warning("keypad %d did not acknowledge %s", address, pending[0].name)
            batch = await asyncio.to_thread(self.bus.poll, address)
            if batch is None:
                self.silent[address] += 1
                if self.silent[address] == 5:
                    log.warning("keypad %d (window %d) does not answer", address, desk.window)
                continue
            if self.silent[address] >= 5:
                log.info("keypad %d (window %d) answers again", address, desk.window)
            self.silent[address] = 0
            if not batch.keys:
                continue
            if batch.age_s > self.max_key_age_s or batch.overflow:
                why = "overflow" if batch.overflow else f"{batch.age_s:.1f} s old"
                desk.report(Result(Signal.ERROR, "stale_keys", f"keys {' '.join(batch.keys)} discarded ({why})",
                                    " ".join(batch.keys)))
                desk.entry = Entry()
                continue
            for key in batch.keys:
                desk.press(key)
        self.cycles += 1
        await asyncio.sleep(0)

