"""The hall's configuration: loaded from TOML, checked completely, then frozen (into the data of
`hallconfig.py`, re-exported here for callers that load a hall and use it).

Every hall-specific fact (windows, categories, prefixes, priority rules, templates, the matters
catalog) lives here as data. Loading never stops at the first problem: all problems are collected
and reported with the file, the line, the key and what is wrong, so an operator fixes a file in
one pass.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from datetime import date
from importlib import resources
from pathlib import Path

from hallapi.protocol import template_problem

from .config_check import REQUIRED, Checker, ConfigError, Problem, is_kind
from .hallconfig import (
    CASE_PUSH_FIELDS,
    DEFAULT_RATING_REASONS,
    PRIORITY_CLASSES,
    PROFESSIONAL_KINDS,
    REJOIN_RULES,
    TRANSFER_PLACEMENTS,
    WINDOW_KINDS,
    AppointmentRules,
    CallingRules,
    CaseLink,
    CaseRules,
    Category,
    HallConfig,
    HallInfo,
    Hours,
    PriorityRules,
    ProvinceLink,
    RatingRules,
    RetentionRules,
    Templates,
    Window,
)
from .matters import Matter, parse_matters
from .public_url import url_problem
from .toml_lines import key_lines
from .workdays import WorkCalendar

__all__ = [
    "PRESETS",
    "ConfigError",
    "load_preset",
    "load_config",
    "resolve_config",
    "parse_config",
    "WINDOW_KINDS",
    "PRIORITY_CLASSES",
    "REJOIN_RULES",
    "TRANSFER_PLACEMENTS",
    "HallInfo",
    "Hours",
    "Category",
    "Window",
    "PriorityRules",
    "CallingRules",
    "AppointmentRules",
    "Templates",
    "ProvinceLink",
    "RatingRules",
    "DEFAULT_RATING_REASONS",
    "HallConfig",
    "CASE_PUSH_FIELDS",
    "CaseLink",
    "CaseRules",
    "RetentionRules",
]

PRESETS = ("township", "village")


# ---------------------------------------------------------------- loading


def load_preset(name: str) -> HallConfig:
    if name not in PRESETS:
        raise ConfigError([Problem(f"preset:{name}", None, "", f"unknown preset; choose one of {', '.join(PRESETS)}")])
    text = resources.files("queue_server.presets").joinpath(f"{name}.toml").read_text("utf-8")
    return parse_config(text, f"preset:{name}")


def load_config(path: str | Path) -> HallConfig:
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(str(path), None, "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(str(path), None, "", f"not UTF-8 text ({exc.reason})")]) from None
    return parse_config(text, str(path), base_dir=path.parent)


def resolve_config(path: str | Path | None) -> HallConfig:
    """A file path, a preset name (`township`, `village`), or None for the embedded default."""
    if path is None:
        return load_preset("township")
    if str(path) in PRESETS:
        return load_preset(str(path))
    return load_config(path)


def parse_config(text: str, file: str, base_dir: Path | None = None) -> HallConfig:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        raise ConfigError([Problem(file, int(match.group(1)) if match else None, "",
                                   f"not valid TOML: {exc}")]) from None
    check = Checker(file, key_lines(text))
    config = _build(raw, check, base_dir)
    if check.problems:
        raise ConfigError(check.problems)
    assert config is not None
    return config


def _build(raw: dict, check: Checker, base_dir: Path | None) -> HallConfig | None:
    top = check.table(raw, (), {
        "hall": (dict, REQUIRED), "hours": (dict, REQUIRED), "categories": (list, REQUIRED),
        "windows": (list, REQUIRED), "priority": (dict, {}), "calling": (dict, {}),
        "appointments": (dict, {}), "templates": (dict, {}), "matters": (dict, {}), "ratings": (dict, {}),
        "calendar": (dict, {}), "cases": (dict, {}), "retention": (dict, {}),
    })
    # Only root causes are reported: a missing or broken section is one problem, not also every
    # key inside it nor every check that needs it (matters and windows need sound categories).
    hall = _hall(check, top["hall"]) if "hall" in top else None
    hours = _hours(check, top["hours"]) if "hours" in top else None
    before = len(check.problems)
    categories = _categories(check, top["categories"]) if "categories" in top else []
    codes = {c.code for c in categories} if "categories" in top and len(check.problems) == before else None
    windows = _windows(check, top["windows"], codes) if "windows" in top else []
    priority = _priority(check, top.get("priority", {}))
    calling = _calling(check, top.get("calling", {}))
    appointments = _appointments(check, top.get("appointments", {}))
    templates = _templates(check, top.get("templates", {}))
    matters = _matters(check, top.get("matters", {}), codes, base_dir)
    ratings = _ratings(check, top.get("ratings", {}))
    calendar = _calendar(check, top.get("calendar", {}))
    cases = _cases(check, top.get("cases", {}))
    retention = _retention(check, top.get("retention", {}))
    if cases.pickup_category and codes is not None and cases.pickup_category not in codes:
        check.fail(("cases", "pickup_category"), f"{cases.pickup_category!r} is not one of this hall's categories")
    _check_caps(check, categories, hours, appointments, cases.pickup_category)
    if check.problems or hall is None or hours is None:
        return None
    return HallConfig(hall, hours, tuple(categories), tuple(windows), priority, calling,
                      appointments, templates, tuple(matters), ratings, calendar, cases, source=check.file,
                      retention=retention)


RETENTION_DAYS = (30, 3650)  # a month at least (差评 follow-ups, results collected), ten years at most


def _retention(check: Checker, data: dict) -> RetentionRules:
    v = check.table(data, ("retention",), {"personal_days": (int, RetentionRules.personal_days)})
    low, high = RETENTION_DAYS
    if not low <= v["personal_days"] <= high:
        check.fail(("retention", "personal_days"),
                   f"must be between {low} and {high} days (personal data is kept this long, then purged); "
                   f"got {v['personal_days']}")
    return RetentionRules(v["personal_days"])


def _cases(check: Checker, data: dict) -> CaseRules:
    v = check.table(data, ("cases",), {"yellow_days": (int, 1), "review_body": (str, ""), "court": (str, ""),
                                       "province": (dict, {}), "pickup_category": (str, "")})
    if not 0 <= v["yellow_days"] <= 10:
        check.fail(("cases", "yellow_days"), "must be between 0 and 10 working days")
    return CaseRules(v["yellow_days"], v["review_body"].strip(), v["court"].strip(), _case_link(check, v["province"]),
                     v["pickup_category"])


def _case_link(check: Checker, data: dict) -> CaseLink:
    path = ("cases", "province")
    v = check.table(data, path, {"endpoint": (str, ""), "timeout_s": (float, 10.0), "fields": (dict, {})})
    if v["endpoint"] and not re.match(r"https?://", v["endpoint"]):
        check.fail((*path, "endpoint"), "must be an http:// or https:// address (or empty: do not push)")
    if not 1 <= v["timeout_s"] <= 120:
        check.fail((*path, "timeout_s"), "must be between 1 and 120 seconds")
    names = dict(CASE_PUSH_FIELDS)
    for ours, theirs in v["fields"].items():
        if ours not in names or not isinstance(theirs, str) or not theirs.strip():
            check.fail((*path, "fields"), f"our fields are {', '.join(names)}; {ours!r} = {theirs!r} is not a renaming of one")
            continue
        names[ours] = theirs.strip()
    if len(set(names.values())) != len(names):
        check.fail((*path, "fields"), "two of our fields map to the same name")
    return CaseLink(v["endpoint"], v["timeout_s"], tuple(names.items()))


def _calendar(check: Checker, data: dict) -> WorkCalendar:
    v = check.table(data, ("calendar",), {"holidays": (list, []), "workdays": (list, [])})
    days: dict[str, set[date]] = {"holidays": set(), "workdays": set()}
    for key in days:
        for item in v[key]:
            try:
                days[key].add(item if isinstance(item, date) else date.fromisoformat(str(item)))
            except ValueError:
                check.fail(("calendar", key), f"{item!r} is not a date (write 2027-01-01)")
    both = days["holidays"] & days["workdays"]
    if both:
        check.fail(("calendar", "workdays"), f"listed as both holiday and working day: {', '.join(map(str, sorted(both)))}")
    return WorkCalendar(frozenset(days["holidays"]), frozenset(days["workdays"]))


def _ratings(check: Checker, data: dict) -> RatingRules:
    v = check.table(data, ("ratings",), {"reasons": (list, list(DEFAULT_RATING_REASONS)), "pad_timeout_s": (int, 60),
                                         "follow_up_days": (int, 5), "province": (dict, {}),
                                         "default_after_days": (int, 0), "default_level": (int, 4)})
    if not 0 <= v["default_after_days"] <= 60:
        check.fail(("ratings", "default_after_days"), "must be between 0 (no default rating) and 60 days")
    if not 1 <= v["default_level"] <= 5:
        check.fail(("ratings", "default_level"), "must be a level from 1 (非常不满意) to 5 (非常满意)")
    if not 1 <= v["follow_up_days"] <= 60:
        check.fail(("ratings", "follow_up_days"), "must be between 1 and 60 working days")
    reasons = v["reasons"]
    if not reasons or not all(isinstance(r, str) and r.strip() for r in reasons) or len(set(reasons)) != len(reasons):
        check.fail(("ratings", "reasons"), "must list distinct, non-empty reasons for 差评")
    if not 10 <= v["pad_timeout_s"] <= 600:
        check.fail(("ratings", "pad_timeout_s"), "must be between 10 and 600 seconds")
    return RatingRules(tuple(map(str, reasons)), v["pad_timeout_s"], v["follow_up_days"],
                       _province(check, v["province"]), v["default_after_days"], v["default_level"])


def _province(check: Checker, data: dict) -> ProvinceLink:
    path = ("ratings", "province")
    default = ProvinceLink()
    v = check.table(data, path, {"endpoint": (str, ""), "level_codes": (dict, {}), "channel_codes": (dict, {}),
                                 "timeout_s": (float, 10.0)})
    if v["endpoint"] and not re.match(r"https?://", v["endpoint"]):
        check.fail((*path, "endpoint"), "must be an http:// or https:// address (or empty: do not forward)")
    levels = dict(default.level_codes)
    for key, code in v["level_codes"].items():
        if key not in {"1", "2", "3", "4", "5"} or not isinstance(code, str):
            check.fail((*path, "level_codes"), f"map our levels \"1\"…\"5\" (5 = 非常满意) to the province's code strings; "
                       f"{key!r} = {code!r} is not that")
            continue
        levels[int(key)] = code
    if len(set(levels.values())) != 5:
        check.fail((*path, "level_codes"), "two levels map to the same province code")
    channels = dict(default.channel_codes)
    for key, code in v["channel_codes"].items():
        if key not in channels or not isinstance(code, str):
            check.fail((*path, "channel_codes"), f"channels are {', '.join(channels)}; {key!r} = {code!r} is not that")
            continue
        channels[key] = code
    if not 1 <= v["timeout_s"] <= 120:
        check.fail((*path, "timeout_s"), "must be between 1 and 120 seconds")
    return ProvinceLink(v["endpoint"], tuple(sorted(levels.items(), reverse=True)), tuple(channels.items()),
                        float(v["timeout_s"]))


def _hall(check: Checker, data: dict) -> HallInfo | None:
    v = check.table(data, ("hall",), {
        "name": (str, REQUIRED), "name_en": (str, ""), "region_code": (str, REQUIRED),
        "timezone": (str, "Asia/Shanghai"), "target_wait_min": (int, 15),
        "supervision_phone": (str, "12345"), "service_commitment": (str, "一次告知、限时办结、热情服务、廉洁高效"),
        "public_url": (str, ""), "address": (str, ""),
    })
    if len(v["address"]) > 120:
        check.fail(("hall", "address"), "must be at most 120 characters (it is printed on the booking page)")
    url_error = url_problem(v["public_url"])
    if url_error:
        check.fail(("hall", "public_url"), url_error)
    if "name" in v and not v["name"].strip():
        check.fail(("hall", "name"), "must not be empty")
    if "region_code" in v and not re.fullmatch(r"\d{6}(\d{3}){0,2}", v["region_code"]):
        check.fail(("hall", "region_code"), f"must be a 6, 9 or 12 digit 行政区划代码, not {v['region_code']!r}")
    if v.get("timezone") not in (None, "Asia/Shanghai"):
        check.fail(("hall", "timezone"), "the business day is kept in Asia/Shanghai; other zones are not supported")
    if "target_wait_min" in v and not 1 <= v["target_wait_min"] <= 240:
        check.fail(("hall", "target_wait_min"), "must be between 1 and 240 minutes")
    if any(k not in v for k in ("name", "region_code")):
        return None
    return HallInfo(v["name"], v["name_en"], v["region_code"], v["timezone"],
                    v["target_wait_min"], v["supervision_phone"], v["service_commitment"], v["public_url"],
                    v["address"])


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _hours(check: Checker, data: dict) -> Hours | None:
    v = check.table(data, ("hours",), {"days": (list, [1, 2, 3, 4, 5]), "sessions": (list, REQUIRED),
                                       "stop_issuing_min": (int, 0)})
    if not 0 <= v["stop_issuing_min"] <= 120:
        check.fail(("hours", "stop_issuing_min"), "must be between 0 and 120 minutes")
    days = v.get("days", [])
    if not days or any(not is_kind(d, int) or not 1 <= d <= 7 for d in days) or len(set(days)) != len(days):
        check.fail(("hours", "days"), "must list distinct ISO weekdays 1 (Monday) … 7 (Sunday)")
    sessions: list[tuple[str, str]] = []
    for pair in v.get("sessions", []):
        if (not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(t, str) and _HHMM.match(t) for t in pair)):
            check.fail(("hours", "sessions"), f"each session must be [\"HH:MM\", \"HH:MM\"], not {pair!r}")
            return None
        sessions.append((pair[0], pair[1]))
    if "sessions" in v and not sessions:
        check.fail(("hours", "sessions"), "needs at least one opening session")
    previous_end = ""
    for start, end in sessions:
        if start >= end:
            check.fail(("hours", "sessions"), f"session {start}–{end} ends before it starts")
        elif start < previous_end:
            check.fail(("hours", "sessions"), f"session {start}–{end} overlaps the one before; list them in order")
        previous_end = end
    if "sessions" not in v:
        return None
    return Hours(tuple(days), tuple(sessions), v["stop_issuing_min"])


def _categories(check: Checker, items: list) -> list[Category]:
    out: list[Category] = []
    seen_codes: dict[str, int] = {}
    seen_prefixes: dict[str, int] = {}
    if not items:
        check.fail(("categories",), "the hall needs at least one category ([[categories]])")
    for i, item in enumerate(items):
        path = ("categories", i)
        v = check.table(item, path, {
            "code": (str, REQUIRED), "prefix": (str, None), "name": (str, REQUIRED),
            "name_en": (str, ""), "service_min": (float, 8), "daily_cap": (int, None),
            "appointments_per_slot": (int, None),
        })
        if "code" not in v or "name" not in v:
            continue
        code = v["code"]
        prefix = v["prefix"] if v["prefix"] is not None else code
        if not re.fullmatch(r"[A-Z][A-Z0-9]{0,3}", code):
            check.fail((*path, "code"), f"must be 1–4 capital letters/digits starting with a letter, not {code!r}")
        if not re.fullmatch(r"[A-Z]{1,2}", prefix):
            check.fail((*path, "prefix" if v["prefix"] is not None else "code"),
                       f"ticket prefix must be 1–2 capital letters, not {prefix!r}")
        if code in seen_codes:
            check.fail((*path, "code"), f"duplicate category code {code!r} (also categories[{seen_codes[code] + 1}])")
        if prefix in seen_prefixes:
            check.fail((*path, "prefix" if v["prefix"] is not None else "code"),
                       f"duplicate ticket prefix {prefix!r} (also categories[{seen_prefixes[prefix] + 1}]): numbers would collide")
        if not 0.5 <= v["service_min"] <= 240:
            check.fail((*path, "service_min"), "must be between 0.5 and 240 minutes")
        if v["daily_cap"] is not None and not 1 <= v["daily_cap"] <= MAX_DAILY_CAP:
            check.fail((*path, "daily_cap"), f"must be between 1 and {MAX_DAILY_CAP} walk-in numbers a day; "
                       "leave the key out for no cap")
        if v["appointments_per_slot"] is not None and not 0 <= v["appointments_per_slot"] <= MAX_PER_SLOT:
            check.fail((*path, "appointments_per_slot"),
                       f"must be between 0 (no appointments in this category) and {MAX_PER_SLOT}")
        seen_codes.setdefault(code, i)
        seen_prefixes.setdefault(prefix, i)
        out.append(Category(code, prefix, v["name"], v["name_en"], float(v["service_min"]), v["daily_cap"],
                            v["appointments_per_slot"]))
    return out


def _windows(check: Checker, items: list, codes: set[str] | None) -> list[Window]:
    """The windows; `codes` is None when the categories are broken (then `serves` is not checked)."""
    out: list[Window] = []
    numbers: dict[int, int] = {}
    if not items:
        check.fail(("windows",), "the hall needs at least one window ([[windows]])")
    for i, item in enumerate(items):
        path = ("windows", i)
        v = check.table(item, path, {
            "number": (int, REQUIRED), "name": (str, REQUIRED), "kind": (str, "comprehensive"),
            "serves": (list, REQUIRED), "dedicated": (bool, None),
        })
        if "number" in v:
            if not 1 <= v["number"] <= 99:
                check.fail((*path, "number"), "must be between 1 and 99")
            if v["number"] in numbers:
                check.fail((*path, "number"), f"window number {v['number']} is used twice (also windows[{numbers[v['number']] + 1}])")
            numbers.setdefault(v["number"], i)
        if v.get("kind") not in WINDOW_KINDS:
            hint = difflib.get_close_matches(str(v.get("kind")), list(WINDOW_KINDS), n=1)
            check.fail((*path, "kind"), f"unknown window kind {v.get('kind')!r}"
                       + (f" (did you mean '{hint[0]}'?)" if hint else "")
                       + f"; known kinds: {', '.join(WINDOW_KINDS)}")
        serves = v.get("serves", [])
        if "serves" in v and not serves:
            check.fail((*path, "serves"), "the window serves nothing: list at least one category")
        for code in serves:
            if codes is not None and (not isinstance(code, str) or code not in codes):
                check.fail((*path, "serves"), f"unknown category {code!r} (categories: {', '.join(sorted(codes))})")
        if len(set(map(str, serves))) != len(serves):
            check.fail((*path, "serves"), "lists a category twice")
        if all(k in v for k in ("number", "name", "serves")):
            dedicated = v["kind"] in PROFESSIONAL_KINDS if v.get("dedicated") is None else v["dedicated"]
            out.append(Window(v["number"], v["name"], v["kind"], tuple(str(s) for s in serves), dedicated))
    if codes is None or not items or len(out) < len(items):
        return out  # a window too broken to build may be the one that serves them
    served = {c for w in out for c in w.serves}
    for code in sorted(codes - served):
        check.fail(("windows",), f"no window serves category {code!r}: its tickets would never be called")
    return out


def _priority(check: Checker, data: dict) -> PriorityRules:
    v = check.table(data, ("priority",), {
        "classes": (list, list(PRIORITY_CLASSES)), "elderly_age": (int, 60),
        "max_overtake": (int, 3), "promote_after_min": (float, 45), "preference_step_min": (float, 0),
    })
    if not 0 <= v["preference_step_min"] <= 60:
        check.fail(("priority", "preference_step_min"), "must be between 0 and 60 minutes")
    for name in v["classes"]:
        if name not in PRIORITY_CLASSES:
            check.fail(("priority", "classes"), f"unknown priority class {name!r}; known: {', '.join(PRIORITY_CLASSES)}")
    if not 50 <= v["elderly_age"] <= 100:
        check.fail(("priority", "elderly_age"), "must be between 50 and 100")
    if not 0 <= v["max_overtake"] <= 50:
        check.fail(("priority", "max_overtake"), "must be between 0 and 50")
    if not 1 <= v["promote_after_min"] <= 480:
        check.fail(("priority", "promote_after_min"), "must be between 1 and 480 minutes")
    return PriorityRules(tuple(map(str, v["classes"])), v["elderly_age"], v["max_overtake"],
                         float(v["promote_after_min"]), float(v["preference_step_min"]))


def _calling(check: Checker, data: dict) -> CallingRules:
    v = check.table(data, ("calling",), {
        "recall_limit": (int, 2), "no_show_rejoin": (str, "back"),
        "rejoin_within_min": (float, 30), "transfer_placement": (str, "keep"),
        "show_names": (bool, False),
    })
    if not 0 <= v["recall_limit"] <= 10:
        check.fail(("calling", "recall_limit"), "must be between 0 and 10")
    if v["no_show_rejoin"] not in REJOIN_RULES:
        check.fail(("calling", "no_show_rejoin"), f"must be one of {', '.join(REJOIN_RULES)}")
    if v["transfer_placement"] not in TRANSFER_PLACEMENTS:
        check.fail(("calling", "transfer_placement"), f"must be one of {', '.join(TRANSFER_PLACEMENTS)}")
    if not 0 <= v["rejoin_within_min"] <= 480:
        check.fail(("calling", "rejoin_within_min"), "must be between 0 and 480 minutes")
    return CallingRules(v["recall_limit"], v["no_show_rejoin"], float(v["rejoin_within_min"]), v["transfer_placement"],
                        v["show_names"])


MAX_DAILY_CAP = 9999  # a number never has more than four digits after its prefix
MAX_PER_SLOT = 50


def _appointments(check: Checker, data: dict) -> AppointmentRules:
    v = check.table(data, ("appointments",), {"early_min": (float, 30), "late_min": (float, 15),
                                              "slot_min": (int, 30), "per_slot": (int, 2),
                                              "book_ahead_days": (int, 14), "no_show_limit": (int, 3),
                                              "no_show_days": (int, 90), "block_days": (int, 30)})
    for key in ("early_min", "late_min"):
        if not 0 <= v[key] <= 240:
            check.fail(("appointments", key), "must be between 0 and 240 minutes")
    if not 5 <= v["slot_min"] <= 240:
        check.fail(("appointments", "slot_min"), "must be between 5 and 240 minutes (the length of one appointment slot)")
    if not 0 <= v["per_slot"] <= MAX_PER_SLOT:
        check.fail(("appointments", "per_slot"), f"must be between 0 (no appointments) and {MAX_PER_SLOT} a slot")
    if not 1 <= v["book_ahead_days"] <= 90:
        check.fail(("appointments", "book_ahead_days"), "must be between 1 and 90 days")
    if not 0 <= v["no_show_limit"] <= 20:
        check.fail(("appointments", "no_show_limit"), "must be between 0 (never block) and 20 missed appointments")
    for key in ("no_show_days", "block_days"):
        if not 1 <= v[key] <= 365:
            check.fail(("appointments", key), "must be between 1 and 365 days")
    return AppointmentRules(float(v["early_min"]), float(v["late_min"]), v["slot_min"], v["per_slot"],
                            v["book_ahead_days"], v["no_show_limit"], v["no_show_days"], v["block_days"])


def _check_caps(check: Checker, categories: list[Category], hours: Hours | None, appointments: AppointmentRules,
                pickup: str) -> None:
    """Daily caps against the rest of the hall: a capped category's overflow is offered a slot, so
    the slots must fit in the opening sessions; results already decided are never capped."""
    for i, c in enumerate(categories):
        if c.daily_cap is not None and c.code == pickup:
            check.fail(("categories", i, "daily_cap"), f"{c.code} is the pick-up category ([cases] pickup_category): "
                       "people collecting a finished result must never be turned away; remove the cap")
    capped = [c for c in categories if c.daily_cap is not None]
    if capped and hours is not None and appointments.slot_min <= 240:
        longest = max(_minutes(end) - _minutes(start) for start, end in hours.sessions)
        if longest < appointments.slot_min:
            check.fail(("appointments", "slot_min"), f"no {appointments.slot_min}-minute slot fits in any opening "
                       f"session (the longest is {longest} min), so a capped category could offer no appointment")


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _templates(check: Checker, data: dict) -> Templates:
    v = check.table(data, ("templates",), {
        "voice": (str, "请{number}号到{window}号窗口办理"), "led": (str, "请{number}到{window}号窗口"),
        "slip_note": (str, ""),
    })
    for key in ("voice", "led"):
        problem = template_problem(v[key])
        if problem:
            check.fail(("templates", key), problem)
        fields = set(re.findall(r"{([^{}:!]*)", v[key]))
        for needed in ("number", "window"):
            if needed not in fields:
                check.fail(("templates", key), f"must contain {{{needed}}}")
    return Templates(v["voice"], v["led"], v["slip_note"])


def _matters(check: Checker, data: dict, codes: set[str] | None, base_dir: Path | None) -> list[Matter]:
    """The catalog's matters in this hall's categories; `codes` None: the categories are broken, so
    mapping matters to them is not checked (every matter would be reported unmapped)."""
    v = check.table(data, ("matters",), {
        "catalog": (str, "builtin"), "category_map": (dict, {}), "exclude": (list, []),
    })
    for source, target in v["category_map"].items():
        if codes is not None and target not in codes:
            check.fail(("matters", "category_map"), f"maps {source!r} to unknown category {target!r}")
    if v["catalog"] == "builtin":
        text = resources.files("queue_server.data").joinpath("matters.json").read_text("utf-8")
        name = "builtin matters catalog"
    else:
        path = Path(v["catalog"])
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            text = path.read_text("utf-8")
        except (FileNotFoundError, UnicodeDecodeError) as exc:
            check.fail(("matters", "catalog"), f"cannot read {path}: {exc}")
            return []
        name = str(path)
    matters = parse_matters(text, name, check)
    if codes is None:
        return []
    excluded = set(v["exclude"])
    out = []
    unmapped: set[str] = set()
    for m in matters:
        if m.code in excluded:
            continue
        category = v["category_map"].get(m.category, m.category)
        if category not in codes:
            unmapped.add(m.category)
            continue
        out.append(Matter(**{**m.__dict__, "category": category}))
    if unmapped:  # one problem, one fix: listing each category apart would bury the rest
        first, listed = min(unmapped), ", ".join(repr(c) for c in sorted(unmapped))
        noun = "category" if len(unmapped) == 1 else "categories"
        check.fail(("matters", "category_map"),
                   f"catalog matters of {noun} {listed} have no category in this hall: add the {noun}, "
                   f"map {'it' if len(unmapped) == 1 else 'them'} (category_map = {{ {first} = \"A\" }}) "
                   "or exclude those matters")
    return out
