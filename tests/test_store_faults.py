"""The box and its database (issue 10 §Medium 12–13): one server per data folder; a database that
should exist and does not, or is empty or damaged, stops the start with one clear line and an exit
status systemd will not loop on; an unreadable event is skipped and reported, not fatal."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from queue_server.config import load_preset
from queue_server.service import Actor, HallService
from queue_server.state import IssueRequest
from queue_server.store import Store, StoreProblem, problem_of
from tests.support.hall import FakeClock, at
from tests.support.net import free_port
from yimen.serve_cli import EXIT_LASTING, _start_failures, start_backoff_s

CLERK = Actor("clerk1", "clerk")


def serve(data_dir: Path, timeout: float = 20) -> subprocess.CompletedProcess:
    """`yimen serve` that is expected to refuse to start (it would otherwise run until killed)."""
    return subprocess.run([sys.executable, "-m", "yimen", "serve", "--data-dir", str(data_dir), "--host", "127.0.0.1",
                           "--port", str(free_port())], capture_output=True, text=True, timeout=timeout)


def a_hall(data_dir: Path) -> None:
    store = Store.open(data_dir)
    HallService(load_preset("township"), store, FakeClock(at("2026-11-23 09:00")))
    store.close()


def test_two_servers_cannot_share_a_data_folder(tmp_path):
    first = Store.open(tmp_path, exclusive=True)
    with pytest.raises(StoreProblem, match=r"another yimen server \(pid \d+\) is using"):
        Store.open(tmp_path, exclusive=True)
    Store.open(tmp_path).close()  # the command line (yimen user add …) may still use it
    first.close()
    Store.open(tmp_path, exclusive=True).close()  # released when the first one stops


def test_a_second_real_server_on_the_same_folder_refuses(tmp_path):
    data = tmp_path / "data"
    holder = Store.open(data, exclusive=True)  # the first server, as far as the folder can tell
    try:
        done = serve(data)
    finally:
        holder.close()
    assert done.returncode == 75 and "another yimen server" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("damage", ["missing", "empty"])
def test_a_database_that_should_exist_stops_the_start(tmp_path, damage):
    data = tmp_path / "data"
    a_hall(data)
    db = data / "yimen.db"
    for extra in (db.with_name("yimen.db-wal"), db.with_name("yimen.db-shm")):
        extra.unlink(missing_ok=True)
    db.unlink() if damage == "missing" else db.write_bytes(b"")
    done = serve(data)
    assert done.returncode == EXIT_LASTING
    assert "restore it from a backup" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not db.exists() or db.stat().st_size == 0  # no new, empty hall was made in its place


def test_a_damaged_database_is_one_clear_line(tmp_path):
    data = tmp_path / "data"
    a_hall(data)
    (data / "yimen.db").write_bytes(b"not a database, just some bytes " * 200)
    done = serve(data)
    assert done.returncode == EXIT_LASTING and "Traceback" not in done.stderr
    assert "is damaged" in done.stderr and ".recover" in done.stderr


def test_a_full_disk_at_start_is_transient_and_backs_off(tmp_path):
    problem = problem_of(tmp_path / "yimen.db", sqlite3.OperationalError("database or disk is full"))
    assert not problem.lasting and "full" in problem.message
    assert [start_backoff_s(n) for n in (1, 2, 3, 5, 9)] == [2, 4, 8, 32, 48]
    assert [_start_failures(str(tmp_path)) for _ in range(3)] == [1, 2, 3]
    assert _start_failures(str(tmp_path), reset=True) == 0 and _start_failures(str(tmp_path)) == 1


def test_unreadable_events_are_skipped_and_reported(tmp_path):
    clock = FakeClock(at("2026-11-23 09:00"))
    store = Store.open(tmp_path)
    service = HallService(load_preset("township"), store, clock)
    for _ in range(3):
        service.issue(IssueRequest(category="A", channel="counter"), CLERK)
    with store.transaction():
        store.conn.execute("UPDATE events SET data = '{broken' WHERE seq = 2")
        store.conn.execute("INSERT INTO events(type, at, day, actor, data) VALUES ('from_a_newer_version', ?, "
                           "'2026-11-23', '', ?)", (clock(), json.dumps({"x": 1})))
    store.close()
    store = Store.open(tmp_path)
    again = HallService(load_preset("township"), store, clock)  # the hall opens
    assert {seq for seq, _ in again.skipped} == {2, 4}
    assert sorted(t.number for t in again.hall.state.tickets.values()) == ["A001", "A003"]
    ticket, _ = again.issue(IssueRequest(category="A", channel="counter"), CLERK)
    assert ticket.number == "A004"  # the skipped ticket's number is not handed out again
