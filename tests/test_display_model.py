"""The display's state as plain data: folding the stream, and the texts the screen shows."""

from __future__ import annotations

from display.model import (
    DisplayState,
    apply,
    call_text,
    clock_text,
    queue_line,
    queue_row,
    window_line,
)
from hallapi.protocol import mask_name
from tests.support.hall import at

SNAP = {"kind": "snapshot", "seq": 4, "day": "2026-11-23", "hall": {"name": "示范镇便民服务中心"}, "notice": "停车场施工",
        "windows": [{"number": 1, "name": "综合受理一", "status": "open", "current": "A002"}],
        "queues": [{"code": "A", "prefix": "A", "name": "社会保障", "waiting": 2, "estimate": {"low_min": 3, "high_min": 9}}],
        "recent_calls": [{"number": "A002", "window": 1, "at": 10.0, "recall": False},
                         {"number": "A001", "window": 1, "at": 5.0, "recall": False}]}


def event(seq, etype, data, **extra):
    return {"kind": "event", "seq": seq, "type": etype, "at": 100.0 + seq, "data": data, **extra}


def test_snapshot_then_events():
    s = DisplayState()
    assert apply(s, SNAP)
    assert s.connected and s.hall_name == "示范镇便民服务中心" and s.notice == "停车场施工"
    assert s.latest.number == "A002" and s.flash_id == 0  # a snapshot never flashes
    windows = [{"number": 1, "status": "open", "current": "A003"}]
    assert apply(s, event(5, "ticket_called", {"number": "A003", "window": 1}, windows=windows))
    assert s.latest.number == "A003" and s.flash_id == 1 and s.windows == windows and len(s.queues) == 1
    assert apply(s, {"kind": "queues", "seq": 5, "queues": []})
    assert s.queues == []
    assert [c.number for c in s.recent] == ["A003", "A002", "A001"]
    apply(s, event(6, "ticket_recalled", {"number": "A003", "window": 1, "recalls": 1}, windows=windows))
    assert s.latest.recall and s.flash_id == 2
    apply(s, event(7, "notice_set", {"text": ""}, windows=windows))
    assert s.notice == "" and s.seq == 7


def test_replayed_events_do_not_roll_the_screen_back_and_disconnection_keeps_state():
    s = DisplayState()
    apply(s, SNAP)
    assert apply(s, {"kind": "disconnected"}) and not s.connected
    assert s.latest.number == "A002" and s.windows  # the last state stays on screen
    assert not apply(s, {"kind": "disconnected"})
    apply(s, SNAP)
    assert not apply(s, {**event(3, "ticket_called", {"number": "A001", "window": 1}), "replayed": True})
    assert s.latest.number == "A002" and s.replayed == 1 and s.seq == 4
    assert not apply(s, {"kind": "heartbeat", "seq": 4})


def test_texts():
    assert window_line({"status": "paused"}) == ("暂停服务", "paused")
    assert window_line({"status": "closed"}) == ("未开放", "closed")
    assert window_line({"status": "open", "current": "B007"}) == ("B007", "serving")
    assert window_line({"status": "open"}, "en") == ("Waiting", "idle")
    assert queue_line(SNAP["queues"][0]) == "A 社会保障  2人  约3–9分钟"
    assert queue_line({**SNAP["queues"][0], "waiting": 0, "estimate": None}) == "A 社会保障  0人"
    apply(s := DisplayState(), SNAP)
    assert call_text(s.latest) == "请A002号到1号窗口"
    assert call_text(None) == "请留意叫号"
    assert clock_text(at("2026-11-23 09:05:07")) == ("2026年11月23日 星期一", "09:05:07")
    assert clock_text(at("2026-11-29 23:59:59"), "en") == ("Sun 2026-11-29", "23:59:59")


def test_a_name_comes_before_the_number_and_hao_stays_with_the_number():
    # It read 「请A008 张*号到12号窗口」: 号 belonged to the name. Now as on the big panel and in the
    # docs: the masked name, then the number with its 号.
    call = DisplayState()
    apply(call, {**SNAP, "recent_calls": [{"number": "A008", "window": 12, "at": 1.0, "name": "张三"}]})
    assert call_text(call.latest) == "请 张* A008号到12号窗口"
    assert call_text(call.latest, "en") == "张* A008 to window 12"
    recalled = apply(call, event(5, "ticket_recalled", {"number": "A008", "window": 12, "name": "张*"}))
    assert recalled and call_text(call.latest) == "重呼 请 张* A008号到12号窗口"


def test_category_lines_follow_the_estimate_contract():
    """No 0–2 min promise where no window serves the category; when serving starts, or that it may
    not be served today — in both languages (docs/api.md, the estimate)."""
    base = {"code": "D", "prefix": "D", "name": "户籍与身份证(公安)", "name_en": "ID cards", "waiting": 2}
    closed = {"ahead": 2, "wait_s": None, "low_min": None, "high_min": None, "open_now": False, "opens_at": None,
              "beyond_closing": True, "closes_at": at("2026-11-23 17:00")}
    assert queue_line({**base, "estimate": closed}) == "D 户籍与身份证(公安)  2人  暂无窗口办理"
    assert queue_line({**base, "estimate": closed}, "en") == "D ID cards  2  No window open"
    lunch = {**closed, "wait_s": 5520.0, "low_min": 90, "high_min": 100, "opens_at": at("2026-11-23 13:30"),
             "beyond_closing": False}
    assert queue_line({**base, "estimate": lunch}) == "D 户籍与身份证(公安)  2人  13:30起办理"
    assert queue_line({**base, "estimate": lunch}, "en") == "D ID cards  2  From 13:30"
    late = {**lunch, "open_now": True, "opens_at": None, "low_min": 40, "high_min": 75, "beyond_closing": True}
    assert queue_line({**base, "estimate": late}) == "D 户籍与身份证(公安)  2人  今日可能办理不完"
    assert queue_line({**base, "estimate": late}, "en") == "D ID cards  2  May not be served today"
    assert queue_row({**base, "estimate": late})[3] == "warn" and queue_row({**base, "estimate": lunch})[3] == "warn"
    fine = {**late, "low_min": 0, "high_min": 2, "beyond_closing": False}
    assert queue_line({**base, "waiting": 0, "estimate": fine}) == "D 户籍与身份证(公安)  0人  约0–2分钟"
    assert queue_row({**base, "waiting": 0, "estimate": fine})[3] == "empty"


def test_names_are_masked():
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧*" and mask_name(" ") == ""


def test_every_colour_pair_of_the_theme_is_readable():
    from display.theme import CALL_FLASH, MIN_CONTRAST, PAIRS, WHITE, over, ratio

    assert round(ratio(WHITE, CALL_FLASH), 2) == 1.77  # the old flash: white on amber
    low = {name: round(ratio(fg, bg), 2) for name, (fg, bg) in PAIRS.items() if ratio(fg, bg) < MIN_CONTRAST}
    assert low == {}
    assert ratio((1, 1, 1, 1), (0, 0, 0, 1)) == 21 and over((1, 1, 1, 0.5), (0, 0, 0, 1)) == (0.5, 0.5, 0.5, 1.0)
