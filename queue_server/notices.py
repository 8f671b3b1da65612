"""The paper a citizen gets for a case (docs/cases.md, "Notices"): what each notice says and in
which order, as pure functions from the case's staff view and the hall's settings.

The print view (web/api_notices.py) and the archived PDF (notice_pdf.py) both lay out the same
`Notice`, block by block, so the paper in the citizen's hand and the copy in the archive can never
disagree. The missing materials of a 一次性告知书 are looked up in the matter's checklist — the
catalogue the kiosk's service guide prints from — so the two never disagree either. Each notice is
dated by the step it records (acceptance, return, result), so a reprint is the same paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hallapi.protocol import HALL_TZ

from .casework import CASE_TYPES
from .errors import Conflict, NotFound
from .hallconfig import CaseRules, HallInfo
from .matters import Matter

KINDS = ("acceptance", "missing", "refusal", "result")
LANGS = ("zh", "en")


@dataclass(frozen=True)
class Notice:
    """One notice, in reading order: header, title, facts, letter, list, closing, seal, QR, footer."""

    kind: str
    lang: str
    hall: str
    title: str
    number: str
    facts: tuple[tuple[str, str], ...]  # (label, value): the table under the title
    salutation: str
    paragraphs: tuple[str, ...]
    items: tuple[str, ...]  # a numbered list (the missing materials), may be empty
    closing: tuple[str, ...]  # after the list: rights, what to bring
    issuer: str  # "<hall>（盖章）"
    seal: str  # the seal placeholder's caption
    issued_on: str  # the notice's date, formatted
    link: str | None  # the case page the QR code opens; None when phones cannot reach the hall
    link_caption: str
    footer: str

    @property
    def filename(self) -> str:
        return f"{self.number}-{self.kind}.pdf"


# ------------------------------------------------------------ words

_W: dict[str, dict[str, str]] = {
    "zh": {
        "title.acceptance": "受理通知书", "title.committed": "承诺件通知书", "title.missing": "一次性告知书",
        "title.refusal": "不予受理（退回）通知书", "title.result": "办结（领取）通知书",
        "number": "办件编号", "matter": "办理事项", "applicant": "申请人", "type": "办件类型",
        "applied": "申请日期", "accepted": "受理日期", "due": "承诺办结日期", "limit": "承诺办结时限",
        "legal": "法定办结时限", "delivery": "结果送达方式", "returned": "退回日期", "decided": "办结日期",
        "outcome": "办理结果", "waybill": "EMS运单号", "informed": "告知日期",
        "days": "{n}个工作日", "on_the_spot": "即时办结", "provisional": "{d}（预计）", "paused": "暂停计算",
        "seal": "盖章处", "issuer": "{hall}（盖章）", "qr": "扫码查看办理进度",
        "footer": "监督电话 {phone}　·　本通知书由{hall}出具，请妥善保管",
        "d.window": "窗口领取", "d.ems": "邮政EMS寄送", "d.electronic": "电子送达",
        "o.approved": "准予办理", "o.not_approved": "不予办理",
        "dear": "{name}：",
        "acc.body": "您于{applied}申请办理的“{matter}”，经审查，申请材料齐全、符合法定形式，本中心已于{accepted}予以受理。",
        "acc.limit": "本事项承诺在受理后{n}个工作日内办结（受理当日及法定节假日不计），办结日期为{due}。"
                     "听证、检验、检测、专家评审等所需时间不计入办理时限。",
        "acc.provisional": "办结日期所在年度的节假日安排尚未公布，该日期为预计日期，以公布后的安排为准。",
        "acc.paused": "办理时限目前暂停计算（{reason}），恢复计算后将重新确定办结日期。",
        "acc.immediate": "本事项为即办件，受理当日办结。",
        "acc.joint": "本事项由{departments}联合办理，由本中心{window}号窗口牵头，您无需往返各部门。",
        "acc.forwarded": "本事项由上级机关审批，本中心负责全程代办，办理进度可随时查询。",
        "acc.region": "本事项为跨域通办：本中心将申请材料寄往{region}办理，办理结果寄回后通知您。",
        "res.region": "本事项由{region}办理，办理结果已寄回本中心。",
        "get.window": "办理结果出具后，请凭本通知书和申请人有效身份证件原件到本中心窗口领取；"
                      "他人代领的，请同时携带代领人身份证件和授权委托书。",
        "get.ems": "办理结果将通过中国邮政EMS寄送至您申请时登记的地址，寄出后可凭办件编号查询。",
        "get.electronic": "办理结果将以电子方式送达，扫描下方二维码即可查看。",
        "mis.body": "您于{applied}申请办理的“{matter}”，经审查，申请材料尚不齐全。"
                    "根据一次性告知制度，现将需要补正的全部材料一次性告知如下：",
        "mis.item": "{name}（{form}，{count}份）",
        "mis.after": "请补齐上述材料后，携带本告知书到本中心窗口提交。除上述材料外，本中心不会再要求您补充其他材料。"
                     "补正材料期间不计入办理时限。",
        "ref.body": "您于{applied}申请办理的“{matter}”，经审查，本中心决定不予受理，理由如下：",
        "ref.body_returned": "您于{applied}申请办理的“{matter}”，经审查，本中心决定予以退回，理由如下：",
        "rights": "如对本决定不服，可以自收到本通知书之日起60日内向{review}申请行政复议，"
                  "或者自收到本通知书之日起6个月内向{court}提起行政诉讼。",
        "rights.review": "有管辖权的行政复议机关", "rights.court": "有管辖权的人民法院",
        "res.body": "您申请办理的“{matter}”（{accepted}受理）已于{decided}办结，办理结果为：{outcome}。",
        "res.reason": "理由：{reason}",
        "res.window": "请在工作时间凭本通知书和申请人有效身份证件原件到本中心窗口领取办理结果；"
                      "他人代领的，请同时携带代领人身份证件和授权委托书。",
        "res.ems": "办理结果已通过中国邮政EMS寄送至您申请时登记的地址，运单号{waybill}。",
        "res.ems_pending": "办理结果将通过中国邮政EMS寄送至您申请时登记的地址，寄出后可凭办件编号查询运单号。",
        "res.electronic": "办理结果已以电子方式送达，扫描下方二维码即可查看。",
    },
    "en": {
        "title.acceptance": "Notice of Acceptance", "title.committed": "Notice of Acceptance and Committed Date",
        "title.missing": "Notice of Missing Materials (all at once)", "title.refusal": "Notice of Non-acceptance (Return)",
        "title.result": "Notice of Completion (Collection)",
        "number": "Case number", "matter": "Matter", "applicant": "Applicant", "type": "Case type",
        "applied": "Applied on", "accepted": "Accepted on", "due": "Committed completion date", "limit": "Committed time limit",
        "legal": "Legal time limit", "delivery": "Result delivered by", "returned": "Returned on", "decided": "Completed on",
        "outcome": "Result", "waybill": "EMS waybill", "informed": "Informed on",
        "days": "{n} working days", "on_the_spot": "on the spot", "provisional": "{d} (provisional)", "paused": "paused",
        "seal": "Seal", "issuer": "{hall} (seal)", "qr": "Scan to follow the case",
        "footer": "Supervision hotline {phone} · Issued by {hall}; please keep this notice",
        "d.window": "collection at the window", "d.ems": "EMS mail", "d.electronic": "electronic delivery",
        "o.approved": "approved", "o.not_approved": "not approved",
        "dear": "To {name}:",
        "acc.body": "Your application for \"{matter}\" of {applied} has been examined: the materials are complete and in "
                    "the required form, and the centre accepted it on {accepted}.",
        "acc.limit": "The centre commits to completing it within {n} working days after acceptance (the day of acceptance "
                     "and public holidays not counted), by {due}. Time for hearings, inspection, testing and expert "
                     "review is not counted.",
        "acc.provisional": "The holiday arrangement of that year is not published yet: the date is provisional and follows "
                           "the arrangement once published.",
        "acc.paused": "The time limit is paused at present ({reason}); the completion date is set again when it resumes.",
        "acc.immediate": "This is an immediate matter, completed on the day of acceptance.",
        "acc.joint": "This matter is handled jointly by {departments}, led by window {window} of this centre; you need not "
                     "visit each department.",
        "acc.forwarded": "This matter is decided by a higher authority; this centre carries it through for you, and you "
                         "can follow it at any time.",
        "acc.region": "This is a cross-region case: the centre mails your file to {region}, which decides it; you are "
                      "told when the result is back.",
        "res.region": "The case was decided by {region}; the result has come back to this centre.",
        "get.window": "When the result is ready, collect it at the centre's window with this notice and the applicant's "
                      "ID card (original); someone collecting for you brings their own ID and your written authorisation.",
        "get.ems": "The result will be mailed by China Post EMS to the address you gave; you can follow it by the case "
                   "number once sent.",
        "get.electronic": "The result will be delivered electronically; scan the QR code below to see it.",
        "mis.body": "Your application for \"{matter}\" of {applied} has been examined: materials are missing. Under the "
                    "one-time notification rule, here is everything still needed, all at once:",
        "mis.item": "{name} ({form}, {count})",
        "mis.after": "Bring the materials above with this notice to the centre's window. Nothing beyond this list will be "
                     "asked of you. The waiting time does not count towards the time limit.",
        "ref.body": "Your application for \"{matter}\" of {applied} has been examined, and the centre has decided not to "
                    "accept it, for this reason:",
        "ref.body_returned": "Your application for \"{matter}\" of {applied} has been examined, and the centre returns it, "
                             "for this reason:",
        "rights": "If you disagree with this decision, you may apply for administrative review (行政复议) to {review} "
                  "within 60 days of receiving this notice, or bring an administrative lawsuit (行政诉讼) before {court} "
                  "within 6 months of receiving it.",
        "rights.review": "the competent administrative review body", "rights.court": "the competent people's court",
        "res.body": "Your case \"{matter}\", accepted on {accepted}, was completed on {decided}. The result: {outcome}.",
        "res.reason": "Reason: {reason}",
        "res.window": "Collect the result at the centre's window during opening hours with this notice and the applicant's "
                      "ID card (original); someone collecting for you brings their own ID and your written authorisation.",
        "res.ems": "The result was mailed by China Post EMS to the address you gave, waybill {waybill}.",
        "res.ems_pending": "The result will be mailed by China Post EMS to the address you gave; the waybill can be "
                           "followed by the case number once sent.",
        "res.electronic": "The result was delivered electronically; scan the QR code below to see it.",
    },
}
_FORMS_EN = {"原件": "original", "复印件": "copy", "原件和复印件": "original and copy", "电子材料": "electronic"}


def words(lang: str) -> dict[str, str]:
    return _W[lang if lang in _W else "zh"]


def day_text(day: str | date | None, lang: str) -> str:
    """A date as printed on the notice: 2026年11月23日, or 23 November 2026."""
    if day is None:
        return ""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else f"{d.day} {d:%B} {d.year}"


# ------------------------------------------------------------ which notices a case has


# Why a case has no such notice now: (Chinese, English).
REASONS: dict[str, tuple[str, str]] = {
    "not_accepted": ("此办件不予受理，请打印不予受理（退回）通知书",
                     "the case was not accepted (不予受理): print the refusal notice instead"),
    "not_yet_accepted": ("此办件尚未受理，请先受理", "the case has not been accepted yet (已收件): accept it first"),
    "awaiting_materials": ("此办件正在等待补正材料，请打印一次性告知书",
                           "the case waits for missing materials (待补正): print the 一次性告知书 (missing) instead"),
    "withdrawn": ("申请人已撤回此办件", "the applicant withdrew the case (已撤回)"),
    "nothing_missing": ("此办件没有待补正的材料：一次性告知书仅在等待补正材料时出具",
                        "no materials are missing: a 一次性告知书 is given only while a case waits for materials (待补正)"),
    "not_returned": ("此办件未被退回：不予受理（退回）通知书仅用于退回件",
                     "the case was not returned: a 不予受理 notice is only for a returned case (退回件)"),
    "no_result": ("此办件尚无办理结果：办结（领取）通知书在结果出具（待领取）后出具",
                  "the case has no result yet: the 办结 notice comes once the result is ready (待领取)"),
}


def unavailable(kind: str, case: dict[str, Any]) -> str | None:
    """Why this case has no such notice now, as a key of REASONS (None: it has one).
    `case` is Cases.view()'s dict."""
    if kind not in KINDS:
        raise NotFound("unknown_notice", f"no notice {kind!r}; known: {', '.join(KINDS)}")
    status, returned = case["status"], case["case_type"] == "returned"
    if kind == "acceptance":
        if returned:
            return "not_accepted"
        return {"received": "not_yet_accepted", "awaiting_materials": "awaiting_materials",
                "withdrawn": "withdrawn"}.get(status)
    if kind == "missing":
        return None if status == "awaiting_materials" and case["missing"] else "nothing_missing"
    if kind == "refusal":
        return None if returned else "not_returned"
    if status not in ("result_ready", "handed_over", "archived") or case["outcome"] is None:
        return "no_result"
    return None


