"""The announcer: says every call through one speaker, one announcement at a time.

The stream feeds `speech.CallQueue` (order, superseded calls, short form under a backlog); one
speaker coroutine takes the next call, builds its WAV from cached segments (`hw.voice`), and plays it
to the end before taking the next, so announcements never overlap. Every dropped or shortened call
is logged with its reason. If speech cannot be rendered, that call is logged and
skipped, and the announcer goes on with the next one: a broken engine must not silence the hall.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import wave
from array import array
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from hallapi.protocol import HALL_TZ
from hw.voice import AudioError, AudioOut, Voice, VoiceError, join_wavs, write_wav

from .speech import Call, CallQueue, HallNames, Segment, Settings, all_segments, plan

log = logging.getLogger("yimen.announcer")
RATE = 22050
GAP_MS = 60
PAUSE_MS = 600


def write_tone(path: Path, notes: list[tuple[float, float]], rate: int = RATE) -> Path:
    """A chime: each (frequency Hz, seconds) a decaying sine, like a two-note 叮咚 bell."""
    samples = array("h")
    for freq, seconds in notes:
        n = int(rate * seconds)
        for i in range(n):
            env = math.exp(-4.0 * i / n)
            samples.append(int(12000 * env * math.sin(2 * math.pi * freq * i / rate)))
    return write_wav(path, samples, rate)


def write_silence(path: Path, ms: int, rate: int = RATE) -> Path:
    return write_wav(path, array("h", bytes(2 * (rate * ms // 1000))), rate)


def scale_wav(path: Path, factor: float) -> None:
    """Volume for the time of day, applied to the finished announcement (16-bit mono)."""
    if abs(factor - 1.0) < 1e-6:
        return
    with wave.open(str(path), "rb") as w:
        params, raw = w.getparams(), w.readframes(w.getnframes())
    samples = array("h")
    samples.frombytes(raw)
    scaled = array("h", (max(-32768, min(32767, int(s * factor))) for s in samples))
    with wave.open(str(path), "wb") as w:
        w.setparams(params)
        w.writeframes(scaled.tobytes())


def trim_silence(src: Path, dst: Path, threshold: int = 400, keep_ms: int = 25) -> Path:
    """A segment without the silence TTS engines (and recordings) put around words: joined words
    would otherwise crawl. Works on 16-bit mono; other formats are copied as they are."""
    with wave.open(str(src), "rb") as w:
        params, raw = w.getparams(), w.readframes(w.getnframes())
    dst.parent.mkdir(parents=True, exist_ok=True)
    if params.sampwidth != 2 or params.nchannels != 1:
        dst.write_bytes(src.read_bytes())
        return dst
    samples = array("h")
    samples.frombytes(raw)
    first = next((i for i, v in enumerate(samples) if abs(v) > threshold), None)
    if first is None:
        return write_wav(dst, samples, params.framerate)
    last = len(samples) - next(i for i, v in enumerate(reversed(samples)) if abs(v) > threshold)
    keep = params.framerate * keep_ms // 1000
    return write_wav(dst, samples[max(0, first - keep):min(len(samples), last + keep)], params.framerate)


def parse_volume(text: str) -> list[tuple[int, float]]:
    """'08:00=1.0,12:00=0.6,14:00=1.0' → [(480, 1.0), …] (minute of the day, level); each level
    holds until the next time. Minutes, not the text: '7:30' is a valid time and sorts after '18:00'."""
    out: dict[int, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        at, _, level = part.partition("=")
        t = datetime.strptime(at.strip(), "%H:%M")
        minute = t.hour * 60 + t.minute
        if minute in out:
            raise ValueError(f"{at.strip()} is given twice")
        value = float(level)
        if not 0 <= value <= 2:
            raise ValueError(f"volume {value} is outside 0–2")
        out[minute] = value
    return sorted(out.items())


def volume_at(now: float, schedule: list[tuple[int, float]]) -> float:
    """The level in force at `now` (hall time); before the first entry, the last one of the day holds."""
    if not schedule:
        return 1.0
    t = datetime.fromtimestamp(now, HALL_TZ)
    minute = t.hour * 60 + t.minute
    level = schedule[-1][1]
    for at, value in schedule:
        if at <= minute:
            level = value
    return level


class Announcer:
    def __init__(self, voice: Voice, out: AudioOut, work_dir: Path, settings: Settings | None = None,
                 en_voice: Voice | None = None, voice_pack: Path | None = None,
                 volume: list[tuple[int, float]] | None = None, clock: Callable[[], float] = time.time):
        self.voice, self.out, self.en_voice = voice, out, en_voice
        self.work_dir = Path(work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.settings = settings or Settings()
        self.queue = CallQueue(self.settings, on_note=self._note)
        self.voice_pack = Path(voice_pack) if voice_pack else None
        self.volume = volume or []
        self.clock = clock
        self.spoken: list[tuple[Call, Path]] = []
        self.failures: list[tuple[Call, str]] = []
        self.on_spoken: Callable[[Call, Path], None] | None = None
        self.on_play_start: Callable[[Call], None] | None = None
        self._count = 0

    def _note(self, what: str, call: Call, reason: str) -> None:
        """A dropped or shortened call, in the log with its reason (the hall must be able to tell why
        a number was said once, or not at all)."""
        kind = "recall" if call.recall else "call"
        log.warning("%s %s of %s at window %s: %s", what, kind, call.number, call.window, reason)

    def segment_file(self, seg: Segment) -> Path:
        if seg.lang in ("tone", "silence"):
            if self.voice_pack is not None and (self.voice_pack / f"{seg.name}.wav").is_file():
                return self.voice_pack / f"{seg.name}.wav"
            if seg.lang == "tone":
                path = self.work_dir / "chime.wav"
                return path if path.is_file() else write_tone(path, [(880.0, 0.35), (660.0, 0.55)])
            path = self.work_dir / "pause.wav"
            return path if path.is_file() else write_silence(path, PAUSE_MS)
        if seg.lang == "en":
            if self.en_voice is None:
                raise VoiceError("no English voice configured for the second language")
            return self._trimmed(self.en_voice.segment(seg.name, seg.text))
        return self._trimmed(self.voice.segment(seg.name, seg.text))

    def _trimmed(self, path: Path) -> Path:
        stat = path.stat()
        out = self.work_dir / "trimmed" / f"{path.stem}-{stat.st_size}-{int(stat.st_mtime)}.wav"
        return out if out.is_file() else trim_silence(path, out)

    def render(self, call: Call) -> Path:
        """The announcement as one WAV file (segments joined, volume for the time of day)."""
        files = [self.segment_file(s) for s in plan(call, self.settings)]
        self._count += 1
        out = join_wavs(files, self.work_dir / f"call-{self._count % 100:02d}.wav", gap_ms=GAP_MS)
        scale_wav(out, volume_at(self.clock(), self.volume))
        return out

    def prepare(self, windows: list[int], prefixes: list[str], names: HallNames | None = None) -> int:
        """Render every segment a day can need, so the first call is not slowed by the TTS engine.

        `names` (from `HallNames.from_hall`) adds the window and category names the template says;
        the queue starts from them too, until the stream's snapshot brings the current ones."""
        if names is not None:
            self.queue.names = names
        segments = all_segments(windows, prefixes, self.settings, names)
        for seg in segments:
            self.segment_file(seg)
        for name in self.unused_recordings(segments):
            log.warning("voice pack: %s.wav is not a segment this hall uses (see --list-segments); "
                        "digit-1.wav was renamed digit-1-yao.wav when ticket digits began to read 1 as 幺", name)
        return len(segments)

    def unused_recordings(self, segments: list[Segment]) -> list[str]:
        """Recordings in the voice pack that no segment uses (a typo, or an old name) — said as TTS
        instead, so the hall should hear about it."""
        if self.voice_pack is None or not self.voice_pack.is_dir():
            return []
        known = {s.name for s in segments}
        return sorted(p.stem for p in self.voice_pack.glob("*.wav") if p.stem not in known and not p.stem.startswith("en-"))

    async def speak_next(self) -> bool:
        """Say the next queued call; False when there was none."""
        call = self.queue.pop()
        if call is None:
            return False
        try:
            wav = await asyncio.to_thread(self.render, call)
            if self.on_play_start is not None:
                self.on_play_start(call)
            await asyncio.to_thread(self.out.play, wav)
        except (VoiceError, AudioError, OSError, wave.Error) as exc:
            log.error("could not announce %s at window %s: %s", call.number, call.window, exc)
            self.failures.append((call, str(exc)))
            return True
        self.spoken.append((call, wav))
        if self.on_spoken is not None:
            self.on_spoken(call, wav)
        return True

    async def run(self, messages: AsyncIterator[dict[str, Any]]) -> None:
        """Say the stream's calls until it ends. Whatever breaks the reader or the speaker ends this
        with that exception: an announcer that silently stopped following would leave the hall
        mute, while a process that exits is restarted (systemd) and reconnects."""
        wake = asyncio.Event()

        async def read() -> None:
            try:
                async for message in messages:
                    if self.queue.on_message(message, self.clock()) is not None:
                        wake.set()
            finally:
                wake.set()  # however the reader ended, the speaker below must look

        reader = asyncio.create_task(read())
        try:
            while True:
                await wake.wait()
                wake.clear()
                while await self.speak_next():
                    pass
                if reader.done():
                    reader.result()  # raises what broke the reader
                    return
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
