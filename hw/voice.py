"""The shared Mandarin voice: cached speech segments, WAV joining, audio output.

Speech is built from named *segments* rendered once and cached, so a recorded voice pack (a
folder of `<name>.wav`) can replace the robotic TTS piece by piece without code changes. Text is
rendered by pyttsx3 (one engine on one worker thread for the whole process, because the engine loses
files and wedges when used concurrently; each job carries its voice) and falls back to the
`espeak-ng` command when the engine fails, for good once the engine has hung.

Used by the kiosk (spoken guidance) and the announcer (calls). Nothing here knows either of them.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import io
import logging
import queue
import re
import shutil
import subprocess
import threading
import time
import wave
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Protocol

log = logging.getLogger("yimen.hw.voice")


class VoiceError(Exception):
    """Speech could not be rendered (no engine, unknown voice, renderer failure)."""


class AudioError(Exception):
    """Audio could not be played (no player, device busy, bad file)."""


class Renderer(Protocol):
    def render(self, text: str, out: Path) -> None:
        """Write `text` spoken as a WAV file at `out`."""


# ------------------------------------------------------------------------- renderers


class EspeakRenderer:
    """`espeak-ng -w`: robust, robotic, always available on the box."""

    def __init__(self, voice: str = "cmn-latn-pinyin", rate: int = 150, binary: str = "espeak-ng"):
        self.voice, self.rate, self.binary = voice, rate, binary
        if shutil.which(binary) is None:
            raise VoiceError(f"{binary} is not installed (apt install espeak-ng)")
        if voice.lower() not in self.voices(binary):  # espeak-ng too would quietly speak English
            raise VoiceError(f"espeak-ng has no voice {voice!r}")

    @staticmethod
    def voices(binary: str = "espeak-ng") -> set[str]:
        """Voice names (lower case) from `espeak-ng --voices`, e.g. 'cmn-latn-pinyin'."""
        try:
            listing = subprocess.run([binary, "--voices"], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise VoiceError(f"{binary} --voices failed: {exc}") from exc
        names = set()
        for line in listing.splitlines()[1:]:
            cols = line.split()
            if len(cols) >= 5:
                names.add(cols[1].lower())
                names.add(cols[4].rsplit("/", 1)[-1].lower())
        return names

    def render(self, text: str, out: Path) -> None:
        cmd = [self.binary, "-v", self.voice, "-s", str(self.rate), "-w", str(out), text]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise VoiceError(f"espeak-ng failed: {exc}") from exc
        if done.returncode != 0 or not out.exists() or out.stat().st_size <= 44:
            raise VoiceError(f"espeak-ng failed ({done.returncode}): {done.stderr.decode(errors='replace')[:200]}")


class EngineHung(VoiceError):
    """The speech engine gave no answer in time. Its thread is stuck for good (a thread cannot be
    killed), so the engine must not be asked again."""


# A queued engine job: text, output file, engine voice id, rate, and where the result goes.
_Job = tuple[str, Path, str, int, concurrent.futures.Future[None]]


class TtsWorker:
    """The process's one speech-engine thread; every job carries its own voice and rate.

    pyttsx3.init() hands every caller the same engine, and the engine loses files and wedges when
    used concurrently, so all voices (Mandarin, English, the kiosk's) share this one thread and the
    voice is set before each utterance. After one timeout the worker counts as hung and refuses
    every later job at once: one long wait, never a pile of stuck threads.
    """

    _shared: ClassVar[TtsWorker | None] = None
    _shared_error: ClassVar[VoiceError | None] = None
    _shared_lock = threading.Lock()

    def __init__(self, engine_factory: Callable[[], Any] | None = None, timeout_s: float = 30.0):
        self.timeout_s = timeout_s
        self.hung = False
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        ready: concurrent.futures.Future[list[Any]] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._run, args=(engine_factory or _pyttsx3_engine, ready),
                                        name="pyttsx3", daemon=True)
        self._thread.start()
        try:
            self.voices: list[Any] = ready.result(timeout=timeout_s)  # VoiceError when the engine is unusable
        except concurrent.futures.TimeoutError as exc:
            raise EngineHung(f"the speech engine did not start within {timeout_s:g} s") from exc

    @classmethod
    def shared(cls) -> TtsWorker:
        """The one worker of this process, started on first use; a failed start is not retried
        (a start that hung would leave one more stuck thread each time)."""
        with cls._shared_lock:
            if cls._shared is None and cls._shared_error is None:
                try:
                    cls._shared = cls()
                except VoiceError as exc:
                    cls._shared_error = exc
            if cls._shared is None:
                raise cls._shared_error or VoiceError("no speech engine")
            return cls._shared

    def _run(self, engine_factory: Callable[[], Any], ready: concurrent.futures.Future[list[Any]]) -> None:
        try:
            engine = engine_factory()
            voices = list(engine.getProperty("voices"))
        except Exception as exc:  # noqa: BLE001 - any engine failure means "use the fallback"
            ready.set_exception(exc if isinstance(exc, VoiceError) else VoiceError(f"pyttsx3: {exc}"))
            return
        ready.set_result(voices)
        while (job := self._jobs.get()) is not None:
            text, out, voice_id, rate, fut = job
            if not fut.set_running_or_notify_cancel():  # its caller gave up waiting: do not write late
                continue
            try:
                engine.setProperty("voice", voice_id)  # the engine is shared: set this job's voice
                engine.setProperty("rate", rate)
                # Under heavy load the espeak driver now and then drops an utterance (runAndWait
                # returns and no file ever comes): ask once more before giving up on the engine.
                written = False
                for _attempt in range(2):
                    engine.save_to_file(text, str(out))
                    with contextlib.redirect_stdout(io.StringIO()):  # its espeak driver prints "Audio saved to …"
                        engine.runAndWait()
                    written = self._written(out)
                    if written or self.hung:  # a hung engine's caller gave up: no second go
                        break
                if not written:
                    raise VoiceError(f"pyttsx3 wrote no audio for {text!r}")
                fut.set_result(None)
            except Exception as exc:  # noqa: BLE001
                fut.set_exception(exc if isinstance(exc, VoiceError) else VoiceError(f"pyttsx3: {exc}"))

    @staticmethod
    def _written(out: Path, wait_s: float = 3.0) -> bool:
        """The espeak driver may finish writing the file just after runAndWait() returns:
        wait (briefly) until it exists with audio and stops growing."""
        deadline = time.monotonic() + wait_s
        last = -1
        while time.monotonic() < deadline:
            size = out.stat().st_size if out.exists() else 0
            if size > 44 and size == last:
                return True
            last = size
            time.sleep(0.05)
        return False

    def render(self, text: str, out: Path, voice_id: str, rate: int) -> None:
        """Speak `text` with engine voice `voice_id` into `out`; EngineHung on timeout (then for good)."""
        if self.hung:
            raise EngineHung("the speech engine hung earlier; not asking it again")
        fut: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._jobs.put((text, out, voice_id, rate, fut))
        try:
            fut.result(timeout=self.timeout_s)
        except concurrent.futures.TimeoutError as exc:
            fut.cancel()
            self.hung = True
            raise EngineHung(f"the speech engine gave no answer in {self.timeout_s:g} s") from exc

    def close(self) -> None:
        """Let the thread end once the queued jobs are done (tests; the shared worker lives on)."""
        self._jobs.put(None)


def _pyttsx3_engine() -> Any:
    import pyttsx3

    return pyttsx3.init()


class Pyttsx3Renderer:
    """One voice on the process's shared pyttsx3 worker (cheap: no thread or engine of its own)."""

    def __init__(self, voice: str = "cmn-latn-pinyin", rate: int = 150, worker: TtsWorker | None = None):
        self.voice, self.rate = voice, rate
        self.worker = worker or TtsWorker.shared()
        chosen = self.find_voice(self.worker.voices, voice)
        if chosen is None:  # pyttsx3 would silently speak English: refuse instead
            raise VoiceError(f"voice {voice!r} is not known to the speech engine")
        self.voice_id = str(chosen.id)

    @staticmethod
    def find_voice(voices: list[object], wanted: str) -> object | None:
        """The engine voice whose id or name is `wanted` (ids look like 'sit/cmn-latn-pinyin')."""
        for v in voices:
            vid = str(getattr(v, "id", ""))
            if vid == wanted or vid.rsplit("/", 1)[-1].lower() == wanted.lower():
                return v
        for v in voices:
            if str(getattr(v, "name", "")).lower() == wanted.lower():
                return v
        return None

    def render(self, text: str, out: Path) -> None:
        self.worker.render(text, out, self.voice_id, self.rate)


# ------------------------------------------------------------------------- the voice


def safe_name(name: str) -> str:
    """A file-system-safe stem for a segment name (keeps ASCII letters, digits, - and _)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")
    return stem[:60] or "seg"


class Voice:
    """Named segments and free phrases as cached WAV files."""

    def __init__(self, cache_dir: Path, voice_pack: Path | None = None, voice: str = "cmn-latn-pinyin",
                 rate: int = 150, renderer: Renderer | None = None):
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.voice_pack = Path(voice_pack) if voice_pack else None
        self.voice, self.rate = voice, rate
        self._renderer = renderer
        self._fallback: Renderer | None = None
        self._lock = threading.Lock()

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.voice}\0{self.rate}\0{text}".encode()).hexdigest()[:16]

    def segment(self, name: str, text: str) -> Path:
        """voice_pack/<name>.wav when recorded, else `text` rendered once and cached."""
        if self.voice_pack is not None:
            recorded = self.voice_pack / f"{name}.wav"
            if recorded.is_file():
                return recorded
        return self._cached(f"{safe_name(name)}-{self._key(text)}.wav", text)

    def phrase(self, text: str) -> Path:
        """Any text, rendered once and cached by its hash."""
        return self._cached(f"phrase-{self._key(text)}.wav", text)

    def _cached(self, filename: str, text: str) -> Path:
        out = self.cache_dir / filename
        with self._lock:
            if out.is_file() and out.stat().st_size > 44:
                return out
            tmp = out.with_suffix(".part.wav")
            self._render(text, tmp)
            tmp.replace(out)  # atomic: a crash never leaves a half file under the real name
        return out

    def _render(self, text: str, out: Path) -> None:
        if self._renderer is None:
            try:
                self._renderer = Pyttsx3Renderer(self.voice, self.rate)
            except VoiceError as exc:
                log.warning("pyttsx3 unavailable (%s); using espeak-ng", exc)
                self._renderer = self._espeak()
        try:
            self._renderer.render(text, out)
        except EngineHung as exc:  # asking again would cost the full timeout per segment
            log.error("speech engine hung (%s); espeak-ng renders every later segment of voice %s",
                      exc, self.voice)
            self._renderer = self._espeak()
            self._renderer.render(text, out)
        except VoiceError as exc:
            if isinstance(self._renderer, EspeakRenderer):
                raise
            log.warning("speech engine failed (%s); falling back to espeak-ng", exc)
            self._espeak().render(text, out)

    def _espeak(self) -> Renderer:
        if self._fallback is None:
            self._fallback = EspeakRenderer(self.voice, self.rate)
        return self._fallback


# ------------------------------------------------------------------------- WAV joining


def _read_mono16(path: Path) -> tuple[array, int]:
    """Samples of a PCM WAV as mono signed 16-bit, and its rate."""
    with wave.open(str(path), "rb") as w:
        ch, width, rate, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
        raw = w.readframes(n)
    if width == 1:
        samples = array("h", ((b - 128) << 8 for b in raw))
    elif width == 2:
        samples = array("h")
        samples.frombytes(raw)
    elif width == 4:
        wide = array("i")
        wide.frombytes(raw)
        samples = array("h", (s >> 16 for s in wide))
    else:
        raise AudioError(f"{path}: {width * 8}-bit samples are not supported")
    if ch > 1:
        samples = array("h", (sum(samples[i:i + ch]) // ch for i in range(0, len(samples), ch)))
    return samples, rate


def _resample(samples: array, src: int, dst: int) -> array:
    """Linear interpolation; good enough for speech segments of one voice."""
    if src == dst or not samples:
        return samples
    n_out = max(1, round(len(samples) * dst / src))
    step = src / dst
    last = len(samples) - 1
    out = array("h")
    for i in range(n_out):
        pos = i * step
        j = int(pos)
        if j >= last:
            out.append(samples[last])
            continue
        frac = pos - j
        out.append(int(samples[j] + (samples[j + 1] - samples[j]) * frac))
    return out


def join_wavs(paths: list[Path], out: Path, gap_ms: int = 0) -> Path:
    """Concatenate WAVs into one mono 16-bit file at the first file's rate, `gap_ms` of silence between."""
    if not paths:
        raise AudioError("nothing to join")
    parts = [_read_mono16(Path(p)) for p in paths]
    rate = parts[0][1]
    gap = array("h", bytes(2 * (rate * gap_ms // 1000)))
    joined = array("h")
    for i, (samples, src_rate) in enumerate(parts):
        if i and gap_ms:
            joined.extend(gap)
        joined.extend(_resample(samples, src_rate, rate))
    return write_wav(Path(out), joined, rate)


def write_wav(path: Path, samples: array, rate: int) -> Path:
    """16-bit mono samples to a WAV file (the format every segment and announcement uses)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path


# ------------------------------------------------------------------------- audio output


class AudioOut(Protocol):
    def play(self, wav: Path) -> None:
        """Play the file to the end (blocking)."""


class AlsaOut:
    """Plays through `aplay` (alsa-utils) on the box."""

    def __init__(self, device: str | None = None, binary: str = "aplay"):
        if shutil.which(binary) is None:
            raise AudioError(f"{binary} is not installed (apt install alsa-utils)")
        self.device, self.binary = device, binary

    def play(self, wav: Path) -> None:
        cmd = [self.binary, "-q"] + (["-D", self.device] if self.device else []) + [str(wav)]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AudioError(f"aplay failed: {exc}") from exc
        if done.returncode != 0:
            raise AudioError(f"aplay failed ({done.returncode}): {done.stderr.decode(errors='replace')[:200]}")


class WavSink:
    """A fake speaker: copies each played file, in order, into `out_dir` and remembers it."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.played: list[Path] = []
        self._lock = threading.Lock()

    def play(self, wav: Path) -> None:
        wav = Path(wav)
        if not wav.is_file():
            raise AudioError(f"{wav} does not exist")
        with self._lock:
            dest = self.out_dir / f"{len(self.played):04d}-{wav.name}"
            shutil.copyfile(wav, dest)
            self.played.append(dest)
