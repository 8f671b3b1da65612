"""The REST API through the real aiohttp app on loopback."""

from __future__ import annotations

import json

from tests.support.hall import PASSWORD


async def test_issue_returns_what_the_slip_needs(hall):
    await hall.act(6, "open")
    status, t = await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    assert t["number"] == "E001" and t["id"] == "20261123-E001"
    assert t["status_url"] == f"http://hall.test/t/{t['token']}"
    assert t["book_url"] == "http://hall.test/book"  # the township books by phone: the slip says where
    assert t["windows"] == [{"number": 6, "name": "自然资源"}]
    assert t["hall"] == "示范镇便民服务中心" and t["supervision_phone"] == "12345"
    # the township rule lets a missed ticket rejoin at the back within 30 min: the slip says so
    assert t["note"] == "过号后30分钟内可到窗口登记，重新排到队尾" and t["ahead"] == 0
    assert 0 <= t["estimate"]["low_min"] <= t["estimate"]["high_min"]
    assert t["estimate"]["open_now"] is True and t["estimate"]["beyond_closing"] is False
    _, second = await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    assert second["number"] == "E002" and second["ahead"] == 1
    assert second["estimate"]["high_min"] > t["estimate"]["high_min"]


async def test_issue_by_matter_with_elderly_birth_date(hall):
    _, hall_info = await hall.get("/api/v1/matters?category=D")
    matter = hall_info["matters"][0]
    body = {"matter": matter["code"], "birth_date": "1950-03-01"}
    _, t = await hall.post("/api/v1/tickets", json=body, expect=201)
    assert t["number"] == "D001" and t["priority"] == "elderly"
    assert t["matter"] == {"code": matter["code"], "name": matter["name"]}


async def test_bad_requests_get_clear_messages_and_change_nothing(hall):
    r = await hall.client.post("/api/v1/tickets", data="{not json", headers=hall.auth("kiosk"))
    assert r.status == 400 and (await r.json())["message"] == "the body is not valid JSON"
    cases = [
        ({"category": "A", "colour": "red"}, 400, "colour: unknown field"),
        ({"category": 7}, 400, "category: must be a string"),
        ({"category": "A", "person_key": "110101199003071234"}, 400,
         "person_key: must be the 64-hex salted person key; never send an ID number"),
        ({"category": "A", "birth_date": "1950-02-30"}, 400, "birth_date: must be a real date"),
        ({"category": "Q"}, 422, "unknown category 'Q'"),
        ({}, 422, "say which category or matter"),
        ({"category": "A", "appointment": {"slot_start": "soon", "slot_end": "later"}}, 400,
         "appointment.slot_start: must be an ISO 8601 time"),
    ]
    for body, status, message in cases:
        got, data = await hall.post("/api/v1/tickets", json=body)
        assert got == status, (body, data)
        assert message in data["message"], (body, data)
        assert data["error"]
    assert hall.service.store.last_seq() == 0


async def test_keypad_flow_call_recall_start_complete(hall):
    await hall.post("/api/v1/tickets", json={"category": "B"}, expect=201)
    await hall.act(3, "open", who="keypad3")
    called = await hall.act(3, "call-next", who="keypad3")
    assert called["event"]["type"] == "ticket_called"
    assert called["ticket"]["number"] == "B001" and called["window"]["current"] == "B001"
    assert called["event"]["data"]["reason_code"] == "preference"
    assert "token" not in called["event"]["data"] and "person_key" not in called["event"]["data"]
    recalled = await hall.act(3, "recall", who="keypad3")
    assert recalled["event"]["data"]["recalls"] == 1
    await hall.act(3, "start", who="keypad3")
    hall.clock.advance(420)
    done = await hall.act(3, "complete", who="keypad3")
    assert done["event"]["data"]["service_s"] == 420 and done["ticket"]["outcome"] == "served"
    conflict = await hall.act(3, "call-next", who="keypad3", expect=409)
    assert conflict == {"error": "nothing_waiting", "message": "nobody is waiting for window 3"}


async def test_a_keypad_acts_only_on_its_own_window(hall):
    await hall.act(1, "open")
    data = await hall.act(1, "call-next", who="keypad3", expect=403)
    assert data["message"] == "this device belongs to window 3"


