"""Who may do what (issue 10 §Medium): a clerk acts on the window they are signed in at, taking a
window over is explicit; only staff grant priority that needs evidence; appointments must be booked;
a kiosk acts only on its own tickets and learns no more than it needs; idempotency keys belong to
their caller; window devices are bound to a window. Real server on loopback."""

from __future__ import annotations

import hashlib

import pytest

from queue_server.auth import ANY_WINDOW, Accounts, AuthError
from tests.support.hall import PASSWORD, at, signed_in


def session_of(hall) -> dict[str, str]:
    """The current session cookie as a header, to use it again after the jar changed."""
    value = next(c.value for c in hall.client.session.cookie_jar if c.key == "yimen_session")
    return {"Cookie": f"yimen_session={value}"}


async def as_user(hall, headers, path: str, json: dict | None = None):
    r = await hall.client.post(path, headers=headers, json=json)
    return r.status, await r.json()


async def test_a_clerk_acts_only_at_the_window_they_are_signed_in_at(hall):
    Accounts(hall.service.store).add_user("clerk2", PASSWORD, "clerk", hall.clock())
    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    one = await signed_in(hall, "clerk1")
    assert (await as_user(hall, one, "/api/v1/windows/1/open"))[0] == 200
    two = await signed_in(hall, "clerk2")
    assert (await as_user(hall, two, "/api/v1/windows/2/open"))[0] == 200
    status, body = await as_user(hall, two, "/api/v1/windows/1/call-next")
    assert status == 403 and body["error"] == "not_your_window" and "window 2" in body["message"]
    status, body = await as_user(hall, two, "/api/v1/windows/1/open")
    assert status == 409 and body["error"] == "window_taken"
    # Taking over is explicit and recorded; then window 1 is clerk2's.
    status, body = await as_user(hall, two, "/api/v1/windows/1/open", {"take_over": True})
    assert status == 200 and body["event"]["data"]["took_over_from"] == "clerk1"
    assert (await as_user(hall, two, "/api/v1/windows/1/call-next"))[0] == 200
    one = await signed_in(hall, "clerk1")
    assert (await as_user(hall, one, "/api/v1/windows/1/complete"))[0] == 403


async def test_a_manager_acts_anywhere_as_themselves(hall):
    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    clerk = await signed_in(hall, "clerk1")
    await as_user(hall, clerk, "/api/v1/windows/1/open")
    manager = await signed_in(hall, "manager1")
    status, body = await as_user(hall, manager, "/api/v1/windows/1/call-next")
    assert status == 200 and body["event"]["type"] == "ticket_called"
    events = hall.service.store.events()
    assert events[-1].actor == "manager:manager1"


async def test_only_staff_grant_priority_that_needs_evidence(hall):
    for cls in ("disabled", "pregnant", "serviceman"):
        status, body = await hall.post("/api/v1/tickets", json={"category": "A", "priority": cls})
        assert status == 403 and body["error"] == "staff_verifies_priority"
    clerk = await signed_in(hall, "clerk1")
    status, t = await as_user(hall, clerk, "/api/v1/tickets", {"category": "A", "priority": "pregnant"})
    assert status == 201 and t["priority"] == "pregnant"
    _, old = await hall.post("/api/v1/tickets", json={"category": "A", "birth_date": "1950-01-01"}, expect=201)
    assert old["priority"] == "elderly"  # the kiosk's own evidence: the ID card's birth date


