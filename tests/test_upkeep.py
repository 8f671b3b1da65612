"""`yimen rebuild` and `yimen purge` on a played history: the commands as an operator runs them."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from queue_server.reporting import build_report
from queue_server.reports import period
from queue_server.store import Store
from queue_server.store.history import TABLES
from tests.support.identified import identified_history, named_config
from tests.support.played import played_store
from yimen.cli import main

FIRST, LAST, SPLIT = date(2026, 8, 3), date(2026, 8, 28), date(2026, 8, 17)


def dumps(store: Store) -> dict[str, list[tuple]]:
    return {table: store.history.dump(table) for table in TABLES}


@pytest.fixture(scope="module")
def fortnight(tmp_path_factory, township):
    folder = tmp_path_factory.mktemp("rebuild")
    store, _ = played_store(folder, township, ("2026-11-09", "2026-11-20"), tickets_per_day=30)
    kept = dumps(store)
    store.close()
    return folder / "played", kept


def test_rebuild_rewrites_every_table_as_the_server_kept_it(fortnight, tmp_path, capsys):
    original, kept = fortnight
    data = tmp_path / "data"
    shutil.copytree(original, data)
    assert all(kept[t] for t in ("ticket_facts", "window_spans", "window_days", "booking_facts", "case_facts"))
    store = Store.open(data)
    with store.transaction():  # a table gone wrong: the rebuild makes it again from the log
        store.conn.execute("DELETE FROM ticket_facts WHERE day = '2026-11-12'")
        store.conn.execute("UPDATE window_days SET idle_queue_s = 0")
    store.close()
    assert main(["rebuild", "--data-dir", str(data), "--config", "township"]) == 0
    out = capsys.readouterr().out
    store = Store.open(data)
    try:
        assert dumps(store) == kept
    finally:
        store.close()
    assert out.startswith("rebuilt the report tables from the event log in ")
    for table in TABLES:
        assert f"  {table}" in out
    assert f"  ticket_facts {len(kept['ticket_facts']):>13} rows" in out


def test_rebuild_and_purge_refuse_a_folder_a_server_holds_or_that_holds_no_hall(fortnight, tmp_path, capsys):
    original, kept = fortnight
    data = tmp_path / "data"
    shutil.copytree(original, data)
    server = Store.open(data, exclusive=True)
    try:
        for command in (["rebuild"], ["purge", "--before", "2026-08-01"]):
            assert main([*command, "--data-dir", str(data)]) == 1
            err = capsys.readouterr().err
            assert "another yimen server" in err and "is using" in err and "stop it first" in err
    finally:
        server.close()
    store = Store.open(data)
    assert dumps(store) == kept  # untouched
    store.close()
    empty = tmp_path / "empty"
    assert main(["rebuild", "--data-dir", str(empty)]) == 1
    assert "no hall database in" in capsys.readouterr().err and not empty.exists()


@pytest.fixture(scope="module")
def identified(tmp_path_factory, township):
    folder = tmp_path_factory.mktemp("purge") / "data"
    store, _, _, known = identified_history(folder, named_config(township, days=3650), FIRST, LAST, SPLIT)
    store.close()
    return folder, known


def _report(data, config) -> str:
    store = Store.open(data)
    try:
        report = build_report(store, config, period("custom", FIRST, LAST), date(2026, 9, 1))
        return json.dumps(report, ensure_ascii=False, sort_keys=True)
    finally:
        store.close()


def _bytes(data) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data.glob("yimen.db*")))


def test_purge_counts_in_a_dry_run_then_clears_and_compacts(identified, tmp_path, capsys, township):
    original, known = identified
    data = tmp_path / "data"
    shutil.copytree(original, data)
    before = _report(data, township)
    args = ["purge", "--before", SPLIT.isoformat(), "--data-dir", str(data), "--config", "township"]
    assert main([*args, "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert dry.startswith("personal data of the days before 2026-08-17 (dry run: nothing changed; what would be cleared):")
    assert all(v.encode() in _bytes(data) for v in known.old)
    assert main(args) == 0
    done = capsys.readouterr().out
    assert done.startswith("personal data of the days before 2026-08-17 (purged; what was cleared):")
    counted = [line.split()[0] for line in dry.splitlines()[1:]]
    assert len(counted) == 8 and counted == [line.split()[0] for line in done.splitlines()[1:9]]
    tickets = int(counted[0])
    assert tickets == sum(1 for v in known.old if v.startswith("old-person"))
    assert "MB after VACUUM" in done
    data_now = _bytes(data)
    assert not [v for v in known.old if v.encode() in data_now]
    assert all(v.encode() in data_now for v in [*known.new, *known.running_values])
    assert _report(data, township) == before


@pytest.mark.parametrize("before, message", [
    ("2026-13-01", "is not a date (write 2026-06-01)"),
    ("2099-01-01", "is too recent: the last 30 days are always kept"),
])
def test_purge_refuses_a_day_it_cannot_use(before, message, tmp_path, capsys):
    assert main(["purge", "--before", before, "--data-dir", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
