"""The manager's reports: figures over a period, hall-wide and broken down. Pure code.

Input is rows of the history tables (store/history.py), read once per report; nothing here reads
the event log, a clock or a file. Every figure is defined once, in `FIGURES` (with its formula and
what it leaves out); `docs/statistics.md` is generated from it and a test keeps the two equal.
Percentiles are nearest-rank, as on the live page (stats.py).
"""

from __future__ import annotations

import bisect
import json
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from hallapi.protocol import HALL_TZ

from .casework import supervise
from .hallconfig import HallConfig
from .workdays import WorkCalendar

# ---------------------------------------------------------------- periods

PERIOD_KINDS = ("day", "week", "month", "quarter", "year", "custom")
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DIMENSIONS = ("window", "category", "matter", "clerk", "hour", "weekday", "day")


@dataclass(frozen=True)
class Period:
    kind: str
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def label(self) -> str:
        if self.kind == "day":
            return self.first.isoformat()
        if self.kind == "week":
            return f"{self.first.isocalendar()[0]}-W{self.first.isocalendar()[1]:02d}"
        if self.kind == "month":
            return f"{self.first.year}-{self.first.month:02d}"
        if self.kind == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.first.year)
        return f"{self.first.isoformat()}~{self.last.isoformat()}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "first": self.first.isoformat(), "last": self.last.isoformat(),
                "label": self.label(), "days": self.days}


def period(kind: str, anchor: date, last: date | None = None) -> Period:
    """The period of `kind` that holds `anchor` (custom: `anchor` through `last`)."""
    if kind == "day":
        return Period(kind, anchor, anchor)
    if kind == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return Period(kind, first, first + timedelta(days=6))
    if kind == "month":
        first = anchor.replace(day=1)
        return Period(kind, first, _month_end(first))
    if kind == "quarter":
        first = anchor.replace(month=(anchor.month - 1) // 3 * 3 + 1, day=1)
        return Period(kind, first, _month_end(first.replace(month=first.month + 2)))
    if kind == "year":
        return Period(kind, anchor.replace(month=1, day=1), anchor.replace(month=12, day=31))
    if kind == "custom":
        if last is None or last < anchor:
            raise ValueError("a custom period needs a last day on or after its first")
        if (last - anchor).days > 366 * 3:
            raise ValueError("a custom period may span at most three years")
        return Period(kind, anchor, last)
    raise ValueError(f"period must be one of {', '.join(PERIOD_KINDS)}")


def previous(p: Period) -> Period:
    """The period just before, of the same kind and length (a custom range: as many days before)."""
    if p.kind in ("day", "week", "custom"):
        return Period(p.kind, p.first - timedelta(days=p.days), p.first - timedelta(days=1))
    return period(p.kind, p.first - timedelta(days=1))


def _month_end(first: date) -> date:
    following = first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)
    return following - timedelta(days=1)


# ---------------------------------------------------------------- definitions


@dataclass(frozen=True)
class Figure:
    key: str
    zh: str
    en: str
    unit: str  # count | s | share | h
    formula: str
    excludes: str = ""
    formula_zh: str = ""  # the same, for the Chinese pages and files (filled from `IN_CHINESE` below)
    excludes_zh: str = ""


