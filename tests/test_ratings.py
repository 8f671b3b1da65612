"""好差评 through the API: one rating per finished service, bound to it, only from the pad."""

from __future__ import annotations

from queue_server.auth import Accounts
from tests.support.hall import PASSWORD, receive, serve_one


async def pad(hall, window: int) -> dict[str, str]:
    token = Accounts(hall.service.store).add_device(f"pad-{window}", "review", window, hall.clock())
    return {"Authorization": f"Bearer {token}"}


async def test_a_rating_is_bound_to_the_service_window_clerk_and_matter(hall):
    r = await hall.client.post("/api/v1/session", json={"username": "clerk1", "password": PASSWORD})
    csrf = (await r.json())["csrf_token"]
    r = await hall.client.post("/api/v1/windows/1/open", headers={"X-CSRF-Token": csrf})
    assert r.status == 200
    number = await serve_one(hall, 1, "A")
    headers = await pad(hall, 1)
    r = await hall.client.get("/api/v1/windows/1/card", headers=headers)
    card = await r.json()
    assert card["clerk"] == {"username": "clerk1", "display_name": "clerk1"} and card["rating_requested"] is None
    await hall.act(1, "request-rating")
    r = await hall.client.get("/api/v1/windows/1/card", headers=headers)
    assert (await r.json())["rating_requested"] == number
    r = await hall.client.post("/api/v1/ratings", headers=headers, json={"number": number, "level": 5})
    assert r.status == 201 and (await r.json())["label"] == "非常满意"
    given = [e for e in hall.service.store.events() if e.type == "rating_given"]
    assert len(given) == 1
    d = given[0].data
    assert (d["ticket"], d["window"], d["clerk"], d["level"], d["channel"]) == (f"20261123-{number}", 1, "clerk1", 5, "pad")
    r = await hall.client.post("/api/v1/ratings", headers=headers, json={"number": number, "level": 1})
    assert r.status == 409 and (await r.json())["error"] == "already_rated"


async def test_bad_ratings_carry_reasons_and_show_up_for_managers(hall):
    await hall.act(2, "open")
    number = await serve_one(hall, 2, "A")
    headers = await pad(hall, 2)
    r = await hall.client.post("/api/v1/ratings", headers=headers,
                               json={"number": number, "level": 4, "reasons": ["服务态度差"]})
    assert r.status == 422 and "only for 不满意 and 非常不满意" in (await r.json())["message"]
    r = await hall.client.post("/api/v1/ratings", headers=headers,
                               json={"number": number, "level": 2, "reasons": ["没有理由"]})
    assert r.status == 422 and "unknown reason" in (await r.json())["message"]
    r = await hall.client.post("/api/v1/ratings", headers=headers, json={
        "number": number, "level": 1, "reasons": ["多次往返", "告知不清楚"], "text": "材料清单没说清楚"})
    assert r.status == 201 and (await r.json())["bad"] is True
    unrated = await serve_one(hall, 2, "A")
    r = await hall.client.post("/api/v1/session", json={"username": "manager1", "password": PASSWORD})
    s = await (await hall.client.get("/api/v1/stats/live")).json()
    assert s["ratings"]["services"] == 2 and s["ratings"]["rated"] == 1 and s["ratings"]["unrated"] == 1
    assert s["ratings"]["bad"][0]["number"] == number and s["ratings"]["bad"][0]["reasons"] == ["多次往返", "告知不清楚"]
    assert unrated != number


async def test_only_the_windows_own_pad_can_rate_and_never_a_clerk(hall):
    await hall.act(1, "open")
    number = await serve_one(hall, 1, "A")
    other = await pad(hall, 2)
    r = await hall.client.post("/api/v1/ratings", headers=other, json={"number": number, "level": 5})
    assert r.status == 409 and "served at window 1, not 2" in (await r.json())["message"]
    status, _ = await hall.post("/api/v1/ratings", who="clerk-token", json={"number": number, "level": 5})
    assert status == 403
    r = await hall.client.post("/api/v1/session", json={"username": "clerk1", "password": PASSWORD})
    csrf = (await r.json())["csrf_token"]
    r = await hall.client.post("/api/v1/ratings", json={"number": number, "level": 5}, headers={"X-CSRF-Token": csrf})
    assert r.status == 403


async def test_nothing_to_rate_and_no_show_opens_no_slot(hall):
    await hall.act(5, "open")
    assert (await hall.act(5, "request-rating", expect=409))["error"] == "nothing_to_rate"
    _, t = await hall.post("/api/v1/tickets", json={"category": "D"}, expect=201)
    await hall.act(5, "call-next")
    await hall.act(5, "skip")
    assert (await hall.act(5, "request-rating", expect=409))["error"] == "nothing_to_rate"
    r = await hall.client.post("/api/v1/ratings", headers=await pad(hall, 5), json={"number": t["number"], "level": 5})
    assert r.status == 404


