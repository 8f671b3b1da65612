"""Serial keypad bus: frame protocol, parser fuzzing, polling over a real pty, unplug/replug."""

from __future__ import annotations

import contextlib
import os
import tty

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hw.crc import crc16_modbus
from hw.keypad import (
    CMD_ACK,
    CMD_FEEDBACK,
    CMD_KEYS,
    CMD_POLL,
    KEY_TO_WIRE,
    MAX_KEYS,
    NO_ACK,
    Frame,
    FrameError,
    FrameParser,
    KeypadGone,
    KeypadUnavailable,
    SerialKeypadBus,
    Signal,
    decode_keys,
    encode_keys,
)
from hw.keypad.fake import FakeKeypadLine
from hw.keypad.firmware import KeypadFirmware

WIRE_KEYS = sorted(KEY_TO_WIRE)


def test_crc16_modbus_check_value():
    assert crc16_modbus(b"123456789") == 0x4B37  # the published check value of CRC-16/MODBUS


def test_frame_layout():
    raw = Frame(3, CMD_POLL, bytes([NO_ACK])).encode()
    assert raw[:5] == bytes([0x02, 3, 0x50, 1, 0xFF])
    assert raw[5] | raw[6] << 8 == crc16_modbus(raw[1:5])
    assert FrameParser().feed(raw) == [Frame(3, CMD_POLL, b"\xff")]


def test_keys_frame_round_trip():
    frame = encode_keys(7, 12, ["1", "0", "1", "2", "enter", "f3"], age_s=0.75, overflow=True)
    batch = decode_keys(FrameParser().feed(frame.encode())[0])
    assert (batch.address, batch.seq, batch.keys, batch.age_s, batch.overflow) == \
        (7, 12, ("1", "0", "1", "2", "enter", "f3"), 0.8, True)


@pytest.mark.parametrize("data, why", [
    (bytes([1, 0, 0, 0, 0x7F]), "unknown key code"),
    (bytes([1, 0x80, 0, 0, 0x31]), "unknown flags"),
    (bytes([NO_ACK, 0, 0, 0]), "reserved"),
    (bytes([1, 0]), "data bytes"),
    (bytes([1, 0, 0, 0]) + b"1" * (MAX_KEYS + 1), "data bytes"),
])
def test_nonsense_keys_frames_are_refused_whole(data, why):
    with pytest.raises(FrameError, match=why):
        decode_keys(Frame(1, CMD_KEYS, data))


def test_parser_resynchronises_after_junk_and_torn_frames():
    good = encode_keys(2, 0, ["plus"]).encode()
    parser = FrameParser()
    torn = encode_keys(2, 0, ["1"] * 10).encode()[:6]
    assert parser.feed(b"\x00\xff\x02\x02" + torn) == []  # an STX inside junk, then half a frame
    frames = parser.feed(b"junk" + good, final=True)
    assert [decode_keys(f).keys for f in frames] == [("plus",)]  # the torn one is gone, the whole one is found
    assert parser.errors > 0


frames_st = st.builds(
    lambda addr, seq, keys: encode_keys(addr, seq, keys),
    st.integers(1, 247), st.integers(0, 254), st.lists(st.sampled_from(WIRE_KEYS), max_size=MAX_KEYS))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.binary(max_size=300), st.lists(st.integers(1, 40), max_size=20))
def test_fuzz_parser_never_crashes_and_every_frame_checks_out(junk, cuts):
    parser = FrameParser()
    frames, pos = [], 0
    for cut in cuts:
        frames += parser.feed(junk[pos:pos + cut])
        pos += cut
    frames += parser.feed(junk[pos:], final=True)
    for frame in frames:  # anything found in junk has a valid checksum; decoding never invents keys
        assert FrameParser().feed(frame.encode()) == [frame]
        try:
            batch = decode_keys(frame)
        except FrameError:
            continue
        assert set(batch.keys) <= set(WIRE_KEYS)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.binary(max_size=80), frames_st, st.binary(max_size=80), st.lists(st.integers(1, 30), max_size=8))
def test_fuzz_a_good_frame_in_junk_yields_exactly_its_keys(before, frame, after, cuts):
    stream = before + frame.encode() + after
    parser, found, pos = FrameParser(), [], 0
    for cut in cuts:
        found += parser.feed(stream[pos:pos + cut])
        pos += cut
    found += parser.feed(stream[pos:], final=True)
    keys = [decode_keys(f) for f in found if f.command == CMD_KEYS]
    assert frame in found
    assert [b.keys for b in keys if (b.address, b.seq) == (frame.address, frame.data[0])] == [decode_keys(frame).keys]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(frames_st, st.data())
def test_fuzz_any_damaged_byte_is_detected(frame, data):
    raw = bytearray(frame.encode())
    index = data.draw(st.sampled_from([i for i in range(1, len(raw)) if i != 3]))  # not the length byte
    raw[index] ^= data.draw(st.integers(1, 255))
    assert FrameParser().feed(bytes(raw), final=True) == []