FIGURES: tuple[Figure, ...] = (
    Figure("issued", "取号数", "tickets issued", "count",
           "tickets whose business day falls in the period (kiosk, counter, appointment check-in)",
           "issue requests the hall refused; a kiosk's request it gave up on before a number was taken"),
    Figure("served", "办结数", "served", "count", "tickets whose service a window finished as served"),
    Figure("no_show", "过号数", "no-show", "count", "tickets skipped at a window because the holder did not come",
           "a ticket that rejoined the queue afterwards counts by its final outcome"),
    Figure("cancelled", "取消数", "cancelled", "count", "tickets cancelled by the holder or staff"),
    Figure("expired", "未叫号数", "not served that day", "count",
           "tickets still waiting, called or held when the business day closed"),
    Figure("transferred", "转移数", "transferred", "count",
           "tickets moved to another category at least once (counted once; their outcome counts too)"),
    Figure("wait_mean_s", "平均等候", "mean wait", "s",
           "mean of (first call − ticket taken) over tickets called at least once",
           "tickets never called (cancelled, expired); a recall does not restart the wait"),
    Figure("wait_median_s", "等候中位数", "median wait", "s", "the middle wait (mean of the two middle values for an even count)"),
    Figure("wait_p90_s", "等候P90", "P90 wait", "s", "nearest rank: the smallest wait that 90 % of waits do not exceed"),
    Figure("wait_p95_s", "等候P95", "P95 wait", "s", "nearest rank: the smallest wait that 95 % of waits do not exceed"),
    Figure("wait_max_s", "最长等候", "longest wait", "s", "the longest wait"),
    Figure("within_target", "目标内叫号率", "called within target", "share",
           "waits ≤ the hall's target wait ÷ waits (the target is shown beside it)", "tickets never called"),
    Figure("service_mean_s", "平均办理时长", "mean service", "s",
           "mean of (finished − service started; the call when no start was pressed) over served tickets",
           "no-shows, cancelled and expired tickets"),
    Figure("service_median_s", "办理时长中位数", "median service", "s", "the middle service time"),
    Figure("service_p90_s", "办理时长P90", "P90 service", "s", "nearest rank, as for waits"),
    Figure("service_p95_s", "办理时长P95", "P95 service", "s", "nearest rank, as for waits"),
    Figure("service_max_s", "最长办理时长", "longest service", "s", "the longest service"),
    Figure("rated", "主动评价数", "rated", "count", "served tickets the citizen rated (pad, evaluator or QR)",
           "system default ratings (a province's rule after silence)"),
    Figure("active_rate", "主动评价率", "rating rate", "share", "rated ÷ served", "system default ratings"),
    Figure("good_rate", "好评率", "good rating share", "share",
           "ratings of 4 (满意) or 5 (非常满意) ÷ rated", "system default ratings"),
    Figure("bad", "差评数", "bad ratings", "count", "ratings of 1 or 2 (不满意, 非常不满意)"),
    Figure("unrated_rate", "未评率", "unrated share", "share",
           "served tickets without a citizen's rating ÷ served (a system default does not make one rated)"),
    Figure("defaulted", "系统默认评价数", "system defaults", "count",
           "services a province's rule rated by default after N days of silence (shown apart, never in 好评率)"),
)
WINDOW_FIGURES: tuple[Figure, ...] = (
    Figure("open_h", "开窗时长", "window open hours", "h",
           "time from opening to closing a window (sign-in to sign-out), pauses included",
           "a window left open at the day's end counts until the day's last event"),
    Figure("pause_h", "暂停时长", "pause hours", "h", "time paused, all reasons (by reason in its own table)"),
    Figure("idle_queue_h", "空闲待叫时长", "idle while queue", "h",
           "time a window was open (not paused), serving nobody, while someone it serves was waiting",
           "time after the day's last event"),
)
ATTENDANCE_FIGURES: tuple[Figure, ...] = (
    Figure("days", "出勤天数", "days at a window", "count", "days the clerk signed in to any window"),
    Figure("late_days", "迟到天数", "days late", "count", "days whose first sign-in came after the first session's start",
           "a hall open around the clock (00:00–23:59): not judged"),
    Figure("early_days", "早退天数", "days left early", "count",
           "days whose last sign-out came before the last session's end",
           "a window never closed (its last event is taken as the sign-out); a hall open around the clock: not judged"),
    Figure("signed_in_h", "在岗时长", "hours signed in", "h", "open and paused time at any window"),
)
CASE_FIGURES: tuple[Figure, ...] = (
    Figure("opened", "收件数", "cases received", "count", "cases received in the period"),
    Figure("accepted", "受理数", "accepted", "count", "cases accepted in the period (complete, or after 补正)"),
    Figure("returned", "不予受理数", "not accepted", "count", "received in the period and not accepted"),
    Figure("finished", "办结数", "decided", "count", "cases decided in the period (approved or not)"),
    Figure("on_time_rate", "按时办结率", "decided on time", "share",
           "cases decided on or before their committed deadline ÷ cases decided"),
    Figure("open_green", "在办(绿)", "open, green", "count", "cases open at the period's end, more than the warning days left"),
    Figure("open_yellow", "在办(黄)", "open, yellow", "count", "open at the period's end, within the warning days of the deadline"),
    Figure("open_red", "在办(红)", "open, red", "count", "open at the period's end and past the deadline"),
)
FOLLOW_UP_FIGURES: tuple[Figure, ...] = (
    Figure("bad_items", "差评件数", "bad-rating items", "count", "差评 given in the period (each opens a follow-up)"),
    Figure("rectified_on_time", "按时整改率", "rectified on time", "share",
           "items rectified by their deadline ÷ items rectified or past their deadline"),
)
APPOINTMENT_FIGURES: tuple[Figure, ...] = (
    Figure("booked", "预约数", "booked", "count", "appointments for a day in the period"),
    Figure("kept", "按时签到", "kept", "count", "checked in at the kiosk by the slot's end plus the grace"),
    Figure("late", "迟到签到", "late", "count", "checked in after that (queued as a walk-in)"),
    Figure("missed", "爽约", "missed", "count", "not checked in by the end of a past day", "today's bookings"),
)
# The figures' definitions in Chinese, for the Chinese pages, exports and the 台账.
IN_CHINESE: dict[str, tuple[str, str]] = {  # key → (formula, what it leaves out)
    "issued": ("业务日在本期内的取号（自助机、窗口代取、预约签到）", "大厅拒绝的取号请求；自助机在取得号码前放弃的请求"),
    "served": ("窗口办结（按已办理结束）的号", ""),
    "no_show": ("因本人未到、被窗口过号的号", "过号后重新排队的，按其最终结果计"),
    "cancelled": ("本人或工作人员取消的号", ""),
    "expired": ("业务日结束时仍在等候、已叫号或挂起的号", ""),
    "transferred": ("至少转移过一次业务类别的号（只计一次，其结果另计）", ""),
    "wait_mean_s": ("（首次叫号时间 − 取号时间）的平均值，按至少被叫过一次的号计", "从未被叫的号（取消、未叫号）；重呼不重新计时"),
    "wait_median_s": ("等候时间的中间值（偶数个时取中间两个的平均）", ""),
    "wait_p90_s": ("最近秩法：90% 的等候不超过的最小值", ""),
    "wait_p95_s": ("最近秩法：95% 的等候不超过的最小值", ""),
    "wait_max_s": ("最长的等候时间", ""),
    "within_target": ("等候 ≤ 大厅目标等候时间的号数 ÷ 被叫号数（目标值另行标出）", "从未被叫的号"),
    "service_mean_s": ("（办结时间 − 开始办理时间；未按开始键时为叫号时间）的平均值，按办结的号计", "过号、取消和未叫号的号"),
    "service_median_s": ("办理时长的中间值", ""),
    "service_p90_s": ("最近秩法，同等候", ""),
    "service_p95_s": ("最近秩法，同等候", ""),
    "service_max_s": ("最长的办理时长", ""),
    "rated": ("群众本人评价了的办结号（评价器、平板或扫码）", "系统默认评价（省里规定沉默后自动给出）"),
    "active_rate": ("主动评价数 ÷ 办结数", "系统默认评价"),
    "good_rate": ("评为 4（满意）或 5（非常满意）的数 ÷ 主动评价数", "系统默认评价"),
    "bad": ("评为 1 或 2（不满意、非常不满意）的数", ""),
    "unrated_rate": ("没有群众评价的办结号 ÷ 办结数（系统默认评价不算已评）", ""),
    "defaulted": ("按省里规定沉默 N 天后默认评价的办结号（单列，不计入好评率）", ""),
    "open_h": ("从开窗到关窗（签到到签退）的时长，含暂停", "业务日结束时仍开着的窗口，计到当天最后一个事件"),
    "pause_h": ("暂停时长，所有原因合计（按原因另列一表）", ""),
    "idle_queue_h": ("窗口开着（未暂停）、无人办理，而有它可办的群众在等候的时长", "当天最后一个事件之后的时间"),
    "days": ("工作人员在任一窗口签到的天数", ""),
    "late_days": ("首次签到晚于上午开始办公时间的天数", "全天开放（00:00–23:59）的大厅不判定"),
    "early_days": ("最后签退早于下午结束办公时间的天数", "未关窗的窗口（以当天最后一个事件为签退）；全天开放的大厅不判定"),
    "signed_in_h": ("在任一窗口开窗和暂停的时长", ""),
    "opened": ("本期收件的办件", ""),
    "accepted": ("本期受理的办件（材料齐全，或补正后受理）", ""),
    "returned": ("本期收件且不予受理的办件", ""),
    "finished": ("本期作出决定的办件（准予或不予）", ""),
    "on_time_rate": ("在承诺期限内（含当天）作出决定的办件 ÷ 作出决定的办件", ""),
    "open_green": ("期末在办、距期限还有超过预警天数的办件", ""),
    "open_yellow": ("期末在办、距期限在预警天数以内的办件", ""),
    "open_red": ("期末在办、已超过期限的办件", ""),
    "bad_items": ("本期收到的差评（每条生成一项整改）", ""),
    "rectified_on_time": ("在期限内整改的项 ÷ 已整改或已过期限的项", ""),
    "booked": ("预约日在本期内的预约", ""),
    "kept": ("在预约时段结束加宽限时间之前到自助机签到的", ""),
    "late": ("在此之后签到的（按现场取号排队）", ""),
    "missed": ("过去的日子里没有签到的", "今天的预约"),
}


