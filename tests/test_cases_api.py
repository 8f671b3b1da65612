"""The case service through the real API over loopback: a clerk opens a case from the ticket being
served (the ID card carried over), works it through its lifecycle across days, the citizen follows
it by the notice's link, and a manager watches the supervision board turn red."""

from __future__ import annotations

import re

from tests.support.hall import PASSWORD

ID_NUMBER = "330106195003011234"
DAY = 24 * 3600


async def sign_in(hall, username: str) -> dict[str, str]:
    hall.client.session.cookie_jar.clear()
    r = await hall.client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert r.status == 200
    return {"X-CSRF-Token": (await r.json())["csrf_token"]}


async def serving(hall, clerk: dict[str, str], window: int = 1) -> str:
    """A citizen takes a ticket with the ID card; the clerk opens the window and starts serving it."""
    _, t = await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    await hall.post(f"/api/v1/tickets/{t['number']}/intake", json={"name": "张三丰", "id_number": ID_NUMBER}, expect=200)
    for action in ("open", "call-next", "start"):
        r = await hall.client.post(f"/api/v1/windows/{window}/{action}", headers=clerk)
        assert r.status == 200, await r.json()
    return t["number"]


async def step(hall, headers, number: str, action: str, expect: int = 200, **body) -> dict:
    r = await hall.client.post(f"/api/v1/cases/{number}/{action}", headers=headers, json=body)
    data = await r.json()
    assert r.status == expect, data
    return data


async def test_a_committed_case_from_the_window_to_the_citizens_hands(hall):
    clerk = await sign_in(hall, "clerk1")
    ticket = await serving(hall, clerk)
    r = await hall.client.post("/api/v1/cases", headers=clerk, json={
        "matter": "SHBX-002", "ticket": ticket, "materials": [{"name": "居民身份证", "form": "original", "count": 1}]})
    case = await r.json()
    assert r.status == 201, case
    number = case["number"]
    assert re.fullmatch(r"33010020261123\d{5}", number) and number.endswith("00001")
    assert (case["window"], case["clerk"], case["status"], case["case_type"]) == (1, "clerk1", "received", "committed")
    assert case["applicant_name"] == "张*" and case["applicant"]["id_number"] == ID_NUMBER  # the assigned clerk sees it
    assert case["due"] is None  # no date before acceptance

    case = await step(hall, clerk, number, "accept")
    assert (case["status"], case["accepted_on"], case["due"], case["legal_due"]) == \
        ("accepted", "2026-11-23", "2026-12-07", "2026-12-21")  # 10 and 20 working days, the day itself not counted
    assert case["supervision"]["colour"] == "green"

    # An expert review stops the clock for a working day: the date moves by one.
    case = await step(hall, clerk, number, "pause", note="专家评审")
    assert (await step(hall, clerk, number, "decide", expect=409, outcome="approved"))["error"] == "paused"
    hall.clock.advance(2 * DAY)  # Wednesday 25 November
    clerk = await sign_in(hall, "clerk1")  # a new day, a new session; the case is still theirs
    case = await step(hall, clerk, number, "resume")
    assert case["due"] == "2026-12-08" and case["pauses"][0]["end"] == "2026-11-24"

    # The citizen's page: where it stands and the date, nothing personal beyond the masked name.
    token = hall.service.cases.get(number).token
    status, page = await hall.get(f"/api/v1/case-status/{token}")
    assert status == 200 and page["due"] == "2026-12-08" and page["status_label"] == "已受理"
    assert ID_NUMBER not in str(page) and "张三丰" not in str(page) and page["applicant_name"] == "张*"

    # Overdue: the manager's board shows it red, with who answers for it.
    hall.clock.advance(14 * DAY)  # Wednesday 9 December
    manager = await sign_in(hall, "manager1")
    board = await (await hall.client.get("/api/v1/cases/supervision")).json()
    assert board["counts"] == {"green": 0, "yellow": 0, "red": 1}
    assert board["overdue"] == [{"number": number, "matter": "SHBX-002", "window": 1, "clerk": "clerk1",
                                 "due": "2026-12-08", "overdue_days": 1}]

    case = await step(hall, manager, number, "decide", outcome="approved")
    assert case["supervision"] == {"colour": "red", "days_left": 0, "overdue_days": 1}  # decided late stays late
    assert (await step(hall, manager, number, "withdraw", expect=409, note="不办了"))["error"] == "case_not_ready"
    await step(hall, manager, number, "result_ready")
    assert (await step(hall, manager, number, "hand_over", expect=422, delivery="ems"))["error"] == "waybill_required"
    case = await step(hall, manager, number, "hand_over", delivery="ems", waybill="1100123456789")
    assert (case["status"], case["waybill"], case["finished"]) == ("handed_over", "1100123456789", True)
    assert "delivered" in case["actions"] and case["delivered_on"] is None
    hall.clock.advance(2 * DAY)  # the applicant signs for the mail on Friday
    manager = await sign_in(hall, "manager1")
    case = await step(hall, manager, number, "delivered", note="本人签收")
    assert (case["status"], case["delivered_on"], "delivered" in case["actions"]) == ("handed_over", "2026-12-11", False)
    assert (await step(hall, manager, number, "delivered", expect=409))["error"] == "not_in_the_mail"
    assert [h["action"] for h in case["history"]] == ["accept", "pause", "resume", "decide", "result_ready", "hand_over",
                                                      "delivered"]

    # Every reading of the full identity was recorded, by whom.
    viewers = {v["viewer"] for v in hall.service.store.applicant_views(number)}
    assert viewers == {"clerk:clerk1", "manager:manager1"}


