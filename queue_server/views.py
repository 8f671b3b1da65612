"""What each audience may see of the hall. Pure functions from state to JSON-ready dicts.

Public views (screens, the citizen's phone, the event stream) carry ticket numbers, windows,
categories and counts only — never a person key, a status token of someone else, an ID number
or a clerk's notes. Staff views add what a signed-in clerk needs.
"""

from __future__ import annotations

from typing import Any

from .estimate import Estimate
from .hall import Event, Hall, Ticket

# Event fields that may leave the building on the public stream.
PUBLIC_FIELDS = {"number", "name", "category", "window", "reason_code", "recalls", "from_window", "to_category",
                 "to_window", "reason", "finished", "expired", "text"}
PUBLIC_FINISHED = {"number", "outcome"}


def public_event(event: Event) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in event.data.items():
        if key not in PUBLIC_FIELDS:
            continue
        if key == "finished" and value:
            value = {k: v for k, v in value.items() if k in PUBLIC_FINISHED}
        if key == "text" and event.type != "notice_set":
            continue
        if key == "reason" and event.type != "ticket_no_show":
            continue  # dispatcher reasons and pause reasons are for staff
        if key == "expired":
            value = len(value)
        data[key] = value
    return {"seq": event.seq, "type": event.type, "at": event.at, "data": data}


def estimate_json(e: Estimate | None) -> dict[str, Any] | None:
    if e is None:
        return None
    finite = e.high_s != float("inf")
    return {"ahead": e.ahead,
            "wait_s": round(e.wait_s, 1) if finite else None,
            "low_min": int(e.low_s // 60) if finite else None,
            "high_min": int(-(-e.high_s // 60)) if finite else None}


def queue_summary(hall: Hall, estimates: dict[str, Estimate]) -> list[dict[str, Any]]:
    """Per category: people waiting and how long the queue is (the estimate of its last ticket)."""
    waiting = hall.waiting()
    out = []
    for c in hall.config.categories:
        mine = [t for t in waiting if t.category == c.code]
        last = estimates.get(mine[-1].id) if mine else None
        out.append({"code": c.code, "prefix": c.prefix, "name": c.name, "name_en": c.name_en,
                    "waiting": len(mine), "estimate": estimate_json(last)})
    return out


def windows_public(hall: Hall) -> list[dict[str, Any]]:
    out = []
    for w in hall.config.windows:
        ws = hall.state.windows[w.number]
        current = hall.state.tickets.get(ws.current) if ws.current else None
        out.append({"number": w.number, "name": w.name, "kind": w.kind, "status": ws.status,
                    "serves": list(w.serves), "current": current.number if current else None,
                    "current_category": current.category if current else None})
    return out


def snapshot(hall: Hall, estimates: dict[str, Estimate]) -> dict[str, Any]:
    return {
        "seq": hall.state.last_seq, "day": hall.state.day.isoformat(),
        "hall": {"name": hall.config.hall.name, "name_en": hall.config.hall.name_en},
        "windows": windows_public(hall),
        "queues": queue_summary(hall, estimates),
        "recent_calls": hall.state.recent_calls[:10],
        "notice": hall.state.desk.notice,
    }


def ticket_public(hall: Hall, t: Ticket, estimates: dict[str, Estimate]) -> dict[str, Any]:
    """The citizen's own ticket, as the status page shows it."""
    category = hall.config.category(t.category)
    matter = hall.config.matter(t.matter) if t.matter else None
    window = hall.config.window(t.window) if t.window else None
    return {
        "number": t.number, "status": t.status, "outcome": t.outcome,
        "category": {"code": t.category, "name": category.name if category else t.category},
        "matter": {"code": matter.code, "name": matter.name} if matter else None,
        "priority": t.priority is not None,
        "issued_at": t.issued_at, "called_at": t.called_at, "finished_at": t.finished_at,
        "window": {"number": window.number, "name": window.name} if window and t.status in ("called", "serving", "held") else None,
        "estimate": estimate_json(estimates.get(t.id)) if t.status == "waiting" else None,
        "serving_windows": [w.number for w in hall.config.windows_serving(t.category)],
        "hall": hall.config.hall.name,
        "supervision_phone": hall.config.hall.supervision_phone,
    }


def ticket_staff(hall: Hall, t: Ticket, estimates: dict[str, Estimate]) -> dict[str, Any]:
    """A ticket as a signed-in clerk or manager sees it (no person key: it is only for matching)."""
    return {**ticket_public(hall, t, estimates), "id": t.id, "queued_at": t.queued_at,
            "window_number": t.window, "target_window": t.target_window, "recalls": t.recalls,
            "transfers": t.transfers, "overtaken": t.overtaken, "priority_class": t.priority,
            "appointment": bool(t.appointment), "channel": t.channel, "started_at": t.started_at}


def issued_receipt(hall: Hall, t: Ticket, base_url: str) -> dict[str, Any]:
    """What the kiosk needs to print the slip (domain §4): no personal data on it."""
    category = hall.config.category(t.category)
    matter = hall.config.matter(t.matter) if t.matter else None
    est = t.estimate or {}
    low, high = est.get("low_s"), est.get("high_s")
    return {
        "id": t.id, "number": t.number, "token": t.token,
        "status_url": f"{base_url}/t/{t.token}",
        "category": {"code": t.category, "name": category.name if category else t.category},
        "matter": {"code": matter.code, "name": matter.name} if matter else None,
        "priority": t.priority, "issued_at": t.issued_at,
        "ahead": est.get("ahead"),
        "estimate": {"low_min": int(low // 60) if low is not None else None,
                     "high_min": int(-(-high // 60)) if high is not None else None},
        "windows": [{"number": w.number, "name": w.name} for w in hall.config.windows_serving(t.category)],
        "hall": hall.config.hall.name,
        "note": hall.config.templates.slip_note,
        "supervision_phone": hall.config.hall.supervision_phone,
    }
