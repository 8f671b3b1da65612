"""What each audience may see of the hall. Pure functions from state to JSON-ready dicts.

Public views (screens, the citizen's phone, the event stream) carry ticket numbers, windows,
categories and counts only — never a person key, a status token of someone else, an ID number
or a clerk's notes. Staff views add what a signed-in clerk needs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .appointments import bookable_matters
from .caps import remaining
from .estimate import Estimate
from .hall import Hall
from .hallconfig import CallingRules
from .outlook import quote_key
from .state import Ticket


def estimate_json(e: Estimate | None) -> dict[str, Any] | None:
    """The estimate as every screen receives it (docs/api.md, "The estimate")."""
    if e is None:
        return None
    finite = math.isfinite(e.high_s)
    return {"ahead": e.ahead,
            "wait_s": round(e.wait_s, 1) if finite else None,
            "low_min": int(e.low_s // 60) if finite else None,
            "high_min": int(-(-e.high_s // 60)) if finite else None,
            "open_now": e.open_now, "opens_at": e.opens_at,
            "beyond_closing": e.beyond_closing, "closes_at": e.closes_at}


def missed_note(calling: CallingRules, lang: str = "zh") -> str:
    """What happens to a missed ticket, in the words of the hall's own rule (slip and ticket page).
    Only characters a GB2312 printer font has."""
    minutes = f"{calling.rejoin_within_min:g}"
    if calling.no_show_rejoin == "refuse":
        return "过号请重新取号" if lang == "zh" else "If you miss your call, please take a new ticket"
    if calling.no_show_rejoin == "keep":
        return (f"过号后{minutes}分钟内可到窗口登记，恢复原来的排队位置" if lang == "zh" else
                f"Missed your call? Within {minutes} min a window can put you back in your place")
    return (f"过号后{minutes}分钟内可到窗口登记，重新排到队尾" if lang == "zh" else
            f"Missed your call? Within {minutes} min a window can queue you again, at the end")


def queue_summary(hall: Hall, estimates: Mapping[str, Estimate]) -> list[dict[str, Any]]:
    """Per category: people waiting, and what a ticket taken now would be told."""
    waiting = hall.waiting()
    left = remaining(hall.config, hall.state)
    out = []
    for c in hall.config.categories:
        mine = [t for t in waiting if t.category == c.code]
        out.append({"code": c.code, "prefix": c.prefix, "name": c.name, "name_en": c.name_en,
                    "waiting": len(mine), "estimate": estimate_json(estimates.get(quote_key(c.code))),
                    "daily_cap": c.daily_cap, "remaining": left[c.code]})
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


def snapshot(hall: Hall, estimates: Mapping[str, Estimate]) -> dict[str, Any]:
    return {
        "seq": hall.state.last_seq, "day": hall.state.day.isoformat(),
        "hall": {"name": hall.config.hall.name, "name_en": hall.config.hall.name_en},
        "windows": windows_public(hall),
        "queues": queue_summary(hall, estimates),
        "recent_calls": hall.state.recent_calls[:10],
        "notice": hall.state.desk.notice,
    }


def ticket_by_token(hall: Hall, token: str) -> Ticket | None:
    """Today's ticket behind a slip's status token (too short a token is never looked up)."""
    if len(token) < 16:
        return None
    return next((t for t in hall.state.tickets.values() if t.token == token), None)


def live_estimate(t: Ticket, estimates: Mapping[str, Estimate]) -> Estimate:
    """The ticket's estimate from the last replay; a ticket issued since keeps the one it was
    given until the next replay (a moment later) includes it."""
    return estimates.get(t.id) or Estimate.from_stored(t.estimate or {})


def ticket_public(hall: Hall, t: Ticket, estimates: Mapping[str, Estimate]) -> dict[str, Any]:
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
        "estimate": estimate_json(live_estimate(t, estimates)) if t.status == "waiting" else None,
        "serving_windows": [w.number for w in hall.config.windows_serving(t.category)],
        "hall": hall.config.hall.name,
        "supervision_phone": hall.config.hall.supervision_phone,
        "note": missed_note(hall.config.calling), "note_en": missed_note(hall.config.calling, "en"),
    }


def ticket_staff(hall: Hall, t: Ticket, estimates: Mapping[str, Estimate]) -> dict[str, Any]:
    """A ticket as a signed-in clerk or manager sees it (no person key: it is only for matching)."""
    return {**ticket_public(hall, t, estimates), "id": t.id, "queued_at": t.queued_at,
            "window_number": t.window, "target_window": t.target_window, "recalls": t.recalls,
            "transfers": t.transfers, "overtaken": t.overtaken, "priority_class": t.priority,
            "appointment": bool(t.appointment), "channel": t.channel, "started_at": t.started_at,
            "cases": list(t.cases)}


def issued_receipt(hall: Hall, t: Ticket, base_url: str | None) -> dict[str, Any]:
    """What the kiosk needs to print the slip (domain §4): no personal data on it. `base_url` is the
    hall's public address (public_url.py), None when phones cannot reach the server: then the slip
    carries no link rather than one no phone can open."""
    category = hall.config.category(t.category)
    matter = hall.config.matter(t.matter) if t.matter else None
    estimate = Estimate.from_stored(t.estimate or {})
    return {
        "id": t.id, "number": t.number, "token": t.token,
        "status_url": f"{base_url}/t/{t.token}" if base_url else None,
        # Where a phone books the next visit (printed as text under the ticket's QR: a second QR
        # on a slip gets scanned instead of the first); None when nothing can be booked.
        "book_url": f"{base_url}/book" if base_url and bookable_matters(hall.config) else None,
        "category": {"code": t.category, "name": category.name if category else t.category},
        "matter": {"code": matter.code, "name": matter.name} if matter else None,
        "priority": t.priority, "issued_at": t.issued_at,
        "ahead": estimate.ahead,
        "estimate": estimate_json(estimate),
        "windows": [{"number": w.number, "name": w.name} for w in hall.config.windows_serving(t.category)],
        "hall": hall.config.hall.name,
        "note": " ".join(n for n in (missed_note(hall.config.calling), hall.config.templates.slip_note) if n),
        "note_en": missed_note(hall.config.calling, "en"),
        "supervision_phone": hall.config.hall.supervision_phone,
        "cases": list(t.cases),  # a pick-up ticket's cases: the slip says how many to collect
    }
