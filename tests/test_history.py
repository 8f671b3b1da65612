"""The manager's history: a scripted week whose every figure was counted by hand, the tables a
rebuild writes equal to those kept event by event, and a failed write that leaves memory and log
in step."""

from __future__ import annotations

import math
import sqlite3
import statistics
from datetime import date, datetime

import pytest

from hallapi.protocol import HALL_TZ
from queue_server.reporting import build_report
from queue_server.reports import period, previous
from queue_server.service import HallService, rebuild_history
from queue_server.state import IssueRequest
from queue_server.store.history import TABLES
from tests.support.hall import at
from tests.support.played import KIOSK, issue_at, play_the_scripted_week, played_store

TABLE_NAMES = tuple(TABLES)


@pytest.fixture
def week(service, clock):
    play_the_scripted_week(service, clock)
    return service


def test_a_scripted_week_gives_the_figures_counted_by_hand(week, store, township):
    report = build_report(store, township, period("week", date(2026, 11, 25)), date(2026, 11, 27))
    t = report["totals"]
    assert (t["issued"], t["served"], t["no_show"], t["cancelled"], t["expired"], t["transferred"]) == (6, 3, 1, 1, 1, 0)
    # Waits of the called: 5, 10, 19 and 0 min.
    assert (t["wait_n"], t["wait_mean_s"], t["wait_median_s"], t["wait_p90_s"], t["wait_p95_s"], t["wait_max_s"]) == \
        (4, 510.0, 450.0, 1140.0, 1140.0, 1140.0)
    assert t["within_target"] == 0.75 and report["target_wait_min"] == 15
    # Services: 10, 5 and 10 min.
    assert (t["service_n"], t["service_mean_s"], t["service_median_s"], t["service_max_s"]) == (3, 500.0, 600.0, 600.0)
    assert (t["rated"], t["active_rate"], t["good_rate"], t["bad"], t["unrated_rate"], t["defaulted"]) == \
        (2, 0.6667, 0.5, 1, 0.3333, 0)

    window5 = next(r for r in report["by"]["window"] if r["key"] == 5)
    # Open 1.5 h + 7 h; paused 20 min; idle with someone waiting 5 + 4 + 1 + 10 min.
    assert (window5["open_h"], window5["pause_h"], window5["idle_queue_h"]) == (8.5, 0.33, 0.33)
    assert window5["pauses_h"] == {"临时离岗": 0.33} and report["windows_time"]["pauses_h"] == {"临时离岗": 0.33}
    assert (window5["issued"], window5["served"]) == (4, 3)  # D004 and the appointment were never at a window

    hours = {r["key"]: r["issued"] for r in report["by"]["hour"]}
    weekdays = {r["label"]: r["issued"] for r in report["by"]["weekday"]}
    categories = {r["key"]: r["issued"] for r in report["by"]["category"]}
    assert hours == {8: 2, 9: 4} and weekdays == {"周一": 4, "周二": 2} and categories == {"D": 5, "A": 1}
    assert {r["key"]: r["issued"] for r in report["by"]["matter"]} == {"HJ-002": 1, "JZZ-001": 1}

    (wang,) = report["attendance"]
    assert (wang["days"], wang["late_days"], wang["early_days"], wang["signed_in_h"], wang["pause_h"]) == (2, 1, 2, 8.5, 0.33)
    assert [(d["first_in"], d["last_out"], d["late_min"], d["early_min"]) for d in wang["daily"]] == \
        [("08:30", "10:00", 0, 420), ("09:00", "16:00", 30, 60)]
    clerk_row = next(r for r in report["by"]["clerk"] if r["key"] == "wang")
    assert (clerk_row["served"], clerk_row["bad"], clerk_row["service_mean_s"]) == (3, 1, 500.0)

    assert report["appointments"] == {"booked": 2, "kept": 1, "late": 0, "missed": 1}
    follow_ups = report["follow_ups"]
    assert (follow_ups["bad_items"], follow_ups["states"], follow_ups["rectified_on_time"]) == (1, {"rectified": 1}, 1.0)
    assert [(i["number"], i["window"], i["clerk"], i["level"], i["on_time"]) for i in follow_ups["items"]] == \
        [("D002", 5, "wang", 2, True)]
    cases = report["cases"]["totals"]
    assert (cases["opened"], cases["accepted"], cases["finished"], cases["on_time_rate"]) == (2, 2, 1, 1.0)
    assert (cases["open_green"], cases["open_yellow"], cases["open_red"]) == (1, 0, 0)
    assert report["cases"]["by_matter"]["JZZ-001"]["open_green"] == 1

    heat = {(c["weekday"], c["hour"]): c["tickets"] for c in report["charts"]["heatmap"]["cells"]}
    assert heat == {(0, 8): 2, (0, 9): 2, (1, 9): 2}
    assert sum(b["count"] for b in report["charts"]["wait_histogram"]) == 4
    assert [b["count"] for b in report["charts"]["wait_histogram"][:4]] == [1, 1, 1, 1]  # 0, 5, 10 and 19 min


