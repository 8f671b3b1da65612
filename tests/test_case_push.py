"""Pushing cases to the province by a follower of the log, against a fake provincial platform on
loopback that times out, fails with 500 and loses an answer: every pushed step arrives exactly
once, in order, in the province's field names; steps the province is not told of are passed over;
the follower's position survives a restart."""

from __future__ import annotations

import asyncio
import dataclasses

import aiohttp
from aiohttp import web

from queue_server.case_push import NAME, TYPES, case_follower
from queue_server.cases import OpenRequest
from queue_server.config import CaseLink, ConfigError, parse_config
from queue_server.followers import backoff_s
from queue_server.service import Actor, HallService
from queue_server.store import Store
from tests.support.domain import PRESET

CLERK = Actor("clerk1", "clerk")
ID_NUMBER = "330106195003011234"


class FakePlatform:
    """Answers per a script: 'slow' (no answer in time), '500', 'lose' (accept, drop the answer), 'ok'."""

    def __init__(self, script: list[str]):
        self.script = list(script)
        self.arrivals: list[str] = []
        self.accepted: dict[str, dict] = {}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        key = request.headers["Idempotency-Key"]
        self.arrivals.append(key)
        action = self.script.pop(0) if self.script else "ok"
        if action == "slow":
            await asyncio.sleep(2)
        if action == "500":
            return web.json_response({"error": "internal"}, status=500)
        self.accepted.setdefault(key, body)  # the platform drops repeats by their idempotency key
        if action == "lose":
            request.transport.close()
            await asyncio.sleep(0.5)
        return web.json_response({"ok": True})


def work_two_cases(service: HallService) -> tuple[str, str]:
    first = service.open_case(OpenRequest("SHBX-002", "person", "张三丰", "k" * 64, "mail", None, None, (), "ems"),
                              {"name": "张三丰", "id_number": ID_NUMBER}, CLERK).number
    second = service.open_case(OpenRequest("SHBX-002", "company", "某某合作社", None, "mail", None, None, (), "window"),
                               {"name": "某某合作社"}, CLERK).number
    service.case_step(first, "accept", CLERK)
    service.case_step(second, "return", CLERK, note="不属于本中心受理范围")
    service.case_step(first, "pause", CLERK, note="现场核查")  # not pushed
    service.case_step(first, "resume", CLERK)  # not pushed
    service.case_step(first, "decide", CLERK, outcome="approved")
    return first, second


async def test_every_pushed_step_arrives_once_in_order_despite_failures(service, aiohttp_server):
    platform = FakePlatform(["slow", "500", "lose", "ok", "500"])
    app = web.Application()
    app.router.add_post("/cases", platform.handle)
    server = await aiohttp_server(app)
    link = CaseLink(endpoint=str(server.make_url("/cases")), timeout_s=1.0)
    config = dataclasses.replace(service.config, cases=dataclasses.replace(service.config.cases, province=link))
    first, second = work_two_cases(service)
    store, clock = service.store, service.clock

    delivered = 0
    async with aiohttp.ClientSession() as session:
        follower = case_follower(store, service.cases, config, clock, session)
        for attempt in range(20):
            if attempt == 6:  # the box restarts half-way: the position is on disk
                again = Store.open(store.path.parent)
                follower = case_follower(again, HallService(config, again, clock).cases, config, clock, session)
            delivered += await follower.step()
            clock.advance(backoff_s(8) + 1)
            if follower.state()["pending"] == 0:
                break
    assert store.followers.state(NAME, TYPES)["pending"] == 0
    assert delivered == 5  # five steps read, two of them (pause, resume) with nothing to send
    steps = [e.seq for e in store.events() if e.type == "case_step"]
    pushed = [f"case_step-{seq}" for seq in (steps[0], steps[1], steps[4])]
    assert list(platform.accepted) == pushed  # once each, in order
    bodies = list(platform.accepted.values())
    assert [(b["办件编号"], b["办理环节"]) for b in bodies] == [(first, "受理"), (second, "不予受理"), (first, "办结")]
    assert bodies[0]["申请人证件号码"] == ID_NUMBER and bodies[0]["申请人证件类型"] == "居民身份证"
    assert bodies[0]["承诺办结日期"] == "2026-12-07" and bodies[0]["送达方式"] == "邮政寄递"
    assert bodies[1]["申请人类型"] == "法人" and bodies[1]["办理意见"] == "不属于本中心受理范围"
    assert bodies[2]["办理结果"] == "准予许可"
    assert platform.arrivals[:3] == [pushed[0]] * 3  # the first waited at the head of the line
    viewers = {v["viewer"] for v in store.applicant_views(first)}
    assert viewers == {f"follower:{NAME}"}  # the push's reading of the identity is on the record


def test_the_provinces_field_names_are_configurable_and_checked():
    ok = parse_config(PRESET + '\n[cases.province]\nendpoint = "https://zwfw.example.gov.cn/case"\n'
                      'fields = { case_number = "BJBH", stage = "HJMC" }\n', "hall.toml")
    names = dict(ok.cases.province.fields)
    assert (names["case_number"], names["stage"], names["matter_name"]) == ("BJBH", "HJMC", "事项名称")
    try:
        parse_config(PRESET + '\n[cases.province]\nendpoint = "ftp://x"\nfields = { nonsense = "X", stage = "办件编号" }\n',
                     "hall.toml")
    except ConfigError as exc:
        found = [str(p) for p in exc.problems]
    else:
        raise AssertionError("a bad [cases.province] was accepted")
    assert any("cases.province.endpoint: must be an http:// or https:// address" in p for p in found)
    assert any("'nonsense' = 'X' is not a renaming of one" in p for p in found)
    assert any("two of our fields map to the same name" in p for p in found)


async def test_the_running_server_pushes_by_itself(aiohttp_server, aiohttp_client, township, store, clock):
    from queue_server.auth import Accounts
    from queue_server.web.app import create_app

    platform = FakePlatform([])
    app = web.Application()
    app.router.add_post("/cases", platform.handle)
    server = await aiohttp_server(app)
    config = dataclasses.replace(township, cases=dataclasses.replace(
        township.cases, province=CaseLink(endpoint=str(server.make_url("/cases")), timeout_s=2.0)))
    service = HallService(config, store, clock)
    await aiohttp_client(create_app(service, Accounts(store), "http://hall.test"))
    number = service.open_case(OpenRequest("SHBX-002", "person", "李四", None, "mail", None, None, (), "window"),
                               None, CLERK).number
    service.case_step(number, "accept", CLERK)
    for _ in range(50):  # the follower idles a second between looks
        if platform.accepted:
            break
        await asyncio.sleep(0.1)
    assert [b["办件编号"] for b in platform.accepted.values()] == [number]
