"""The layout advisor on the hall's own history, and accepting a layout: hand-made history rows
become the replay's days; the manager's routes run the advisor and record an accepted layout,
which the real dispatcher, the hall's public configuration and a restarted server then follow."""

from __future__ import annotations

import pytest

from queue_server.service import HallService, rebuild_history
from queue_server.sim.advise import Constraints, layout_of
from queue_server.sim.advising import Job, Request
from queue_server.sim.fromhistory import history_days, scenario_of_day
from queue_server.sim.peak import busiest, propose_peak
from queue_server.web import keys
from tests.support.hall import at, signed_in
from tests.support.layouts import DAY, hand_made_day, land_rush, write_days


def test_a_day_of_history_becomes_the_replay_s_day(township):
    tickets, spans = hand_made_day()
    got = scenario_of_day(township, DAY, tickets, spans)
    s = got.scenario
    assert got.tickets == 4 and got.left_out == 1 and got.matters == {f"{DAY}-t2": "E01"}
    a = {x.id.removeprefix(f"{DAY}-"): x for x in s.arrivals}
    assert set(a) == {"t1", "t2", "t3", "t4"}  # t5 left at once, t6's category is served nowhere now
    assert a["t1"].t == 0.0 and a["t1"].service_s == 300.0 and not a["t1"].priority
    assert a["t2"].t == 1800.0 and a["t2"].service_s == 600.0 and a["t2"].priority and a["t2"].category == "E"
    assert a["t3"].no_show and not a["t4"].no_show
    assert a["t4"].t == 7.5 * 3600 and a["t4"].service_s == 300.0  # the day's mean A service, though never served
    windows = {w.id: w for w in s.windows}
    assert [w.id for w in s.windows] == [w.number for w in township.windows]
    assert windows[1].serves == ("A", "G", "C")
    end = 8.5 * 3600  # 17:00, the last session's end
    assert windows[1].pauses == ((3.5 * 3600, 5 * 3600),)  # the lunch break
    assert windows[6].pauses == ((1.5 * 3600, end),)  # closed after 10:00
    assert windows[2].pauses == ((0.0, end),)  # nobody at window 2 that day
    assert windows[3].pauses == ()  # open all day (its span never ended)
    assert s.max_overtake == township.priority.max_overtake and s.service_min["E"] == 15


def test_the_recent_days_are_fitted_and_earlier_ones_held_out(store, township):
    write_days(store, ["2026-11-13", "2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19"])
    fitted, held = history_days(store.history, township, "2026-11-19", days=2, holdout=2)
    assert [d.day for d in fitted] == ["2026-11-17", "2026-11-18"]  # today (11-19) is not over: never used
    assert [d.day for d in held] == ["2026-11-13", "2026-11-16"]
    fitted, held = history_days(store.history, township, "2026-11-19", days=10, holdout=3)
    assert len(fitted) == 4 and held == []  # fewer days than asked: all are fitted on


# ---------------------------------------------------------------- the manager's routes

E_AT_1 = {"1": ["A", "E", "G", "C"], "2": ["A", "G", "B"], "3": ["B", "F", "A"], "4": ["C", "A", "G"],
          "5": ["D"], "6": ["E"], "7": ["F", "B"]}


async def test_the_routes_are_for_managers_only(hall):
    for method, path, body in (("GET", "/api/v1/advise", None), ("POST", "/api/v1/advise", {}),
                               ("GET", "/api/v1/layout", None), ("POST", "/api/v1/layout", {"source": "file"})):
        hall.client.session.cookie_jar.clear()
        r = await hall.client.request(method, path, json=body)
        assert r.status == 401, path
        csrf = await signed_in(hall, "clerk1")
        r = await hall.client.request(method, path, json=body, headers=csrf)
        assert r.status == 403, path
        r = await hall.client.request(method, path, json=body, headers=hall.auth("kiosk"))
        assert r.status == 403, path
    await signed_in(hall, "manager1")
    r = await hall.client.post("/api/v1/layout", json={"source": "advisor", "serves": E_AT_1})
    assert r.status == 403 and (await r.json())["error"] == "csrf"  # a manager's write needs the CSRF token
    assert hall.service.config.window(1).serves == ("A", "G", "C")


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"source": "advisor", "serves": {**E_AT_1, "9": ["A"]}}, 422, "no window 9"),
    ({"source": "advisor", "serves": {**E_AT_1, "1": ["A", "Q"]}}, 422, "unknown category 'Q'"),
    ({"source": "advisor", "serves": {k: v for k, v in E_AT_1.items() if k != "2"}}, 422, "window 2"),
    ({"source": "advisor", "serves": {**E_AT_1, "5": ["A"]}}, 422, "no window would serve category D"),
    ({"source": "advisor", "serves": {**E_AT_1, "1": []}}, 422, "at least one"),
    ({"source": "advisor", "serves": "everything"}, 400, "must be a JSON object"),
    ({"source": "somebody", "serves": E_AT_1}, 400, "must be one of"),
    ({"serves": E_AT_1}, 400, "is required"),
    ({"source": "file"}, 409, "already runs this layout"),
])
async def test_a_layout_the_hall_cannot_run_is_refused_with_the_reason(hall, body, status, words):
    csrf = await signed_in(hall, "manager1")
    r = await hall.client.post("/api/v1/layout", json=body, headers=csrf)
    answer = await r.json()
    assert r.status == status and words in answer["message"], answer
    assert hall.service.config.window(1).serves == ("A", "G", "C")