def _in_chinese(figures: tuple[Figure, ...]) -> tuple[Figure, ...]:
    return tuple(replace(f, formula_zh=IN_CHINESE[f.key][0], excludes_zh=IN_CHINESE[f.key][1]) for f in figures)


FIGURES, WINDOW_FIGURES, ATTENDANCE_FIGURES, CASE_FIGURES, FOLLOW_UP_FIGURES, APPOINTMENT_FIGURES = (
    _in_chinese(group) for group in (FIGURES, WINDOW_FIGURES, ATTENDANCE_FIGURES, CASE_FIGURES, FOLLOW_UP_FIGURES,
                                     APPOINTMENT_FIGURES))
ALL_FIGURES = {f.key: f for f in (*FIGURES, *WINDOW_FIGURES, *ATTENDANCE_FIGURES, *CASE_FIGURES,
                                   *FOLLOW_UP_FIGURES, *APPOINTMENT_FIGURES)}


def reference() -> str:
    """docs/statistics.md (generated: `python -m queue_server.reports`)."""
    lines = ["## Reports over a period: what every figure means", "",
             "This part is generated from `queue_server/reports.py` (`python -m queue_server.reports`); a test",
             "keeps it equal to the code. Reports read the history tables (one row per ticket, window span,",
             "window-day, booking, case and 差评 follow-up), written in the same transaction as the events",
             "they come from; `yimen rebuild` writes them again from the log.", "",
             "- **Period:** a business day is a date in Asia/Shanghai. Week = Monday to Sunday; quarter and",
             "  year are calendar ones; a custom range holds both ends. Each report also shows the previous",
             "  period of the same kind (a custom range: as many days just before).",
             "- **Percentiles** are nearest-rank: P90 is the smallest value that at least 90 % of the values",
             "  do not exceed. The median is the middle value (the mean of the two middle ones for an even count).",
             "- **Breakdowns:** by window (where it was last called), category (the one it was *taken* for; a",
             "  transfer does not move its wait), matter, clerk (signed in at the window that served it), hour",
             "  of day and weekday (of taking the ticket), and day.",
             "- **Live page:** today's figures come from the hall's memory (see `queue_server/stats.py`) with",
             "  the same definitions.", ""]
    sections = (("Tickets, waits, service and ratings", FIGURES), ("Windows", WINDOW_FIGURES),
                ("Attendance (考勤)", ATTENDANCE_FIGURES), ("Cases (办件)", CASE_FIGURES),
                ("差评 follow-up", FOLLOW_UP_FIGURES), ("Appointments", APPOINTMENT_FIGURES))
    for title, figures in sections:
        lines += [f"### {title}", "", "| key | 中文 | figure | unit | formula | leaves out |", "|---|---|---|---|---|---|"]
        lines += [f"| `{f.key}` | {f.zh} | {f.en} | {f.unit} | {f.formula} | {f.excludes or '—'} |" for f in figures]
        lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------- tickets

