"""Correct answers to odd requests (issue 10 §Low): every error is the documented JSON, the
OpenAPI document lists what is returned, a full disk tells staff and loses nothing, no versions in
the `Server` header, and an access log of state changes and refusals."""

from __future__ import annotations

import logging

import pytest

from queue_server.web.routing import body_required
from tests.support.hall import signed_in


async def raw(hall, method: str, path: str, body: str | None = None, who: str | None = None, headers=None):
    h = {**(hall.auth(who) if who else {}), **(headers or {})}
    if body is not None:
        h["Content-Type"] = "application/json"
    r = await hall.client.request(method, path, data=body, headers=h)
    assert r.headers["Content-Type"].startswith("application/json"), (path, r.status, await r.text())
    return r.status, await r.json(), r.headers


@pytest.mark.parametrize(("method", "path", "who"), [
    ("POST", "/api/v1/windows/²/open", "clerk-token"),
    ("POST", "/api/v1/windows/１/call-next", "clerk-token"),
    ("GET", "/api/v1/events?since=²", None),
    ("GET", "/api/v1/events?since=99999999999999999999999", None),
])
async def test_odd_numbers_in_paths_and_queries_are_400s(hall, method, path, who):
    status, body, _ = await raw(hall, method, path, who=who)
    assert status == 400 and set(body) >= {"error", "message"}


async def test_odd_numbers_in_alert_paths_are_400s(hall):
    manager = await signed_in(hall, "manager1")
    r = await hall.client.post("/api/v1/alerts/²/ack", headers=manager)
    assert r.status == 400 and (await r.json())["field"] == "alert"


@pytest.mark.parametrize("body", [
    '{"username": "\\ud800", "password": "x"}',  # a lone surrogate
    "[" * 5000 + "]" * 5000,  # nested past the parser's depth
    '{"username": ' + "9" * 5000 + ', "password": "x"}',  # an integer past 4,300 digits
    '{"username": "a", "password": "b", "\\udfff": 1}',  # an unknown field that cannot be printed
])
async def test_bodies_that_break_parsers_are_400s_on_anonymous_sign_in(hall, body):
    status, answer, _ = await raw(hall, "POST", "/api/v1/session", body)
    assert status == 400 and answer["error"] == "bad_request"


async def test_lone_surrogates_in_free_text_fields_are_refused(hall):
    manager = await signed_in(hall, "manager1")
    for path, body in (("/api/v1/notice", '{"text": "\\ud800"}'), ("/api/v1/windows/1/pause", '{"reason": "\\ud800"}'),
                       ("/api/v1/alerts", '{"kind": "help", "message": "\\ud800"}')):
        r = await hall.client.post(path, data=body, headers={**manager, "Content-Type": "application/json"})
        assert r.status == 400, (path, await r.text())
    status, answer, _ = await raw(hall, "POST", "/api/v1/tickets", '{"category": "A", "name": "\\ud800"}', "kiosk")
    assert status == 400 and answer["field"] == "name"


async def test_405_says_what_is_allowed_and_the_server_header_hides_versions(hall):
    status, body, headers = await raw(hall, "DELETE", "/api/v1/health")
    assert status == 405 and headers["Allow"] == "GET" and body["error"] == "method_not_allowed"
    r = await hall.client.get("/api/v1/health")
    assert r.headers["Server"] == "yimen"


async def test_a_required_body_must_be_sent(hall):
    status, body, _ = await raw(hall, "POST", "/api/v1/devices/status", who="kiosk")
    assert status == 400 and body["message"] == "a JSON body is required"


async def test_the_openapi_document_lists_the_answers_the_server_gives(hall):
    _, doc = await hall.get("/api/v1/openapi.json")
    paths = doc["paths"]
    assert {"429", "503", "400"} <= set(paths["/api/v1/session"]["post"]["responses"])
    assert {"400", "429"} <= set(paths["/api/v1/events"]["get"]["responses"])
    for path, ops in paths.items():
        for method, op in ops.items():
            if "{" in path:
                assert {"400", "404"} <= set(op["responses"]), (method, path)
            if "requestBody" in op:
                assert "400" in op["responses"], (method, path)
                schema = op["requestBody"]["content"]["application/json"]["schema"]
                assert op["requestBody"]["required"] == body_required(schema)
            if op["security"]:
                assert {"401", "403"} <= set(op["responses"])
    for ref in ("NotFound", "TooManyRequests", "Unavailable"):
        assert ref in doc["components"]["responses"]


async def test_a_full_disk_is_a_clear_503_tells_staff_and_loses_no_number(hall):
    _, first = await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    manager = await signed_in(hall, "manager1")
    conn = hall.service.store.conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own 'database or disk is full'
    status, body = await hall.post("/api/v1/tickets", json={"category": "A", "name": "张" * 30})
    for _ in range(20):  # fill the last free pages, until SQLite refuses
        if status == 503:
            break
        status, body = await hall.post("/api/v1/tickets", json={"category": "A", "name": "张" * 30})
    assert status == 503 and body["error"] == "storage_full"
    live = await (await hall.client.get("/api/v1/stats/live", headers=manager)).json()
    assert "full" in live["storage"]["problem"]
    _, health = await hall.get("/api/v1/health")
    assert health["status"] == "storage_problem"
    conn.execute(f"PRAGMA max_page_count = {pages * 100}")  # space again
    _, after = await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    numbers = [t.number for t in hall.service.hall.state.tickets.values()]
    assert len(numbers) == len(set(numbers)) and first["number"] == "A001"
    assert int(after["number"][1:]) == len(numbers)  # no number skipped or reused
    live = await (await hall.client.get("/api/v1/stats/live", headers=manager)).json()
    assert live["storage"] is None


async def test_state_changes_and_refusals_are_in_the_access_log(hall, caplog):
    caplog.set_level(logging.INFO, "yimen.access")
    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    await hall.client.post("/api/v1/windows/1/open")  # anonymous: refused
    lines = [r.getMessage() for r in caplog.records if r.name == "yimen.access"]
    assert any("kiosk:kiosk-1 POST /api/v1/tickets 201" in line for line in lines)
    assert any("anonymous POST /api/v1/windows/1/open 401" in line for line in lines)
    assert not any("category" in line for line in lines)  # never a body
