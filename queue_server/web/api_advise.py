"""The layout advisor for managers: start a run on the hall's recent days (a job in a worker
thread, one at a time; the page polls it), see the layout the hall runs and the layouts accepted
before, and accept one — which records a `layout_set` event and takes effect at once (the
dispatcher, the kiosk, the display and the console follow the event). Nothing changes the hall
but that acceptance (docs/dispatch.md §8, docs/manage.md)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..events import LayoutSet
from ..layout import FILE, SOURCES, as_data, changes, serves_of
from ..numbering import business_day
from ..sim.advising import MAX_BUDGET, MAX_DAYS, MAX_HOLDOUT, PAGE_BUDGET, AdviseJobs, Request
from . import keys
from .common import MANAGERS, actor_of, body_of, reply, service_of
from .routing import api, integer, obj, string

ADVISE_BODY = obj({
    "days": integer(1, MAX_DAYS), "holdout": integer(0, MAX_HOLDOUT), "max_categories": integer(1, 20),
    "dedicated": {"type": "array", "items": integer(1, 99), "nullable": True},
    "exclusive": {"type": "array", "items": string(8)}, "budget": integer(1, MAX_BUDGET), "peak": {"type": "boolean"}})
LAYOUT_BODY = obj({
    "serves": {"type": "object", "description": "window number → the categories it serves, in preference order; "
                                                "every window (not needed for source = file)"},
    "source": string(10, enum=list(SOURCES)), "figures": {"type": "object", "nullable": True},
    "note": string(200)}, ("source",))


def jobs_of(request: web.Request) -> AdviseJobs:
    return request.app[keys.ADVISE]


@api("GET", "/api/v1/advise", summary="The layout advisor's last run: its state, progress and, when done, the "
     "proposal with the simulated before/after on the fitted and held-out days", roles=MANAGERS, tag="advisor")
async def advise_state(request: web.Request) -> web.Response:
    job = jobs_of(request).last
    return reply({"job": job.view() if job else None,
                  "defaults": {"days": 5, "holdout": 0, "max_categories": 4, "budget": PAGE_BUDGET},
                  "limits": {"days": MAX_DAYS, "holdout": MAX_HOLDOUT, "budget": MAX_BUDGET}})


@api("POST", "/api/v1/advise", summary="Start the layout advisor on the hall's last working days (one run at a time; "
     "it reads the history and changes nothing)", roles=MANAGERS, tag="advisor", body=ADVISE_BODY, status=202,
     other_statuses=(409,),
     description="days: recent working days to fit on (default 5); holdout: the days before those to check on; "
                 "max_categories: K per window; dedicated: windows never changed (default: those the hall file marks "
                 "dedicated — police, land, market); exclusive: categories no further window may learn; budget: layouts "
                 f"tried at most (default {PAGE_BUDGET}); peak: also propose one spare window to open at the busiest two "
                 "hours, with its categories (its effect is reported apart). Poll GET /api/v1/advise for progress and the result.")
async def advise_start(request: web.Request) -> web.Response:
    data = await body_of(request)
    svc = service_of(request)
    req = Request(days=data.get("days", 5), holdout=data.get("holdout", 0),
                  max_categories=data.get("max_categories", 4),
                  dedicated=None if data.get("dedicated") is None else tuple(data["dedicated"]),
                  exclusive=tuple(data.get("exclusive", ())), budget=data.get("budget", PAGE_BUDGET),
                  peak=data.get("peak", False))
    job = jobs_of(request).start(req, str(actor_of(request).name), business_day(svc.clock()).isoformat())
    return reply({"job": job.view()}, status=202)


def _history(svc: Any) -> list[dict[str, Any]]:
    out = []
    for e in reversed(list(svc.store.stream_of(LayoutSet.TYPE))):
        d = e.data
        out.append({"seq": e.seq, "at": e.at, "day": e.day, "by": d.get("by", ""), "source": d.get("source", ""),
                    "serves": d.get("serves", {}), "before": d.get("before", {}), "figures": d.get("figures"),
                    "note": d.get("note", ""),
                    "changed": changes({int(k): v for k, v in d.get("before", {}).items()},
                                       {int(k): v for k, v in d.get("serves", {}).items()})})
    return out


@api("GET", "/api/v1/layout", summary="The window layout the hall runs now, the hall file's, and every layout "
     "accepted (newest first: who, when, before and after, the simulated figures)", roles=MANAGERS, tag="advisor")
async def layout_state(request: web.Request) -> web.Response:
    svc = service_of(request)
    return reply({"current": as_data(serves_of(svc.config)), "file": as_data(serves_of(svc.file_config)),
                  "windows": [{"number": w.number, "name": w.name, "kind": w.kind, "dedicated": w.dedicated}
                              for w in svc.config.windows],
                  "categories": [{"code": c.code, "name": c.name, "name_en": c.name_en} for c in svc.config.categories],
                  "history": _history(svc)})


@api("POST", "/api/v1/layout", summary="Accept a window layout: recorded as an event (who, when, before and after, "
     "the simulated figures) and in effect at once, without a restart", roles=MANAGERS, tag="advisor",
     body=LAYOUT_BODY, other_statuses=(409,),
     description="source advisor: the advisor's proposal (send its figures); manager: a layout accepted before, "
                 "accepted again; file: back to the hall file's layout (serves is then not needed). Refused (409) "
                 "when the hall already runs that layout; 400 when a window or category is unknown, a window is "
                 "missing or a category would be served by no window.")
async def layout_accept(request: web.Request) -> web.Response:
    data = await body_of(request)
    svc = service_of(request)
    actor = actor_of(request)
    serves = as_data(serves_of(svc.file_config)) if data["source"] == FILE else data.get("serves")
    event = svc.run(lambda h, now: h.set_layout(serves, data["source"], now, str(actor), actor.name,
                                                data.get("figures"), data.get("note", "")))
    return reply({"seq": event.seq, "current": event.data["serves"], "before": event.data["before"]})
