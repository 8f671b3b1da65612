"""The keypad bridge against the real queue server on loopback: evdev event lists and a serial
keypad bus over a pty become window actions; server away; unplug and replug."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import tty

import pytest
from evdev import ecodes as e
from evdev.events import InputEvent

from bridge.keymap import parse_keymap
from bridge.keypad import BusBridge, Desk, ServerState, run_usb, watch_server
from hallapi.client import HallClient
from hw.keypad import (
    LED_NUML,
    EvdevKeypad,
    SerialKeypadBus,
    Signal,
)
from hw.keypad.fake import FakeInputDevice, FakeInputPlug, FakeKeypadLine
from hw.keypad.firmware import KeypadFirmware
from tests.support.hall import PASSWORD

KEYS = {"+": e.KEY_KPPLUS, "-": e.KEY_KPMINUS, "*": e.KEY_KPASTERISK, "/": e.KEY_KPSLASH,
        ".": e.KEY_KPDOT, "E": e.KEY_KPENTER, "N": e.KEY_NUMLOCK,
        **{str(d): getattr(e, f"KEY_KP{d}") for d in range(10)}}


def typed(text: str) -> list[InputEvent]:
    """Events a USB keypad sends for the keys in `text` (E = Enter, N = NumLock)."""
    out = []
    for ch in text:
        out += [InputEvent(0, 0, e.EV_MSC, e.MSC_SCAN, 0x70000 + KEYS[ch]), InputEvent(0, 0, e.EV_KEY, KEYS[ch], 1),
                InputEvent(0, 0, e.EV_SYN, 0, 0), InputEvent(0, 0, e.EV_KEY, KEYS[ch], 0), InputEvent(0, 0, e.EV_SYN, 0, 0)]
    return out


async def until(predicate, what: str, limit_s: float = 30.0) -> None:
    """Wait for a condition (a bound, not a timing assertion)."""
    for _ in range(int(limit_s / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


def url(hall) -> str:
    return str(hall.client.make_url("")).rstrip("/")


def dead_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


async def staff_ticket(hall, number: str) -> dict:
    """A ticket as a signed-in clerk sees it (keypads may not read tickets)."""
    r = await hall.client.post("/api/v1/session", json={"username": "clerk1", "password": PASSWORD})
    assert r.status == 200
    r = await hall.client.get(f"/api/v1/tickets/{number}")
    assert r.status == 200
    return await r.json()


async def window_state(hall, number: int) -> dict:
    _, queue = await hall.get("/api/v1/queue")
    return next(w for w in queue["windows"] if w["number"] == number)


class UsbRig:
    """A USB keypad (fake input device) for window 3 wired to a Desk and the real server."""

    def __init__(self, client: HallClient, status_file=None, server=None):
        self.plug = FakeInputPlug()
        self.device = FakeInputDevice()
        self.plug.plug(self.device)
        self.statuses: list[str] = []
        self.keypad = EvdevKeypad("/dev/input/by-id/usb-fake-event-kbd", opener=self.plug, retry_s=0.01,
                                  on_status=lambda state, detail: self.statuses.append(state))
        self.signals: list[Signal] = []
        keymap = parse_keymap(None, list("ABCDEFG"))
        self.desk = Desk(3, client, keymap, self.notify, server, status_file=status_file)
        self.task = asyncio.get_running_loop().create_task(run_usb(self.keypad, self.desk))

    def notify(self, signal: Signal, text: str) -> None:
        self.signals.append(signal)
        self.keypad.signal(signal)

    async def keys(self, text: str, results: int | None = None) -> list:
        """Type `text` and wait for the results of its keys (and of any request they started)."""
        before = len(self.desk.results)
        self.device.feed(typed(text))
        await until(lambda: len(self.desk.results) >= before + (results or len(text)), f"results of {text}")
        await self.desk.settle()
        return self.desk.results[before:]

    async def stop(self) -> None:
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task
        self.keypad.close()


@pytest.fixture
async def usb(hall):
    async with HallClient(url(hall), hall.tokens["keypad3"]) as client:
        rig = UsbRig(client)
        yield rig
        await rig.stop()


async def test_usb_keys_drive_window_3_on_the_real_server(hall, usb):
    # The B tickets came 10+ minutes before the A tickets: window 3 calls them first although A
    # starts 5 minutes ahead of B (docs/dispatch.md §1).
    for category in ("B", "B", "A", "A"):
        await hall.post("/api/v1/tickets", json={"category": category}, expect=201)
        if category == "B":
            hall.clock.advance(600)
    await hall.act(3, "open", who="keypad3")
    assert usb.device.grabbed and usb.statuses == ["connected"]

    [result] = await usb.keys("+")  # 呼叫: the dispatcher prefers B at window 3
    assert (result.signal, result.action, result.number) == (Signal.OK, "call-next", "B001")
    assert (await window_state(hall, 3))["current"] == "B001"

    [result] = await usb.keys("*")  # 重呼
    assert result.action == "recall" and result.signal == Signal.OK
    _, queue = await hall.get("/api/v1/queue")
    assert queue["recent_calls"][0]["number"] == "B001"

    await usb.keys("1002E")  # 特呼 A002 by digits + Enter
    assert (await window_state(hall, 3))["current"] == "A002"

    results = await usb.keys("6*")  # transfer A002 to category F
    assert results[-1].signal == Signal.OK and results[-1].action == "transfer"
    ticket = await staff_ticket(hall, "A002")
    assert ticket["category"]["code"] == "F" and (await window_state(hall, 3))["current"] is None

    [called] = await usb.keys("+")
    assert called.number == "B002"  # it has waited 10 minutes longer than A001
    await usb.keys("E")  # start
    await usb.keys(".")  # 办结
    done = await staff_ticket(hall, "B002")
    assert (done["status"], done["outcome"]) == ("done", "served"), done

    await usb.keys("1-")  # pause, reason 1 = 午休
    assert (await window_state(hall, 3))["status"] == "paused"
    await usb.keys("N")  # resume
    assert (await window_state(hall, 3))["status"] == "open"

    [called] = await usb.keys("+")
    assert called.number == "A001"  # A starts 5 minutes ahead of F, where A002 went
    await usb.keys("-")  # 过号
    skipped = await staff_ticket(hall, "A001")
    assert skipped["outcome"] == "no_show", skipped
    assert usb.device.leds[:1] == [(LED_NUML, 1)]  # the NumLock LED blinks for OK


async def test_refusals_and_local_mistakes_give_error_feedback(hall, usb, tmp_path):
    await hall.act(3, "open", who="keypad3")
    [result] = await usb.keys("+")
    assert (result.signal, result.code) == (Signal.ERROR, "nothing_waiting")
    results = await usb.keys("9E")  # no ninth category: refused before any request
    assert (results[-1].signal, results[-1].code) == (Signal.ERROR, "bad_number")
    [result] = await usb.keys("/")  # request-rating, but nobody has been served here yet
    assert (result.action, result.signal, result.code) == ("request-rating", Signal.ERROR, "nothing_to_rate")
    _, queue = await hall.get("/api/v1/queue")
    assert queue["recent_calls"] == []


async def test_a_second_action_key_while_one_is_in_flight_is_refused_not_queued(hall, usb):
    for _ in range(2):
        await hall.post("/api/v1/tickets", json={"category": "B"}, expect=201)
    await hall.act(3, "open", who="keypad3")
    await usb.keys("++", results=2)
    await until(lambda: len(usb.desk.results) >= 2, "both keys")
    codes = sorted(r.code for r in usb.desk.results)
    assert codes == ["busy", "ok"]
    await asyncio.sleep(0.2)
    _, queue = await hall.get("/api/v1/queue")
    assert [c["number"] for c in queue["recent_calls"]] == ["B001"]  # the refused key never ran


async def test_server_away_gives_feedback_at_once_and_nothing_runs_later(hall, tmp_path):
    await hall.post("/api/v1/tickets", json={"category": "B"}, expect=201)
    await hall.act(3, "open", who="keypad3")
    status = tmp_path / "keypad-3.json"
    async with HallClient(dead_url(), hall.tokens["keypad3"], timeout_s=2) as client:
        rig = UsbRig(client, status_file=status)
        try:
            [result] = await rig.keys("+")
            assert (result.signal, result.code) == (Signal.AWAY, "server_away")
            assert json.loads(status.read_text("utf-8"))["signal"] == "away"
            assert rig.signals[-1] == Signal.AWAY
            # the server comes back (same client, now pointing at it): the old key is not replayed
            client.base_url = url(hall)
            await asyncio.sleep(0.3)
            assert (await window_state(hall, 3))["current"] is None
            _, queue = await hall.get("/api/v1/queue")
            assert queue["recent_calls"] == []
            [result] = await rig.keys("+")
            assert result.signal == Signal.OK and (await window_state(hall, 3))["current"] == "B001"
            assert json.loads(status.read_text("utf-8"))["number"] == "B001"
        finally:
            await rig.stop()


async def test_health_watch_marks_keypads_away_without_a_key_and_refuses_at_once(hall):
    server = ServerState()
    async with HallClient(dead_url(), hall.tokens["keypad3"], timeout_s=2) as client:
        rig = UsbRig(client, server=server)
        watcher = asyncio.get_running_loop().create_task(watch_server(client, server, [rig.desk], interval_s=0.05))
        try:
            await until(lambda: server.away, "server marked away")
            assert rig.signals == [Signal.AWAY]
            [result] = await rig.keys("+")
            assert result.code == "server_away" and not rig.desk.busy  # no request was even started
            client.base_url = url(hall)
            await until(lambda: not server.away, "server back")
            assert rig.signals[-1] == Signal.CLEAR
        finally:
            watcher.cancel()
            await rig.stop()


async def test_usb_keypad_unplugged_and_plugged_back_works_without_restart(hall, usb):
    for _ in range(2):
        await hall.post("/api/v1/tickets", json={"category": "B"}, expect=201)
    await hall.act(3, "open", who="keypad3")
    await usb.keys("+")
    assert (await window_state(hall, 3))["current"] == "B001"
    usb.plug.pull()  # the next read raises OSError(ENODEV), as the kernel does
    await until(lambda: "unplugged" in usb.statuses, "unplug noticed")
    await until(lambda: "waiting" in usb.statuses, "reopen attempted")
    assert usb.device.closed and not usb.keypad.connected
    replacement = FakeInputDevice()
    usb.device = replacement
    usb.plug.plug(replacement)
    await until(lambda: usb.keypad.connected, "reopened")
    assert replacement.grabbed and usb.keypad.opens == 2
    [result] = await usb.keys("+")
    assert result.number == "B002" and (await window_state(hall, 3))["current"] == "B002"


async def test_grab_refused_when_another_program_holds_the_keypad():
    device = FakeInputDevice()
    device.grab()  # someone else
    plug = FakeInputPlug()
    plug.plug(device)
    keypad = EvdevKeypad("/dev/input/event9", opener=plug, retry_s=0.01)
    from hw.keypad import KeypadBusy
    with pytest.raises(KeypadBusy):
        keypad.open()


# ------------------------------------------------------------------ serial bus mode


class BusRig:
    def __init__(self, tmp_path, hall, client, clock=None):
        self.link = str(tmp_path / "ttyRS485")
        self.firmware = {1: KeypadFirmware(1), 3: KeypadFirmware(3)}
        self.clock = clock
        self.plug()
        keymap = parse_keymap(None, list("ABCDEFG"))
        self.desks = {w: Desk(w, client, keymap, lambda s, t: None) for w in (1, 3)}
        self.bus = SerialKeypadBus(self.link, 9600, reply_timeout_s=0.15)
        self.bridge = BusBridge(self.bus, self.desks, retry_s=0.05)
        self.task = asyncio.get_running_loop().create_task(self.bridge.run())

    def plug(self):
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        name = os.ttyname(slave)
        os.close(slave)
        if os.path.lexists(self.link):
            os.unlink(self.link)
        os.symlink(name, self.link)
        kwargs = {"clock": self.clock} if self.clock else {}
        self.line = FakeKeypadLine(self.master, self.firmware.values(), **kwargs)

    def unplug(self):
        os.close(self.master)
        self.line.stop()
        os.unlink(self.link)

    async def press(self, address: int, *keys: str) -> None:
        desk = self.desks[address]
        before = len(desk.results)
        self.line.press(address, *keys)
        await until(lambda: len(desk.results) >= before + len(keys), f"keys {keys} at {address}")
        await desk.settle()

    async def signal_seen(self, address: int, signal: Signal) -> tuple[Signal, str]:
        await until(lambda: any(s == signal for s, _ in self.line.signals(address)), f"{signal} at {address}")
        return [x for x in self.line.signals(address) if x[0] == signal][-1]

    async def stop(self):
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task
        self.bus.close()
        self.line.stop()
        with contextlib.suppress(OSError):
            os.close(self.master)


async def test_serial_bus_drives_two_windows_with_one_unbound_token(hall, tmp_path):
    for category in ("B", "A", "A"):  # B first, 10 minutes before the A tickets (A starts 5 min ahead)
        await hall.post("/api/v1/tickets", json={"category": category}, expect=201)
        if category == "B":
            hall.clock.advance(600)
    await hall.act(1, "open")
    await hall.act(3, "open")
    async with HallClient(url(hall), hall.tokens["clerk-token"]) as client:
        rig = BusRig(tmp_path, hall, client)
        try:
            await rig.press(3, "plus")
            assert (await window_state(hall, 3))["current"] == "B001"
            assert await rig.signal_seen(3, Signal.OK) == (Signal.OK, "B001")
            await rig.press(1, "1", "0", "0", "2", "enter")
            assert (await window_state(hall, 1))["current"] == "A002"
            await rig.press(1, "plus")
            assert (await window_state(hall, 1))["current"] == "A001"
            await rig.press(3, "plus")  # nothing left for window 3
            assert await rig.signal_seen(3, Signal.ERROR) == (Signal.ERROR, "nothing_")
        finally:
            await rig.stop()


async def test_serial_bus_survives_noise_and_never_doubles_a_key(hall, tmp_path):
    for _ in range(3):
        await hall.post("/api/v1/tickets", json={"category": "B"}, expect=201)
    await hall.act(3, "open")
    async with HallClient(url(hall), hall.tokens["clerk-token"]) as client:
        rig = BusRig(tmp_path, hall, client)
        try:
            rig.line.noise_before_reply = b"\x02\x03\x4b\x20\xff\xfe\x02"
            rig.line.corrupt_replies(3, 3)
            await rig.press(3, "plus")
            await asyncio.sleep(0.5)  # more polls: the same batch must not come back as new keys
            _, queue = await hall.get("/api/v1/queue")
            assert [c["number"] for c in queue["recent_calls"]] == ["B001"]
            assert rig.bus.stats["no_reply"] >= 3
        finally:
            await rig.stop()


async def test_serial_keys_that_waited_too_long_are_discarded_with_error(hall, tmp_path):
    await hall.post("/api/v1/tickets", json={"category": "B"}, expect=201)
    await hall.act(3, "open")
    now = [1000.0]
    async with HallClient(url(hall), hall.tokens["clerk-token"]) as client:
        rig = BusRig(tmp_path, hall, client, clock=lambda: now[0])
        try:
            rig.line.muted.add(3)  # the keypad cannot be reached for a while ...
            rig.line.press(3, "plus")
            now[0] += 30  # ... and its key is half a minute old when it finally gets through
            rig.line.muted.discard(3)
            await until(lambda: rig.desks[3].results, "stale batch handled")
            assert rig.desks[3].results[0].code == "stale_keys"
            assert await rig.signal_seen(3, Signal.ERROR)
            assert (await window_state(hall, 3))["current"] is None
        finally:
            await rig.stop()


async def test_serial_adapter_unplugged_and_plugged_back(hall, tmp_path):
    for _ in range(2):
        await hall.post("/api/v1/tickets", json={"category": "B"}, expect=201)
    await hall.act(3, "open")
    async with HallClient(url(hall), hall.tokens["clerk-token"]) as client:
        rig = BusRig(tmp_path, hall, client)
        try:
            await rig.press(3, "plus")
            reopens = rig.bus.stats["reopens"]
            rig.unplug()
            await until(lambda: rig.bus.port is None, "bus closed")
            rig.plug()
            await until(lambda: rig.bus.stats["reopens"] > reopens, "bus reopened")
            await rig.press(3, "plus")
            assert (await window_state(hall, 3))["current"] == "B002"
        finally:
            await rig.stop()


async def test_well_checksummed_nonsense_from_a_keypad_never_reaches_the_server(hall, tmp_path):
    from hw.keypad import CMD_KEYS, FLAG_OVERFLOW, Frame, encode_keys

    await hall.post("/api/v1/tickets", json={"category": "B"}, expect=201)
    await hall.act(3, "open")
    seq_before = hall.service.store.last_seq()
    bogus = [
        Frame(3, CMD_KEYS, bytes([7, 0, 0, 0, 0x2B, 0x7F])),  # '+' then an unknown key code
        Frame(3, CMD_KEYS, bytes([7, 0x40, 0, 0, 0x2B])),  # unknown flag
        Frame(3, CMD_KEYS, bytes([0xFF, 0, 0, 0, 0x2B])),  # reserved sequence number
        Frame(3, CMD_KEYS, bytes([7, FLAG_OVERFLOW, 0, 0, 0x2B])),  # keys were lost: use none
        Frame(3, CMD_KEYS, bytes([7, 0, 0x10, 0x00, 0x2B])),  # 409.6 s old
        encode_keys(3, 9, ["plus"]).encode()[:-1],  # torn
    ]
    async with HallClient(url(hall), hall.tokens["clerk-token"]) as client:
        rig = BusRig(tmp_path, hall, client)
        try:
            for frame in bogus:
                raw = frame if isinstance(frame, bytes) else frame.encode()
                rig.line.noise_before_reply = raw  # arrives before the keypad's real (empty) reply
                polls = rig.bus.stats["polls"]
                await until(lambda p=polls: rig.bus.stats["polls"] >= p + 4, "a few polls")
            rig.line.noise_before_reply = b""
            assert hall.service.store.last_seq() == seq_before  # nothing was executed
            assert all(r.signal == Signal.ERROR for r in rig.desks[3].results)
            await rig.press(3, "plus")  # the line is clean again: one key, one call
            assert rig.desks[3].results[-1].number == "B001"
            assert hall.service.store.last_seq() == seq_before + 1
        finally:
            await rig.stop()