async def test_an_appointment_must_be_booked(hall):
    slot = {"code": "00001", "slot_start": "2026-11-23T09:00:00+08:00", "slot_end": "2026-11-23T09:30:00+08:00"}
    status, body = await hall.post("/api/v1/tickets", json={"category": "A", "appointment": slot})
    assert status == 422 and body["error"] == "appointment_not_booked"
    manager = await signed_in(hall, "manager1")
    r = await hall.client.post("/api/v1/appointments", headers=manager, json={"code": "00001", "category": "A",
                               "slot_start": slot["slot_start"], "slot_end": slot["slot_end"]})
    assert r.status == 201
    early = {**slot, "slot_start": "2026-11-23T00:01:00+08:00"}  # claiming an earlier slot than booked
    assert (await hall.post("/api/v1/tickets", json={"category": "A", "appointment": early}))[0] == 422
    _, t = await hall.post("/api/v1/tickets", json={"category": "A", "appointment": slot}, expect=201)
    assert t["number"] == "A001"


async def test_a_kiosk_acts_only_on_its_own_tickets_and_learns_no_more_than_it_needs(hall):
    other = Accounts(hall.service.store).add_device("kiosk-2", "kiosk", None, hall.clock())
    hall.tokens["kiosk2"] = other
    _, counter = await as_user(hall, await signed_in(hall, "clerk1"), "/api/v1/tickets",
                               {"category": "A", "priority": "pregnant"})
    _, theirs = await hall.post("/api/v1/tickets", "kiosk2", {"category": "A"}, expect=201)
    intake = {"name": "张三", "id_number": "11010519491231002X"}
    for number in (counter["number"], theirs["number"]):
        for path, body in (("cancel", {}), ("print-failed", {"reason": "paper"}), ("intake", intake)):
            status, answer = await hall.post(f"/api/v1/tickets/{number}/{path}", json=body)
            assert status == 403 and answer["error"] == "not_your_ticket", (number, path)
    _, mine = await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    await hall.post(f"/api/v1/tickets/{mine['number']}/intake", json=intake, expect=200)
    status, body = await hall.post(f"/api/v1/tickets/{mine['number']}/intake", json={**intake, "name": "李四"})
    assert status == 409 and body["error"] == "intake_exists"  # never overwritten
    _, reply = await hall.post(f"/api/v1/tickets/{mine['number']}/cancel", json={}, expect=200)
    assert reply["ticket"]["status"] == "done" and reply["ticket"]["outcome"] == "cancelled"
    assert "priority_class" not in reply["ticket"] and "id" not in reply["ticket"]
    assert set(reply["event"]) == {"seq", "type"}


async def test_idempotency_keys_belong_to_their_caller_and_their_request(hall):
    key = {"Idempotency-Key": "kiosk-req-0001"}
    r = await hall.client.post("/api/v1/tickets", json={"category": "A"}, headers={**hall.auth("kiosk"), **key})
    first = await r.json()
    assert r.status == 201
    clerk = await signed_in(hall, "clerk1")
    r = await hall.client.post("/api/v1/tickets", json={"category": "A"}, headers={**clerk, **key})
    theirs = await r.json()
    assert r.status == 201 and theirs["number"] != first["number"] and theirs["token"] != first["token"]
    r = await hall.client.post("/api/v1/tickets", json={"category": "D"}, headers={**hall.auth("kiosk"), **key})
    assert r.status == 422 and (await r.json())["error"] == "idempotency_key_reused"
    r = await hall.client.post("/api/v1/tickets", json={"category": "A"}, headers={**hall.auth("kiosk"), **key})
    assert r.status == 200 and (await r.json())["number"] == first["number"]
    # Another caller cannot abandon (and so cancel) the kiosk's request.
    r = await hall.client.post("/api/v1/tickets/abandon", json={"idempotency_key": "kiosk-req-0001"},
                               headers=clerk)
    assert (await r.json())["cancelled"] == theirs["number"]
    _, page = await hall.get(f"/api/v1/status/{first['token']}")
    assert page["status"] == "waiting"