def test_each_period_holds_its_own_days_and_compares_with_the_one_before(week, store, township):
    monday = build_report(store, township, period("day", date(2026, 11, 23)), date(2026, 11, 27))
    tuesday = build_report(store, township, period("day", date(2026, 11, 24)), date(2026, 11, 27))
    assert (monday["totals"]["issued"], tuesday["totals"]["issued"]) == (4, 2)
    assert tuesday["previous"]["totals"]["issued"] == 4 and tuesday["previous"]["period"]["first"] == "2026-11-23"
    custom = build_report(store, township, period("custom", date(2026, 11, 22), date(2026, 11, 23)), date(2026, 11, 27))
    assert custom["totals"]["issued"] == 4 and custom["previous"]["period"] == {
        "kind": "custom", "first": "2026-11-20", "last": "2026-11-21", "label": "2026-11-20~2026-11-21", "days": 2}
    empty = build_report(store, township, period("month", date(2026, 10, 1)), date(2026, 11, 27))
    assert empty["totals"]["issued"] == 0 and empty["totals"]["wait_median_s"] is None and empty["by"]["window"] == []


@pytest.mark.parametrize(("kind", "anchor", "first", "last", "before"), [
    ("week", "2026-11-25", "2026-11-23", "2026-11-29", ("2026-11-16", "2026-11-22")),
    ("month", "2026-02-10", "2026-02-01", "2026-02-28", ("2026-01-01", "2026-01-31")),
    ("quarter", "2026-11-25", "2026-10-01", "2026-12-31", ("2026-07-01", "2026-09-30")),
    ("year", "2026-11-25", "2026-01-01", "2026-12-31", ("2025-01-01", "2025-12-31")),
    ("month", "2026-03-31", "2026-03-01", "2026-03-31", ("2026-02-01", "2026-02-28")),
])
def test_periods_and_the_period_before(kind, anchor, first, last, before):
    p = period(kind, date.fromisoformat(anchor))
    assert (p.first.isoformat(), p.last.isoformat()) == (first, last)
    q = previous(p)
    assert (q.first.isoformat(), q.last.isoformat()) == before


def test_a_rebuild_from_the_log_writes_exactly_the_rows_kept_event_by_event(week, store, township):
    kept = {table: store.history.dump(table) for table in TABLE_NAMES}
    assert all(kept[t] for t in TABLE_NAMES), {t: len(v) for t, v in kept.items()}
    counts = rebuild_history(store, township)
    assert {table: store.history.dump(table) for table in TABLE_NAMES} == kept
    assert counts["tickets"] == len(kept["ticket_facts"]) == 6


def test_a_generated_fortnight_rebuilds_to_the_same_rows(tmp_path, township):
    store, _ = played_store(tmp_path, township, days=("2026-11-02", "2026-11-13"), tickets_per_day=40)
    kept = {table: store.history.dump(table) for table in TABLE_NAMES}
    assert len(kept["ticket_facts"]) > 300 and kept["case_facts"] and kept["follow_up_facts"]
    rebuild_history(store, township)
    assert {table: store.history.dump(table) for table in TABLE_NAMES} == kept