async def test_an_accepted_layout_is_used_by_the_dispatcher_at_once_and_after_a_restart(hall, store, township, clock):
    csrf = await signed_in(hall, "manager1")
    figures = {"fitted": {"hall": {"mean_wait_s": 600}, "proposed": {"mean_wait_s": 120}}}
    r = await hall.client.post("/api/v1/layout", headers=csrf,
                               json={"source": "advisor", "serves": E_AT_1, "figures": figures, "note": "土地高峰"})
    assert r.status == 200, await r.json()
    assert (await r.json())["before"]["1"] == ["A", "G", "C"]
    # Window 1 has learned E: an E ticket taken now is called there, and the kiosk's view says so.
    _, t = await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    await hall.act(1, "open")
    called = await hall.act(1, "call-next")
    assert called["ticket"]["number"] == t["number"]
    _, info = await hall.get("/api/v1/hall")
    assert next(w for w in info["windows"] if w["number"] == 1)["serves"] == ["A", "E", "G", "C"]
    _, queue = await hall.get("/api/v1/queue")
    assert next(w for w in queue["windows"] if w["number"] == 1)["serves"] == ["A", "E", "G", "C"]
    # The record: who, when, before and after, the figures.
    layout = await (await hall.client.get("/api/v1/layout")).json()
    assert layout["current"]["1"] == ["A", "E", "G", "C"] and layout["file"]["1"] == ["A", "G", "C"]
    [accepted] = layout["history"]
    assert accepted["by"] == "manager1" and accepted["source"] == "advisor" and accepted["changed"] == [1]
    assert accepted["figures"] == figures and accepted["note"] == "土地高峰" and accepted["at"] == clock()
    # A restarted server runs the accepted layout, today and on the days after.
    restarted = HallService(township, store, clock)
    assert restarted.config.window(1).serves == ("A", "E", "G", "C")
    assert restarted.hall.state.tickets[called["ticket"]["id"]].window == 1
    clock.now = at("2026-11-24 09:00")
    restarted.tick()
    assert restarted.hall.state.day.isoformat() == "2026-11-24"
    assert restarted.config.window(1).serves == ("A", "E", "G", "C")
    assert restarted.file_config.window(1).serves == ("A", "G", "C")


async def test_back_to_the_hall_file_s_layout_and_to_an_earlier_one(hall):
    csrf = await signed_in(hall, "manager1")
    assert (await hall.client.post("/api/v1/layout", json={"source": "advisor", "serves": E_AT_1}, headers=csrf)).status == 200
    r = await hall.client.post("/api/v1/layout", json={"source": "file"}, headers=csrf)
    assert r.status == 200 and (await r.json())["current"]["1"] == ["A", "G", "C"]
    assert hall.service.config.window(1).serves == ("A", "G", "C")
    _, t = await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    await hall.act(1, "open")
    status, refused = await hall.post("/api/v1/windows/1/call-next", "clerk-token")
    assert status == 409, refused  # window 1 no longer serves E
    earlier = (await (await hall.client.get("/api/v1/layout")).json())["history"][-1]["serves"]
    r = await hall.client.post("/api/v1/layout", json={"source": "manager", "serves": earlier}, headers=csrf)
    assert r.status == 200
    assert [h["source"] for h in (await (await hall.client.get("/api/v1/layout")).json())["history"]] == \
        ["manager", "file", "advisor"]
    assert (await hall.act(1, "call-next"))["ticket"]["number"] == t["number"]


