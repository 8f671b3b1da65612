"""The kiosk's pure parts: search, guide sections, slip text, masks, timeouts, contrast, config, CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from hallapi.protocol import mask_name
from kiosk import style
from kiosk.config import ConfigError, load
from kiosk.i18n import STRINGS, t
from kiosk.logic import (
    REFUSALS,
    age_on,
    card_note,
    estimate_lines,
    guide_sections,
    hours_text,
    idle_home_due,
    mask_id,
    matches,
    may_clear,
    pinyin_keys,
    printer_text,
    quote_needs_a_look,
    reader_state,
    refusal_text,
    result_hold_s,
    search,
    spoken,
    spoken_number,
    windows_text,
)
from kiosk.slip import slip_of
from tests.support.hall import at

MATTERS = [
    {"code": "SHBX-001", "name": "城乡居民基本养老保险参保登记", "name_en": "Pension enrolment"},
    {"code": "MZ-004", "name": "高龄津贴申领", "name_en": "Old-age allowance"},
    {"code": "SFZ-002", "name": "居民身份证换领、补领", "name_en": "ID card renewal"},
]

GUIDE = {
    "code": "X-1", "name": "高龄津贴申领", "department": "镇民政办",
    "materials": [{"name": "居民身份证", "form": "原件", "count": 1, "required": True, "notes": ""},
                  {"name": "委托书", "form": "原件", "count": 1, "required": False, "notes": "代办时"}],
    "steps": ["提交材料", "审核"], "legal_limit_days": 20, "committed_limit_days": 10, "fee": "",
    "legal_basis": ["《某条例》第三条"],
}


def test_pinyin_initials_and_search():
    assert pinyin_keys("养老保险") == ("ylbx", "yanglaobaoxian")
    assert [m["code"] for m in search(MATTERS, "ylbx")] == ["SHBX-001"]
    assert [m["code"] for m in search(MATTERS, "GL")] == ["MZ-004"]  # typed on the letter keys
    assert [m["code"] for m in search(MATTERS, "身份证")] == ["SFZ-002"]
    assert [m["code"] for m in search(MATTERS, "gaoling")] == ["MZ-004"]
    assert [m["code"] for m in search(MATTERS, "renewal")] == ["SFZ-002"]
    assert search(MATTERS, "") == MATTERS
    assert search(MATTERS, "qqq") == []
    assert not matches(MATTERS[0], "身份")


def test_search_puts_initial_prefix_first():
    ms = [{"code": "a", "name": "城乡居民医保"}, {"code": "b", "name": "医疗救助"}]
    assert [m["code"] for m in search(ms, "y")] == ["b", "a"]


def test_guide_sections_zh_and_en():
    zh = dict(guide_sections(GUIDE))
    assert zh["申请材料"] == ["居民身份证（原件1份）", "委托书（原件1份）【非必需】 — 代办时"]
    assert zh["办理流程"] == ["1. 提交材料", "2. 审核"]
    assert zh["办理时限"] == ["承诺时限：10个工作日", "法定时限：20个工作日"]
    assert zh["收费标准"] == ["不收费"] and zh["实施部门"] == ["镇民政办"]
    en = dict(guide_sections(GUIDE, "en"))
    assert en["Time limits"][0] == "Committed time limit: 10 working days"
    immediate = dict(guide_sections({**GUIDE, "legal_limit_days": 0, "committed_limit_days": 0}))
    assert immediate["办理时限"] == ["即办，当场办结"]


def test_slip_of_issued_answer_has_no_person():
    issued = {"id": "20261123-D001", "number": "D001", "status_url": "http://h/t/abc", "hall": "示范镇",
              "category": {"code": "D", "name": "公安"}, "matter": {"code": "SFZ-002", "name": "身份证换领"},
              "priority": "elderly", "issued_at": 1795395600.0, "ahead": 3,
              "estimate": {"low_min": 12, "high_min": 31}, "windows": [{"number": 5, "name": "公安户籍"}],
              "note": "过号请重新取号", "supervision_phone": "12345"}
    s = slip_of(issued)
    assert (s.number, s.service, s.windows) == ("D001", "身份证换领", "5号窗口")
    assert s.told == (("ahead", "前面还有 3 人"), ("wait", "预计等候 12–31 分钟"))
    assert s.issued_at == "2026-11-23 09:00" and s.priority
    assert windows_text([{"number": 1}, {"number": 2}], "en") == "Window 1/2"


def test_masks_and_age():
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧*" and mask_name("") == ""
    assert mask_id("11010519491231002X") == "110*************2X"
    assert age_on(date(1966, 11, 24), date(2026, 11, 23)) == 59
    assert age_on(date(1966, 11, 23), date(2026, 11, 23)) == 60


def test_spoken_number_digit_by_digit():
    # The announcer's reading (hallapi.protocol): the letter by its Mandarin name, 1 as 幺.
    assert spoken_number("A001") == "诶零零幺"
    assert spoken_number("G120") == "吉幺二零"
    assert spoken_number("D120", "en") == "D 1 2 0"


def test_result_clears_only_when_untouched():
    assert not may_clear(now=20, since=0, last_touch=0, touching=True, seconds=10)
    assert not may_clear(now=20, since=0, last_touch=15, touching=False, seconds=10)
    assert may_clear(now=25, since=0, last_touch=15, touching=False, seconds=10)


def test_idle_home_never_in_elderly_mode():
    assert idle_home_due(100, 0, False, elderly=False, seconds=60, at_home=False)
    assert not idle_home_due(100, 0, False, elderly=True, seconds=60, at_home=False)
    assert not idle_home_due(100, 0, True, elderly=False, seconds=60, at_home=False)
    assert not idle_home_due(100, 0, False, elderly=False, seconds=60, at_home=True)
    assert not idle_home_due(50, 0, False, elderly=False, seconds=60, at_home=False)


@pytest.mark.parametrize("pair", sorted(style.PAIRS))
def test_every_colour_pair_meets_contrast(pair):
    fg, bg = style.PAIRS[pair]
    assert style.contrast(fg, bg) >= 4.5


def test_contrast_formula_extremes():
    assert style.contrast((0, 0, 0), (1, 1, 1)) == pytest.approx(21.0)
    assert style.contrast((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)) == pytest.approx(1.0)


def test_elderly_sizes_meet_the_rule():
    assert style.ELDERLY.body >= 30 and style.ELDERLY.small >= 30
    assert min(style.ELDERLY.button_h, style.ELDERLY.key_h) >= 60
    assert style.NORMAL.button_h >= 60  # even standard targets are finger-sized


def test_every_string_has_both_languages_and_same_fields():
    import string

    for key, (zh, en) in STRINGS.items():
        assert zh and en, key
        fields = lambda s: sorted(f for _, f, _, _ in string.Formatter().parse(s) if f)  # noqa: E731
        assert fields(zh) == fields(en), key
    assert t("ahead", "zh", n=3) == "前面还有 3 人" and t("ahead", "en", n=3) == "3 people ahead"


def test_config_file_and_overrides(tmp_path):
    f = tmp_path / "kiosk.toml"
    f.write_text('server = "http://box:8080"\norientation = "landscape"\nadmin_pin = "1234"\n')
    cfg = load(f, server=None, lang="en")
    assert (cfg.server, cfg.orientation, cfg.admin_pin, cfg.lang, cfg.size) == \
           ("http://box:8080", "landscape", "1234", "en", (1920, 1080))
    f.write_text('serve = "typo"\n')
    with pytest.raises(ConfigError, match="unknown key.*serve"):
        load(f)
    with pytest.raises(ConfigError, match="orientation"):
        load(None, orientation="sideways")
    tok = tmp_path / "token"
    tok.write_text("ymd_abc\n")
    assert load(None, token_file=str(tok)).resolved_token() == "ymd_abc"


def test_kiosk_help():
    out = subprocess.run([sys.executable, "-m", "yimen.cli", "kiosk", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for flag in ("--server", "--token", "--printer", "--idcard", "--scanner", "--orientation", "--config"):
        assert flag in out.stdout
    bench = subprocess.run([sys.executable, "-m", "yimen.cli", "bench", "printer", "--help"], capture_output=True, text=True)
    assert bench.returncode == 0 and "--bauds" in bench.stdout


# ---------------------------------------------------------------------- what a ticket is told

OPEN = {"ahead": 2, "wait_s": 540.0, "low_min": 5, "high_min": 14, "open_now": True, "opens_at": None,
        "beyond_closing": False, "closes_at": at("2026-11-23 17:00")}


def texts(lines):
    return [text for _, text in lines]


def test_estimate_lines_before_and_after_issue():
    assert estimate_lines(OPEN, "zh", issued=False) == [("ahead", "现在取号，前面还有 2 人"),
                                                        ("wait", "预计等候 5–14 分钟")]
    assert texts(estimate_lines(OPEN)) == ["前面还有 2 人", "预计等候 5–14 分钟"]
    assert texts(estimate_lines(OPEN, "en")) == ["2 people ahead", "Estimated wait 5–14 min"]


def test_no_open_window_promises_no_time():
    """A2: 暂无窗口办理 when no window serving it is open; the expected start when it is known."""
    closed = {**OPEN, "open_now": False, "wait_s": None, "low_min": None, "high_min": None}
    assert texts(estimate_lines(closed, issued=False)) == ["现在取号，前面还有 2 人", "暂无窗口办理"]
    lunch = {**OPEN, "open_now": False, "opens_at": at("2026-11-23 13:30"), "low_min": 80, "high_min": 95}
    assert texts(estimate_lines(lunch))[1] == "预计 13:30 开始办理"  # then the wait, counted from now
    assert texts(estimate_lines(lunch, "en"))[1] == "Serving expected to start at 13:30"
    tomorrow = {**lunch, "opens_at": at("2026-11-24 08:30")}
    assert texts(estimate_lines(tomorrow))[1] == "预计 11月24日 08:30 开始办理"
    assert texts(estimate_lines({**tomorrow, "closes_at": None}, "en"))[1] == \
        "Serving expected to start at 24 Nov 08:30"


def test_beyond_closing_is_a_warning_that_still_lets_the_person_take_a_ticket():
    """A3: said before issuing (the person may still take it) and on the ticket."""
    late = {**OPEN, "beyond_closing": True}
    assert estimate_lines(late, issued=False)[-1] == ("warn", "今天 17:00 停止办理，现在取号可能当天轮不到，您仍可取号")
    assert estimate_lines(late)[-1] == ("warn", "今天 17:00 停止办理，您的号可能当天轮不到")
    assert estimate_lines({**late, "closes_at": None}, "en")[-1] == ("warn", "Your ticket may not be called today")
    assert quote_needs_a_look(late) and quote_needs_a_look({**OPEN, "open_now": False})
    assert quote_needs_a_look(None) and not quote_needs_a_look(OPEN)


@pytest.mark.parametrize("field", ["ahead", "wait_s", "low_min", "high_min", "opens_at", "closes_at"])
@pytest.mark.parametrize("open_now", [True, False])
def test_a_null_field_never_breaks_the_lines(field, open_now):
    """D5: every field may be null; the screen shows what is known and never the word None."""
    est = {**OPEN, "open_now": open_now, "beyond_closing": True, field: None}
    for lang in ("zh", "en"):
        for issued in (True, False):
            lines = estimate_lines(est, lang, issued)
            assert lines and all(text and "None" not in text for _, text in lines)
    assert texts(estimate_lines({**OPEN, "high_min": None})) == ["前面还有 2 人", "预计等候 5 分钟以上"]
    assert texts(estimate_lines({**OPEN, "low_min": None, "high_min": None}))[1] == "暂时无法估计等候时间"
    assert texts(estimate_lines(None)) == ["暂时无法估计等候时间"]
    assert texts(estimate_lines({})) == ["暂时无法估计等候时间"]


def test_spoken_lines_read_the_range_in_words():
    assert spoken("预计等候 5–14 分钟") == "预计等候 5到14 分钟"
    assert spoken("Estimated wait 5–14 min", "en") == "Estimated wait 5 to 14 min"


def test_an_on_screen_ticket_stays_at_least_a_minute():
    """E1: the person's only copy (not printed) stays ≥ 60 s without a touch; a printed one as set."""
    assert result_hold_s("on_screen", False, 10, 30) == 60
    assert result_hold_s("on_screen", True, 10, 90) == 90
    assert result_hold_s("printed", False, 10, 30) == 10
    assert result_hold_s("printed", True, 10, 30) == 30


