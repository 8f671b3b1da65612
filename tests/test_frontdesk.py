"""The front desk through the API: staff alerts, device health, print failures, the notice, appointments."""

from __future__ import annotations

import json

from tests.support.domain import CARD
from tests.support.hall import PASSWORD, at, receive


async def manager(hall) -> str:
    r = await hall.client.post("/api/v1/session", json={"username": "manager1", "password": PASSWORD})
    return (await r.json())["csrf_token"]


async def live(hall) -> dict:
    r = await hall.client.get("/api/v1/stats/live")
    assert r.status == 200
    return await r.json()


async def test_help_button_alert_reaches_managers_until_acknowledged(hall):
    status, data = await hall.post("/api/v1/alerts", json={"kind": "help", "message": "3号机前有老人需要帮助"}, expect=201)
    assert data["alert"] == 1
    csrf = await manager(hall)
    alerts = (await live(hall))["alerts"]
    assert alerts == [{"id": 1, "kind": "help", "message": "3号机前有老人需要帮助", "source": "kiosk-1",
                       "at": hall.clock()}]
    r = await hall.client.post("/api/v1/alerts/1/ack", headers={"X-CSRF-Token": csrf})
    assert (await r.json()) == {"alert": 1, "by": "manager1"}
    assert (await live(hall))["alerts"] == []
    r = await hall.client.post("/api/v1/alerts/1/ack", headers={"X-CSRF-Token": csrf})
    assert r.status == 409 and "acknowledged by manager1" in (await r.json())["message"]
    status, data = await hall.post("/api/v1/alerts", json={"kind": "fire"})
    assert status == 400 and data["field"] == "kind"


async def test_device_status_records_changes_only(hall):
    first = (await hall.post("/api/v1/devices/status", json={"printer": "ok"}, expect=200))[1]
    again = (await hall.post("/api/v1/devices/status", json={"printer": "ok"}, expect=200))[1]
    change = (await hall.post("/api/v1/devices/status", json={"printer": "near_end"}, expect=200))[1]
    assert first["recorded"] and not again["recorded"] and change["recorded"]
    await manager(hall)
    devices = (await live(hall))["devices"]
    assert devices == [{"name": "kiosk-1", "kind": "kiosk", "status": {"printer": "near_end"}, "since": hall.clock()}]
    status, data = await hall.post("/api/v1/devices/status", json={"printer": "empty"})
    assert status == 400 and "must be one of ok, near_end, out" in data["message"]


async def test_print_failure_is_recorded_and_the_ticket_stays(hall):
    _, t = await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    _, data = await hall.post(f"/api/v1/tickets/{t['id']}/print-failed", json={"reason": "paper out"}, expect=200)
    assert data["ticket"]["status"] == "waiting"
    status, data = await hall.post(f"/api/v1/tickets/{t['id']}/print-failed", json={"reason": "again"})
    assert status == 409
    await manager(hall)
    assert (await live(hall))["print_failures"] == ["A001"]
    assert (await hall.post(f"/api/v1/tickets/{t['id']}/print-failed", who="keypad3", json={"reason": "x"}))[0] == 403


async def test_notice_is_public_on_the_display_stream(hall):
    ws = await hall.client.ws_connect("/api/v1/events")
    await receive(ws, "snapshot")
    csrf = await manager(hall)
    r = await hall.client.post("/api/v1/notice", json={"text": "今天下午14:00起暂停办理不动产业务"}, headers={"X-CSRF-Token": csrf})
    assert r.status == 200
    event = await receive(ws, "event")
    assert event["type"] == "notice_set" and event["data"] == {"text": "今天下午14:00起暂停办理不动产业务"}
    _, snap = await hall.get("/api/v1/queue")
    assert snap["notice"] == "今天下午14:00起暂停办理不动产业务"
    await ws.close()
    assert (await hall.post("/api/v1/notice", who="display", json={"text": "x"}))[0] == 403


