"""The announcer: what it says for a call, which calls it says under a burst, and the audio it makes."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from array import array
from pathlib import Path

import pytest

from display.announcer import GAP_MS, Announcer, parse_volume, scale_wav, volume_at, write_tone
from display.speech import (
    Call,
    CallQueue,
    HallNames,
    Settings,
    all_segments,
    cardinal,
    plan,
    spoken_text,
    word_name,
)
from hallapi.client import HallClient
from hallapi.protocol import LETTERS
from hw.voice import EspeakRenderer, Voice, VoiceError, WavSink, write_wav
from tests.support.devices import recorded_stream, samples_of, sox_rms
from tests.support.hall import at

CHIME = "〔叮咚〕"


@pytest.mark.parametrize("n, said", [
    (0, "零"), (1, "一"), (2, "二"), (9, "九"), (10, "十"), (11, "十一"), (12, "十二"), (19, "十九"), (20, "二十"),
    (21, "二十一"), (30, "三十"), (99, "九十九"), (100, "一百"), (101, "一百零一"), (110, "一百一十"),
    (120, "一百二十"), (999, "九百九十九"), (1000, "一千"), (1001, "一千零一"), (1010, "一千零一十"),
])
def test_window_numbers_are_cardinals(n, said):
    assert cardinal(n) == said


@pytest.mark.parametrize("number, window, recall, first, said", [
    ("A001", 3, False, True, "〔叮咚〕请诶零零幺号到三号窗口办理／请诶零零幺号到三号窗口办理"),
    ("A001", 3, True, False, "再次呼叫请诶零零幺号到三号窗口办理／再次呼叫请诶零零幺号到三号窗口办理"),
    ("A010", 10, False, False, "请诶零幺零号到十号窗口办理／请诶零幺零号到十号窗口办理"),
    ("B120", 12, False, True, "〔叮咚〕请比幺二零号到十二号窗口办理／请比幺二零号到十二号窗口办理"),
    ("C999", 20, False, True, "〔叮咚〕请西九九九号到二十号窗口办理／请西九九九号到二十号窗口办理"),
    ("E101", 11, False, True, "〔叮咚〕请伊幺零幺号到十一号窗口办理／请伊幺零幺号到十一号窗口办理"),
    ("D007", 5, False, True, "〔叮咚〕请迪零零七号到五号窗口办理／请迪零零七号到五号窗口办理"),
    ("F100", 7, False, True, "〔叮咚〕请艾弗幺零零号到七号窗口办理／请艾弗幺零零号到七号窗口办理"),
    ("G002", 21, False, True, "〔叮咚〕请吉零零二号到二十一号窗口办理／请吉零零二号到二十一号窗口办理"),
    ("W018", 101, False, True, "〔叮咚〕请达布留零幺八号到一百零一号窗口办理／请达布留零幺八号到一百零一号窗口办理"),
    ("1234", 2, False, True, "〔叮咚〕请幺二三四号到二号窗口办理／请幺二三四号到二号窗口办理"),
])
def test_spoken_plan_table(number, window, recall, first, said):
    assert spoken_text(plan(Call(1, number, window, 0.0, recall, first), Settings())) == said


def test_template_repeat_and_second_language():
    s = Settings(template="{number}号请到{window}号窗口", repeat=1, second_language=True)
    segments = plan(Call(1, "A012", 3, 0.0), s)
    assert spoken_text(segments) == f"{CHIME}诶零幺二号请到三号窗口／Number A 0 1 2, please go to window 3."
    assert segments[-1].lang == "en"
    assert spoken_text(plan(Call(1, "A012", 3, 0.0, first=False), Settings(repeat=3))).count("请") == 3
    assert spoken_text(plan(Call(1, "A012", 3, 0.0), Settings(chime=False))).startswith("请")


def test_segment_names_are_stable_for_voice_packs():
    names = [s.name for s in plan(Call(1, "A001", 12, 0.0), Settings(repeat=1))]
    assert names == ["chime", "word-qing3", "letter-A", "digit-0", "digit-0", "digit-1-yao", "word-hao4_dao4",
                     "cardinal-12", "word-hao4_chuang1_kou3_ban4_li3"]
    assert word_name("请") == "word-qing3"
    every = {s.name for s in all_segments([1, 2, 12], ["A", "B"], Settings())}
    assert {"recall", "chime", "digit-9", "letter-B", "cardinal-12", "pause"} <= every


def test_every_letter_has_a_mandarin_reading():
    assert set(LETTERS) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert all(all("\u4e00" <= ch <= "\u9fff" for ch in text) for text in LETTERS.values())


# ---------------------------------------------------------------- ordering and dropping

def called(seq: int, number: str, window: int, t: float, recall: bool = False, windows=None) -> dict:
    msg = {"kind": "event", "seq": seq, "type": "ticket_recalled" if recall else "ticket_called", "at": t,
           "data": {"number": number, "window": window}}
    if windows is not None:
        msg["windows"] = windows
    return msg


def test_a_burst_of_20_calls_in_one_second():
    q = CallQueue(Settings())
    t0 = at("2026-11-23 10:00")
    q.on_message({"kind": "snapshot", "day": "2026-11-23", "windows": []})
    # 20 calls in one second over 7 windows: calls, a recall, and a ticket called again by number.
    script = []
    for i in range(20):
        window = i % 7 + 1
        script.append((f"A{i + 1:03d}", window, False))
    script[15] = ("A009", 2, True)  # window 2 recalls its ticket A009 (pending, never said)
    script[18] = ("A003", 5, True)  # window 5 recalls A003, but A012 was called there after it
    for seq, (number, window, recall) in enumerate(script, start=1):
        q.on_message(called(seq, number, window, t0 + seq * 0.05, recall))
    assert len(q.waiting) == 7  # one per window: a call at a window finishes the ticket it had
    assert [c.seq for c in q.waiting] == sorted(c.seq for c in q.waiting)
    said = []
    while (c := q.pop()) is not None:
        said.append((c.number, c.window, c.recall, c.first, c.short))
    assert len(said) == 7 and len(q.dropped) == 13
    reasons = {reason for _, reason in q.dropped}
    assert reasons <= {f"finished: window {w} called A0{n:02d}" for w in range(1, 8) for n in range(1, 21)} | {
        "recalled at window 2", "recalled at window 5"}, reasons
    # Window 2: A009 was never said, so its recall is said as a first call, with the chime.
    assert ("A009", 2, False, True, True) in said
    # Window 5: the recall of A003 is the newest there, and marked as a recall.
    assert ("A003", 5, True, True, True) in said
    assert [w for _, w, *_ in said] == sorted({w for _, w, *_ in said}, key=lambda w: [s[1] for s in said].index(w))
    # Six were said while others waited: short; the last one, with nobody behind it, in full.
    assert [short for *_, short in said] == [True] * 6 + [False]
    assert [reason for _, reason in q.shortened] == [f"{n} more call(s) waiting" for n in range(6, 0, -1)]


def test_only_superseded_calls_are_dropped_and_the_chime_is_only_for_first_calls():
    q = CallQueue(Settings())
    t0 = at("2026-11-23 10:00")
    notes = []
    q.on_note = lambda what, call, reason: notes.append((what, call.number, reason))
    current: dict[int, str | None] = dict.fromkeys(range(1, 8))

    def at_windows(**now_at):
        current.update({int(k[1:]): v for k, v in now_at.items()})
        return [{"number": w, "current": n} for w, n in current.items()]

    q.on_message({"kind": "snapshot", "day": "2026-11-23", "windows": at_windows()})
    for seq, (number, w) in enumerate([("A001", 1), ("B001", 2), ("C001", 3), ("D001", 4), ("E001", 5), ("F001", 6)], 1):
        q.on_message(called(seq, number, w, t0, windows=at_windows(**{f"w{w}": number})))
    # Before they are said: A001 is skipped, C001 starts at once, D001 is held, E001 transferred,
    # F001 cancelled — none of them should be sent to a window any more.
    for seq, (etype, number) in enumerate([("ticket_no_show", "A001"), ("service_started", "C001"),
                                           ("ticket_held", "D001"), ("ticket_transferred", "E001"),
                                           ("ticket_cancelled", "F001")], 7):
        q.on_message({"kind": "event", "seq": seq, "type": etype, "at": t0 + 1, "data": {"number": number}})
    assert [c.number for c in q.waiting] == ["B001"]
    assert notes == [("dropped", "A001", "finished (no-show)"), ("dropped", "C001", "started"),
                     ("dropped", "D001", "held"), ("dropped", "E001", "transferred"),
                     ("dropped", "F001", "cancelled")]
    # However long B001 waited (a stuck speaker, a long outage), it is said.
    assert q.pop().number == "B001" and q.dropped[-1][0].number == "F001"
    # The stream shows window 2 serving someone else (e.g. after a reconnect): the waiting call goes.
    q.on_message(called(20, "B002", 7, t0 + 5))
    q.on_message({"kind": "snapshot", "day": "2026-11-23", "windows": at_windows(w7="B003")})
    assert q.waiting == [] and notes[-1] == ("dropped", "B002", "window 7 has moved on (B003)")
    # Heard once: calling the same ticket again (held, then called back) gets no chime.
    q.on_message(called(21, "B001", 2, t0 + 600, windows=at_windows(w2="B001")))
    assert q.pop().first is False
    # A held ticket whose first call was never said gets the chime when it is called back.
    q.on_message(called(22, "D001", 4, t0 + 700, windows=at_windows(w4="D001")))
    assert q.pop().first is True
    # A new business day forgets who was called.
    q.on_message({"kind": "snapshot", "day": "2026-11-24", "windows": []})
    q.on_message(called(1, "B001", 2, t0 + 86400))
    assert q.pop().first is True


def test_replayed_calls_are_checked_against_the_snapshot():
    q = CallQueue(Settings())
    t0 = at("2026-11-23 10:00")
    q.on_message({"kind": "snapshot", "day": "2026-11-23", "seq": 9,
                  "windows": [{"number": 1, "current": "A002"}, {"number": 2, "current": None}]})
    q.on_message({**called(5, "A001", 1, t0), "replayed": True})
    q.on_message({**called(6, "A002", 1, t0 + 1), "replayed": True})
    q.on_message({**called(7, "B001", 2, t0 + 2), "replayed": True})
    assert [c.number for c in q.waiting] == ["A002"]


def test_volume_by_time_of_day():
    schedule = parse_volume("08:00=1.0, 12:00=0.5, 14:00=0.9")
    assert volume_at(at("2026-11-23 09:00"), schedule) == 1.0
    assert volume_at(at("2026-11-23 12:30"), schedule) == 0.5
    assert volume_at(at("2026-11-23 07:00"), schedule) == 0.9
    with pytest.raises(ValueError):
        parse_volume("25:00=1")


def test_volume_with_unpadded_hours():
    # '7:30' is a valid time; compared as text it sorted after '18:00' and never took effect.
    schedule = parse_volume("7:30=0.5,9:00=1.0,18:00=0.4")
    assert [m for m, _ in schedule] == [7 * 60 + 30, 9 * 60, 18 * 60]
    assert volume_at(at("2026-11-23 08:00"), schedule) == 0.5
    assert volume_at(at("2026-11-23 07:00"), schedule) == 0.4  # before the first entry: yesterday's last
    assert volume_at(at("2026-11-23 09:30"), schedule) == 1.0
    assert volume_at(at("2026-11-23 19:00"), schedule) == 0.4
    with pytest.raises(ValueError, match="twice"):
        parse_volume("7:30=1.0,07:30=0.5")


def test_scale_wav_scales_and_clips(tmp_path):
    original = array("h", [0, 1000, -1000, 20000, -20000, 32767, -32768])
    half = write_wav(tmp_path / "half.wav", original, 16000)
    scale_wav(half, 0.5)
    samples, rate = samples_of(half)
    assert rate == 16000 and list(samples) == [0, 500, -500, 10000, -10000, 16383, -16384]
    double = write_wav(tmp_path / "double.wav", original, 16000)
    scale_wav(double, 2.0)
    assert list(samples_of(double)[0]) == [0, 2000, -2000, 32767, -32768, 32767, -32768]  # clipped, not wrapped


# ---------------------------------------------------------------- audio


def rms(samples) -> float:
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


class ToneRenderer:
    """A stand-in TTS engine: each text becomes a short tone (fast, and its pitch tells texts apart)."""

    def __init__(self, fail_first: int = 0):
        self.fail_first, self.calls = fail_first, 0
        self.lock = threading.Lock()

    def render(self, text: str, out: Path) -> None:
        with self.lock:
            self.calls += 1
            if self.calls <= self.fail_first:
                raise VoiceError("engine wedged")
        write_tone(out, [(300 + 20 * (sum(map(ord, text)) % 30), 0.12)])


class OneAtATime:
    """An AudioOut that notices overlapping playback."""

    def __init__(self, sink: WavSink, seconds: float = 0.03):
        self.sink, self.seconds = sink, seconds
        self.busy, self.overlaps, self.played = False, 0, 0
        self.lock = threading.Lock()

    def play(self, wav: Path) -> None:
        with self.lock:
            if self.busy:
                self.overlaps += 1
            self.busy = True
        time.sleep(self.seconds)
        self.sink.play(wav)
        with self.lock:
            self.busy = False
            self.played += 1


async def test_real_speech_wav_chime_only_on_first_calls(tmp_path):
    voice = Voice(tmp_path / "cache")
    sink = WavSink(tmp_path / "out")
    t0 = time.time()
    ann = Announcer(voice, sink, tmp_path / "work", Settings(repeat=2))
    ann.queue.on_message({"kind": "snapshot", "day": "2026-11-23", "windows": []})
    ann.queue.on_message(called(1, "A001", 12, t0))
    assert await ann.speak_next()
    ann.queue.on_message(called(2, "A001", 12, t0, recall=True))
    assert await ann.speak_next()
    first, recall = sink.played
    s1, rate1 = samples_of(first)
    s2, rate2 = samples_of(recall)
    d1, d2 = len(s1) / rate1, len(s2) / rate2
    assert 3.0 < d1 < 20.0 and 3.0 < d2 < 20.0, (d1, d2)
    assert sox_rms(first) > 0.02 and sox_rms(recall) > 0.02
    chime, _ = samples_of(tmp_path / "work" / "chime.wav")
    assert s1[:len(chime)] == chime  # the first call opens with the chime
    assert s2[:len(chime)] != chime[:len(s2)] and rms(s2[:len(chime)]) > 0  # the recall opens with speech
    # The first call is longer by the chime, the recall by 再次呼叫 said in each repetition.
    marker, rate = samples_of(next((tmp_path / "work" / "trimmed").glob("recall-*.wav")))
    gap = GAP_MS / 1000
    expected = (len(chime) / rate + gap) - 2 * (len(marker) / rate + gap)
    assert abs((d1 - d2) - expected) < 0.005, (d1 - d2, expected)


class RealTimeSpeaker:
    """A speaker that takes as long as the audio: playing a WAV moves the injected clock on by its
    duration (the device boundary; the announcement itself is the real espeak-ng audio)."""

    def __init__(self, sink: WavSink, now: list[float]):
        self.sink, self.now = sink, now

    def play(self, wav: Path) -> None:
        samples, rate = samples_of(wav)
        self.now[0] += len(samples) / rate
        self.sink.play(wav)


async def test_all_seven_windows_calling_at_once_are_all_said_in_order_within_a_minute(tmp_path, caplog):
    """Opening time: the 7 windows of the township hall call together. The first call is said in
    full before the others arrive (the worst case); the five that then have calls behind them are
    said short; the last, with nobody behind it, in full again. Real Mandarin audio throughout."""
    t0 = at("2026-11-23 08:30")
    now = [t0]
    sink = WavSink(tmp_path / "out")
    ann = Announcer(Voice(tmp_path / "cache", rate=160), RealTimeSpeaker(sink, now), tmp_path / "work",
                    Settings(), clock=lambda: now[0])
    ann.queue.on_message({"kind": "snapshot", "day": "2026-11-23", "windows": []}, now[0])
    burst = [("A001", 1), ("A002", 2), ("B001", 3), ("C001", 4), ("D001", 5), ("E001", 6), ("F001", 7)]
    ann.queue.on_message(called(1, *burst[0], t0), t0)
    assert await ann.speak_next()
    for seq, (number, window) in enumerate(burst[1:], 2):
        ann.queue.on_message(called(seq, number, window, t0 + 0.2 * seq), t0 + 0.2 * seq)
    with caplog.at_level("WARNING", logger="yimen.announcer"):
        while await ann.speak_next():
            pass
    assert [(c.number, c.window) for c, _ in ann.spoken] == burst  # every call, in call order
    assert [c.short for c, _ in ann.spoken] == [False, True, True, True, True, True, False]
    assert now[0] - t0 <= 60.0, f"the burst took {now[0] - t0:.1f} s"
    durations = [len(samples_of(p)[0]) / samples_of(p)[1] for p in sink.played]
    full, short = durations[0], durations[1]
    assert short < 0.5 * full, durations  # once, without the chime
    chime, _ = samples_of(tmp_path / "work" / "chime.wav")
    assert samples_of(sink.played[6])[0][:len(chime)] == chime and samples_of(sink.played[1])[0][:len(chime)] != chime
    logged = [r.getMessage() for r in caplog.records if r.name == "yimen.announcer"]
    assert logged == [f"shortened call of {n} at window {w}: {k} more call(s) waiting"
                      for (n, w), k in zip(burst[1:6], range(5, 0, -1), strict=True)]
    assert ann.queue.dropped == []


async def test_voice_pack_overrides_segments(tmp_path):
    pack = tmp_path / "pack"
    write_tone(pack / "digit-0.wav", [(1234.0, 0.2)])
    write_tone(pack / "chime.wav", [(500.0, 0.3)])
    renderer = ToneRenderer()
    sink = WavSink(tmp_path / "out")
    ann = Announcer(Voice(tmp_path / "cache", voice_pack=pack, renderer=renderer), sink, tmp_path / "work",
                    Settings(repeat=1), voice_pack=pack)
    ann.queue.on_message(called(1, "A001", 3, time.time()))
    assert await ann.speak_next()
    out, _ = samples_of(sink.played[0])
    zero, _ = samples_of(pack / "digit-0.wav")
    chime, _ = samples_of(pack / "chime.wav")
    assert out[:len(chime)] == chime
    text = out.tobytes()
    assert text.count(zero[50:3000].tobytes()) == 2  # A 0 0 1: both zeros are the recording (trimmed ends aside)
    assert renderer.calls == 6  # 请 A 1 号到 三 号窗口办理 from the engine; digit-0 and chime never rendered


def test_a_voice_pack_recorded_when_1_was_read_yi_is_not_used_for_yao(tmp_path, caplog):
    pack = tmp_path / "pack"
    for name in ("digit-1", "digit-0", "letter-A", "leter-B"):
        write_tone(pack / f"{name}.wav", [(440.0, 0.1)])
    ann = Announcer(Voice(tmp_path / "cache", voice_pack=pack, renderer=ToneRenderer()), WavSink(tmp_path / "out"),
                    tmp_path / "work", Settings(repeat=1), voice_pack=pack)
    with caplog.at_level("WARNING", logger="yimen.announcer"):
        ann.prepare([1, 2], ["A", "B"])
    assert ann.unused_recordings(all_segments([1, 2], ["A", "B"], ann.settings)) == ["digit-1", "leter-B"]
    assert sum("digit-1.wav is not a segment" in r.getMessage() for r in caplog.records) == 1
    # The 1 of a number is the engine's 幺, not the pack's recording of 一.
    assert ann.voice.segment("digit-1-yao", "幺").parent == tmp_path / "cache"


async def test_recovers_when_the_engine_fails(tmp_path, caplog):
    # The engine fails: the voice falls back to espeak-ng and the call is still said.
    flaky = ToneRenderer(fail_first=100)
    sink = WavSink(tmp_path / "out")
    ann = Announcer(Voice(tmp_path / "cache", renderer=flaky), sink, tmp_path / "work", Settings(repeat=1))
    ann.queue.on_message(called(1, "B002", 4, time.time()))
    assert await ann.speak_next()
    assert len(sink.played) == 1 and sox_rms(sink.played[0]) > 0.02
    # Nothing can render one call: it is logged and skipped, and the next call is said.
    broken = {"n": 0}

    class Broken(Voice):
        def segment(self, name: str, text: str) -> Path:
            if broken["n"] == 0 and name == "digit-3":
                broken["n"] += 1
                raise VoiceError("no engine at all")
            return super().segment(name, text)

    ann2 = Announcer(Broken(tmp_path / "cache2", renderer=ToneRenderer()), sink, tmp_path / "work2", Settings(repeat=1))
    ann2.queue.on_message(called(1, "C003", 1, time.time()))
    ann2.queue.on_message(called(2, "C004", 2, time.time()))
    assert await ann2.speak_next() and await ann2.speak_next()
    assert [c.number for c, _ in ann2.failures] == ["C003"]
    assert [c.number for c, _ in ann2.spoken] == ["C004"]


async def test_burst_through_the_running_announcer_never_overlaps(tmp_path):
    sink = WavSink(tmp_path / "out")
    speaker = OneAtATime(sink)
    ann = Announcer(Voice(tmp_path / "cache", renderer=ToneRenderer()), speaker, tmp_path / "work", Settings(repeat=1))
    feed: asyncio.Queue = asyncio.Queue()

    async def messages():
        while True:
            yield await feed.get()

    task = asyncio.create_task(ann.run(messages()))
    t0 = time.time()
    await feed.put({"kind": "snapshot", "day": "2026-11-23", "windows": []})
    for i in range(20):
        await feed.put(called(i + 1, f"A{i + 1:03d}", i % 5 + 1, t0))
        await asyncio.sleep(0.05)  # 20 calls in one second
    for _ in range(400):
        if not ann.queue.waiting and speaker.played == len(ann.spoken) and not speaker.busy:
            await asyncio.sleep(0.1)
            if not ann.queue.waiting:
                break
        await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert speaker.overlaps == 0
    said = [c.number for c, _ in ann.spoken]
    assert said == sorted(said) and "A020" in said and "A016" in said  # the last call of every window is said
    assert len(said) + len(ann.queue.dropped) == 20


def test_espeak_renderer_refuses_an_unknown_voice():
    with pytest.raises(VoiceError):
        EspeakRenderer(voice="klingon-xx")


def test_replayed_calls_are_said_however_old_and_timed_on_the_local_clock():
    q = CallQueue(Settings())
    local = at("2026-11-23 10:00")
    server = local - 3600  # the server's clock is an hour behind this box
    q.on_message({"kind": "snapshot", "day": "2026-11-23", "windows": []}, local)
    q.on_message(called(1, "A001", 1, server), local)
    call = q.pop()
    assert call.number == "A001" and call.at == local
    # After a reconnect: replayed calls from 10 min and 10 s before the last live message are both said.
    q.on_message({"kind": "heartbeat", "seq": 1, "at": server + 800}, local + 800)
    q.on_message({**called(2, "B001", 2, server + 200), "replayed": True}, local + 801)
    q.on_message({**called(3, "C001", 3, server + 790), "replayed": True}, local + 801)
    said = [q.pop(), q.pop()]
    assert [(c.number, c.at) for c in said] == [("B001", local + 200), ("C001", local + 790)]
    assert q.pop() is None and q.dropped == []


async def test_an_announcement_at_half_volume_is_half_as_loud(tmp_path):
    now = [at("2026-11-23 09:00")]
    sink = WavSink(tmp_path / "out")
    ann = Announcer(Voice(tmp_path / "cache", renderer=ToneRenderer()), sink, tmp_path / "work",
                    Settings(repeat=1, chime=False), volume=parse_volume("08:00=1.0,12:00=0.5"), clock=lambda: now[0])
    ann.queue.on_message(called(1, "A001", 3, now[0]), now[0])
    assert await ann.speak_next()
    now[0] = at("2026-11-23 13:00")
    ann.queue.on_message(called(2, "A001", 3, now[0]), now[0])
    assert await ann.speak_next()
    full, _ = samples_of(sink.played[0])
    half, _ = samples_of(sink.played[1])
    assert len(full) == len(half) and max(map(abs, full)) > 5000
    assert abs(max(map(abs, half)) - max(map(abs, full)) / 2) <= 1
    assert list(half) == [int(s * 0.5) for s in full]


# ---------------------------------------------------------------- names from the stream

NAMED = "请{category}{number}号到{window_name}（{window}号窗口）办理"


async def test_window_and_category_names_are_said(hall, tmp_path):
    messages = await recorded_stream(hall)
    q = CallQueue(Settings(template=NAMED, repeat=1))
    calls = []
    for m in messages:
        if q.on_message(m) is not None:
            calls.append(q.pop())  # said before the next message comes
    said = [spoken_text(plan(c, q.settings)) for c in calls]
    assert said == [
        "〔叮咚〕请综合业务(企业)比零零幺号到企业综合受理（三号窗口）办理",
        "再次呼叫请综合业务(企业)比零零幺号到企业综合受理（三号窗口）办理",
        # Transferred: the same number, now in category F, at window 7.
        "请个体户与食品经营(市场监管)比零零幺号到市场监管（七号窗口）办理",
    ]
    # The names are segments of their own, so a voice pack can record them.
    names = [s.name for s in plan(calls[0], q.settings)]
    assert "word-qi3_ye4_zong1_he2_shou4_li3" in names and "word-zong1_he2_ye4_wu4_qi3_ye4" in names


def test_category_of_a_ticket_called_before_the_announcer_connected():
    q = CallQueue(Settings(template=NAMED, repeat=1))
    q.on_message({"kind": "snapshot", "day": "2026-11-23",
                  "windows": [{"number": 2, "name": "综合受理二", "current": "A007"}],
                  "queues": [{"code": "A", "prefix": "A", "name": "社会保障"}]})
    # Its call came before the snapshot; the recall carries no category: the prefix tells it.
    call = q.on_message(called(9, "A007", 2, time.time(), recall=True))
    assert spoken_text(plan(call, q.settings)) == "再次呼叫请社会保障诶零零七号到综合受理二（二号窗口）办理"


async def test_a_ticket_transferred_before_the_announcer_connected_is_named_by_its_new_category(hall):
    await hall.act(3, "open")
    await hall.act(7, "open")
    await hall.post("/api/v1/tickets", json={"category": "B"}, expect=201)
    await hall.act(3, "call-next")
    await hall.act(3, "transfer", json={"category": "F"})
    await hall.act(7, "call-next")  # all before the announcer connects
    client = HallClient(str(hall.client.make_url("")).rstrip("/"), hall.tokens["display"])
    stream = client.events(10.0)
    q = CallQueue(Settings(template=NAMED, repeat=1))
    try:
        q.on_message(await asyncio.wait_for(anext(stream), 10))  # the snapshot: B001 at window 7, category F
        await hall.act(7, "recall")
        while (call := q.on_message(await asyncio.wait_for(anext(stream), 10))) is None:
            pass
    finally:
        await stream.aclose()
        await client.close()
    # The prefix alone would say 综合业务(企业): the window's current ticket tells the truth.
    assert spoken_text(plan(call, q.settings)) == "再次呼叫请个体户与食品经营(市场监管)比零零幺号到市场监管（七号窗口）办理"


async def test_names_are_rendered_before_the_first_call(hall, tmp_path):
    info = await (await hall.client.get("/api/v1/hall")).json()
    names = HallNames.from_hall(info)
    texts = {s.text for s in all_segments([w["number"] for w in info["windows"]], ["A", "B"], Settings(template=NAMED), names)}
    assert {"企业综合受理", "市场监管", "综合业务(企业)", "领取办理结果"} <= texts
    renderer = ToneRenderer()
    ann = Announcer(Voice(tmp_path / "cache", renderer=renderer), WavSink(tmp_path / "out"), tmp_path / "work",
                    Settings(template=NAMED, repeat=1))
    ann.prepare([w["number"] for w in info["windows"]], sorted(c["prefix"] for c in info["categories"]), names)
    before = renderer.calls
    ann.queue.on_message(called(1, "B001", 3, time.time()) | {"data": {"number": "B001", "window": 3, "category": "B"}})
    assert await ann.speak_next() and renderer.calls == before  # nothing left for the engine to render
    assert ann.spoken[0][0].window_name == "企业综合受理" and ann.spoken[0][0].category == "综合业务(企业)"


def test_a_placeholder_nobody_fills_is_refused():
    with pytest.raises(ValueError, match=r"template: unknown placeholder\(s\) \{name\}"):
        Settings(template="请{number}号到{name}办理")
    with pytest.raises(ValueError, match="en_template"):
        Settings(en_template="Number {number}, window {window_name}.")


# ---------------------------------------------------------------- the run loop ends with what broke it

async def test_run_raises_what_broke_the_reader(tmp_path):
    ann = Announcer(Voice(tmp_path / "cache", renderer=ToneRenderer()), WavSink(tmp_path / "out"), tmp_path / "work",
                    Settings(repeat=1))

    async def broken_stream():
        yield {"kind": "snapshot", "day": "2026-11-23", "windows": []}
        yield called(1, "A001", 1, time.time())
        yield {"kind": "event", "seq": 2, "type": "ticket_called", "at": time.time(),
               "data": {"number": "A002", "window": "three"}}  # a message the reader cannot fold

    with pytest.raises(ValueError, match="three"):
        await asyncio.wait_for(ann.run(broken_stream()), 30)
    assert [c.number for c, _ in ann.spoken] == ["A001"]  # what was queued before the break was still said


async def test_run_raises_what_broke_the_speaker(tmp_path):
    class Buggy(Voice):
        def segment(self, name: str, text: str) -> Path:
            raise RuntimeError("a bug, not a speech failure")

    ann = Announcer(Buggy(tmp_path / "cache"), WavSink(tmp_path / "out"), tmp_path / "work", Settings(repeat=1))
    feed: asyncio.Queue = asyncio.Queue()

    async def endless():
        while True:
            yield await feed.get()

    await feed.put(called(1, "A001", 1, time.time()))
    with pytest.raises(RuntimeError, match="a bug"):
        await asyncio.wait_for(ann.run(endless()), 30)


async def test_run_returns_when_the_stream_ends(tmp_path):
    ann = Announcer(Voice(tmp_path / "cache", renderer=ToneRenderer()), WavSink(tmp_path / "out"), tmp_path / "work",
                    Settings(repeat=1))

    async def finite():
        yield called(1, "A001", 1, time.time())
        yield called(2, "B001", 2, time.time())

    await asyncio.wait_for(ann.run(finite()), 30)
    assert [c.number for c, _ in ann.spoken] == ["A001", "B001"]
