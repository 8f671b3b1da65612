"""End to end over loopback: one call through the server's HTTP API reaches the hall display (Kivy,
in its own process), the announcer (real Mandarin speech into a WAV sink) and the LED loop (a pty)."""

from __future__ import annotations

import asyncio
import time

from display.announcer import Announcer
from display.led_loop import LedConfig, LedLoop
from display.speech import Settings
from hallapi.client import HallClient
from hw.led import SerialLedBus
from hw.voice import Voice, WavSink
from tests.support.devices import PtyPort, samples_of, sox_rms, wait_frames
from tests.support.display_screen import start_screen


async def test_one_call_reaches_display_announcer_and_leds(hall, tmp_path):
    url = str(hall.client.make_url("")).rstrip("/")
    await hall.act(3, "open")
    await hall.post("/api/v1/tickets", json={"category": "B"}, expect=201)

    port = PtyPort(tmp_path / "ttyLED")
    port.plug()
    bus = SerialLedBus(str(port.link))
    sink = WavSink(tmp_path / "speaker")
    spoken = asyncio.Event()
    clients = [HallClient(url, hall.tokens["display"]) for _ in range(2)]
    hall_info = await clients[0].hall()
    led = LedLoop(bus, LedConfig(retry_s=0.2), hall_info["templates"]["led"])
    announcer = Announcer(Voice(tmp_path / "voice"), sink, tmp_path / "work",
                          Settings(template=hall_info["templates"]["voice"], repeat=1))
    announcer.on_spoken = lambda call, wav: spoken.set()
    tasks = [asyncio.create_task(led.run(clients[0].events(10.0, markers=True))), asyncio.create_task(announcer.run(clients[1].events(10.0, markers=True)))]
    screen = await start_screen(tmp_path, "live", url, hall.tokens["display"], "1920x1080")
    try:
        await screen.until(lambda s: s["windows"].get("3", {}).get("look") == "idle")
        before = await wait_frames(port, len(hall.service.config.windows))
        assert next(f for f in before if f.address == 3).text == "3号窗口"

        await hall.act(3, "call-next", who="keypad3")  # the window's own keypad
        got = await screen.until(lambda s: s["call"]["number"] == "B001")
        assert got["state"]["call"]["window"] == "到3号窗口" and got["state"]["windows"]["3"]["value"] == "B001"

        frames = await wait_frames(port, 1)
        assert [(f.address, f.text) for f in frames] == [(3, "请B001到3号窗口")]

        await asyncio.wait_for(spoken.wait(), 60)
        call, wav = announcer.spoken[0]
        assert (call.number, call.window, call.first, call.recall) == ("B001", 3, True, False)
        samples, rate = samples_of(sink.played[0])
        assert 1.5 < len(samples) / rate < 15 and sox_rms(sink.played[0]) > 0.02
        assert announcer.failures == [] and time.time() - call.at < 60
    finally:
        await screen.stop()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for c in clients:
            await c.close()
        bus.close()