async def test_appointment_booked_then_checked_in_by_code_and_by_person(hall):
    r = await hall.client.post("/api/v1/session", json={"username": "clerk1", "password": PASSWORD})
    csrf = (await r.json())["csrf_token"]
    headers = {"X-CSRF-Token": csrf}
    matter = next(m for m in hall.service.config.matters if m.appointment and m.category == "E")
    r = await hall.client.post("/api/v1/appointments", headers=headers, json={
        "matter": matter.code, "slot_start": "2026-11-23T09:30:00+08:00", "slot_end": "2026-11-23T10:00:00+08:00"})
    booked = await r.json()
    assert r.status == 201 and len(booked["code"]) == 6 and booked["category"] == "E"
    key = "f" * 64
    r = await hall.client.post("/api/v1/appointments", headers=headers, json={
        "category": "A", "code": "ABC123", "person_key": key,
        "slot_start": "2026-11-23T10:00:00+08:00", "slot_end": "2026-11-23T10:30:00+08:00"})
    assert r.status == 201
    r = await hall.client.post("/api/v1/appointments", headers=headers, json={
        "category": "A", "code": "ABC123", "slot_start": "2026-11-23T11:00:00+08:00", "slot_end": "2026-11-23T11:30:00+08:00"})
    assert r.status == 409
    # A walk-in for E at 09:35, then the booked person checks in at 09:40 and goes first.
    hall.clock.now = at("2026-11-23 09:35")
    await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    hall.clock.now = at("2026-11-23 09:40")
    _, t = await hall.post("/api/v1/appointments/check-in", json={"code": booked["code"]}, expect=201)
    assert t["number"] == "E002"
    await hall.act(6, "open")
    assert (await hall.act(6, "call-next"))["ticket"]["number"] == "E002"
    status, data = await hall.post("/api/v1/appointments/check-in", json={"code": booked["code"]})
    assert status == 409 and data["message"] == f"appointment {booked['code']} is already checked in as E002"
    _, by_person = await hall.post("/api/v1/appointments/check-in", json={"person_key": key}, expect=201)
    assert by_person["number"] == "A001"
    status, data = await hall.post("/api/v1/appointments/check-in", json={"code": "NOPE99"})
    assert status == 404
    status, data = await hall.post("/api/v1/appointments/check-in", json={"code": "X", "person_key": key})
    assert status == 400 and data["message"] == "give exactly one of code or person_key"
    r = await hall.client.get("/api/v1/appointments")
    listed = {a["code"]: a["ticket"] for a in (await r.json())["appointments"]}
    assert listed == {booked["code"]: "E002", "ABC123": "A001"}


async def test_an_appointment_for_tomorrow_is_there_tomorrow(hall):
    r = await hall.client.post("/api/v1/session", json={"username": "clerk1", "password": PASSWORD})
    headers = {"X-CSRF-Token": (await r.json())["csrf_token"]}
    r = await hall.client.post("/api/v1/appointments", headers=headers, json={
        "category": "D", "code": "TMRW01", "slot_start": "2026-11-24T09:00:00+08:00", "slot_end": "2026-11-24T09:30:00+08:00"})
    assert r.status == 201 and (await r.json())["day"] == "2026-11-24"
    assert (await hall.post("/api/v1/appointments/check-in", json={"code": "TMRW01"}))[0] == 404  # not today
    hall.clock.now = at("2026-11-24 08:50")
    hall.service.tick()  # the server's day timer closes the old days
    _, t = await hall.post("/api/v1/appointments/check-in", json={"code": "TMRW01"}, expect=201)
    assert t["number"] == "D001" and t["id"] == "20261124-D001"


async def test_intake_draft_only_for_the_serving_clerk_and_gone_with_the_day(hall, township, clock):
    from queue_server.service import HallService
    from queue_server.store import Store

    _, t = await hall.post("/api/v1/tickets", json={"category": "D"}, expect=201)
    _, stored = await hall.post(f"/api/v1/tickets/{t['id']}/intake", json=CARD, expect=200)
    assert stored["stored"] is True
    status, data = await hall.post(f"/api/v1/tickets/{t['id']}/intake", json={**CARD, "id_number": "123"})
    assert status == 400 and data["field"] == "id_number"
    assert (await hall.post(f"/api/v1/tickets/{t['id']}/intake", who="clerk-token", json=CARD))[0] == 403
    assert CARD["id_number"] not in json.dumps([e.data for e in hall.service.store.events()])  # not in the log
    r = await hall.client.post("/api/v1/session", json={"username": "clerk1", "password": PASSWORD})
    csrf = {"X-CSRF-Token": (await r.json())["csrf_token"]}
    await hall.client.post("/api/v1/windows/5/open", headers=csrf)
    r = await hall.client.get("/api/v1/windows/5/intake")
    assert r.status == 404 and (await r.json())["error"] == "no_current_ticket"
    await hall.client.post("/api/v1/windows/5/call-next", headers=csrf)
    r = await hall.client.get("/api/v1/windows/5/intake")
    assert r.status == 200 and (await r.json()) == {"ticket": "D001", "intake": CARD}
    assert (await hall.get("/api/v1/windows/5/intake", who="clerk-token"))[0] == 403  # a keypad sees nothing
    _, public = await hall.get(f"/api/v1/status/{t['token']}")
    assert "张三丰" not in json.dumps(public, ensure_ascii=False) and CARD["id_number"] not in json.dumps(public)
    hall.client.session.cookie_jar.clear()
    r = await hall.client.post("/api/v1/session", json={"username": "admin1", "password": PASSWORD})
    assert (await hall.client.get("/api/v1/windows/5/intake")).status == 200  # managers and admins may
    clock.now = at("2026-11-24 08:00")  # the next business day: the draft is deleted
    HallService(township, Store.open(hall.service.store.path.parent), clock)
    assert hall.service.store.intake(t["id"]) is None