async def test_a_run_on_the_hall_s_history_proposes_and_reports_fitted_and_held_out(hall, store):
    write_days(store, ["2026-11-18", "2026-11-19", "2026-11-20"])
    csrf = await signed_in(hall, "manager1")
    r = await hall.client.post("/api/v1/advise", json={"days": 2, "holdout": 1, "budget": 6, "max_categories": 4},
                               headers=csrf)
    assert r.status == 202, await r.json()
    job = hall.client.app[keys.ADVISE].wait()
    assert job is not None and job.state == "done", job.error
    got = (await (await hall.client.get("/api/v1/advise")).json())["job"]
    result = got["result"]
    assert got["state"] == "done" and got["by"] == "manager1" and got["progress"]["evaluated"] == result["evaluations"]
    assert [d["day"] for d in result["days"]] == ["2026-11-19", "2026-11-20"]
    assert [d["day"] for d in result["held_days"]] == ["2026-11-18"]
    assert result["dedicated"] == [5, 6, 7]  # the hall file's police, land and market windows
    for key in ("fitted", "held_out"):
        assert set(result[key]) == {"hall", "proposed", "pooled"}
        assert "E" in result[key]["hall"]["per_category"]
    assert result["proposed"]["5"] == ["D"] and result["proposed"]["7"] == ["F", "B"]
    assert hall.service.config.window(1).serves == ("A", "G", "C")  # nothing changed by itself


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"days": 0}, "days", "at least 1"),
    ({"holdout": -1}, "holdout", "at least 0"),
    ({"budget": 100000}, "budget", "at most"),
    ({"dedicated": ["5"]}, "dedicated[0]", "whole number"),
    ({"lucky": True}, "lucky", "unknown field"),
])
async def test_an_advisor_request_it_cannot_read_is_refused(hall, body, field, words):
    csrf = await signed_in(hall, "manager1")
    r = await hall.client.post("/api/v1/advise", json=body, headers=csrf)
    answer = await r.json()
    assert r.status == 400 and answer.get("field") == field and words in answer["message"], answer


async def test_one_run_at_a_time_and_a_hall_without_history_is_told_so(hall):
    csrf = await signed_in(hall, "manager1")
    for body, words in (({"dedicated": [9]}, "no window 9"), ({"exclusive": ["Q"]}, "unknown category"),
                        ({"max_categories": 20}, "categories per window")):
        r = await hall.client.post("/api/v1/advise", json=body, headers=csrf)
        assert r.status == 422 and words in (await r.json())["message"]
    jobs = hall.client.app[keys.ADVISE]
    jobs.last = Job("x", "manager2", Request(), 0.0)  # a run under way
    r = await hall.client.post("/api/v1/advise", json={}, headers=csrf)
    assert r.status == 409 and "already running" in (await r.json())["message"]
    jobs.last = None
    r = await hall.client.post("/api/v1/advise", json={}, headers=csrf)
    assert r.status == 202
    job = jobs.wait()
    assert job is not None and job.state == "failed" and "no recorded working day" in (job.error or "")


def test_a_spare_window_is_opened_at_the_busiest_hours_for_the_category_that_waits(township):
    tickets, spans = land_rush(DAY)
    spans = [s for s in spans if s["window"] != 2]  # nobody at window 2 that day
    day = scenario_of_day(township, DAY, tickets, spans).scenario
    assert busiest([day]) == (0.0, 7200.0)  # 08:30–10:30 holds the E rush (the earliest such stretch)
    hall = layout_of(day)
    peak = propose_peak([day], [day], hall, frozenset({5, 6, 7}), Constraints(max_categories=2))
    assert peak["window"] == 2 and peak["spare"] == [2] and peak["serves"][0] == "E"
    for key in ("fitted", "held_out"):
        assert peak[key]["peak"]["per_category"]["E"]["mean"] < 0.7 * peak[key]["proposed"]["per_category"]["E"]["mean"]
    busy = scenario_of_day(township, DAY, *land_rush(DAY)).scenario  # every window staffed: none is spare
    assert propose_peak([busy], [], hall, frozenset({5, 6, 7}), Constraints())["window"] is None


async def test_the_history_rebuilt_from_the_log_equals_the_one_kept_across_a_layout_change(hall, store, township, clock):
    """Idle-while-queue depends on what a window serves: the rows rebuilt from the log (with the
    layout_set event folded where it happened) are the rows the running hall wrote."""
    await hall.act(1, "open")
    await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)  # window 1 idles: E is not its
    clock.advance(600)
    csrf = await signed_in(hall, "manager1")
    r = await hall.client.post("/api/v1/layout", json={"source": "advisor", "serves": E_AT_1}, headers=csrf)
    assert r.status == 200
    clock.advance(600)  # now window 1 serves E: idle while an E ticket waits
    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    await hall.act(1, "call-next")
    kept = {t: store.history.dump(t) for t in ("ticket_facts", "window_spans", "window_days")}
    assert dict((w, idle) for _, w, idle in kept["window_days"])[1] == 600.0
    rebuild_history(store, township)
    assert {t: store.history.dump(t) for t in kept} == kept