async def test_call_transfer_pause_hold_via_api(hall):
    for category in ("A", "A", "F"):
        await hall.post("/api/v1/tickets", json={"category": category}, expect=201)
    await hall.act(1, "open")
    await hall.act(7, "open")
    called = await hall.act(1, "call", {"number": "A002"})
    assert called["ticket"]["number"] == "A002" and called["event"]["data"]["reason_code"] == "by_number"
    moved = await hall.act(1, "transfer", {"window": 7})
    assert moved["event"]["data"]["to_window"] == 7 and moved["event"]["data"]["to_category"] == "F"
    assert (await hall.act(7, "call-next"))["ticket"]["number"] == "A002"
    held = await hall.act(7, "hold")
    assert held["ticket"]["status"] == "held"
    bad = await hall.act(1, "pause", {"reason": ""}, expect=400)
    assert bad["field"] == "reason"
    paused = await hall.act(1, "pause", {"reason": "午休"})
    assert paused["window"]["status"] == "paused"
    assert (await hall.act(1, "call-next", expect=409))["error"] == "window_paused"
    await hall.act(1, "resume")
    unknown = await hall.act(42, "open", expect=404)
    assert unknown["message"] == "there is no window 42 in this hall"


async def test_cancel_and_rejoin(hall):
    _, t = await hall.post("/api/v1/tickets", json={"category": "D"}, expect=201)
    await hall.act(5, "open")
    await hall.act(5, "call-next")
    await hall.act(5, "skip")
    status, data = await hall.post(f"/api/v1/tickets/{t['number']}/rejoin", expect=200)
    assert data["ticket"]["status"] == "waiting"
    status, data = await hall.post(f"/api/v1/tickets/{t['id']}/cancel", json={"reason": "left"}, expect=200)
    assert data["ticket"]["outcome"] == "cancelled"
    status, data = await hall.post(f"/api/v1/tickets/{t['id']}/cancel", json={}, expect=409)
    assert "only waiting or held tickets can be cancelled" in data["message"]


async def test_status_page_data_is_public_and_personal_data_free(hall):
    key = "c" * 64
    _, t = await hall.post("/api/v1/tickets", json={"category": "A", "person_key": key,
                                                    "birth_date": "1940-01-01"}, expect=201)
    status, data = await hall.get(f"/api/v1/status/{t['token']}")
    assert status == 200
    assert data["number"] == "A001" and data["status"] == "waiting" and data["estimate"]["ahead"] == 0
    text = json.dumps(data)
    assert key not in text and "1940" not in text and t["token"] not in text
    status, data = await hall.get("/api/v1/status/not-a-real-token-at-all")
    assert status == 404
    await hall.act(1, "open")
    await hall.act(1, "call-next")
    _, data = await hall.get(f"/api/v1/status/{t['token']}")
    assert data["status"] == "called" and data["window"] == {"number": 1, "name": "综合受理一"}


async def test_public_queue_snapshot(hall):
    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    await hall.act(2, "open")
    await hall.act(2, "call-next")
    status, q = await hall.get("/api/v1/queue")
    assert status == 200
    a = next(c for c in q["queues"] if c["code"] == "A")
    assert a["waiting"] == 1
    assert q["recent_calls"][0]["number"] == "A001" and q["recent_calls"][0]["window"] == 2
    assert next(w for w in q["windows"] if w["number"] == 2)["current"] == "A001"
    assert q["seq"] == hall.service.store.last_seq()


async def test_openapi_describes_every_route(hall):
    status, doc = await hall.get("/api/v1/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.")
    registered = {(r.method, r.resource.canonical) for r in hall.client.app.router.routes()
                  if r.resource is not None and r.resource.canonical.startswith("/api/v1/") and r.method != "HEAD"}
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert registered - {("GET", "/api/v1/openapi.json")} == documented
    issue = doc["paths"]["/api/v1/tickets"]["post"]
    assert issue["requestBody"]["content"]["application/json"]["schema"]["properties"]["person_key"]
    assert issue["x-roles"] == ["clerk", "kiosk"]


