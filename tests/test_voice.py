"""hw.voice with real espeak-ng / pyttsx3 audio: non-silent, plausible length, cached, overridable."""

from __future__ import annotations

import math
import threading
import wave
from array import array
from pathlib import Path

import pytest

from hw.voice import (
    AlsaOut,
    AudioError,
    EngineHung,
    EspeakRenderer,
    Pyttsx3Renderer,
    TtsWorker,
    Voice,
    VoiceError,
    WavSink,
    join_wavs,
    safe_name,
)


def wav_stats(path: Path) -> tuple[float, float, int, int, int]:
    """(seconds, RMS, rate, channels, width) of a WAV."""
    with wave.open(str(path)) as w:
        rate, ch, width, n = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
        raw = w.readframes(n)
    samples = array("h")
    samples.frombytes(raw)
    rms = math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))
    return n / rate, rms, rate, ch, width


def write_tone(path: Path, seconds: float, rate: int = 22050, channels: int = 1, width: int = 2,
               freq: float = 440.0) -> Path:
    frames = int(seconds * rate)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        data = bytearray()
        for i in range(frames):
            v = math.sin(2 * math.pi * freq * i / rate)
            for _ in range(channels):
                if width == 1:
                    data.append(int(128 + 100 * v))
                else:
                    data += int(12000 * v).to_bytes(2, "little", signed=True)
        w.writeframes(bytes(data))
    return path


