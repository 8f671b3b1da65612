"""The retention purge: personal data older than `[retention] personal_days` leaves the database
file, every figure of every report stays the same, and a running hall goes on working."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from importlib import resources

import pytest

from hallapi.protocol import HALL_TZ
from queue_server.config import ConfigError, parse_config
from queue_server.reporting import build_report
from queue_server.reports import period
from queue_server.retention import DailyPurge
from queue_server.service import Actor, HallService, rebuild_history
from queue_server.state import IssueRequest
from queue_server.store.history import TABLES
from tests.support.identified import identified_history, named_config

FIRST, LAST = date(2026, 8, 3), date(2026, 9, 30)
TODAY = date(2026, 10, 12)  # with 30 days kept, the days before 12 September are purged
SPLIT = date(2026, 9, 12)


def report(store, config) -> str:
    """The whole range's report, every figure, as text."""
    whole = period("custom", FIRST, LAST)
    return json.dumps(build_report(store, config, whole, TODAY), ensure_ascii=False, sort_keys=True)


def file_bytes(store) -> bytes:
    """The database file and its write-ahead log, as they are on disk."""
    path = store.path
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


@pytest.fixture(scope="module")
def played(tmp_path_factory, township):
    played = named_config(township, days=3650)  # nothing purged while the weeks are played
    store, service, clock, known = identified_history(tmp_path_factory.mktemp("retention"), played, FIRST, LAST, SPLIT)
    config = named_config(township, days=30)
    service.purge = DailyPurge(store, config.retention.personal_days)  # as after a restart with 30 days
    before = report(store, config)
    held = file_bytes(store)
    clock.t = datetime.combine(TODAY, time(0, 5), HALL_TZ).timestamp()
    ticks = 0
    while service.purge.done_on != TODAY:  # the server's day timer, tick by tick until caught up
        service.tick()
        ticks += 1
    assert service.purge.run(TODAY, service.cases) is None  # once a day
    again = store.purge_personal(SPLIT.isoformat())  # as `yimen purge` would, right after: nothing left
    assert again.as_dict() == {"before": "2026-09-12", "tickets": 0, "calls": 0, "bookings": 0, "cases": 0,
                               "applicants": 0, "views": 0, "intake_drafts": 0, "history_rows": 0,
                               "purged_before": "2026-09-12", "caught_up": True}
    yield config, store, service, clock, known, before, held, ticks
    store.close()


def test_the_seeded_values_are_in_the_file_before_the_purge(played):
    _, _, _, _, known, _, held, _ = played
    for value in [*known.old, *known.new, *known.running_values]:
        assert value.encode() in held, value


def test_the_purge_keeps_every_figure_and_a_rebuild_gives_them_again(played):
    config, store, _, _, _, before, _, ticks = played
    assert ticks > 1  # a long history is caught up in steps, the hall answering in between
    assert report(store, config) == before
    rebuild_history(store, config)
    assert report(store, config) == before


def test_purged_values_are_gone_from_the_file_and_recent_ones_stay(played):
    _, store, _, _, known, _, _, _ = played
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = file_bytes(store)
    gone = [v for v in known.old if v.encode() in data]
    assert not gone, f"still in the file: {gone}"
    for value in [*known.new, *known.running_values]:
        assert value.encode() in data, value


def test_finished_old_cases_lose_their_applicant_and_a_running_one_keeps_it(played):
    _, store, service, clock, known, _, _, _ = played
    assert known.finished_cases
    for number in known.finished_cases:
        case = service.cases.get(number)
        assert (case.applicant_name, case.person_key, case.agent_name) == ("", None, None)
        assert store.applicant(number, "manager", clock()) is None
        assert store.applicant_views(number) == [{"viewer": "manager", "at": clock()}]  # this reading only
    running = service.cases.get(known.running_case)
    assert running.applicant_name == "欧*" and running.person_key == known.running_values[0]
    assert store.applicant(known.running_case, "manager", clock())["phone"] == known.running_values[1]


def test_the_hall_goes_on_working_and_starts_again_from_the_purged_log(played):
    config, store, service, clock, known, _, _, _ = played
    clock.t = datetime.combine(TODAY, time(9, 0), HALL_TZ).timestamp()
    ticket, _ = service.issue(IssueRequest(category="A", person_key="today-person", name="黎某"), Actor("k", "kiosk"))
    service.run(lambda h, now: h.open_window(1, now, clerk="clerk1"))
    called = service.run(lambda h, now: h.call_next(1, now))
    assert called.data["ticket"] == ticket.id and called.data["name"] == "黎*"
    case = known.finished_cases[0]
    service.case_step(case, "result_ready", Actor("clerk1", "clerk"))  # a purged case moves on; its row stays clear
    row = next(r for r in store.history.dump("case_facts") if r[0] == case)
    assert not row[-2] and row[-1] is None and row[7] == "result_ready"
    again = HallService(config, store, clock)
    assert again.skipped == [] and again.hall.state.tickets[ticket.id].person_key == "today-person"
    assert again.cases.get(case).applicant_name == ""


def test_the_history_tables_hold_no_personal_column_before_the_cut_off(played):
    _, store, _, _, _, _, _, _ = played
    cut = SPLIT.isoformat()
    tickets = [dict(zip(TABLES["ticket_facts"][0], r, strict=True)) for r in store.history.dump("ticket_facts")]
    assert all(t["person_key"] is None and t["name"] is None for t in tickets if t["day"] < cut)
    assert any(t["person_key"] for t in tickets if t["day"] >= cut)


BASE = resources.files("queue_server.presets").joinpath("township.toml").read_text("utf-8")


def test_the_retention_is_configured_in_days_within_bounds():
    assert parse_config(BASE, "hall.toml").retention.personal_days == 180
    assert parse_config(BASE + "\n[retention]\npersonal_days = 365\n", "hall.toml").retention.personal_days == 365
    for days in (29, 3651, 0):
        with pytest.raises(ConfigError) as exc:
            parse_config(BASE + f"\n[retention]\npersonal_days = {days}\n", "hall.toml")
        (problem,) = exc.value.problems
        assert problem.key == "retention.personal_days"
        assert problem.message.startswith("must be between 30 and 3650 days") and str(days) in problem.message
    with pytest.raises(ConfigError) as exc:
        parse_config(BASE + "\n[retention]\npersonal_day = 90\n", "hall.toml")
    assert "did you mean 'personal_days'" in str(exc.value)