def test_firmware_resends_an_unacknowledged_batch_and_never_doubles():
    kp = KeypadFirmware(5)
    kp.press("1", 0.0)
    kp.press("enter", 0.1)
    first = decode_keys(kp.handle(Frame(5, CMD_POLL, bytes([NO_ACK])), 0.5))
    assert first.keys == ("1", "enter") and first.age_s == 0.5
    kp.press("plus", 0.6)  # arrives while the first batch is unacknowledged
    again = decode_keys(kp.handle(Frame(5, CMD_POLL, bytes([NO_ACK])), 0.7))  # our reply was lost
    assert (again.seq, again.keys) == (first.seq, first.keys)
    nxt = decode_keys(kp.handle(Frame(5, CMD_POLL, bytes([first.seq])), 0.8))
    assert nxt.keys == ("plus",) and nxt.seq == first.seq + 1
    idle = decode_keys(kp.handle(Frame(5, CMD_POLL, bytes([nxt.seq])), 0.9))
    assert idle.keys == ()
    assert kp.handle(Frame(6, CMD_POLL, b"\x00"), 1.0) is None  # not addressed to it
    assert kp.handle(Frame(5, CMD_FEEDBACK, bytes([Signal.ERROR]) + b"E409"), 1.0) == Frame(5, CMD_ACK)
    assert kp.signals == [(Signal.ERROR, "E409")]


# ------------------------------------------------------------------ over a real pty


class Pty:
    """A pty pair standing in for an RS-485 adapter: the bus master opens `link` with pyserial,
    the fake keypads sit on the master fd. `replug()` makes a new pair behind the same link, like
    udev's /dev/serial/by-id names."""

    def __init__(self, tmp_path, keypads):
        self.link = str(tmp_path / "ttyKEYPADS")
        self.keypads = keypads
        self.line: FakeKeypadLine | None = None
        self.plug()

    def plug(self):
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        self.slave_name = os.ttyname(slave)
        os.close(slave)
        if os.path.lexists(self.link):
            os.unlink(self.link)
        os.symlink(self.slave_name, self.link)
        self.line = FakeKeypadLine(self.master, self.keypads)

    def unplug(self):
        os.close(self.master)
        self.line.stop()
        os.unlink(self.link)

    def close(self):
        if self.line:
            self.line.stop()
        with contextlib.suppress(OSError):
            os.close(self.master)


@pytest.fixture
def pty_bus(tmp_path):
    pty = Pty(tmp_path, [KeypadFirmware(1), KeypadFirmware(3)])
    bus = SerialKeypadBus(pty.link, 9600, reply_timeout_s=1.0)
    bus.open()
    yield pty, bus
    bus.close()
    pty.close()


def test_polling_keypads_over_a_pty(pty_bus):
    pty, bus = pty_bus
    assert bus.poll(1).keys == () and bus.poll(3).keys == ()
    pty.line.press(3, "1", "0", "1", "2", "enter")
    batch = bus.poll(3)
    assert batch.keys == ("1", "0", "1", "2", "enter") and batch.age_s < 60
    assert bus.poll(3).keys == ()  # acknowledged by this poll: not delivered twice
    assert bus.poll(1).keys == ()
    assert bus.feedback(3, Signal.OK, "A012")
    assert pty.line.signals(3) == [(Signal.OK, "A012")]


def test_damaged_replies_are_retried_and_keys_arrive_exactly_once(pty_bus):
    pty, bus = pty_bus
    pty.line.press(1, "plus")
    pty.line.corrupt_replies(1, 2)
    pty.line.noise_before_reply = b"\x02\x01\x4b\x30garbage\x00\x02"
    got = [bus.poll(1), bus.poll(1)]
    assert got == [None, None]  # checksum failures: no answer, no bogus action
    for _ in range(20):  # the keypad resends until acknowledged (a bound, not a timing assertion)
        got.append(bus.poll(1))
        if got[-1] is not None and got[-1].keys:
            break
    got += [bus.poll(1) for _ in range(3)]
    keys = [k for b in got if b is not None for k in b.keys]
    assert keys == ["plus"]
    assert bus.stats["no_reply"] >= 2


def test_a_silent_keypad_is_a_missing_answer_not_an_error(pty_bus):
    pty, bus = pty_bus
    pty.line.muted.add(3)
    assert bus.poll(3) is None
    assert not bus.feedback(3, Signal.OK, tries=1)
    assert bus.poll(1) is not None


def test_unplugged_adapter_raises_gone_then_reopens(pty_bus):
    pty, bus = pty_bus
    pty.line.press(1, "star")
    assert bus.poll(1).keys == ("star",)
    pty.unplug()
    with pytest.raises(KeypadGone):
        for _ in range(3):
            bus.poll(1)
    assert bus.port is None
    with pytest.raises(KeypadUnavailable):
        bus.open()
    pty.plug()
    bus.open()
    pty.line.press(1, "minus")
    assert bus.poll(1).keys == ("minus",)
    assert bus.stats["reopens"] == 2


def test_the_documented_example_exchange_is_byte_exact():
    """docs/hardware.md's example frames are what the code sends and accepts."""
    import re
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs/hardware.md").read_text("utf-8")
    section = text[text.index("## Clerk keypads"):]
    lines = re.findall(r"^(master|keypad) → ((?:[0-9A-F]{2} )+)", section, re.M)
    frames = [bytes.fromhex(raw) for _, raw in lines]
    assert len(frames) == 6
    assert frames[0] == Frame(3, CMD_POLL, bytes([NO_ACK])).encode()
    kp = KeypadFirmware(3)
    kp.press("plus", 0.0)
    assert kp.handle(FrameParser().feed(frames[0])[0], 0.2).encode() == frames[1]
    assert frames[2] == Frame(3, CMD_FEEDBACK, bytes([Signal.OK]) + b"B001").encode()
    assert kp.handle(FrameParser().feed(frames[2])[0], 0.3).encode() == frames[3]
    assert kp.handle(FrameParser().feed(frames[4])[0], 0.4).encode() == frames[5]