def title(kind: str, case: dict[str, Any], lang: str = "zh") -> str:
    """The notice's title: a 承诺件's acceptance notice is the 承诺件通知书."""
    key = "title.committed" if kind == "acceptance" and case["case_type"] == "committed" else f"title.{kind}"
    return words(lang)[key]


def listing(case: dict[str, Any], lang: str = "zh") -> list[dict[str, Any]]:
    """Every kind for this case: its title, and why it is not available (None when it is)."""
    out = []
    for kind in KINDS:
        code = unavailable(kind, case)
        out.append({"kind": kind, "title": title(kind, case, lang), "available": code is None,
                    "reason": code and REASONS[code][1], "reason_zh": code and REASONS[code][0]})
    return out


# ------------------------------------------------------------ the notices


def notice(kind: str, case: dict[str, Any], hall: HallInfo, rules: CaseRules, matter: Matter | None,
           link: str | None, lang: str = "zh") -> Notice:
    """The notice of `kind` for `case` (Cases.view()'s dict: the masked name only), or a Conflict
    saying why the case has none now. `link` is the case page the QR code opens."""
    code = unavailable(kind, case)
    if code:
        raise Conflict("notice_not_available", REASONS[code][1])
    lang = lang if lang in LANGS else "zh"
    w = words(lang)
    hall_name = hall.name_en if lang == "en" and hall.name_en else hall.name
    matter_name = (matter.name_en if lang == "en" and matter and matter.name_en else case["matter_name"]) or case["matter"]
    applied = _opened_day(case)
    common = {"matter": matter_name, "applied": day_text(applied, lang),
              "accepted": day_text(case["accepted_on"], lang)}
    head = [(w["number"], case["number"]), (w["matter"], matter_name), (w["applicant"], case["applicant_name"])]
    build = {"acceptance": _acceptance, "missing": _missing, "refusal": _refusal, "result": _result}[kind]
    title, facts, paragraphs, items, closing, dated = build(case, w, lang, common, rules, matter)
    return Notice(kind, lang, hall_name, title, case["number"], tuple(head + facts), w["dear"].format(name=case["applicant_name"]),
                  tuple(paragraphs), tuple(items), tuple(closing), w["issuer"].format(hall=hall_name), w["seal"],
                  day_text(dated, lang), link, w["qr"], w["footer"].format(phone=hall.supervision_phone, hall=hall_name))