async def test_cases_survive_a_restart_and_numbers_are_never_reused(hall, township, store, clock):
    from queue_server.service import HallService

    clerk = await sign_in(hall, "clerk1")
    await serving(hall, clerk)
    body = {"matter": "SHBX-002", "channel": "mail", "applicant": {"kind": "person", "name": "李四", "phone": "13800000000"}}
    first = await (await hall.client.post("/api/v1/cases", headers=clerk, json=body)).json()
    await step(hall, clerk, first["number"], "accept_incomplete", missing=["城乡居民基本养老保险待遇申领表"])
    again = HallService(township, store, clock)  # the box restarts: the log is all there is
    case = again.cases.get(first["number"])
    assert (case.status, case.missing, case.paused) == ("awaiting_materials", ["城乡居民基本养老保险待遇申领表"], True)
    second = again.open_case  # a new case after the restart takes the next number
    from queue_server.cases import OpenRequest
    from queue_server.service import Actor
    made = second(OpenRequest("SHBX-002", "person", "王五", None, "mail", None, None, (), "window"), None,
                  Actor("clerk1", "clerk"))
    assert int(made.number[-5:]) == int(first["number"][-5:]) + 1


async def test_refusals_say_why_and_roles_are_checked(hall):
    status, data = await hall.get("/api/v1/cases")
    assert status == 401
    status, data = await hall.get("/api/v1/cases", who="kiosk")
    assert status == 403
    clerk = await sign_in(hall, "clerk1")
    await serving(hall, clerk)
    r = await hall.client.post("/api/v1/cases", headers=clerk, json={"matter": "NO-SUCH", "applicant": {"kind": "person", "name": "李四"}})
    assert r.status == 422 and (await r.json())["error"] == "unknown_matter"
    r = await hall.client.post("/api/v1/cases", headers=clerk, json={
        "matter": "SHBX-002", "applicant": {"kind": "person", "name": "李四"}, "materials": [{"name": "营业执照"}]})
    assert r.status == 422 and "营业执照" in (await r.json())["message"]
    r = await hall.client.post("/api/v1/cases", headers=clerk, json={
        "matter": "SHBX-002", "applicant": {"kind": "person", "name": "李四", "id_number": "123"}})
    assert r.status == 400 and (await r.json())["field"] == "applicant.id_number"
    case = await (await hall.client.post("/api/v1/cases", headers=clerk, json={
        "matter": "SHBX-002", "applicant": {"kind": "person", "name": "李四"}})).json()
    number = case["number"]
    assert (await step(hall, clerk, number, "return", expect=422))["error"] == "note_required"
    assert (await step(hall, clerk, number, "decide", expect=409, outcome="approved"))["message"].startswith(
        "a case that is received (已收件) cannot decide")
    await step(hall, clerk, number, "return", note="不属于本中心受理范围")
    # Another clerk, not signed in at window 1 and not assigned, may not touch it.
    hall.service.store  # noqa: B018
    from queue_server.auth import Accounts
    Accounts(hall.service.store).add_user("clerk2", PASSWORD, "clerk", hall.clock())
    other = await sign_in(hall, "clerk2")
    r = await hall.client.get(f"/api/v1/cases/{number}", headers=other)
    assert r.status == 403 and (await r.json())["error"] == "not_your_case"
    listed = await (await hall.client.get("/api/v1/cases", headers=other)).json()
    assert listed["cases"] == []
    status, _ = await hall.get("/api/v1/case-status/not-a-real-token")
    assert status == 404


