"""The 5-key serial evaluator: the frame format, a stream full of junk, and the host driver over a real pty."""

from __future__ import annotations

import asyncio
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hw import evaluator as ev
from hw.evaluator import (
    EvaluatorError,
    EvaluatorGone,
    EvaluatorLink,
    EvaluatorUnavailable,
    FakeEvaluator,
    Frame,
    FrameError,
    FrameReader,
    KeyPress,
    Lights,
    Result,
    SerialEvaluator,
)


def test_frames_have_the_documented_bytes():
    # docs/hardware.md: key 2 pressed on the evaluator at address 1, seq 7
    assert ev.key_frame(1, 2, 7).encode() == bytes.fromhex("AA 04 01 10 02 07 E2")
    assert ev.ack_frame(1, 7, Result.ACCEPTED).encode() == bytes.fromhex("AA 04 01 90 07 00 64")
    assert ev.lights_frame(1, Lights.OPEN).encode() == bytes.fromhex("AA 03 01 91 01 6A")
    for frame in (ev.key_frame(3, 5, 255), ev.lights_frame(9, Lights.ERROR)):
        raw = frame.encode()
        assert sum(raw[1:]) % 256 == 0
        assert FrameReader().feed(raw) == [frame]


def test_impossible_frames_are_refused_when_sending():
    with pytest.raises(FrameError):
        Frame(256, ev.CMD_KEY).encode()
    with pytest.raises(FrameError):
        Frame(1, ev.CMD_KEY, bytes(9)).encode()


def test_reader_skips_junk_bad_sums_and_torn_frames_and_finds_what_follows():
    good = ev.key_frame(1, 4, 1).encode()
    bad_sum = bytearray(ev.key_frame(1, 3, 2).encode())
    bad_sum[-1] ^= 0x01
    torn = ev.key_frame(1, 5, 3).encode()[:4]
    reader = FrameReader()
    frames = reader.feed(b"\x00\x13junk" + bytes(bad_sum) + torn + b"\xaa\xff" + good)
    assert frames == [ev.key_frame(1, 4, 1)]
    assert reader.errors >= 3 and not reader.buffer


def test_a_frame_split_over_reads_is_assembled():
    raw = ev.key_frame(2, 1, 9).encode()
    reader = FrameReader()
    assert reader.feed(raw[:3]) == []
    assert reader.feed(raw[3:]) == [ev.key_frame(2, 1, 9)]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.lists(st.tuples(st.integers(1, 5), st.integers(0, 255)), max_size=5))
def test_any_bytes_never_raise_and_good_frames_after_a_gap_survive(junk, keys):
    reader = FrameReader()
    reader.feed(junk)
    reader.drop_partial()  # the line fell silent: the next frame starts clean
    frames = [ev.key_frame(1, key, seq) for key, seq in keys]
    assert reader.feed(b"".join(f.encode() for f in frames)) == frames


def test_decoding_ignores_what_makes_no_sense():
    assert ev.decode_device_frame(ev.key_frame(1, 3, 4)) == KeyPress(3, 4, 1)
    assert ev.decode_device_frame(Frame(1, ev.CMD_KEY, bytes((6, 1)))) is None
    assert ev.decode_device_frame(Frame(1, ev.CMD_KEY, bytes((0, 1)))) is None
    assert ev.decode_device_frame(Frame(1, 0x42, b"")) is None
    assert ev.decode_device_frame(Frame(1, ev.CMD_HELLO, b"\x02")) == ev.Hello(1, 2)


def poll_until(host: SerialEvaluator, count: int = 1, wait_s: float = 5.0) -> list[KeyPress]:
    presses: list[KeyPress] = []
    deadline = time.monotonic() + wait_s
    while len(presses) < count and time.monotonic() < deadline:
        presses += host.poll()
    return presses


def test_host_over_a_pty_acks_dedups_repeats_and_ignores_other_addresses():
    device = FakeEvaluator(address=3)
    host = SerialEvaluator(device.port, address=3)
    try:
        host.open()
        assert device.received(5.0, lambda d: d.lights == [Lights.OFF]).lights == [Lights.OFF]
        seq = device.press(2)
        [press] = poll_until(host)
        assert press == KeyPress(2, seq, 3)
        host.ack(press, Result.ACCEPTED)
        host.set_lights(Lights.THANKS)
        device.received(5.0, lambda d: len(d.lights) == 2)
        assert device.acks == [(seq, Result.ACCEPTED)] and device.lights[-1] == Lights.THANKS

        device.press(2, seq=seq)  # the ACK was lost on the way: the device repeats
        device.send(ev.key_frame(4, 1, 50).encode())  # another evaluator on the bus
        device.send(Frame(3, ev.CMD_KEY, bytes((9, 51))).encode())  # no such key
        device.send(b"\xaa\x04\x03\x10\x01\x34\x00")  # bad sum
        assert poll_until(host, wait_s=0.5) == []
        device.received(5.0, lambda d: len(d.acks) == 2)
        assert device.acks == [(seq, Result.ACCEPTED)] * 2  # answered again, not delivered again
        assert host.foreign == 1 and host.errors >= 2

        device.hello()  # the device restarted: its seq starts over, and it gets the lights again
        poll_until(host, wait_s=0.3)
        device.received(5.0, lambda d: len(d.lights) == 3)
        assert device.lights[-1] == Lights.THANKS
        device.press(1, seq=seq)
        [again] = poll_until(host)
        assert again.key == 1
    finally:
        host.close()
        device.close()


def test_unplugging_raises_gone_and_a_missing_port_is_unavailable(tmp_path):
    device = FakeEvaluator()
    host = SerialEvaluator(device.port)
    host.open()
    device.unplug()
    with pytest.raises(EvaluatorGone):
        for _ in range(100):
            host.poll()
    assert host.port is None
    with pytest.raises(EvaluatorUnavailable):
        SerialEvaluator(str(tmp_path / "ttyUSB9")).open()
    with pytest.raises(EvaluatorError):
        SerialEvaluator("/dev/null", address=0)


async def test_the_async_link_survives_unplug_and_replug_on_the_same_path(tmp_path):
    link_path = str(tmp_path / "evaluator")
    device = FakeEvaluator(address=1, link=link_path)
    states: list[bool] = []
    link = EvaluatorLink(SerialEvaluator(link_path), retry_s=0.2, on_state=states.append)
    presses = link.presses()
    try:
        first = asyncio.ensure_future(presses.__anext__())
        await asyncio.sleep(0.3)
        device.press(5)
        press = await asyncio.wait_for(first, 10)
        assert press.key == 5 and link.ack(press, Result.ACCEPTED)
        device.unplug()
        while not states or states[-1]:
            await asyncio.sleep(0.05)
        assert link.set_lights(Lights.OPEN) is False  # kept, sent when the port is back
        device.replug()
        nxt = asyncio.ensure_future(presses.__anext__())
        while states[-1] is False:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(device.received, 10.0, lambda d: Lights.OPEN in d.lights)
        assert Lights.OPEN in device.lights
        device.press(3)
        assert (await asyncio.wait_for(nxt, 10)).key == 3
        assert states[:1] == [True] and False in states and states[-1] is True
    finally:
        link.stop()
        await presses.aclose()
        device.close()