Parts = tuple[str, list[tuple[str, str]], list[str], list[str], list[str], str | None]


def _acceptance(case: dict[str, Any], w: dict[str, str], lang: str, common: dict[str, str], rules: CaseRules,
        matter: Matter | None) -> Parts:
    limit = case["committed_limit_days"] or case["legal_limit_days"]
    due = _due_text(case, w, lang)
    facts = [(w["type"], _type_label(case, lang)), (w["applied"], common["applied"]), (w["accepted"], common["accepted"]),
             (w["limit"], w["days"].format(n=limit) if limit else w["on_the_spot"]), (w["due"], due)]
    if case["legal_limit_days"]:
        facts.append((w["legal"], w["days"].format(n=case["legal_limit_days"])))
    facts.append((w["delivery"], w["d." + case["delivery"]]))
    paragraphs = [w["acc.body"].format(**common)]
    open_pause = next((p for p in case["pauses"] if p["end"] is None), None)
    if not limit:
        paragraphs.append(w["acc.immediate"])
    elif open_pause and case["due"] is None:
        paragraphs.append(w["acc.paused"].format(reason=open_pause["reason"]))
    else:
        paragraphs.append(w["acc.limit"].format(n=limit, due=day_text(case["due"], lang)))
        if case["due_provisional"]:
            paragraphs.append(w["acc.provisional"])
    if case["case_type"] == "joint" and case["departments"]:
        sep = "、" if lang == "zh" else ", "
        paragraphs.append(w["acc.joint"].format(departments=sep.join(case["departments"]), window=case["lead_window"]))
    elif case["case_type"] == "forwarded":
        paragraphs.append(w["acc.forwarded"])
    if case.get("region"):
        paragraphs.append(w["acc.region"].format(region=case["region"]))
    dated = _last_day(case, ("accept", "materials_complete")) or case["accepted_on"]
    return title("acceptance", case, lang), facts, paragraphs, [], [w["get." + case["delivery"]]], dated