# The ticket columns a report reads, in this order (store/history.py selects them).
TICKET_READ = ("day", "issued_category", "matter", "window", "clerk", "hour", "weekday", "outcome", "transfers",
               "wait_s", "service_s", "rating_level", "rating_default")


class Tally:
    """Counts and values for one group of tickets."""

    __slots__ = ("issued", "outcomes", "transferred", "waits", "services", "levels", "defaulted")

    def __init__(self) -> None:
        self.issued = 0
        self.outcomes: dict[str | None, int] = {}
        self.transferred = 0
        self.waits: list[float] = []
        self.services: list[float] = []
        self.levels = [0, 0, 0, 0, 0, 0]  # index = level; [0]: served and unrated
        self.defaulted = 0

    def counts(self) -> dict[str, Any]:
        """Everything but the values, as plain data (a closed day's tally row)."""
        return {"issued": self.issued, "outcomes": {str(k): n for k, n in self.outcomes.items()},
                "transferred": self.transferred, "levels": self.levels, "defaulted": self.defaulted}

    @classmethod
    def of(cls, counts: dict[str, Any], waits: bytes, services: bytes) -> Tally:
        t = cls()
        t.issued, t.transferred, t.defaulted = counts["issued"], counts["transferred"], counts["defaulted"]
        t.outcomes = {None if k == "None" else k: n for k, n in counts["outcomes"].items()}
        t.levels = list(counts["levels"])
        t.waits.extend(array("d", waits))
        t.services.extend(array("d", services))
        return t

    def add(self, other: Tally) -> None:
        self.issued += other.issued
        self.transferred += other.transferred
        self.defaulted += other.defaulted
        for k, n in other.outcomes.items():
            self.outcomes[k] = self.outcomes.get(k, 0) + n
        self.levels = [a + b for a, b in zip(self.levels, other.levels, strict=True)]
        self.waits.extend(other.waits)
        self.services.extend(other.services)

    def figures(self, target_s: float) -> dict[str, Any]:
        served = self.outcomes.get("served", 0)
        rated = sum(self.levels[1:])
        out: dict[str, Any] = {
            "issued": self.issued, "served": served, "no_show": self.outcomes.get("no_show", 0),
            "cancelled": self.outcomes.get("cancelled", 0), "expired": self.outcomes.get("expired", 0),
            "transferred": self.transferred,
        }
        out.update(_spread("wait", self.waits))  # sorts them: the ones within target are a prefix
        out["within_target"] = _share(bisect.bisect_right(self.waits, target_s), len(self.waits))
        out.update(_spread("service", self.services))
        out.update({"rated": rated, "active_rate": _share(rated, served),
                    "good_rate": _share(self.levels[4] + self.levels[5], rated),
                    "bad": self.levels[1] + self.levels[2], "unrated_rate": _share(served - rated, served),
                    "defaulted": self.defaulted, "levels": {str(level): self.levels[level] for level in (5, 4, 3, 2, 1)}})
        return out


