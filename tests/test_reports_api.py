"""GET /api/v1/reports over the real server: managers only, periods checked, the library's figures."""

from __future__ import annotations

from datetime import date

import pytest

from queue_server.reporting import build_report
from queue_server.reports import period
from tests.support.hall import signed_in
from tests.support.played import play_the_scripted_week


@pytest.fixture
async def week_hall(hall):
    play_the_scripted_week(hall.service, hall.clock)
    return hall


async def test_a_manager_gets_the_same_report_the_library_computes(week_hall, store, township):
    await signed_in(week_hall, "manager1")
    r = await week_hall.client.get("/api/v1/reports?period=week&date=2026-11-25")
    assert r.status == 200
    got = await r.json()
    expected = build_report(store, township, period("week", date(2026, 11, 25)), date(2026, 11, 27))
    assert got["totals"] == expected["totals"] and got["totals"]["issued"] == 6
    assert got["by"]["window"] == expected["by"]["window"] and got["attendance"] == expected["attendance"]
    assert got["previous"]["period"]["first"] == "2026-11-16"
    english = await (await week_hall.client.get("/api/v1/reports?period=week&date=2026-11-25&lang=en")).json()
    assert {r["label"] for r in english["by"]["weekday"]} == {"Mon", "Tue"}
    assert "Household registration" in next(r["label"] for r in english["by"]["category"] if r["key"] == "D")
    bare = await (await week_hall.client.get("/api/v1/reports?period=day&date=2026-11-24&compare=0")).json()
    assert "previous" not in bare and bare["totals"]["issued"] == 2


@pytest.mark.parametrize(("query", "field", "words"), [
    ("period=fortnight", "period", "must be one of day, week"),
    ("period=day&date=2026-13-01", "date", "YYYY-MM-DD"),
    ("period=custom&date=2026-11-20", "last", "needs a last day"),
    ("period=custom&date=2026-11-20&last=2026-11-01", "last", "on or after"),
    ("period=custom&date=2020-01-01&last=2026-11-01", "last", "at most three years"),
])
async def test_a_period_it_cannot_read_is_refused_with_the_reason(hall, query, field, words):
    await signed_in(hall, "manager1")
    r = await hall.client.get(f"/api/v1/reports?{query}")
    body = await r.json()
    assert r.status == 400 and body["field"] == field and words in body["message"], body


async def test_reports_are_for_managers(hall):
    assert (await hall.client.get("/api/v1/reports")).status == 401
    await signed_in(hall, "clerk1")
    assert (await hall.client.get("/api/v1/reports")).status == 403
    r = await hall.client.get("/api/v1/reports", headers=hall.auth("kiosk"))
    assert r.status == 403