async def test_a_case_turning_yellow_then_red_raises_one_staff_alert_each(hall):
    from queue_server.cases import OpenRequest
    from queue_server.service import Actor

    svc, clerk = hall.service, Actor("clerk1", "clerk")
    number = svc.open_case(OpenRequest("SHBX-002", "person", "李四", None, "mail", None, None, (), "window"),
                           None, clerk).number
    svc.case_step(number, "accept", clerk)  # due Monday 7 December (10 working days)

    def case_alerts():
        return [(a.kind, a.message) for a in svc.hall.state.desk.alerts if a.source == f"case:{number}"]

    assert case_alerts() == []
    hall.clock.advance(10 * DAY)  # Thursday 3 December: 2 working days left, still green
    svc.tick()
    assert case_alerts() == []
    hall.clock.advance(1 * DAY)  # Friday 4 December: 1 left → yellow
    svc.tick()
    svc.tick()  # once, not every tick
    assert case_alerts() == [("case_due", f"办件 {number}（城乡居民基本养老保险待遇申领）剩余 1 个工作日，承诺 2026-12-07 办结")]
    hall.clock.advance(4 * DAY)  # Tuesday 8 December: overdue by 1
    svc.tick()
    assert case_alerts() == [("case_overdue", f"办件 {number}（城乡居民基本养老保险待遇申领）已超期 1 个工作日，承诺 2026-12-07 办结")]
    hall.clock.advance(1 * DAY)  # and not again the next day, nor after a restart
    svc.tick()
    from queue_server.service import HallService
    again = HallService(svc.config, svc.store, hall.clock)
    assert [a for a in again.hall.state.desk.alerts if a.source.startswith("case:")] == []
    assert sum(1 for e in svc.store.events() if e.type == "staff_alert") == 2
    # Devices cannot raise the hall's own alert kinds.
    status, data = await hall.post("/api/v1/alerts", json={"kind": "case_overdue", "message": "x"})
    assert status == 400


async def test_a_result_is_collected_with_a_kiosk_pickup_ticket_and_rated_twice(hall):
    from hallapi.protocol import person_key
    from queue_server.auth import Accounts

    clerk = await sign_in(hall, "clerk1")
    ticket = await serving(hall, clerk)
    case = await (await hall.client.post("/api/v1/cases", headers=clerk,
                                         json={"matter": "SHBX-002", "ticket": ticket})).json()
    number = case["number"]
    await step(hall, clerk, number, "accept")
    r = await hall.client.post("/api/v1/windows/1/complete", headers=clerk)
    assert r.status == 200
    pad = {"Authorization": "Bearer " + Accounts(hall.service.store).add_device("pad-1", "review", 1, hall.clock())}
    r = await hall.client.post("/api/v1/ratings", headers=pad, json={"number": ticket, "level": 5})
    assert r.status == 201
    intake = [e.data for e in hall.service.store.events() if e.type == "rating_given"][-1]
    assert (intake["round"], intake["case"]) == (1, number)  # 评价次数 1: the intake

    key = person_key(ID_NUMBER, hall.service.store.secret("person_key_salt", lambda: "unused"))
    status, found = await hall.post("/api/v1/cases/lookup", json={"person_key": key}, expect=200)
    assert found["ready"] == [] and [(c["number"], c["due"]) for c in found["pending"]] == [(number, "2026-12-07")]
    status, refused = await hall.post("/api/v1/cases/pickup", json={"person_key": key}, expect=409)
    assert refused["error"] == "nothing_ready"

    await step(hall, clerk, number, "decide", outcome="approved")
    await step(hall, clerk, number, "result_ready")
    token = hall.service.cases.get(number).token
    status, found = await hall.post("/api/v1/cases/lookup", json={"token": token}, expect=200)  # the notice's QR
    assert [c["number"] for c in found["ready"]] == [number] and found["pending"] == []
    _, slip = await hall.post("/api/v1/cases/pickup", json={"person_key": key}, expect=201)
    assert slip["category"]["code"] == "G" and slip["number"].startswith("G")
    _, again = await hall.post("/api/v1/cases/pickup", json={"token": token}, expect=409)
    assert again["error"] == "already_has_ticket"

    # The clerk calls the pick-up ticket, sees which case to hand over, hands it over: the rating of
    # that service is the case's second (评价次数 2).
    for action in ("call-next", "start"):
        r = await hall.client.post(f"/api/v1/windows/1/{action}", headers=clerk)
        body = await r.json()
        assert r.status == 200, body
    assert body["ticket"]["number"] == slip["number"] and body["ticket"]["cases"] == [number]
    case = await step(hall, clerk, number, "hand_over")
    assert case["status"] == "handed_over"
    await hall.client.post("/api/v1/windows/1/complete", headers=clerk)
    r = await hall.client.post("/api/v1/ratings", headers=pad, json={"number": slip["number"], "level": 2,
                                                                     "reasons": ["多次往返"]})
    assert r.status == 201
    second = [e.data for e in hall.service.store.events() if e.type == "rating_given"][-1]
    assert (second["round"], second["case"], second["bad"]) == (2, number, True)
    manager = await sign_in(hall, "manager1")
    follow_ups = (await (await hall.client.get("/api/v1/follow-ups", headers=manager)).json())["follow_ups"]
    assert [f["number"] for f in follow_ups] == [slip["number"]]  # the 差评 is followed up as any other


