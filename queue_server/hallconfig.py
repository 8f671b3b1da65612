"""The hall's configuration as the domain sees it: plain frozen data, no loading.

`config.py` reads and checks a hall file (TOML) and builds these; the pure domain (hall, hours,
outlook, ratings, the front desk, estimates, views, the simulator) imports only this module, so it
never pulls in the loader, the file system or the presets (an import contract in `.importlinter`
checks it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .matters import Matter
from .workdays import WorkCalendar

WINDOW_KINDS: dict[str, str] = {
    "comprehensive": "综合窗口",
    "comprehensive-natural": "综合窗口(自然人)",
    "comprehensive-legal": "综合窗口(法人)",
    "cross-region": "跨域通办窗口",
    "police": "专业窗口·公安",
    "land": "专业窗口·自然资源",
    "market": "专业窗口·市场监管",
    "pickup": "综合出件窗口",
    "assist": "帮办代办",
}
# Professional windows (专业窗口) work on a department's own line or platform: the layout advisor
# keeps them as they are unless the hall file says `dedicated = false`.
PROFESSIONAL_KINDS = ("police", "land", "market")
PRIORITY_CLASSES: dict[str, str] = {
    "elderly": "老年人",
    "disabled": "残疾人",
    "pregnant": "孕妇",
    "serviceman": "军人",
}
REJOIN_RULES = ("back", "keep", "refuse")
TRANSFER_PLACEMENTS = ("keep", "front", "back")
# ---------------------------------------------------------------- the frozen configuration


@dataclass(frozen=True)
class HallInfo:
    name: str
    name_en: str
    region_code: str
    timezone: str
    target_wait_min: int
    supervision_phone: str
    service_commitment: str = "一次告知、限时办结、热情服务、廉洁高效"
    public_url: str = ""  # what slips' QR codes open; empty: the box's LAN address (public_url.py)
    address: str = ""  # the hall's street address, on the booking confirmation (预约凭证) and door poster


@dataclass(frozen=True)
class Hours:
    days: tuple[int, ...]
    sessions: tuple[tuple[str, str], ...]
    stop_issuing_min: int = 0


@dataclass(frozen=True)
class Category:
    code: str
    prefix: str
    name: str
    name_en: str
    service_min: float
    daily_cap: int | None = None  # 当日号源上限: walk-in numbers a day (caps.py); None: no cap
    appointments_per_slot: int | None = None  # None: `[appointments] per_slot`


@dataclass(frozen=True)
class Window:
    number: int
    name: str
    kind: str
    serves: tuple[str, ...]
    dedicated: bool = False  # never re-laid-out by the advisor (default: the professional kinds)

    @property
    def kind_label(self) -> str:
        return WINDOW_KINDS[self.kind]


@dataclass(frozen=True)
class PriorityRules:
    classes: tuple[str, ...]
    elderly_age: int
    max_overtake: int
    promote_after_min: float
    preference_step_min: float = 0.0


@dataclass(frozen=True)
class CallingRules:
    recall_limit: int
    no_show_rejoin: str
    rejoin_within_min: float
    transfer_placement: str
    show_names: bool = False  # 姓名呼叫: masked names (张*) on screens, stored masked or not at all


@dataclass(frozen=True)
class AppointmentRules:
    early_min: float
    late_min: float
    slot_min: int = 30  # the appointment grid: each session is cut into slots this long (caps.py)
    per_slot: int = 2  # appointments one slot takes per category (a category may set its own)
    book_ahead_days: int = 14  # how far ahead the kiosk and /book offer slots
    no_show_limit: int = 3  # this many missed appointments within `no_show_days` block booking (0: never)
    no_show_days: int = 90
    block_days: int = 30  # for this long after the missed appointment that reached the limit


@dataclass(frozen=True)
class Templates:
    voice: str
    led: str
    slip_note: str


@dataclass(frozen=True)
class ProvinceLink:
    """Where ratings are forwarded (the province's 好差评 system), and how its codes differ from ours."""

    endpoint: str = ""  # empty: not forwarded
    level_codes: tuple[tuple[int, str], ...] = ((5, "5"), (4, "4"), (3, "3"), (2, "2"), (1, "1"))
    channel_codes: tuple[tuple[str, str], ...] = (("pad", "1"), ("evaluator", "2"), ("qr", "3"))
    timeout_s: float = 10.0


@dataclass(frozen=True)
class RatingRules:
    reasons: tuple[str, ...]
    pad_timeout_s: int
    follow_up_days: int = 5
    province: ProvinceLink = ProvinceLink()
    default_after_days: int = 0  # 0: silence stays 未评 (the national rule)
    default_level: int = 4


# What a pushed case step carries (our name → the province's data item name). The defaults are the
# Chinese data item names in the style of GB/T 39046; a province's interface document may differ,
# so `[cases.province] fields` renames any of them.
CASE_PUSH_FIELDS: tuple[tuple[str, str], ...] = (
    ("case_number", "办件编号"), ("matter_code", "事项编码"), ("matter_name", "事项名称"),
    ("region_code", "行政区划代码"), ("hall", "受理单位"), ("case_type", "办件类型"),
    ("applicant_kind", "申请人类型"), ("applicant_name", "申请人名称"), ("applicant_id_type", "申请人证件类型"),
    ("applicant_id_number", "申请人证件号码"), ("stage", "办理环节"), ("stage_time", "环节时间"),
    ("accepted_on", "受理日期"), ("committed_due", "承诺办结日期"), ("due_provisional", "日期预计"),
    ("legal_limit_days", "法定办结时限"), ("committed_limit_days", "承诺办结时限"), ("outcome", "办理结果"),
    ("note", "办理意见"), ("clerk", "经办人"), ("window", "受理窗口"), ("delivery", "送达方式"),
    ("waybill", "快递单号"),
)


@dataclass(frozen=True)
class CaseLink:
    """Where accepted and finished cases are pushed (the province's online platform)."""

    endpoint: str = ""  # empty: not pushed
    timeout_s: float = 10.0
    fields: tuple[tuple[str, str], ...] = CASE_PUSH_FIELDS


@dataclass(frozen=True)
class CaseRules:
    """The case service's settings (docs/cases.md)."""

    yellow_days: int = 1  # 电子监察: yellow at this many working days left, or fewer
    review_body: str = ""  # who hears 行政复议 (named on 不予受理 notices), e.g. 某某县人民政府
    court: str = ""  # where 行政诉讼 is brought, e.g. 某某县人民法院
    province: CaseLink = CaseLink()
    pickup_category: str = ""  # the category of 领取办理结果 tickets (empty: no pick-up tickets)


@dataclass(frozen=True)
class RetentionRules:
    """How long personal data is kept (docs/configuration.md, `[retention]`): person keys, masked
    names and case applicants' identities of older days are purged; the statistics stay exact."""

    personal_days: int = 180


DEFAULT_RATING_REASONS = ("办事效率低", "服务态度差", "多次往返", "告知不清楚", "环境设施差", "其他")


@dataclass(frozen=True)
class HallConfig:
    hall: HallInfo
    hours: Hours
    categories: tuple[Category, ...]
    windows: tuple[Window, ...]
    priority: PriorityRules
    calling: CallingRules
    appointments: AppointmentRules
    templates: Templates
    matters: tuple[Matter, ...]
    ratings: RatingRules = RatingRules(DEFAULT_RATING_REASONS, 60)
    calendar: WorkCalendar = WorkCalendar()
    cases: CaseRules = CaseRules()
    source: str = ""
    retention: RetentionRules = RetentionRules()
    _by_code: dict[str, Category] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_code.update({c.code: c for c in self.categories})

    def category(self, code: str) -> Category | None:
        return self._by_code.get(code)

    def window(self, number: int) -> Window | None:
        return next((w for w in self.windows if w.number == number), None)

    def matter(self, code: str) -> Matter | None:
        return next((m for m in self.matters if m.code == code), None)

    def windows_serving(self, category: str) -> tuple[Window, ...]:
        return tuple(w for w in self.windows if category in w.serves)
