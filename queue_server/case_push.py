"""Pushing cases to the province's online platform (the system of record where one exists): a
follower of the log (followers.py), so a step reaches the province once, in order, across outages
and restarts. What is pushed: acceptance (and its refusal or the wait for materials), the decision
(办结), the hand-over and a withdrawal — each with the case's identity and dates, in the province's
field names (`[cases] province.fields`, GB/T 39046-style names by default).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp

from hallapi.protocol import HALL_TZ

from .cases import Cases
from .events import CaseStep, Event
from .followers import Follower, http_delivery
from .hallconfig import CaseLink, HallConfig
from .store import Store

NAME = "province-cases"
TYPES = frozenset({CaseStep.TYPE})
# The steps the province hears about, and what it calls each stage.
STAGES = {"accept": "受理", "accept_incomplete": "补正告知", "return": "不予受理", "decide": "办结",
          "hand_over": "送达", "withdraw": "撤回", "send_to_region": "寄递办理地", "result_received": "结果寄回", "delivered": "签收"}
OUTCOMES = {"approved": "准予许可", "not_approved": "不予许可"}
DELIVERIES = {"window": "窗口领取", "ems": "邮政寄递", "electronic": "电子送达"}
APPLICANT_KINDS = {"person": "自然人", "company": "法人"}


def case_body(key: str, event: Event, cases: Cases, identity: dict[str, Any] | None, config: HallConfig) -> dict[str, Any] | None:
    """A case step in the province's terms, or None for a step the province is not told of."""
    step = event.payload()
    assert isinstance(step, CaseStep)
    if step.action not in STAGES:
        return None
    case = cases.get(step.case)
    matter = config.matter(case.matter)
    due = case.due(cases.calendar)
    identity = identity or {}
    id_number = identity.get("id_number") or identity.get("credit_code")
    ours: dict[str, Any] = {
        "case_number": case.number, "matter_code": case.matter, "matter_name": matter.name if matter else case.matter,
        "region_code": config.hall.region_code, "hall": config.hall.name, "case_type": case.case_type,
        "applicant_kind": APPLICANT_KINDS[case.applicant_kind],
        "applicant_name": identity.get("name") or case.applicant_name,
        "applicant_id_type": ("居民身份证" if identity.get("id_number") else "统一社会信用代码") if id_number else None,
        "applicant_id_number": id_number, "stage": STAGES[step.action],
        "stage_time": datetime.fromtimestamp(event.at, HALL_TZ).isoformat(timespec="seconds"),
        "accepted_on": case.accepted_day.isoformat() if case.accepted_day else None,
        "committed_due": due.day.isoformat() if due and due.day else None,
        "due_provisional": bool(due and due.provisional),
        "legal_limit_days": case.legal_limit_days, "committed_limit_days": case.committed_limit_days,
        "outcome": OUTCOMES.get(step.outcome or ""), "note": step.note, "clerk": step.by, "window": case.window,
        "delivery": DELIVERIES.get(step.delivery or case.delivery), "waybill": step.waybill,
    }
    names = dict(config.cases.province.fields)
    return {"idempotency_key": key, **{names[k]: v for k, v in ours.items()}}


def case_follower(store: Store, cases: Cases, config: HallConfig, clock, session: aiohttp.ClientSession) -> Follower:
    """The follower that pushes case steps to the province. Reading the applicant's identity for
    the push is recorded like any other reading."""
    link: CaseLink = config.cases.province

    def body_of(event: Event, key: str) -> dict[str, Any] | None:
        step = event.payload()
        assert isinstance(step, CaseStep)
        if step.action not in STAGES:
            return None
        return case_body(key, event, cases, store.applicant(step.case, f"follower:{NAME}", clock()), config)

    return Follower(NAME, TYPES, http_delivery(session, link.endpoint, link.timeout_s, body_of), store, clock)


async def push_cases(store: Store, cases: Cases, config: HallConfig, clock) -> None:
    """Push case steps for as long as the server runs (a background task of the web app)."""
    async with aiohttp.ClientSession() as session:
        await case_follower(store, cases, config, clock, session).run()