def _missing(case: dict[str, Any], w: dict[str, str], lang: str, common: dict[str, str], rules: CaseRules,
        matter: Matter | None) -> Parts:
    checklist = {m.name: m for m in matter.materials} if matter else {}
    items = []
    for name in case["missing"]:
        m = checklist.get(name)
        if m is None:  # not on the checklist (recorded before the check existed): the name as given
            items.append(name)
            continue
        form = _FORMS_EN.get(m.form, m.form) if lang == "en" else m.form
        line = w["mis.item"].format(name=m.name, form=form, count=m.count)
        items.append(f"{line} — {m.notes}" if m.notes else line)
    informed = _last_day(case, ("accept_incomplete",))
    facts = [(w["applied"], common["applied"]), (w["informed"], day_text(informed, lang))]
    return w["title.missing"], facts, [w["mis.body"].format(**common)], items, [w["mis.after"]], informed


def _refusal(case: dict[str, Any], w: dict[str, str], lang: str, common: dict[str, str], rules: CaseRules,
        matter: Matter | None) -> Parts:
    entry = _last(case, ("return",))
    returned_on = entry["day"] if entry else None
    facts = [(w["applied"], common["applied"]), (w["returned"], day_text(returned_on, lang))]
    body = w["ref.body_returned" if case["accepted_on"] else "ref.body"].format(**common)
    return w["title.refusal"], facts, [body, entry["note"] if entry else ""], [], [_rights(w, rules)], returned_on