def _spread(name: str, values: list[float]) -> dict[str, float | int | None]:
    values.sort()
    n = len(values)
    if not n:
        return {f"{name}_n": 0, f"{name}_mean_s": None, f"{name}_median_s": None, f"{name}_p90_s": None,
                f"{name}_p95_s": None, f"{name}_max_s": None}
    middle = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
    return {f"{name}_n": n, f"{name}_mean_s": round(sum(values) / n, 1), f"{name}_median_s": round(middle, 1),
            f"{name}_p90_s": round(values[max(1, math.ceil(0.9 * n)) - 1], 1),
            f"{name}_p95_s": round(values[max(1, math.ceil(0.95 * n)) - 1], 1), f"{name}_max_s": round(values[-1], 1)}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class Tallies:
    total: Tally
    groups: dict[str, dict[Any, Tally]]
    arrivals: dict[tuple[int, int], int]  # (weekday, hour) → tickets taken


def tally_tickets(rows: Iterable[Sequence[Any]]) -> Tallies:
    """One pass over ticket rows (columns `TICKET_READ`): the hall's tally, one per group of each
    dimension, and arrivals by weekday and hour (the heatmap). Used for one day's rows (when the
    day closes, see `day_tally_rows`) and for the days not closed yet; a long period merges the
    closed days' tallies instead (`merge_day_tallies`), so no report tallies a year row by row."""
    total = Tally()
    arrivals: dict[tuple[int, int], int] = {}
    groups: dict[str, dict[Any, Tally]] = {d: {} for d in DIMENSIONS}
    g_window, g_category, g_matter, g_clerk = groups["window"], groups["category"], groups["matter"], groups["clerk"]
    g_hour, g_weekday, g_day = groups["hour"], groups["weekday"], groups["day"]
    for day, category, matter, window, clerk, hour, weekday, outcome, transfers, wait, service, level, default in rows:
        tallies = [total]
        arrivals[(weekday, hour)] = arrivals.get((weekday, hour), 0) + 1
        for bucket, key in ((g_window, window), (g_category, category), (g_matter, matter), (g_clerk, clerk),
                            (g_hour, hour), (g_weekday, weekday), (g_day, day)):
            if key is not None:
                t = bucket.get(key)
                if t is None:
                    t = bucket[key] = Tally()
                tallies.append(t)
        for t in tallies:
            t.issued += 1
            t.outcomes[outcome] = t.outcomes.get(outcome, 0) + 1
            if transfers:
                t.transferred += 1
            if wait is not None:
                t.waits.append(wait)
            if service is not None:
                t.services.append(service)
            if outcome == "served":
                t.levels[level or 0] += 1
                if level is None and default is not None:
                    t.defaulted += 1
    return Tallies(total, groups, arrivals)