def test_a_server_that_finds_no_history_fills_it_from_the_log(week, store, township, clock):
    with store.transaction():
        store.history.clear()
        store.conn.execute("DELETE FROM history_state")
    assert store.history.dump("ticket_facts") == []
    HallService(township, store, clock)  # the next start
    report = build_report(store, township, period("week", date(2026, 11, 25)), date(2026, 11, 27))
    assert report["totals"]["issued"] == 6 and report["windows_time"]["idle_queue_h"] == 0.33


def test_a_write_that_fails_after_the_fold_leaves_memory_as_the_log_says(service, store, clock):
    issue_at(service, clock, "2026-11-23 09:00", "A")
    store.conn.execute("CREATE TRIGGER no_more BEFORE INSERT ON ticket_facts BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    clock.now = at("2026-11-23 09:01")
    with pytest.raises(sqlite3.IntegrityError):
        service.issue(IssueRequest(category="A"), KIOSK)
    assert [t.number for t in service.hall.state.tickets.values()] == ["A001"]  # nothing folded that was not kept
    store.conn.execute("DROP TRIGGER no_more")
    ticket, _ = service.issue(IssueRequest(category="A"), KIOSK)
    assert ticket.number == "A002" and len(store.history.dump("ticket_facts")) == 2


def _recount(events) -> dict:
    """The figures counted again, naively, straight from the event log (a second, independent count)."""
    tickets: dict[str, dict] = {}
    paused: dict[int, tuple[float, str]] = {}
    opened: dict[int, float] = {}
    pause_s: dict[str, float] = {}
    open_s = 0.0

    def finish(ticket: str, outcome: str, when: float) -> None:
        t = tickets[ticket]
        t["outcome"] = outcome
        if outcome == "served":
            t["service"] = when - (t.get("started") or t["called"])

    for e in events:
        d = e.data
        if e.type == "ticket_issued":
            hour = datetime.fromtimestamp(e.at, HALL_TZ).hour
            tickets[d["ticket"]] = {"category": d["category"], "issued": e.at, "hour": hour, "outcome": None}
        elif e.type == "ticket_called":
            if d.get("finished"):
                finish(d["finished"]["ticket"], "served", e.at)
            t = tickets[d["ticket"]]
            t.setdefault("first_call", e.at)
            t["called"], t["started"] = e.at, None
        elif e.type == "service_started":
            tickets[d["ticket"]]["started"] = e.at
        elif e.type == "ticket_completed":
            finish(d["ticket"], "served", e.at)
        elif e.type in ("ticket_no_show", "ticket_cancelled"):
            finish(d["ticket"], "no_show" if e.type == "ticket_no_show" else "cancelled", e.at)
        elif e.type == "day_closed":
            for ticket in d["expired"]:
                finish(ticket, "expired", e.at)
        elif e.type == "rating_given":
            tickets[d["ticket"]]["level"] = d["level"]
        elif e.type == "window_paused":
            paused[d["window"]] = (e.at, d["reason"])
        elif e.type in ("window_resumed", "window_closed") and d["window"] in paused:
            since, reason = paused.pop(d["window"])
            pause_s[reason] = pause_s.get(reason, 0.0) + e.at - since
        if e.type == "window_opened":
            opened[d["window"]] = e.at
        elif e.type == "window_closed":
            open_s += e.at - opened.pop(d["window"])
    waits = sorted(t["first_call"] - t["issued"] for t in tickets.values() if "first_call" in t)
    services = [t["service"] for t in tickets.values() if "service" in t]
    levels = [t["level"] for t in tickets.values() if "level" in t]
    outcomes = [t["outcome"] for t in tickets.values()]
    by_category: dict[str, list[float]] = {}
    for t in tickets.values():
        if "first_call" in t:
            by_category.setdefault(t["category"], []).append(t["first_call"] - t["issued"])
    hours: dict[int, int] = {}
    for t in tickets.values():
        hours[t["hour"]] = hours.get(t["hour"], 0) + 1
    return {
        "issued": len(tickets), "served": outcomes.count("served"), "no_show": outcomes.count("no_show"),
        "cancelled": outcomes.count("cancelled"), "expired": outcomes.count("expired"),
        "wait_mean_s": round(sum(waits) / len(waits), 1), "wait_median_s": round(statistics.median(waits), 1),
        "wait_p90_s": round(waits[math.ceil(0.9 * len(waits)) - 1], 1), "wait_max_s": round(waits[-1], 1),
        "service_mean_s": round(sum(services) / len(services), 1), "rated": len(levels),
        "bad": sum(1 for x in levels if x <= 2), "good_rate": round(sum(1 for x in levels if x >= 4) / len(levels), 4),
        "category_median": {c: round(statistics.median(w), 1) for c, w in by_category.items()},
        "hours": hours, "pauses_h": {r: round(s / 3600, 2) for r, s in pause_s.items()}, "open_h": round(open_s / 3600, 2),
    }


def test_a_generated_week_agrees_with_a_count_straight_from_the_log(tmp_path, township):
    store, _ = played_store(tmp_path, township, days=("2026-11-09", "2026-11-13"), tickets_per_day=50, seed=11)
    report = build_report(store, township, period("week", date(2026, 11, 11)), date(2026, 11, 20), compare=False)
    count = _recount(store.events())
    t = report["totals"]
    for key in ("issued", "served", "no_show", "cancelled", "expired", "wait_mean_s", "wait_median_s", "wait_p90_s",
                "wait_max_s", "service_mean_s", "rated", "bad", "good_rate"):
        assert t[key] == count[key], key
    assert t["issued"] > 200 and t["no_show"] > 0 and t["bad"] > 0
    assert {r["key"]: r["wait_median_s"] for r in report["by"]["category"]} == count["category_median"]
    assert {r["key"]: r["issued"] for r in report["by"]["hour"]} == count["hours"]
    assert report["windows_time"]["pauses_h"] == count["pauses_h"] and count["pauses_h"]
    assert report["windows_time"]["open_h"] == count["open_h"]


def test_closed_days_tallies_give_the_very_report_their_tickets_give(tmp_path, township):
    """A long period adds up the closed days' kept tallies; without them every ticket is tallied
    again. Both must give the same report, to the last figure."""
    store, service = played_store(tmp_path, township, days=("2026-11-02", "2026-11-13"), tickets_per_day=40)
    closed = store.conn.execute("SELECT count(DISTINCT day) FROM day_tallies").fetchone()[0]
    assert closed == 9  # the last played day is still the service's today: not closed, tallied from its rows
    month = period("month", date(2026, 11, 1))
    kept = build_report(store, township, month, date(2026, 11, 13))
    with store.transaction():
        store.conn.execute("DELETE FROM day_tallies")
    assert build_report(store, township, month, date(2026, 11, 13)) == kept
    assert kept["totals"]["issued"] > 300 and len(kept["by"]["day"]) == 10


def test_a_hall_open_around_the_clock_judges_nobody_late_or_early(week, store, township):
    """`yimen demo` runs from 00:00 to 23:59: there is no opening time to be late for."""
    import dataclasses

    from queue_server.hallconfig import Hours

    around = dataclasses.replace(township, hours=Hours(tuple(range(1, 8)), (("00:00", "23:59"),), 0))
    report = build_report(store, around, period("week", date(2026, 11, 25)), date(2026, 11, 27))
    (wang,) = report["attendance"]
    assert (wang["days"], wang["late_days"], wang["early_days"], wang["signed_in_h"]) == (2, None, None, 8.5)
    assert [(d["late_min"], d["early_min"]) for d in wang["daily"]] == [(None, None), (None, None)]