async def test_live_statistics_match_hand_computed_figures(hall):
    # Five A tickets taken at 09:00, 09:01, 09:02, 09:03, 09:04; first calls at
    # 09:05, 09:10, 09:20, 09:30 → waits 5, 9, 18, 27 min; A005 still waiting at 09:40 (36 min).
    for _ in range(5):
        await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
        hall.clock.advance(60)
    await hall.act(1, "open")
    for minute in (5, 10, 20, 30):
        hall.clock.now = _t("09:00") + minute * 60
        await hall.act(1, "call-next")
    await hall.act(5, "open")
    hall.clock.now = _t("09:40")
    await hall.act(1, "pause", {"reason": "x"}, expect=409)  # A004 is still at the window
    await hall.act(1, "complete")
    await hall.act(1, "pause", {"reason": "学习"})
    r = await hall.client.post("/api/v1/session", json={"username": "manager1", "password": PASSWORD})
    assert r.status == 200
    r = await hall.client.get("/api/v1/stats/live")
    s = await r.json()
    a = next(c for c in s["categories"] if c["code"] == "A")
    assert a["waiting"] == 1 and a["longest_wait_s"] == 36 * 60
    assert a["waits_today"] == {"n": 4, "median_s": (9 + 18) / 2 * 60, "p90_s": 27 * 60}
    assert a["within_target"] == 0.5  # 5 and 9 minutes are within the 15-minute target
    assert s["served_today"] == 4 and s["issued_today"] == 5 and s["waiting"] == 1
    windows = {w["number"]: w for w in s["windows"]}
    assert windows[1]["status"] == "paused" and windows[1]["pause_reason"] == "学习"
    assert windows[5]["status"] == "open" and windows[2]["status"] == "closed"


def _t(hhmm: str) -> float:
    from tests.support.hall import at

    return at(f"2026-11-23 {hhmm}")


async def test_kiosk_issues_only_in_opening_hours_but_the_counter_may(hall):
    from tests.support.hall import at

    cases = [("2026-11-23 11:50", "tickets for this session stopped 15 min before 12:00"),
             ("2026-11-23 12:40", "the hall is closed now; opening hours: 08:30–12:00, 13:30–17:00"),
             ("2026-11-28 10:00", "the hall is closed today")]  # a Saturday
    for moment, message in cases:
        hall.clock.now = at(moment)
        status, data = await hall.post("/api/v1/tickets", json={"category": "A"})
        assert status == 409 and data["error"] == "hall_closed" and message in data["message"], moment
    r = await hall.client.post("/api/v1/session", json={"username": "clerk1", "password": PASSWORD})
    csrf = (await r.json())["csrf_token"]
    r = await hall.client.post("/api/v1/tickets", json={"category": "A"}, headers={"X-CSRF-Token": csrf})
    assert r.status == 201  # staff at the counter decide for themselves
    hall.clock.now = at("2026-11-23 13:30")
    assert (await hall.post("/api/v1/tickets", json={"category": "A"}))[0] == 201


async def test_the_client_turns_a_plain_text_error_into_an_api_error(hall):
    import pytest

    from hallapi.client import ApiError, HallClient

    async with HallClient(str(hall.client.make_url("")).rstrip("/"), hall.tokens["kiosk"]) as client:
        with pytest.raises(ApiError) as exc:
            await client.request("GET", "/no/such/page")
    assert exc.value.status == 404


async def test_idempotent_issue_and_abandon(hall):
    headers = {**hall.auth("kiosk"), "Idempotency-Key": "kiosk-1-req-0001"}
    r1 = await hall.client.post("/api/v1/tickets", json={"category": "A"}, headers=headers)
    r2 = await hall.client.post("/api/v1/tickets", json={"category": "A"}, headers=headers)
    first, second = await r1.json(), await r2.json()
    assert (r1.status, r2.status) == (201, 200) and r2.headers["Idempotent-Replay"] == "true"
    assert first == second and hall.service.store.issued_count("2026-11-23") == 1
    bad = await hall.client.post("/api/v1/tickets", json={"category": "A"},
                                 headers={**hall.auth("kiosk"), "Idempotency-Key": "no spaces!"})
    assert bad.status == 400 and (await bad.json())["field"] == "Idempotency-Key"
    _, data = await hall.post("/api/v1/tickets/abandon", json={"idempotency_key": "kiosk-1-req-0001"}, expect=200)
    assert data["cancelled"] == "A001" and hall.service.hall.ticket("A001").outcome == "cancelled"
    _, data = await hall.post("/api/v1/tickets/abandon", json={"idempotency_key": "kiosk-1-req-0002"}, expect=200)
    assert data["cancelled"] is None  # never issued: the key is refused from now on
    late = await hall.client.post("/api/v1/tickets", json={"category": "A"},
                                  headers={**hall.auth("kiosk"), "Idempotency-Key": "kiosk-1-req-0002"})
    assert late.status == 409 and (await late.json())["error"] == "abandoned"
    status, data = await hall.post("/api/v1/tickets/abandon", json={"idempotency_key": "kiosk-1-req-0002"})
    assert status == 409