# ---------------------------------------------------------------- closed days' tallies

# A closed day's tallies, one row per (dimension, key): the counts as JSON, the waits and service
# times as sorted arrays of doubles. "" is the day's whole hall (the "day" group of a period is made
# from it); "arrival" holds the heatmap's (weekday, hour) counts.
DayTallyRow = tuple[str, str, str, bytes, bytes]  # (dimension, key as JSON, counts as JSON, waits, services)
TALLIED = ("", "window", "category", "matter", "clerk", "hour", "weekday")


def day_tally_rows(t: Tallies) -> list[DayTallyRow]:
    """One day's tallies (from `tally_tickets` over its rows) as the rows `day_tallies` keeps."""
    rows: list[DayTallyRow] = []
    for dimension in TALLIED:
        tallies = {None: t.total} if not dimension else t.groups[dimension]
        for key, tally in tallies.items():
            rows.append((dimension, json.dumps(key, ensure_ascii=False), json.dumps(tally.counts(), sort_keys=True),
                         array("d", sorted(tally.waits)).tobytes(), array("d", sorted(tally.services)).tobytes()))
    for (weekday, hour), n in sorted(t.arrivals.items()):
        rows.append(("arrival", json.dumps([weekday, hour]), json.dumps({"issued": n}), b"", b""))
    return rows


def merge_day_tallies(rows: Iterable[tuple[str, str, str, str, bytes, bytes]], into: Tallies | None = None) -> Tallies:
    """Closed days' tallies (rows of (day, dimension, key, counts, waits, services)) added up into
    one `Tallies`, as `tally_tickets` would give over all their ticket rows."""
    merged = into or Tallies(Tally(), {d: {} for d in DIMENSIONS}, {})
    for day, dimension, key_json, counts_json, waits, services in rows:
        counts = json.loads(counts_json)
        if dimension == "arrival":
            weekday, hour = json.loads(key_json)
            merged.arrivals[(weekday, hour)] = merged.arrivals.get((weekday, hour), 0) + counts["issued"]
            continue
        part = Tally.of(counts, waits, services)
        if not dimension:
            merged.total.add(part)
            merged.groups["day"].setdefault(day, Tally()).add(part)
        else:
            merged.groups[dimension].setdefault(json.loads(key_json), Tally()).add(part)
    return merged


def add_tallies(a: Tallies, b: Tallies) -> Tallies:
    """`b` added into `a` (a period of closed days and of days still open)."""
    a.total.add(b.total)
    for dimension, tallies in b.groups.items():
        for key, tally in tallies.items():
            a.groups[dimension].setdefault(key, Tally()).add(tally)
    for cell, n in b.arrivals.items():
        a.arrivals[cell] = a.arrivals.get(cell, 0) + n
    return a


def heatmap(t: Tallies) -> dict[str, Any]:
    """Arrivals by weekday × hour as the mean number of tickets per such weekday (counting the
    days of that weekday that had tickets), so a period with five Mondays and four Fridays compares fairly."""
    days_of: dict[int, int] = {}
    for day in t.groups["day"]:
        weekday = date.fromisoformat(day).weekday()
        days_of[weekday] = days_of.get(weekday, 0) + 1
    hours = sorted({h for _, h in t.arrivals})
    cells = [{"weekday": wd, "hour": h, "tickets": n, "per_day": round(n / days_of[wd], 2)}
             for (wd, h), n in sorted(t.arrivals.items())]
    return {"hours": hours, "weekdays": sorted(days_of), "days_of_weekday": days_of, "cells": cells}


def waits_over_time(t: Tallies, target_s: float) -> list[dict[str, Any]]:
    """Per day: median and P90 wait, tickets, 好评率 (the trend charts)."""
    out = []
    for day, tally in sorted(t.groups["day"].items()):
        f = tally.figures(target_s)
        out.append({"day": day, "issued": f["issued"], "wait_median_s": f["wait_median_s"], "wait_p90_s": f["wait_p90_s"],
                    "good_rate": f["good_rate"], "active_rate": f["active_rate"]})
    return out


# ---------------------------------------------------------------- windows and attendance

SPAN_READ = ("day", "window", "start", "end", "state", "reason", "clerk")