async def test_a_cross_region_case_is_mailed_out_and_tracked_until_its_result_is_back(hall):
    clerk = await sign_in(hall, "clerk1")
    await serving(hall, clerk)
    r = await hall.client.post("/api/v1/cases", headers=clerk, json={
        "matter": "SHBX-002", "applicant": {"kind": "person", "name": "赵六", "id_number": ID_NUMBER},
        "region": "四川省成都市武侯区", "delivery": "window"})
    case = await r.json()
    assert r.status == 201 and case["region"] == "四川省成都市武侯区"
    number = case["number"]
    await step(hall, clerk, number, "accept")
    assert (await step(hall, clerk, number, "send_to_region", expect=422))["error"] == "waybill_required"
    case = await step(hall, clerk, number, "send_to_region", waybill="1100555000111")
    assert case["status"] == "in_progress" and case["mail"][0]["direction"] == "out"
    token = hall.service.cases.get(number).token
    _, page = await hall.get(f"/api/v1/case-status/{token}")
    assert page["next_step"] == "材料已寄往四川省成都市武侯区办理，结果寄回后通知领取"
    hall.clock.advance(3 * DAY)
    clerk = await sign_in(hall, "clerk1")
    case = await step(hall, clerk, number, "result_received", waybill="9800111222333", outcome="approved")
    assert (case["status"], case["outcome"]) == ("result_ready", "approved")
    assert [(m["direction"], m["waybill"], m["on"]) for m in case["mail"]] == [
        ("out", "1100555000111", "2026-11-23"), ("back", "9800111222333", "2026-11-26")]
    # A case taken in for this hall itself cannot be "mailed to the region".
    other = await (await hall.client.post("/api/v1/cases", headers=clerk, json={
        "matter": "SHBX-002", "channel": "mail", "applicant": {"kind": "person", "name": "钱七"}})).json()
    await step(hall, clerk, other["number"], "accept")
    refused = await step(hall, clerk, other["number"], "send_to_region", expect=409, waybill="1")
    assert refused["error"] == "not_cross_region"


async def test_a_higher_body_records_its_answer_on_a_forwarded_case_only(hall):
    from queue_server.auth import Accounts

    clerk = await sign_in(hall, "clerk1")
    await serving(hall, clerk)
    forwarded = await (await hall.client.post("/api/v1/cases", headers=clerk, json={
        "matter": "SHBX-002", "case_type": "forwarded", "applicant": {"kind": "person", "name": "孙八"}})).json()
    committed = await (await hall.client.post("/api/v1/cases", headers=clerk, json={
        "matter": "SHBX-002", "applicant": {"kind": "person", "name": "周九"}})).json()
    for case in (forwarded, committed):
        await step(hall, clerk, case["number"], "accept")
    county = {"Authorization": "Bearer " + Accounts(hall.service.store).add_device(
        "县人社局", "body", None, hall.clock())}
    r = await hall.client.post(f"/api/v1/cases/{forwarded['number']}/step", headers=county,
                               json={"note": "县级审核通过"})
    case = await r.json()
    assert r.status == 200, case
    assert case["history"][-1]["body"] == "县人社局" and "applicant" not in case  # no identity for the body
    r = await hall.client.post(f"/api/v1/cases/{forwarded['number']}/archive", headers=county, json={})
    assert r.status == 403 and (await r.json())["error"] == "not_for_a_body"
    r = await hall.client.get(f"/api/v1/cases/{committed['number']}", headers=county)
    assert r.status == 403  # the hall's own 承诺件 are not the county's to read
    r = await hall.client.get("/api/v1/cases", headers=county)
    assert r.status == 403