def test_window_devices_must_be_bound(store, clock):
    accounts = Accounts(store)
    for kind in ("keypad", "review"):
        with pytest.raises(AuthError, match="--window N"):
            accounts.add_device(f"{kind}-x", kind, None, clock())
    with pytest.raises(AuthError, match="does not belong to a window"):
        accounts.add_device("kiosk-x", "kiosk", 3, clock())
    roaming = accounts.add_device("bus", "keypad", ANY_WINDOW, clock())
    assert accounts.device_for_token(roaming).window is None
    # A keypad left from before the binding was required (no window) is not accepted.
    legacy = "ymd_legacy-token-of-an-unbound-keypad"
    with store.transaction():
        store.conn.execute("INSERT INTO devices(name, kind, window, token_hash, created_at) VALUES "
                           "('old', 'keypad', NULL, ?, ?)", (hashlib.sha256(legacy.encode()).hexdigest(),
                                                             at("2026-11-01 09:00")))
        store.conn.execute("INSERT INTO devices(name, kind, window, token_hash, created_at) VALUES "
                           "('old-kiosk', 'kiosk', NULL, ?, ?)", (hashlib.sha256(b"ymd_legacy-kiosk").hexdigest(),
                                                                  at("2026-11-01 09:00")))
    assert accounts.device_for_token(legacy) is None
    assert accounts.device_for_token("ymd_legacy-kiosk").name == "old-kiosk"  # the same lookup works


async def test_accounts_can_be_disabled_reset_and_signed_out(hall):
    accounts = Accounts(hall.service.store)
    accounts.add_user("clerk2", PASSWORD, "clerk", hall.clock())
    clerk_session = await signed_in(hall, "clerk2")
    clerk_session.update(session_of(hall))
    manager = await signed_in(hall, "manager1")
    # A manager may not touch another manager or an admin; an admin may.
    r = await hall.client.post("/api/v1/users/admin1/disable", headers=manager)
    assert r.status == 403 and (await r.json())["error"] == "admins_only"
    r = await hall.client.post("/api/v1/users/clerk2/disable", headers=manager)
    assert r.status == 200 and (await r.json())["sessions_ended"] == 1
    hall.client.session.cookie_jar.clear()
    r = await hall.client.post("/api/v1/windows/1/open", headers=clerk_session)
    assert r.status == 401  # the disabled clerk's session ended at once
    r = await hall.client.post("/api/v1/session", json={"username": "clerk2", "password": PASSWORD})
    assert r.status == 401
    manager = await signed_in(hall, "manager1")
    await hall.client.post("/api/v1/users/clerk2/enable", headers=manager)
    r = await hall.client.post("/api/v1/users/clerk2/password", headers=manager, json={"password": "a new secret"})
    assert r.status == 200
    r = await hall.client.post("/api/v1/session", json={"username": "clerk2", "password": "a new secret"})
    assert r.status == 200


async def test_a_person_changes_their_own_password_and_other_sessions_end(hall):
    first = await signed_in(hall, "clerk1")
    first.update(session_of(hall))
    second = await signed_in(hall, "clerk1")  # the same person on another desk
    r = await hall.client.post("/api/v1/session/password", headers=second,
                               json={"old_password": "wrong one!", "new_password": "another secret"})
    assert r.status == 403 and (await r.json())["error"] == "wrong_password"
    r = await hall.client.post("/api/v1/session/password", headers=second,
                               json={"old_password": PASSWORD, "new_password": "another secret"})
    assert r.status == 200 and (await r.json())["other_sessions_ended"] == 1
    assert (await hall.client.get("/api/v1/session")).status == 200  # this session goes on
    hall.client.session.cookie_jar.clear()
    assert (await hall.client.get("/api/v1/session", headers=first)).status == 401


def test_the_last_admin_cannot_be_disabled(store, clock):
    accounts = Accounts(store)
    accounts.add_user("boss", PASSWORD, "admin", clock())
    with pytest.raises(AuthError, match="last active admin"):
        accounts.set_disabled("boss", True)
    accounts.add_user("boss2", PASSWORD, "admin", clock())
    accounts.set_disabled("boss", True)
    assert accounts.check_password("boss", PASSWORD) is None
