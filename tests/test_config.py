"""Configuration: presets load, and every kind of mistake is reported with file, line and key."""

from __future__ import annotations

import json

import pytest

from queue_server.config import ConfigError, load_config
from queue_server.matters import parse_matters
from tests.support.domain import PRESET, line_of, problems


def test_township_preset_is_4_plus_3(township):
    kinds = [w.kind for w in township.windows]
    assert kinds.count("comprehensive-natural") == 2
    assert kinds.count("comprehensive-legal") == 1
    assert kinds.count("cross-region") == 1
    assert {"police", "land", "market"} <= set(kinds)
    assert len(township.windows) == 7
    assert len({c.prefix for c in township.categories}) == len(township.categories)


def test_village_preset_has_two_windows_and_maps_the_catalog(village):
    assert [w.kind for w in village.windows] == ["comprehensive", "cross-region"]
    assert {m.category for m in village.matters} <= {"A", "C"}
    assert len(village.matters) >= 30


def test_catalog_has_real_guides_for_every_category(township):
    assert len(township.matters) >= 30
    for c in township.categories:
        assert any(m.category == c.code for m in township.matters), c.code
    for m in township.matters:
        assert m.materials and m.legal_basis and m.steps, m.code
        assert 0 <= m.committed_limit_days <= m.legal_limit_days
    assert {m.case_type for m in township.matters} == {"immediate", "committed", "forwarded", "joint"}


def test_unknown_category_in_serves_names_line_and_key():
    text = PRESET.replace('serves = ["D"]', 'serves = ["D", "Z"]')
    [msg] = problems(text)
    line = line_of(text, '"D", "Z"')
    assert msg.startswith(f"hall.toml:{line}: windows[5].serves: unknown category 'Z'")


def test_window_serving_nothing_and_category_nobody_serves():
    text = PRESET.replace('serves = ["E"]', "serves = []")
    found = problems(text)
    assert f"hall.toml:{line_of(text, 'serves = []')}: windows[6].serves: the window serves nothing: list at least one category" in found
    assert any("no window serves category 'E'" in p for p in found)


def test_duplicate_prefix_is_refused():
    text = PRESET.replace('code = "B"', 'code = "B"\nprefix = "A"')
    [msg] = problems(text)
    line = line_of(text, 'prefix = "A"')
    assert msg == (f"hall.toml:{line}: categories[2].prefix: "
                   "duplicate ticket prefix 'A' (also categories[1]): numbers would collide")


def test_unknown_key_gets_a_suggestion():
    text = PRESET.replace("recall_limit = 2", "recal_limit = 2")
    [msg] = problems(text)
    assert msg.startswith(f"hall.toml:{line_of(text, 'recal_limit')}: calling.recal_limit: unknown key (did you mean 'recall_limit'?)")


def test_wrong_type_and_range():
    text = PRESET.replace("max_overtake = 3 ", 'max_overtake = "three" ').replace("target_wait_min = 15", "target_wait_min = 0")
    found = problems(text)
    assert f"hall.toml:{line_of(text, 'max_overtake')}: priority.max_overtake: must be a whole number, not 'three'" in found
    assert f"hall.toml:{line_of(text, 'target_wait_min')}: hall.target_wait_min: must be between 1 and 240 minutes" in found


def test_missing_required_and_duplicate_window_number():
    text = PRESET.replace("number = 7", "number = 6").replace('region_code = "330100001"\n', "")
    found = problems(text)
    assert any(p.endswith("hall.region_code: is required but missing") and p.startswith("hall.toml:") for p in found)
    assert f"hall.toml:{line_of(text, 'number = 6', 2)}: windows[7].number: window number 6 is used twice (also windows[6])" in found


def test_toml_syntax_error_reports_its_line():
    text = PRESET.replace('name_en = "Model Town Service Centre"', 'name_en = "unterminated')
    [msg] = problems(text)
    assert msg.startswith(f"hall.toml:{line_of(text, 'unterminated')}: not valid TOML")


def test_template_placeholders_are_checked():
    text = PRESET.replace('led = "请{number}到{window}号窗口"', 'led = "请{numbr}到窗口"')
    found = problems(text)
    assert any("templates.led: unknown placeholder(s) {numbr}" in p for p in found)
    assert any("templates.led: must contain {number}" in p for p in found)


def test_bad_hours_and_unknown_window_kind():
    text = PRESET.replace('["13:30", "17:00"]', '["13:30", "12:00"]').replace('kind = "land"', 'kind = "lnad"')
    found = problems(text)
    assert any("hours.sessions: session 13:30–12:00 ends before it starts" in p for p in found)
    assert any("windows[6].kind: unknown window kind 'lnad' (did you mean 'land'?)" in p for p in found)


def test_catalog_categories_must_exist_in_the_hall():
    text = PRESET.replace('''[[categories]]
code = "G"''', '''[[categorie]]
code = "G"''')
    found = problems(text)
    assert any("unknown key (did you mean 'categories'?)" in p for p in found)
    assert any("catalog matters of category 'G' have no category in this hall" in p for p in found)


def test_config_file_and_relative_catalog(tmp_path):
    catalog = {"format": "yimen-matters/1", "matters": [{
        "code": "T-1", "name": "测试事项", "category": "A", "legal_limit_days": 5, "committed_limit_days": 9}]}
    (tmp_path / "m.json").write_text(json.dumps(catalog), "utf-8")
    (tmp_path / "hall.toml").write_text(PRESET.replace('catalog = "builtin"', 'catalog = "m.json"'), "utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "hall.toml")
    assert [p.message for p in exc.value.problems] == ["the committed limit cannot exceed the legal limit"]
    assert exc.value.problems[0].key == "matter T-1.committed_limit_days"
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.toml")


def test_matters_catalog_errors_are_collected():
    with pytest.raises(ConfigError) as exc:
        parse_matters('{"format": "yimen-matters/1", "matters": [{"code": "X", "name": "n", "category": "A",'
                      ' "legal_limit_days": 1, "committed_limit_days": 0, "case_type": "quick"}, {"name": "nameless"}]}',
                      "m.json")
    found = [str(p) for p in exc.value.problems]
    assert "m.json: matter X.case_type: must be one of immediate, committed, forwarded, joint" in found
    assert "m.json: matter #2.code: is required but missing" in found
