"""Working days, and the bad-review follow-up worked through the API across days and restarts."""

from __future__ import annotations

from datetime import date

import pytest

from queue_server.auth import Accounts
from queue_server.config import ConfigError, parse_config
from queue_server.service import HallService
from queue_server.store import Store
from queue_server.workdays import WorkCalendar, add_working_days, working_days_late
from tests.support.domain import PRESET
from tests.support.hall import PASSWORD, at, serve_one


def test_deadlines_skip_national_day_and_count_the_make_up_saturday():
    # 2026: 1–7 October off; Saturday 10 October is a make-up working day.
    assert add_working_days(date(2026, 9, 30), 5, WorkCalendar()) == (date(2026, 10, 13), False)
    assert add_working_days(date(2026, 11, 20), 1, WorkCalendar()) == (date(2026, 11, 23), False)  # Fri → Mon
    assert add_working_days(date(2026, 11, 23), 0, WorkCalendar()) == (date(2026, 11, 23), False)


def test_an_unpublished_year_is_provisional_and_the_override_table_wins():
    guess = add_working_days(date(2026, 12, 30), 3, WorkCalendar())
    assert guess == (date(2027, 1, 4), True)  # 31 Dec, then 1 Jan 2027 guessed a working day (Friday)
    table = WorkCalendar(holidays=frozenset({date(2027, 1, 1)}))
    assert add_working_days(date(2026, 12, 30), 3, table) == (date(2027, 1, 5), True)
    assert working_days_late(date(2026, 11, 20), date(2026, 11, 24), WorkCalendar()) == 2


def test_calendar_overrides_are_checked():
    text = PRESET + '\n[calendar]\nholidays = ["2027-01-01", "2027-02-30"]\nworkdays = ["2027-01-01"]\n'
    with pytest.raises(ConfigError) as exc:
        parse_config(text, "hall.toml")
    found = [str(p) for p in exc.value.problems]
    assert any("calendar.holidays: '2027-02-30' is not a date" in p for p in found)
    assert any("listed as both holiday and working day: 2027-01-01" in p for p in found)


async def bad_rating(hall, window: int = 1, clerk: str | None = None) -> str:
    if clerk is None:
        await hall.act(window, "open")
    else:  # the clerk signs in at the window; the service is then counted against them
        headers = await sign_in(hall, clerk)
        r = await hall.client.post(f"/api/v1/windows/{window}/open", headers=headers)
        assert r.status == 200, await r.json()
    number = await serve_one(hall, window, "A")
    token = Accounts(hall.service.store).add_device(f"pad-{window}", "review", window, hall.clock())
    r = await hall.client.post("/api/v1/ratings", headers={"Authorization": f"Bearer {token}"},
                               json={"number": number, "level": 2, "reasons": ["服务态度差"]})
    assert r.status == 201
    return f"20261123-{number}"


async def sign_in(hall, username: str) -> dict[str, str]:
    hall.client.session.cookie_jar.clear()
    r = await hall.client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    return {"X-CSRF-Token": (await r.json())["csrf_token"]}


async def step(hall, headers, item: str, step: str, note: str = "done", expect: int = 200) -> dict:
    r = await hall.client.post(f"/api/v1/follow-ups/{item}/step", headers=headers, json={"step": step, "note": note})
    data = await r.json()
    assert r.status == expect, data
    return data


async def test_a_bad_rating_is_followed_up_to_the_end(hall):
    item = await bad_rating(hall)
    manager = await sign_in(hall, "manager1")
    listed = (await (await hall.client.get("/api/v1/follow-ups")).json())["follow_ups"]
    assert [(f["id"], f["state"], f["deadline"], f["overdue_days"]) for f in listed] == [(item, "open", "2026-11-30", 0)]
    assert (await step(hall, manager, item, "rectified", expect=409))["message"].endswith("the next step is verified")
    assert (await step(hall, manager, item, "verified", note="  ", expect=422))["error"] == "note_required"
    for name in ("verified", "called_back", "rectified", "feedback", "closed"):
        data = await step(hall, manager, item, name)
    assert data["state"] == "closed" and [h["step"] for h in data["history"]][-1] == "closed"
    assert (await (await hall.client.get("/api/v1/follow-ups")).json())["follow_ups"] == []
    assert len((await (await hall.client.get("/api/v1/follow-ups?all=1")).json())["follow_ups"]) == 1


async def test_overdue_counts_working_days_and_survives_a_restart(hall, township):
    item = await bad_rating(hall)
    manager = await sign_in(hall, "manager1")
    await step(hall, manager, item, "verified")
    hall.clock.now = at("2026-12-03 10:00")  # deadline Mon 30 Nov; Tue, Wed, Thu are late
    hall.service.tick()  # the server's day timer closes the old days
    await sign_in(hall, "manager1")  # a session lasts 12 hours
    listed = (await (await hall.client.get("/api/v1/follow-ups")).json())["follow_ups"]
    assert listed[0]["overdue_days"] == 3 and listed[0]["state"] == "verified"
    again = HallService(township, Store.open(hall.service.store.path.parent), hall.clock)  # the box restarted
    fu = again.follow_ups.get(item)
    assert fu.state == "verified" and fu.deadline == date(2026, 11, 30)
    assert fu.overdue_days(date(2026, 12, 3), again.follow_ups.calendar) == 3


async def test_clerks_may_only_appeal_and_an_appeal_is_reviewed(hall):
    Accounts(hall.service.store).add_user("clerk2", PASSWORD, "clerk", hall.clock())
    item = await bad_rating(hall, clerk="clerk1")
    other = await sign_in(hall, "clerk2")  # a colleague cannot use up clerk1's only appeal
    assert (await step(hall, other, item, "appealed", note="不是我", expect=403))["error"] == "not_your_review"
    clerk = await sign_in(hall, "clerk1")
    assert (await step(hall, clerk, item, "verified", expect=403))["error"] == "managers_only"
    await step(hall, clerk, item, "appealed", note="材料确实不全，已一次性告知")
    manager = await sign_in(hall, "manager1")
    assert (await step(hall, manager, item, "verified", expect=409))["error"] == "appeal_pending"
    data = await step(hall, manager, item, "appeal_overturned", note="核实后差评不成立")
    assert data["state"] == "closed" and data["appeal"] == "overturned"
    clerk = await sign_in(hall, "clerk1")
    assert (await step(hall, clerk, item, "appealed", expect=409))["error"] == "closed"
