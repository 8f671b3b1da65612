"""The event log on disk: numbering across midnight and restarts, rebuild, migrations, refusals."""

from __future__ import annotations

import sqlite3

import pytest

from queue_server.errors import Conflict
from queue_server.service import Actor, HallService
from queue_server.state import IssueRequest
from queue_server.store import MIGRATIONS, Store
from tests.support.hall import FakeClock, at

CLERK = Actor("clerk1", "clerk")


def issue(service: HallService, category: str = "A") -> str:
    """Issued at the counter: these tests run at any hour, also outside the kiosk's hours."""
    return service.issue(IssueRequest(category=category, channel="counter"), CLERK)[0].number


def test_numbers_restart_at_midnight_asia_shanghai(township, tmp_path):
    clock = FakeClock(at("2026-11-23 23:59:58"))  # 15:59:58 UTC: still Monday in the hall
    service = HallService(township, Store.open(tmp_path), clock)
    assert [issue(service), issue(service)] == ["A001", "A002"]
    clock.now = at("2026-11-24 00:00:00")  # 16:00 UTC: a new business day in Asia/Shanghai
    assert issue(service) == "A001"
    assert service.hall.state.day.isoformat() == "2026-11-24"
    store = service.store
    closed = [e for e in store.events() if e.type == "day_closed"]
    assert len(closed) == 1 and closed[0].day == "2026-11-23"
    assert sorted(closed[0].data["expired"]) == ["20261123-A001", "20261123-A002"]


def test_numbers_continue_after_a_restart(township, tmp_path):
    clock = FakeClock(at("2026-11-23 10:00"))
    first = HallService(township, Store.open(tmp_path), clock)
    assert [issue(first), issue(first, "D"), issue(first)] == ["A001", "D001", "A002"]
    first.store.close()
    second = HallService(township, Store.open(tmp_path), clock)  # the box restarted
    assert issue(second) == "A003" and issue(second, "D") == "D002"
    assert [t.number for t in second.hall.waiting()] == ["A001", "D001", "A002", "A003", "D002"]


def test_restart_on_a_later_day_closes_the_old_one(township, tmp_path):
    clock = FakeClock(at("2026-11-23 16:00"))
    service = HallService(township, Store.open(tmp_path), clock)
    issue(service)
    service.store.close()
    clock.now = at("2026-11-25 08:30")  # nobody ran the box on the 24th
    again = HallService(township, Store.open(tmp_path), clock)
    assert issue(again) == "A001"
    assert [e.day for e in again.store.events() if e.type == "day_closed"] == ["2026-11-23"]


def test_state_rebuilt_from_the_log_matches(township, tmp_path):
    clock = FakeClock(at("2026-11-23 09:00"))
    service = HallService(township, Store.open(tmp_path), clock)
    service.run(lambda h, now: h.open_window(1, now))
    for _ in range(3):
        issue(service)
    clock.advance(60)
    service.run(lambda h, now: h.call_next(1, now))
    clock.advance(60)
    service.run(lambda h, now: h.recall(1, now))
    service.store.close()
    rebuilt = HallService(township, Store.open(tmp_path), clock)
    assert rebuilt.hall.state == service.hall.state


def test_a_refused_command_writes_nothing(service):
    before = service.store.last_seq()
    with pytest.raises(Conflict):
        service.run(lambda h, now: h.call_next(1, now))  # window 1 is closed
    assert service.store.last_seq() == before


def test_a_failed_issue_does_not_consume_a_number(service):
    issue(service)
    with pytest.raises(Conflict):
        key = "b" * 64
        service.issue(IssueRequest(category="A", person_key=key, channel="counter"), CLERK)
        service.issue(IssueRequest(category="A", person_key=key, channel="counter"), CLERK)
    assert issue(service) == "A003"  # A002 went to the first keyed ticket; the refused one took none


def test_the_database_refuses_a_number_twice(store):
    with store.transaction() as tx:
        tx.conn.execute("INSERT INTO issued_numbers(day, number, seq) VALUES ('2026-11-23', 'A001', 1)")
    with pytest.raises(sqlite3.IntegrityError), store.transaction() as tx:
        tx.conn.execute("INSERT INTO issued_numbers(day, number, seq) VALUES ('2026-11-23', 'A001', 2)")


def test_migrations_are_recorded_and_durable_settings_on(tmp_path):
    store = Store.open(tmp_path)
    assert store.version == len(MIGRATIONS)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()
    again = Store.open(tmp_path)  # opening twice migrates nothing twice
    assert again.version == len(MIGRATIONS)


def test_a_newer_database_is_refused(tmp_path):
    store = Store.open(tmp_path)
    store.conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    store.close()
    with pytest.raises(RuntimeError, match="newer than this Yimen"):
        Store.open(tmp_path)


def test_secret_is_made_once_and_kept(store):
    first = store.secret("person_key_salt", lambda: "s1")
    assert store.secret("person_key_salt", lambda: "s2") == first == "s1"


def test_a_migration_is_split_where_sqlite_says_a_statement_ends():
    from queue_server.store.core import statements

    script = """
    CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT DEFAULT 'a; b');
    CREATE TRIGGER keep AFTER INSERT ON notes BEGIN UPDATE notes SET text = text || ';' WHERE id = new.id; END;
    """
    found = statements(script)
    assert len(found) == 2 and found[1].startswith("CREATE TRIGGER") and found[1].endswith("END;")
    conn = sqlite3.connect(":memory:")
    for statement in found:
        conn.execute(statement)
    conn.execute("INSERT INTO notes DEFAULT VALUES")
    assert conn.execute("SELECT text FROM notes").fetchone()[0] == "a; b;"
