"""`yimen display`, `yimen announcer`, `yimen led`: registered by yimen/cli.py.

Heavy imports (Kivy, the voice engine, pyserial) happen only when a command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

DEFAULT_SERVER = "http://127.0.0.1:8080"


def _add_server(p: argparse.ArgumentParser) -> None:
    p.add_argument("--server", default=os.environ.get("YIMEN_SERVER", DEFAULT_SERVER), metavar="URL",
                   help=f"the queue server (default: $YIMEN_SERVER or {DEFAULT_SERVER})")
    p.add_argument("--token", default=os.environ.get("YIMEN_TOKEN"), metavar="T",
                   help="device token of kind 'display' from `yimen device add` (default: $YIMEN_TOKEN); "
                        "the event stream is public, so it may be omitted")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("give the size as WIDTHxHEIGHT, e.g. 1920x1080") from None
    return w, h


def register(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("display", help="run the hall display (Kivy)",
                       description="The hall display: latest call, every window, recent calls, people waiting, "
                                   "clock and the manager's notice, live from the server's event stream.")
    _add_server(d)
    d.add_argument("--portrait", action="store_true", help="portrait layout (default: landscape 1920x1080)")
    d.add_argument("--size", type=_size, default=None, metavar="WxH",
                   help="window size (default: 1920x1080, or 1080x1920 with --portrait)")
    d.add_argument("--windowed", action="store_true", help="a window instead of full screen (for set-up)")
    d.add_argument("--lang", choices=["zh", "en"], default="zh", help="screen language (default: zh)")
    d.set_defaults(func=run_display)

    a = sub.add_parser("announcer", help="speak calls (Mandarin voice)",
                       description="Say every call through one speaker: chime before a ticket's first call, "
                                   "「重呼」 for recalls, repeated, never overlapping; every call is said, once and "
                                   "without the chime while others wait; only superseded calls are dropped.")
    _add_server(a)
    a.add_argument("--voice-pack", type=Path, metavar="DIR",
                   help="folder of recorded <segment>.wav files that replace the TTS voice (see --list-segments)")
    a.add_argument("--cache-dir", type=Path, default=Path(os.environ.get("YIMEN_CACHE_DIR", "~/.cache/yimen")).expanduser() / "voice",
                   metavar="DIR", help="where rendered segments are kept (default: ~/.cache/yimen/voice)")
    a.add_argument("--template", help="what to say (default: the hall's templates.voice, e.g. 请{number}号到{window}号窗口办理)")
    a.add_argument("--repeat", type=int, default=2, help="how many times each call is said (default: 2)")
    a.add_argument("--second-language", action="store_true", help="add an English sentence after the Mandarin")
    a.add_argument("--no-chime", action="store_true", help="no chime before first calls")
    a.add_argument("--voice", default="cmn-latn-pinyin", help="espeak-ng voice (default: cmn-latn-pinyin)")
    a.add_argument("--rate", type=int, default=160, help="words per minute (default: 160)")
    a.add_argument("--volume", default="", metavar="HH:MM=L,...",
                   help="volume by time of day, e.g. 08:00=1.0,12:00=0.6,14:00=1.0 (default: always 1.0)")
    a.add_argument("--alsa-device", default=None, help="ALSA device for aplay (default: the system default)")
    a.add_argument("--wav-dir", type=Path, default=None, metavar="DIR",
                   help="write each announcement as a WAV file into DIR instead of playing it (testing)")
    a.add_argument("--list-segments", action="store_true",
                   help="print the segment names and texts a voice pack can record, then exit")
    a.set_defaults(func=run_announcer)

    led = sub.add_parser("led", help="drive the LED window displays",
                         description="Keep every window's LED display showing its current ticket (请A001到3号窗口), "
                                     "暂停服务 or its idle text; resend everything when the bus comes back.")
    _add_server(led)
    led.add_argument("--config", type=Path, metavar="FILE", help="LED settings (TOML or JSON; see docs/hardware.md)")
    led.add_argument("--port", help="serial port of the RS-485 adapter (default: /dev/ttyUSB0)")
    led.add_argument("--baud", type=int, help="baud rate (default: 9600)")
    led.add_argument("--rs485", action="store_true", help="drive RTS for direction (UART without auto-direction)")
    led.add_argument("--address", action="append", default=[], metavar="WINDOW=ADDR",
                     help="bus address of a window's display (default: the window number); repeatable")
    led.add_argument("--fake", action="store_true", help="no hardware: print what each display would show")
    led.set_defaults(func=run_led)


# ---------------------------------------------------------------- runners

def _logging(args: argparse.Namespace) -> None:
    logging.basicConfig(level=getattr(logging, args.log_level), format="%(asctime)s %(name)s %(levelname)s %(message)s")


def run_display(args: argparse.Namespace) -> int:
    _logging(args)
    size = args.size or ((1080, 1920) if args.portrait else (1920, 1080))
    from .kivyrun import setup

    setup(size, fullscreen=not args.windowed)
    from hallapi.client import HallClient

    from .app import DisplayApp, run_app

    async def main() -> None:
        async with HallClient(args.server, args.token) as client:
            app = DisplayApp(lang=args.lang, portrait=args.portrait or size[1] > size[0])
            await run_app(app, client.events(10.0, markers=True))

    asyncio.run(main())
    return 0


def run_announcer(args: argparse.Namespace) -> int:
    _logging(args)
    from hallapi.client import ApiError, HallClient, ServerAway
    from hw.voice import AlsaOut, AudioError, Voice, VoiceError, WavSink

    from .announcer import Announcer, parse_volume
    from .speech import HallNames, Settings, all_segments

    try:
        volume = parse_volume(args.volume)
    except ValueError as exc:
        print(f"yimen announcer: --volume: {exc}", file=sys.stderr)
        return 2

    async def main() -> int:
        async with HallClient(args.server, args.token) as client:
            try:
                hall = await client.hall()
            except (ServerAway, ApiError) as exc:
                print(f"yimen announcer: cannot read the hall from {args.server}: {exc}", file=sys.stderr)
                return 1
            template = args.template or hall.get("templates", {}).get("voice") or Settings.template
            try:
                settings = Settings(template=template, repeat=args.repeat, second_language=args.second_language,
                                    chime=not args.no_chime)
            except ValueError as exc:
                print(f"yimen announcer: {exc}", file=sys.stderr)
                return 2
            names = HallNames.from_hall(hall)
            windows = [w["number"] for w in hall.get("windows", [])]
            prefixes = sorted({c["prefix"] for c in hall.get("categories", [])})
            if args.list_segments:
                for seg in all_segments(windows, prefixes, settings, names):
                    print(f"{seg.name}.wav\t{seg.text or '(' + seg.lang + ')'}")
                return 0
            try:
                voice = Voice(args.cache_dir, args.voice_pack, args.voice, args.rate)
                en = Voice(args.cache_dir, args.voice_pack, "en-us", args.rate) if args.second_language else None
                out = WavSink(args.wav_dir) if args.wav_dir else AlsaOut(args.alsa_device)
            except (VoiceError, AudioError) as exc:
                print(f"yimen announcer: {exc}", file=sys.stderr)
                return 1
            announcer = Announcer(voice, out, args.cache_dir / "work", settings, en, args.voice_pack, volume)
            count = await asyncio.to_thread(announcer.prepare, windows, prefixes, names)
            logging.getLogger("yimen.announcer").info("%d segments ready; listening to %s", count, args.server)
            await announcer.run(client.events(10.0, markers=True))
        return 0

    return asyncio.run(main())


def _led_config(args: argparse.Namespace):
    import dataclasses

    from .led_loop import LedConfig

    cfg = LedConfig.load(args.config) if args.config else LedConfig()
    changes: dict = {}
    if args.port:
        changes["port"] = args.port
    if args.baud:
        changes["baudrate"] = args.baud
    if args.rs485:
        changes["rs485"] = True
    if args.address:
        addresses = dict(cfg.addresses)
        for item in args.address:
            window, _, address = item.partition("=")
            addresses[int(window)] = int(address)
        changes["addresses"] = addresses
    return dataclasses.replace(cfg, **changes)


def run_led(args: argparse.Namespace) -> int:
    _logging(args)
    from hallapi.client import ApiError, HallClient, ServerAway
    from hw.led import FakeLedBus, SerialLedBus

    from .led_loop import LedLoop

    try:
        cfg = _led_config(args)
    except (ValueError, OSError) as exc:
        print(f"yimen led: {exc}", file=sys.stderr)
        return 2

    class PrintingBus(FakeLedBus):
        def send(self, frame) -> None:
            super().send(frame)
            print(f"LED {frame.address:3d}: {frame.text or '(clear)'}", flush=True)

    async def main() -> int:
        async with HallClient(args.server, args.token) as client:
            try:
                hall = await client.hall()
            except (ServerAway, ApiError) as exc:
                print(f"yimen led: cannot read the hall from {args.server}: {exc}", file=sys.stderr)
                return 1
            template = hall.get("templates", {}).get("led") or "请{number}到{window}号窗口"
            bus = PrintingBus() if args.fake else SerialLedBus(cfg.port, cfg.baudrate, cfg.rs485)
            await LedLoop(bus, cfg, template).run(client.events(10.0, markers=True))
        return 0

    return asyncio.run(main())