def _result(case: dict[str, Any], w: dict[str, str], lang: str, common: dict[str, str], rules: CaseRules,
        matter: Matter | None) -> Parts:
    decided = _last(case, ("decide", "result_received"))  # 跨域通办: the responsible region decided
    decided_on = decided["day"] if decided else None
    outcome = w["o." + case["outcome"]]
    facts = [(w["type"], _type_label(case, lang)), (w["accepted"], common["accepted"]),
             (w["decided"], day_text(decided_on, lang)), (w["outcome"], outcome),
             (w["delivery"], w["d." + case["delivery"]])]
    if case["waybill"]:
        facts.append((w["waybill"], case["waybill"]))
    paragraphs = [w["res.body"].format(decided=day_text(decided_on, lang), outcome=outcome, **common)]
    if case.get("region"):
        paragraphs.append(w["res.region"].format(region=case["region"]))
    if case["outcome"] == "not_approved" and decided and decided["note"]:
        paragraphs.append(w["res.reason"].format(reason=decided["note"]))
    if case["delivery"] == "ems":
        get = w["res.ems"].format(waybill=case["waybill"]) if case["waybill"] else w["res.ems_pending"]
    else:
        get = w["res." + case["delivery"]]
    closing = [get] + ([_rights(w, rules)] if case["outcome"] == "not_approved" else [])
    return w["title.result"], facts, paragraphs, [], closing, _last_day(case, ("result_ready", "result_received")) or decided_on


# ------------------------------------------------------------ helpers


def _rights(w: dict[str, str], rules: CaseRules) -> str:
    """行政复议 within 60 days, 行政诉讼 within 6 months, naming the hall's bodies (else generically)."""
    return w["rights"].format(review=rules.review_body.strip() or w["rights.review"],
                              court=rules.court.strip() or w["rights.court"])


def _due_text(case: dict[str, Any], w: dict[str, str], lang: str) -> str:
    if not (case["committed_limit_days"] or case["legal_limit_days"]):
        return day_text(case["accepted_on"], lang)
    if case["due"] is None:
        return w["paused"]
    text = day_text(case["due"], lang)
    return w["provisional"].format(d=text) if case["due_provisional"] else text


def _type_label(case: dict[str, Any], lang: str) -> str:
    zh, en = CASE_TYPES[case["case_type"]]
    return zh if lang == "zh" else en


def _last(case: dict[str, Any], actions: tuple[str, ...]) -> dict[str, Any] | None:
    return next((h for h in reversed(case["history"]) if h["action"] in actions), None)


def _last_day(case: dict[str, Any], actions: tuple[str, ...]) -> str | None:
    entry = _last(case, actions)
    return entry["day"] if entry else None


def _opened_day(case: dict[str, Any]) -> date:
    return datetime.fromtimestamp(case["opened_at"], HALL_TZ).date()