def window_time(spans: Iterable[Sequence[Any]], idle: Iterable[Sequence[Any]]) -> dict[str, Any]:
    """Open hours, pause time by reason and idle-while-queue: per window, per clerk and hall-wide.
    `spans`: rows of `SPAN_READ`; `idle`: (day, window, idle_queue_s)."""
    per_window: dict[int, dict[str, Any]] = {}
    pauses: dict[str, float] = {}
    by_clerk_day: dict[tuple[str, str], dict[str, Any]] = {}
    for day, window, start, end, state, reason, clerk in spans:
        if end is None:
            continue  # still running (today): counted once it ends
        seconds = end - start
        w = per_window.setdefault(window, {"open_s": 0.0, "pause_s": 0.0, "pauses": {}, "idle_queue_s": 0.0})
        w["open_s"] += seconds
        if state == "paused":
            why = reason or "—"
            w["pause_s"] += seconds
            w["pauses"][why] = w["pauses"].get(why, 0.0) + seconds
            pauses[why] = pauses.get(why, 0.0) + seconds
        if clerk:
            cd = by_clerk_day.setdefault((clerk, day), {"first": start, "last": end, "signed_in_s": 0.0,
                                                         "pause_s": 0.0, "pauses": {}})
            cd["first"], cd["last"] = min(cd["first"], start), max(cd["last"], end)
            cd["signed_in_s"] += seconds
            if state == "paused":
                cd["pause_s"] += seconds
                cd["pauses"][reason or "—"] = cd["pauses"].get(reason or "—", 0.0) + seconds
    for _day, window, idle_s in idle:
        per_window.setdefault(window, {"open_s": 0.0, "pause_s": 0.0, "pauses": {}, "idle_queue_s": 0.0})
        per_window[window]["idle_queue_s"] += idle_s
    windows = {number: {"open_h": _hours(w["open_s"]), "pause_h": _hours(w["pause_s"]),
                        "idle_queue_h": _hours(w["idle_queue_s"]),
                        "pauses_h": {k: _hours(v) for k, v in sorted(w["pauses"].items())}}
               for number, w in per_window.items()}
    return {"windows": windows, "pauses_h": {k: _hours(v) for k, v in sorted(pauses.items())},
            "clerk_days": by_clerk_day,
            "open_h": _hours(sum(w["open_s"] for w in per_window.values())),
            "pause_h": _hours(sum(w["pause_s"] for w in per_window.values())),
            "idle_queue_h": _hours(sum(w["idle_queue_s"] for w in per_window.values()))}


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 2)


