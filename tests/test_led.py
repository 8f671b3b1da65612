"""LED window displays: the frame format, byte for byte on a real pty, and the loop across an unplug."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from display.led_loop import LedConfig, LedLoop, led_plan
from display.speech import HallNames
from hw.led import (
    CMD_CLEAR,
    CMD_TEXT,
    FakeLedBus,
    Frame,
    LedEncodingError,
    LedFrameError,
    LedOffline,
    SerialLedBus,
    brightness_frame,
    crc16_modbus,
    decode_frames,
    encode_frame,
    text_frame,
)
from tests.support.devices import PtyPort, wait_frames

WINDOWS = [
    {"number": 1, "name": "综合受理一", "status": "open", "current": "A001"},
    {"number": 2, "name": "综合受理二", "status": "open", "current": None},
    {"number": 3, "name": "企业综合受理", "status": "paused", "current": None},
    {"number": 4, "name": "跨域通办", "status": "closed", "current": None},
]


def test_crc_is_crc16_modbus():
    assert crc16_modbus(b"123456789") == 0x4B37  # the standard check value


def test_text_frame_bytes():
    data = encode_frame(text_frame(3, "请A001到3号窗口", "green"))
    gbk = "请A001到3号窗口".encode("gbk")
    assert gbk[:2] == b"\xc7\xeb"  # 请 in GBK
    assert data[:7] == bytes([0xAA, 0x55, 3, CMD_TEXT, 0x01, 0, len(gbk)])
    assert data[7:-3] == gbk and data[-1] == 0x0D
    crc = crc16_modbus(data[2:-3])
    assert data[-3:-1] == bytes([crc & 0xFF, crc >> 8])
    assert encode_frame(Frame(7, CMD_CLEAR)) == bytes.fromhex("aa 55 07 02 00 00 00 90 78 0d")


def test_frames_round_trip_and_bad_frames_are_refused():
    frames = [text_frame(1, "暂停服务", "yellow", "flash"), text_frame(12, "A012"), brightness_frame(255, 9)]
    stream = b"noise" + b"".join(encode_frame(f) for f in frames)
    got, rest = decode_frames(stream + encode_frame(frames[0])[:6])
    assert got == frames and rest == encode_frame(frames[0])[:6]
    assert got[0].text == "暂停服务" and got[0].colour == "yellow" and got[0].effect == "flash"
    broken = bytearray(encode_frame(frames[1]))
    broken[8] ^= 0xFF
    with pytest.raises(LedFrameError):
        decode_frames(bytes(broken))


@pytest.mark.parametrize("bad", [lambda: text_frame(1, "emoji 😀"), lambda: encode_frame(text_frame(0, "x")),
                                 lambda: encode_frame(text_frame(300, "x")), lambda: text_frame(1, "长" * 241),
                                 lambda: brightness_frame(1, 16)])
def test_typed_errors(bad):
    with pytest.raises(LedEncodingError):
        f = bad()
        encode_frame(f)


def test_plan_for_each_window_state():
    plan = led_plan(WINDOWS, LedConfig(addresses={4: 14}), "请{number}到{window}号窗口")
    assert plan[1].text == "请A001到1号窗口" and plan[1].colour == "red"
    assert plan[2].text == "2号窗口" and plan[2].colour == "green"
    assert plan[3].text == "暂停服务" and plan[3].colour == "yellow"
    assert plan[14].command == CMD_CLEAR and 4 not in plan
    custom = led_plan(WINDOWS[:1], LedConfig(template="{number} 请到{window}号窗口"), "ignored {number}{window}")
    assert custom[1].text == "A001 请到1号窗口"


def test_loop_sends_only_changes_and_everything_again_after_a_failure():
    bus, t = FakeLedBus(), [0.0]
    loop = LedLoop(bus, LedConfig(refresh_s=60), clock=lambda: t[0])
    loop.update(WINDOWS)
    assert loop.flush() == 4
    assert bus.showing == {1: "请A001到1号窗口", 2: "2号窗口", 3: "暂停服务", 4: ""}
    loop.update([{**WINDOWS[1], "current": "A002"}])
    assert loop.flush() == 1 and bus.frames[-1].address == 2
    bus.online = False
    loop.update([{**WINDOWS[0], "current": "A003"}])
    assert loop.flush() == 0 and not loop.online
    bus.online = True
    assert loop.flush() == 4 and loop.online
    assert bus.showing[1] == "请A003到1号窗口" and bus.showing[2] == "请A002到2号窗口"
    assert loop.flush() == 0
    t[0] = 61.0  # the periodic refresh covers a display that lost power on its own
    assert loop.flush() == 4


def test_config_file(tmp_path):
    f = tmp_path / "led.toml"
    f.write_text('[led]\nport = "/dev/ttyAMA0"\nbaudrate = 19200\naddresses = {"1" = 11, "2" = 12}\n', encoding="utf-8")
    cfg = LedConfig.load(f)
    assert (cfg.port, cfg.baudrate, cfg.addresses) == ("/dev/ttyAMA0", 19200, {1: 11, 2: 12})
    f.write_text("[led]\nbaud = 1\n")
    with pytest.raises(ValueError, match="unknown LED setting"):
        LedConfig.load(f)


@pytest.mark.parametrize("line, message", [
    ('idle_text = "{name}窗口"', r"idle_text: unknown placeholder\(s\) \{name\}"),
    ('paused_text = "暂停{}"', "paused_text: unknown placeholder"),
    ('template = "请{number到{window}号窗口"', "template: .*'{' "),
    ('closed_text = "{window:s}"', "closed_text: Unknown format code"),
    ('idle_colour = "blue"', "idle_colour: 'blue' is not one of red, green, yellow"),
    ('addresses = {"4" = 300}', "addresses: window 4 → 300 is outside 1–247"),
])
def test_a_setting_the_loop_could_not_use_is_refused_at_load(tmp_path, line, message):
    # Found only when a window first went idle, such a typo used to stop the loop mid-day.
    f = tmp_path / "led.toml"
    f.write_text(f"[led]\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        LedConfig.load(f)


def test_window_name_and_category_name():
    names = HallNames()
    names.on_message({"kind": "snapshot", "day": "2026-11-23", "windows": WINDOWS,
                      "queues": [{"code": "A", "prefix": "A", "name": "社会保障"}]})
    plan = led_plan(WINDOWS, LedConfig(idle_text="{window_name}"), "{category} {number} {window_name}", names)
    assert plan[1].text == "社会保障 A001 综合受理一"
    assert plan[2].text == "综合受理二"


async def test_bytes_on_a_pty_and_resend_after_unplug_replug(tmp_path):
    port = PtyPort(tmp_path / "ttyLED")
    port.plug()
    bus = SerialLedBus(str(port.link), 9600)
    loop = LedLoop(bus, LedConfig(retry_s=0.1))
    feed: asyncio.Queue = asyncio.Queue()

    async def messages():
        while True:
            yield await feed.get()

    task = asyncio.create_task(loop.run(messages()))
    try:
        await feed.put({"kind": "snapshot", "windows": WINDOWS})
        first = await wait_frames(port, 4)
        assert {f.address: f.text for f in first} == {1: "请A001到1号窗口", 2: "2号窗口", 3: "暂停服务", 4: ""}
        assert first[3].command == CMD_CLEAR

        await feed.put({"kind": "event", "windows": [{**WINDOWS[1], "current": "A002"}]})
        second = await wait_frames(port, 1)
        assert [(f.address, f.text) for f in second] == [(2, "请A002到2号窗口")]

        port.unplug()
        await feed.put({"kind": "event", "windows": [{**WINDOWS[2], "status": "open", "current": "B001"}]})
        for _ in range(200):
            if not loop.online:
                break
            await asyncio.sleep(0.02)
        assert not loop.online and not bus.connected

        port.plug()  # the adapter comes back (a new pty at the same path)
        again = await wait_frames(port, 4)
        assert {f.address: f.text for f in again} == {1: "请A001到1号窗口", 2: "请A002到2号窗口",
                                                      3: "请B001到3号窗口", 4: ""}
        assert loop.online and bus.opens == 2
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        bus.close()


def test_offline_when_the_port_does_not_exist(tmp_path):
    bus = SerialLedBus(str(tmp_path / "nothing"))
    with pytest.raises(LedOffline):
        bus.send(text_frame(1, "A001"))


def test_the_documented_example_frames_are_what_the_driver_sends():
    text = (Path(__file__).parent.parent / "docs" / "hardware.md").read_text("utf-8")
    section = text[text.index("## LED window displays"):]
    example = next(line for line in section.splitlines() if line.startswith("AA 55 03 01"))
    assert bytes.fromhex(example) == encode_frame(text_frame(3, "请A001到3号窗口", "green"))
    assert "`AA 55 07 02 00 00 00 90 78 0D`" in section
    assert encode_frame(Frame(7, CMD_CLEAR)).hex(" ").upper() == "AA 55 07 02 00 00 00 90 78 0D"


async def test_names_on_the_displays_from_a_real_stream(hall):
    from tests.support.devices import recorded_stream

    messages = await recorded_stream(hall)

    bus = FakeLedBus()
    loop = LedLoop(bus, LedConfig(idle_text="{window_name}"), "{number} {category} 请到{window_name}")

    async def replay():
        for m in messages:
            yield m
            while loop.pending():  # every state reaches the displays (the loop sends only the latest)
                await asyncio.sleep(0.01)

    await asyncio.wait_for(loop.run(replay()), 30)  # returns when the stream ends
    shown = [(f.address, f.text) for f in bus.frames]
    assert (3, "B001 综合业务(企业) 请到企业综合受理") in shown
    assert bus.showing[3] == "企业综合受理"  # transferred away: the window is idle again
    assert bus.showing[7] == "B001 个体户与食品经营(市场监管) 请到市场监管"


async def test_run_raises_what_broke_the_reader():
    bus = FakeLedBus()
    loop = LedLoop(bus, LedConfig(retry_s=0.1))

    async def broken_stream():
        yield {"kind": "snapshot", "windows": WINDOWS}
        yield {"kind": "event", "windows": [{"status": "open", "current": "A002"}]}  # a window without a number

    with pytest.raises(KeyError, match="number"):
        await asyncio.wait_for(loop.run(broken_stream()), 30)
    assert bus.showing[1] == "请A001到1号窗口"  # what came before the break was sent


async def test_run_raises_what_broke_the_sender():
    class Broken(FakeLedBus):
        def send(self, frame: Frame) -> None:
            raise RuntimeError("a bug in a vendor adapter")

    feed: asyncio.Queue = asyncio.Queue()

    async def endless():
        while True:
            yield await feed.get()

    await feed.put({"kind": "snapshot", "windows": WINDOWS})
    with pytest.raises(RuntimeError, match="vendor adapter"):
        await asyncio.wait_for(LedLoop(Broken(), LedConfig(retry_s=0.1)).run(endless()), 30)
