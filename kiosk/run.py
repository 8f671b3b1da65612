"""Start the kiosk: wire configuration to the printer, readers, voice, service and the Kivy app.

Kept apart from app.py so the wiring (which devices, which fakes) is readable in one place and
Kivy is imported only after its environment is prepared.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path
from typing import Any

from hallapi.client import HallClient
from hw.printer import EscPosPrinter, FakePrinter

from .config import KioskConfig
from .service import KioskService

log = logging.getLogger("yimen.kiosk")


def open_printer(spec: str, baud: int, cols: int) -> EscPosPrinter | None:
    """serial:PORT | usb:/dev/usb/lp0 | fake | none. A printer that is absent now is offline until
    its device appears (the driver keeps trying; meanwhile tickets are shown on screen); it never
    stops the kiosk. None only when no printer is configured."""
    kind, _, where = spec.partition(":")
    if kind == "serial":
        return EscPosPrinter.serial(where, baud, cols)
    if kind == "usb":
        return EscPosPrinter.usb(where or "/dev/usb/lp0", cols)
    if kind == "fake":
        return FakePrinter(cols=cols)
    return None


def make_speaker(cfg: KioskConfig) -> Any:
    from hw.voice import AlsaOut, AudioError, Voice

    from .app import Speaker

    if cfg.audio == "none":
        return None
    try:
        audio = AlsaOut()
    except AudioError as exc:
        log.warning("no spoken guidance: %s", exc)
        return None
    voice = Voice(Path(cfg.voice_cache), Path(cfg.voice_pack) if cfg.voice_pack else None, voice=cfg.voice)
    return Speaker(voice, audio)


def start_devices(app: Any, cfg: KioskConfig, open_scanner: Any = None) -> list[Any]:
    """ID-card reader and barcode scanner threads; their events reach the app on Kivy's clock.
    `open_scanner` replaces evdev's InputDevice (tests feed event lists through it)."""
    from kivy.clock import Clock

    started: list[Any] = []
    if cfg.idcard:
        from hw.idcard import CardWatcher, SerialCardReader

        watcher = CardWatcher(
            lambda: SerialCardReader(cfg.idcard, cfg.idcard_baud),
            on_card=lambda card: Clock.schedule_once(lambda dt: app.card_inserted(card)),
            on_removed=lambda: Clock.schedule_once(lambda dt: app.card_removed()),
            on_error=lambda msg: Clock.schedule_once(lambda dt: app.card_error(msg)),
        )
        watcher.start()
        started.append(watcher)
    if cfg.scanner:
        from hw.scanner import ScannerWatcher

        kw = {"open_device": open_scanner} if open_scanner else {}
        scanner = ScannerWatcher(cfg.scanner, on_code=lambda code: Clock.schedule_once(lambda dt: app.code_scanned(code)),
                                 **kw)
        scanner.start()
        started.append(scanner)
    return started


def configure_window(cfg: KioskConfig) -> None:
    """Window size and mode must be in Kivy's Config before the Window exists (an offscreen or
    KMS window cannot be resized afterwards)."""
    from kivy.config import Config

    width, height = cfg.size
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "auto" if cfg.fullscreen else "0")
    Config.set("graphics", "resizable", "0")
    Config.set("kivy", "exit_on_escape", "0")


async def run_kiosk(cfg: KioskConfig) -> int:
    from ui.kivy_env import prepare, register_cjk_font

    prepare(headless=None)
    configure_window(cfg)
    register_cjk_font()
    from kivy.core.window import Window

    from .app import KioskApp

    Window.show_cursor = not cfg.fullscreen
    client = HallClient(cfg.server, cfg.resolved_token() or None)
    service = KioskService(client, open_printer(cfg.printer, cfg.printer_baud, cfg.printer_cols), lang=cfg.lang)
    app = KioskApp(service, cfg, speaker=make_speaker(cfg))
    loop = asyncio.get_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):  # systemd stops the kiosk with SIGTERM
        loop.add_signal_handler(sig, app.stop)
    watcher = loop.create_task(service.keep_connected())
    devices = start_devices(app, cfg)
    try:
        await app.async_run(async_lib="asyncio")
    finally:
        watcher.cancel()
        for d in devices:
            d.stop()
        await client.close()
    return 0
