"""The audit log: entries commit with the change they record or not at all; secrets never enter
them; what changed between two versions is listed leaf by leaf."""

from __future__ import annotations

import pytest

from queue_server.audit import SECRET, changes, redacted
from queue_server.store import Store


def test_an_entry_commits_with_its_change_and_rolls_back_with_it(tmp_path):
    store = Store.open(tmp_path)
    with store.transaction():
        store.accounts.add_device("kiosk-1", "kiosk", None, "h1", 1.0)
        store.audit.add(1.0, "admin:wang", "devices", "add", "kiosk-1", None, {"kind": "kiosk"})
    with pytest.raises(RuntimeError), store.transaction():
        store.accounts.add_device("kiosk-2", "kiosk", None, "h2", 2.0)
        store.audit.add(2.0, "admin:wang", "devices", "add", "kiosk-2", None, {"kind": "kiosk"})
        raise RuntimeError("the change failed after both rows were written")
    assert [d["name"] for d in store.accounts.devices()] == ["kiosk-1"]
    entries = store.audit.entries()
    assert [(e["target"], e["after"]) for e in entries] == [("kiosk-1", {"kind": "kiosk"})]
    store.close()
    reopened = Store.open(tmp_path)
    assert reopened.audit.entry(entries[0]["seq"])["actor"] == "admin:wang"
    reopened.close()


def test_entries_are_newest_first_and_filter_by_area_time_and_page(tmp_path):
    store = Store.open(tmp_path)
    for i, area in enumerate(["users", "config", "users", "devices"]):
        store.audit.add(100.0 + i, "admin:li", area, "edit", f"t{i}")
    assert [e["target"] for e in store.audit.entries()] == ["t3", "t2", "t1", "t0"]
    assert [e["target"] for e in store.audit.entries(area="users")] == ["t2", "t0"]
    assert [e["target"] for e in store.audit.entries(since=101.0, until=103.0)] == ["t2", "t1"]
    first_page = store.audit.entries(limit=2)
    assert [e["target"] for e in store.audit.entries(before_seq=first_page[-1]["seq"])] == ["t1", "t0"]
    store.close()


def test_secrets_are_recorded_as_changed_never_by_value():
    assert redacted({"username": "li", "password": "s3cret", "devices": [{"token": "abc", "name": "k"}]}) == \
        {"username": "li", "password": SECRET, "devices": [{"token": SECRET, "name": "k"}]}


def test_changes_lists_each_leaf_and_each_table_of_a_list():
    before = {"hall": {"name": "甲镇", "phone": "12345"}, "windows": [{"number": 1, "serves": ["A"]}, {"number": 2}]}
    after = {"hall": {"name": "乙镇", "phone": "12345"}, "windows": [{"number": 1, "serves": ["A", "B"]}],
             "notices": {"text": "新"}}
    assert changes(before, after) == [
        ("hall.name", "甲镇", "乙镇"),
        ("windows[1].serves", ["A"], ["A", "B"]),
        ("windows[2]", {"number": 2}, None),
        ("notices", None, {"text": "新"}),
    ]
    assert changes(after, after) == []
