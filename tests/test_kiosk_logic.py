"""The kiosk's pure parts: search, guide sections, slip text, masks, timeouts, contrast, config, CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from kiosk import style
from kiosk.config import ConfigError, load
from kiosk.i18n import STRINGS, t
from kiosk.logic import (
    age_on,
    guide_sections,
    idle_home_due,
    mask_id,
    matches,
    may_clear,
    pinyin_keys,
    search,
    slip_of,
    spoken_number,
    windows_text,
)
from queue_server.names import mask_name

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
    assert (s.number, s.service, s.windows, s.ahead, s.wait_low_min, s.wait_high_min) == \
           ("D001", "身份证换领", "5号窗口", 3, 12, 31)
    assert s.issued_at == "2026-11-23 09:00" and s.priority
    assert windows_text([{"number": 1}, {"number": 2}], "en") == "Window 1/2"


def test_masks_and_age():
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧*" and mask_name("") == ""
    assert mask_id("11010519491231002X") == "110*************2X"
    assert age_on(date(1966, 11, 24), date(2026, 11, 23)) == 59
    assert age_on(date(1966, 11, 23), date(2026, 11, 23)) == 60


def test_spoken_number_digit_by_digit():
    # The announcer's reading (queue_server.spoken): the letter by its Mandarin name, 1 as 幺.
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
    bench = subprocess.run([sys.executable, "-m", "kiosk.bench", "--help"], capture_output=True, text=True)
    assert bench.returncode == 0 and "--bauds" in bench.stdout
