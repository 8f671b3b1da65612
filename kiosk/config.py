"""The kiosk's configuration: a small TOML file (all keys optional), overridden by command-line flags.

Example (`/etc/yimen/kiosk.toml`)::

    server = "http://127.0.0.1:8080"
    token_file = "/etc/yimen/kiosk.token"
    admin_pin = "738215"
    orientation = "portrait"        # or "landscape"
    lang = "zh"                     # default language; people can switch to English
    printer = "serial:/dev/ttyUSB0" # serial:PORT | usb:/dev/usb/lp0 | fake | none
    printer_baud = 115200
    printer_cols = 32               # 32 for 58 mm paper, 48 for 80 mm
    idcard = "/dev/ttyUSB1"         # or "" for none
    scanner = "/dev/input/by-id/usb-scanner-event-kbd"  # or "" for none
    voice_pack = "/var/lib/yimen/voice"                   # recorded segments override TTS
    result_seconds = 10
    idle_home_seconds = 60
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class KioskConfig:
    server: str = "http://127.0.0.1:8080"
    token: str = ""
    token_file: str = ""
    admin_pin: str = ""
    orientation: str = "portrait"
    lang: str = "zh"
    fullscreen: bool = True
    printer: str = "fake"
    printer_baud: int = 115200
    printer_cols: int = 32
    idcard: str = ""
    idcard_baud: int = 115200
    scanner: str = ""
    voice_pack: str = ""
    voice_cache: str = "/tmp/yimen-voice"
    voice: str = "cmn-latn-pinyin"
    audio: str = "alsa"  # alsa | none
    result_seconds: float = 10.0
    result_seconds_elderly: float = 30.0
    idle_home_seconds: float = 60.0
    card_forget_seconds: float = 60.0

    @property
    def size(self) -> tuple[int, int]:
        return (1920, 1080) if self.orientation == "landscape" else (1080, 1920)

    def resolved_token(self) -> str:
        if self.token:
            return self.token
        if self.token_file:
            return Path(self.token_file).read_text().strip()
        return ""


class ConfigError(ValueError):
    pass


def load(path: str | Path | None, **overrides: Any) -> KioskConfig:
    """The file's settings (unknown keys are an error, named), then the non-None overrides."""
    data: dict[str, Any] = {}
    if path:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
    known = {f.name for f in fields(KioskConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    cfg = replace(KioskConfig(), **data)
    cfg = replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
    if cfg.orientation not in ("portrait", "landscape"):
        raise ConfigError(f"orientation must be portrait or landscape, not {cfg.orientation!r}")
    if cfg.lang not in ("zh", "en"):
        raise ConfigError(f"lang must be zh or en, not {cfg.lang!r}")
    return cfg