# ---------------------------------------------------------------------- words, not server English

HOURS = {"days": [1, 2, 3, 4, 5], "sessions": [["08:30", "12:00"], ["13:30", "17:00"]]}


def test_hours_in_words():
    assert hours_text(HOURS) == "办理时间：周一至周五 08:30–12:00、13:30–17:00"
    assert hours_text(HOURS, "en") == "Opening hours: Mon–Fri 08:30–12:00, 13:30–17:00"
    assert hours_text({"days": [1, 3, 6], "sessions": [["09:00", "12:00"]]}) == "办理时间：周一、周三、周六 09:00–12:00"
    assert hours_text(None) == ""


@pytest.mark.parametrize("code", sorted(REFUSALS) + ["hall_closed", "not_json", "http_error", "something_new"])
def test_every_refusal_is_in_the_screen_s_language(code):
    zh = refusal_text(code, "zh", {"hours": HOURS})
    assert zh and not any("a" <= c.lower() <= "z" for c in zh), zh  # never the server's English
    en = refusal_text(code, "en", {"hours": HOURS})
    assert en.isascii() or "–" in en
    assert refusal_text("hall_closed", "zh", {"hours": HOURS}) == \
        "现在不是办理时间，不能取号。办理时间：周一至周五 08:30–12:00、13:30–17:00"
    assert refusal_text("hall_closed", "zh", None) == "现在不是办理时间，不能取号。"


def test_a_printer_state_without_words_is_a_fault_not_a_crash():
    assert printer_text("out") == "缺纸" and printer_text("reconnecting") == "故障"
    assert printer_text("reconnecting", "en") == "fault"


# ---------------------------------------------------------------------- the ID-card messages


def test_card_messages_follow_the_reader():
    """E3: a good read after a torn one shows the card, not the torn-read note; a removed card
    leaves nothing behind; a reader talking nonsense is the reader's fault, not the person's."""
    assert card_note(reader_state("torn_read"), holding_card=False) == "card_error"
    assert card_note(reader_state("card"), holding_card=True) == "card_read"
    assert card_note(reader_state("removed"), holding_card=False) is None
    assert card_note(reader_state("bad_frame"), holding_card=False) == "reader_fault"
    assert card_note(reader_state("reader_error"), holding_card=False) == "reader_fault"
    assert card_note(reader_state("reader_gone"), holding_card=False) == "reader_gone"
    assert card_note(reader_state("invalid_id"), holding_card=False) is None  # a message screen says it
    assert card_note(reader_state("torn_read"), holding_card=True) == "card_read"  # a good read stands
    assert card_note(reader_state("card"), holding_card=False) is None  # used for a ticket: forgotten