class Counting:
    """Wraps a real renderer and counts how often it is asked to render."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def render(self, text: str, out: Path) -> None:
        self.calls.append(text)
        self.inner.render(text, out)


class Broken:
    def render(self, text: str, out: Path) -> None:
        raise VoiceError("engine wedged")


def test_espeak_renders_audible_mandarin_of_plausible_length(tmp_path):
    out = tmp_path / "call.wav"
    EspeakRenderer().render("请A零零一号到三号窗口办理", out)
    seconds, rms, rate, ch, width = wav_stats(out)
    assert (ch, width) == (1, 2)
    assert rate in (16000, 22050, 24000)
    assert 1.0 < seconds < 8.0  # twelve syllables at 150 wpm
    assert rms > 300  # not silence


def test_longer_text_gives_longer_audio(tmp_path):
    r = EspeakRenderer()
    r.render("请", tmp_path / "a.wav")
    r.render("请A零零一号到三号窗口办理，请A零零二号到五号窗口办理", tmp_path / "b.wav")
    assert wav_stats(tmp_path / "b.wav")[0] > 3 * wav_stats(tmp_path / "a.wav")[0]


def test_segment_is_rendered_once_and_cached(tmp_path):
    counting = Counting(EspeakRenderer())
    v = Voice(tmp_path / "cache", renderer=counting)
    first = v.segment("window_suffix", "号窗口办理")
    again = v.segment("window_suffix", "号窗口办理")
    assert first == again and first.parent == tmp_path / "cache"
    assert counting.calls == ["号窗口办理"]
    # a new process (new Voice) over the same cache also hits it
    v2 = Voice(tmp_path / "cache", renderer=counting)
    assert v2.segment("window_suffix", "号窗口办理") == first
    assert len(counting.calls) == 1
    # changed text under the same name is a different file
    changed = v.segment("window_suffix", "号窗口")
    assert changed != first and len(counting.calls) == 2
    assert not list((tmp_path / "cache").glob("*.part.wav"))


def test_phrase_cached_by_text(tmp_path):
    counting = Counting(EspeakRenderer())
    v = Voice(tmp_path, renderer=counting)
    a = v.phrase("请取号")
    b = v.phrase("请取号")
    c = v.phrase("请稍候")
    assert a == b != c
    assert counting.calls == ["请取号", "请稍候"]
    assert wav_stats(c)[1] > 300


def test_voice_pack_overrides_segment_but_not_missing_ones(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    recorded = write_tone(pack / "chime.wav", 0.5)
    counting = Counting(EspeakRenderer())
    v = Voice(tmp_path / "cache", voice_pack=pack, renderer=counting)
    assert v.segment("chime", "叮咚") == recorded
    assert counting.calls == []
    other = v.segment("digit_1", "一")
    assert other.parent == tmp_path / "cache" and counting.calls == ["一"]


def test_safe_file_names_for_any_segment_name(tmp_path):
    v = Voice(tmp_path / "c", renderer=EspeakRenderer())
    p = v.segment("../../etc/窗口 3", "三号")
    assert p.parent == tmp_path / "c"
    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert safe_name("窗口") == "seg"


def test_falls_back_to_espeak_when_engine_fails(tmp_path, caplog):
    v = Voice(tmp_path, renderer=Broken())
    with caplog.at_level("WARNING", logger="yimen.hw.voice"):
        p = v.phrase("请稍候")
    assert wav_stats(p)[1] > 300
    assert "falling back to espeak-ng" in caplog.text


def test_espeak_failure_is_a_typed_error(tmp_path):
    with pytest.raises(VoiceError, match="no voice"):
        EspeakRenderer(voice="no-such-voice-xx")
    r = EspeakRenderer()
    with pytest.raises(VoiceError):
        r.render("你好", tmp_path / "no-such-dir" / "x.wav")
    with pytest.raises(VoiceError):
        EspeakRenderer(binary="no-such-espeak-binary")


def test_pyttsx3_renders_with_the_pinyin_voice_and_rejects_unknown_voice(tmp_path):
    r = Pyttsx3Renderer()
    r.render("请A零零一号到三号窗口办理", tmp_path / "p.wav")
    r.render("谢谢", tmp_path / "q.wav")  # the same engine, second utterance
    seconds, rms, *_ = wav_stats(tmp_path / "p.wav")
    assert 1.0 < seconds < 8.0 and rms > 300
    assert wav_stats(tmp_path / "q.wav")[0] < seconds
    with pytest.raises(VoiceError, match="not known"):
        Pyttsx3Renderer(voice="klingon-xx")


def test_find_voice_matches_id_tail_not_substring():
    class V:
        def __init__(self, id, name):
            self.id, self.name = id, name

    voices = [V("sit/cmn", "Chinese_(Mandarin,_latin_as_English)"),
              V("sit/cmn-latn-pinyin", "Chinese_(Mandarin,_latin_as_Pinyin)")]
    assert Pyttsx3Renderer.find_voice(voices, "cmn-latn-pinyin") is voices[1]
    assert Pyttsx3Renderer.find_voice(voices, "cmn") is voices[0]
    assert Pyttsx3Renderer.find_voice(voices, "latn") is None


def test_join_converts_formats_and_adds_gaps(tmp_path):
    a = write_tone(tmp_path / "a.wav", 0.5, rate=22050)
    b = write_tone(tmp_path / "b.wav", 0.25, rate=44100, channels=2)
    c = write_tone(tmp_path / "c.wav", 0.25, rate=16000, width=1)
    out = join_wavs([a, b, c], tmp_path / "out" / "j.wav", gap_ms=100)
    seconds, rms, rate, ch, width = wav_stats(out)
    assert (rate, ch, width) == (22050, 1, 2)
    assert seconds == pytest.approx(0.5 + 0.25 + 0.25 + 0.2, abs=0.01)
    assert rms > 3000


def test_join_real_segments(tmp_path):
    v = Voice(tmp_path, renderer=EspeakRenderer())
    parts = [v.segment("please", "请"), v.segment("num", "A零零一号"), v.segment("win", "到三号窗口")]
    out = join_wavs(parts, tmp_path / "call.wav")
    total = sum(wav_stats(p)[0] for p in parts)
    assert wav_stats(out)[0] == pytest.approx(total, abs=0.01)
    with pytest.raises(AudioError):
        join_wavs([], tmp_path / "none.wav")


def test_wav_sink_keeps_order_and_copies(tmp_path):
    a = write_tone(tmp_path / "a.wav", 0.1)
    b = write_tone(tmp_path / "b.wav", 0.2)
    sink = WavSink(tmp_path / "played")
    sink.play(b)
    sink.play(a)
    assert [p.name for p in sink.played] == ["0000-b.wav", "0001-a.wav"]
    assert sink.played[0].read_bytes() == b.read_bytes()
    with pytest.raises(AudioError):
        sink.play(tmp_path / "missing.wav")


def test_alsa_out_without_player_is_typed_error():
    with pytest.raises(AudioError, match="not installed"):
        AlsaOut(binary="no-such-aplay-binary")


def test_default_voice_uses_pyttsx3_and_refuses_unknown_voices(tmp_path, caplog):
    v = Voice(tmp_path / "a")
    with caplog.at_level("WARNING", logger="yimen.hw.voice"):
        p = v.phrase("请取号")
    assert "unavailable" not in caplog.text and "hung" not in caplog.text, caplog.text  # the pyttsx3 engine started
    assert [t for t in threading.enumerate() if t.name == "pyttsx3" and t.is_alive()]
    assert wav_stats(p)[1] > 300
    bad = Voice(tmp_path / "b", voice="klingon-xx")
    with caplog.at_level("WARNING", logger="yimen.hw.voice"), pytest.raises(VoiceError, match="no voice"):
        bad.phrase("你好")  # neither engine may quietly fall back to English
    assert "pyttsx3 unavailable" in caplog.text


class HungEngine:
    """A stand-in pyttsx3 engine whose runAndWait() never returns (until the test lets it go)."""

    def __init__(self):
        self.utterances: list[str] = []
        self.release = threading.Event()

    def getProperty(self, name):
        class V:
            id, name = "sit/cmn-latn-pinyin", "Chinese_(Mandarin,_latin_as_Pinyin)"
        return [V()]

    def setProperty(self, name, value):
        pass

    def save_to_file(self, text, filename):
        self.utterances.append(text)

    def runAndWait(self):
        self.release.wait()


class HungRenderer:
    """A renderer that reports its engine hung, as Pyttsx3Renderer does after a timeout."""

    def __init__(self):
        self.calls: list[str] = []

    def render(self, text: str, out: Path) -> None:
        self.calls.append(text)
        raise EngineHung("the speech engine gave no answer in 0.2 s")


TEXTS = ["请", "一", "二", "号窗口", "办理"]


def test_a_hung_engine_is_asked_once_then_espeak_renders_the_rest(tmp_path, caplog):
    engine = HungEngine()
    threads_before = set(threading.enumerate())
    worker = TtsWorker(engine_factory=lambda: engine, timeout_s=0.2)
    try:
        v = Voice(tmp_path, renderer=Pyttsx3Renderer(worker=worker))
        with caplog.at_level("WARNING", logger="yimen.hw.voice"):
            paths = [v.segment(f"seg-{i}", text) for i, text in enumerate(TEXTS)]
    finally:
        engine.release.set()
        worker.close()
        for thread in set(threading.enumerate()) - threads_before:  # leave no engine thread behind
            thread.join(timeout=10)
            assert not thread.is_alive()
    assert engine.utterances == ["请"]  # asked once, not once per segment
    assert worker.hung
    assert len(set(paths)) == 5 and all(wav_stats(p)[1] > 300 for p in paths)
    assert caplog.text.count("speech engine hung") == 1
    # another voice on the same hung worker does not wait either
    engine.utterances.clear()
    other = Voice(tmp_path / "other", renderer=Pyttsx3Renderer(worker=worker))
    assert wav_stats(other.phrase("谢谢"))[1] > 300 and engine.utterances == []


def test_after_the_engine_hangs_the_voice_keeps_to_espeak(tmp_path, caplog):
    hung = HungRenderer()
    v = Voice(tmp_path, renderer=hung)
    with caplog.at_level("WARNING", logger="yimen.hw.voice"):
        paths = [v.segment(f"seg-{i}", text) for i, text in enumerate(TEXTS)]
    assert hung.calls == ["请"]
    assert all(wav_stats(p)[1] > 300 for p in paths)
    assert caplog.text.count("speech engine hung") == 1