def _clock(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def attendance(clerk_days: dict[tuple[str, str], dict[str, Any]], config: HallConfig,
               names: dict[str, str]) -> dict[str, dict[str, Any]]:
    """考勤 per clerk: each day's first sign-in and last sign-out against the hall's hours. A hall
    open around the clock (sessions from 00:00 to 23:59, as `yimen demo` runs) has no time to be
    late for: late and early are then not judged (None)."""
    sessions = config.hours.sessions
    opens, closes = (_clock(sessions[0][0]), _clock(sessions[-1][1])) if sessions else (0, 24 * 60)
    judged = not (opens == 0 and closes >= 23 * 60 + 59)
    out: dict[str, dict[str, Any]] = {}
    for (clerk, day), cd in sorted(clerk_days.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        first, last = datetime.fromtimestamp(cd["first"], HALL_TZ), datetime.fromtimestamp(cd["last"], HALL_TZ)
        late_min = max(0, first.hour * 60 + first.minute - opens) if judged else None
        early_min = max(0, closes - (last.hour * 60 + last.minute)) if judged else None
        c = out.setdefault(clerk, {"clerk": clerk, "name": names.get(clerk, clerk), "days": 0,
                                   "late_days": 0 if judged else None, "early_days": 0 if judged else None,
                                   "signed_in_h": 0.0, "pause_h": 0.0, "pauses_h": {}, "daily": []})
        c["days"] += 1
        if late_min is not None and early_min is not None:
            c["late_days"] += int(late_min > 0)
            c["early_days"] += int(early_min > 0)
        c["signed_in_h"] = round(c["signed_in_h"] + cd["signed_in_s"] / 3600, 2)
        c["pause_h"] = round(c["pause_h"] + cd["pause_s"] / 3600, 2)
        for why, s in cd["pauses"].items():
            c["pauses_h"][why] = round(c["pauses_h"].get(why, 0.0) + s / 3600, 2)
        c["daily"].append({"day": day, "first_in": first.strftime("%H:%M"), "last_out": last.strftime("%H:%M"),
                           "late_min": late_min, "early_min": early_min, "signed_in_h": _hours(cd["signed_in_s"])})
    return out


# ---------------------------------------------------------------- bookings, cases, follow-ups

BOOKING_READ = ("code", "day")


def appointments(bookings: Iterable[Sequence[Any]], checked_in: dict[str, int], today: date) -> dict[str, int]:
    """`bookings`: (code, day); `checked_in`: code → 1 if on time, 0 if late."""
    out = {"booked": 0, "kept": 0, "late": 0, "missed": 0}
    for code, day in bookings:
        out["booked"] += 1
        if code in checked_in:
            out["kept" if checked_in[code] else "late"] += 1
        elif date.fromisoformat(day) < today:
            out["missed"] += 1
    return out


CASE_READ = ("number", "opened_day", "matter", "case_type", "status", "accepted_day", "due_day", "decided_day", "on_time")


def case_figures(opened: Sequence[Sequence[Any]], decided: Sequence[Sequence[Any]], still_open: Sequence[Sequence[Any]],
                 p: Period, today: date, calendar: WorkCalendar, yellow_days: int) -> dict[str, Any]:
    """Cases received, accepted, returned and decided in the period, on-time share, and the cases
    open at its end by supervision colour; each also by type and by matter. Rows: `CASE_READ`."""
    end = min(p.last, today)

    def block() -> dict[str, Any]:
        return {"opened": 0, "accepted": 0, "returned": 0, "finished": 0, "on_time": 0,
                "open_green": 0, "open_yellow": 0, "open_red": 0}

    total: dict[str, Any] = block()
    by_type: dict[str, dict[str, Any]] = {}
    by_matter: dict[str, dict[str, Any]] = {}

    def add(row: Sequence[Any], key: str, n: int = 1) -> None:
        kind, matter = by_type.get(row[3]), by_matter.get(row[2])  # a new block only for a new key: a year adds 60,000 times
        for b in (total, kind if kind is not None else by_type.setdefault(row[3], block()),
                  matter if matter is not None else by_matter.setdefault(row[2], block())):
            b[key] += n

    first, last = p.first.isoformat(), p.last.isoformat()
    for row in opened:
        add(row, "opened")
        if row[4] == "returned":
            add(row, "returned")
        if row[5] is not None and first <= row[5] <= last:
            add(row, "accepted")
    for row in decided:
        add(row, "finished")
        if row[8]:
            add(row, "on_time")
    for row in still_open:
        if row[6] is None:
            continue  # not accepted yet, or paused with no date: no colour
        colour = supervise(date.fromisoformat(row[6]), end, calendar, yellow_days).colour
        add(row, f"open_{colour}")
    for b in (total, *by_type.values(), *by_matter.values()):
        b["on_time_rate"] = _share(b["on_time"], b["finished"])
    return {"totals": total, "by_type": by_type, "by_matter": by_matter}


FOLLOW_UP_READ = ("day", "state", "deadline", "rectified_day", "number", "window", "clerk", "matter", "level", "appeal")


def follow_up_figures(rows: Iterable[Sequence[Any]], today: date, names: dict[str, str] | None = None) -> dict[str, Any]:
    """The period's 差评: how many, by state, the share rectified on time, and the items themselves
    (ticket number, window, clerk, level, state, deadline — no citizen's data)."""
    states: dict[str, int] = {}
    items: list[dict[str, Any]] = []
    due = on_time = 0
    for day, state, deadline, rectified, number, window, clerk, matter, level, appeal in rows:
        states[state] = states.get(state, 0) + 1
        if rectified is not None or deadline < today.isoformat():
            due += 1
            on_time += int(rectified is not None and rectified <= deadline)
        items.append({"day": day, "number": number, "window": window, "clerk": clerk,
                      "clerk_name": (names or {}).get(clerk, clerk) if clerk else None, "matter": matter,
                      "level": level, "state": state, "deadline": deadline, "rectified_day": rectified,
                      "on_time": None if rectified is None and deadline >= today.isoformat()
                      else rectified is not None and rectified <= deadline, "appeal": appeal})
    items.sort(key=lambda i: (i["day"], i["number"]))  # not the table's order: each step re-inserts its row
    return {"bad_items": len(items), "states": states, "rectified_on_time": _share(on_time, due), "items": items}


if __name__ == "__main__":
    print(reference(), end="")