async def test_rating_request_reaches_the_pad_on_the_stream_without_the_level(hall):
    await hall.act(3, "open")
    number = await serve_one(hall, 3, "B")
    ws = await hall.client.ws_connect("/api/v1/events")
    await receive(ws, "snapshot")
    await hall.act(3, "request-rating")
    msg = await receive(ws, "event")
    assert msg["type"] == "rating_requested" and msg["data"] == {"number": number, "window": 3}
    await hall.client.post("/api/v1/ratings", headers=await pad(hall, 3), json={"number": number, "level": 2})
    msg = await receive(ws, "event")
    assert msg["type"] == "rating_given" and "level" not in msg["data"]  # how a clerk was rated is not for screens
    await ws.close()


async def test_a_clerk_sees_their_own_day(hall):
    r = await hall.client.post("/api/v1/session", json={"username": "clerk1", "password": PASSWORD})
    csrf = (await r.json())["csrf_token"]
    await hall.client.post("/api/v1/windows/4/open", headers={"X-CSRF-Token": csrf})
    first = await serve_one(hall, 4, "C")  # 300 s each
    await serve_one(hall, 4, "C")
    r = await hall.client.post("/api/v1/ratings", headers=await pad(hall, 4), json={"number": first, "level": 4})
    assert r.status == 201
    await hall.act(6, "open")  # window 6 has no clerk signed in: its services are not clerk1's
    await serve_one(hall, 6, "E")
    me = await (await hall.client.get("/api/v1/me/today")).json()
    assert me == {"clerk": "clerk1", "served": 2, "mean_service_s": 300.0,
                  "ratings": {"rated": 1, "unrated": 1, "levels": {"5": 0, "4": 1, "3": 0, "2": 0, "1": 0}}}
    assert (await hall.get("/api/v1/me/today", who="clerk-token"))[0] == 403


async def test_a_provinces_default_rating_is_recorded_apart_and_once(hall, township, clock):
    import dataclasses
    from datetime import date

    from queue_server.hall import Hall
    from queue_server.service import HallService
    from queue_server.stats import ratings_summary
    from queue_server.store import Store
    from tests.support.hall import at

    await hall.act(1, "open")
    rated = await serve_one(hall, 1, "A")
    await serve_one(hall, 1, "A")  # nobody rates this one
    r = await hall.client.post("/api/v1/ratings", headers=await pad(hall, 1), json={"number": rated, "level": 3})
    assert r.status == 201
    province = dataclasses.replace(township, ratings=dataclasses.replace(township.ratings, default_after_days=3))
    store_dir = hall.service.store.path.parent

    clock.now = at("2026-11-25 08:00")  # two days later: too early
    HallService(province, Store.open(store_dir), clock)
    assert not [e for e in hall.service.store.events() if e.type == "ratings_defaulted"]
    clock.now = at("2026-11-26 08:00")  # three days later: the province's rule applies
    HallService(province, Store.open(store_dir), clock)
    HallService(province, Store.open(store_dir), clock)  # and only once
    [event] = [e for e in hall.service.store.events() if e.type == "ratings_defaulted"]
    assert event.day == "2026-11-23" and event.data["channel"] == "system-default" and event.data["level"] == 4
    assert event.data["tickets"] == ["20261123-A002"]
    old = Hall(province, date(2026, 11, 23))
    for e in hall.service.store.events(day="2026-11-23"):
        old.apply(e)
    summary = ratings_summary(old)
    assert (summary["rated"], summary["unrated"], summary["defaulted"]) == (1, 1, 1)  # never the citizen's
    assert old.state.ratings.slots["20261123-A001"].level == 3  # the citizen's own rating stands


async def test_the_staff_card_shows_the_signed_in_clerk_with_post_duties_and_photo(hall, tmp_path):
    from yimen.cli import main

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    (tmp_path / "p.png").write_bytes(png)
    (tmp_path / "not.gif").write_bytes(b"GIF89a")
    data_dir = str(hall.service.store.path.parent)
    assert main(["user", "card", "clerk1", "--post", "综合受理员", "--duties", "社保、医保业务受理",
                 "--photo", str(tmp_path / "p.png"), "--data-dir", data_dir]) == 0
    assert main(["user", "card", "clerk1", "--photo", str(tmp_path / "not.gif"), "--data-dir", data_dir]) == 1
    headers = await pad(hall, 1)
    r = await hall.client.post("/api/v1/session", json={"username": "clerk1", "password": PASSWORD})
    csrf = (await r.json())["csrf_token"]
    await hall.client.post("/api/v1/windows/1/open", headers={"X-CSRF-Token": csrf})
    card = await (await hall.client.get("/api/v1/windows/1/card", headers=headers)).json()
    assert (card["post"], card["duties"], card["commitment"]) == ("综合受理员", "社保、医保业务受理", "一次告知、限时办结、热情服务、廉洁高效")
    photo = await hall.client.get(card["photo_url"], headers=headers)
    assert photo.status == 200 and photo.content_type == "image/png" and await photo.read() == png
    assert (await hall.client.get("/api/v1/windows/2/card/photo", headers=await pad(hall, 2))).status == 404
