"""The review pad's words, Chinese (default) and English. Data, not code: a hall may replace them.

The five level names follow the national 好差评 wording; reasons come from the hall's
configuration (via the staff card) and are translated here when a translation is known.
"""

from __future__ import annotations

LEVELS = {
    "zh": {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"},
    "en": {5: "Very satisfied", 4: "Satisfied", 3: "Basically satisfied", 2: "Dissatisfied", 1: "Very dissatisfied"},
}

# Where a level's name breaks on a narrow button: at a word, never inside one.
LEVEL_LINES = {
    "zh": {5: "非常\n满意", 4: "满意", 3: "基本\n满意", 2: "不满意", 1: "非常\n不满意"},
    "en": {5: "Very\nsatisfied", 4: "Satisfied", 3: "Basically\nsatisfied", 2: "Dissatisfied", 1: "Very\ndissatisfied"},
}

TEXTS = {
    "zh": {
        "title": "服务评价",
        "window": "{window}号窗口",
        "clerk": "工作人员：{name}",
        "no_clerk": "本窗口暂无工作人员签到",
        "post": "岗位：{post}",
        "commitment_head": "服务承诺",
        "commitment": "一次告知　首问负责　限时办结　文明服务",
        "phone": "监督电话：{phone}",
        "photo": "照片",
        "ask": "请您对本次服务进行评价",
        "ask_number": "{number}号 · {window}号窗口",
        "reasons_ask": "请选择不满意的原因（可多选）",
        "submit": "提交评价",
        "back": "返回",
        "sending": "正在提交……",
        "thanks": "感谢您的评价！",
        "thanks_sub": "您的意见是我们改进工作的动力",
        "already_rated": "本次服务已完成评价，谢谢！",
        "not_recorded": "抱歉，评价未能记录",
        "not_recorded_sub": "请告知窗口工作人员，或拨打监督电话 {phone}",
        "offline": "网络连接中断，暂时无法评价",
        "lang": "English",
    },
    "en": {
        "title": "Rate our service",
        "window": "Window {window}",
        "clerk": "Staff: {name}",
        "no_clerk": "No staff signed in at this window",
        "post": "Post: {post}",
        "commitment_head": "Our commitment",
        "commitment": "Tell you everything at once · First contact takes charge · Done on time · Courteous service",
        "phone": "Supervision hotline: {phone}",
        "photo": "Photo",
        "ask": "Please rate the service you received",
        "ask_number": "No. {number} · Window {window}",
        "reasons_ask": "What went wrong? (choose any)",
        "submit": "Submit",
        "back": "Back",
        "sending": "Sending…",
        "thanks": "Thank you for your rating!",
        "thanks_sub": "Your opinion helps us improve",
        "already_rated": "This service has been rated already. Thank you!",
        "not_recorded": "Sorry, your rating could not be recorded",
        "not_recorded_sub": "Please tell the staff at the window, or call {phone}",
        "offline": "Network down: ratings are unavailable for now",
        "lang": "中文",
    },
}

REASONS_EN = {
    "办事效率低": "Slow service",
    "服务态度差": "Unfriendly staff",
    "多次往返": "Had to come back several times",
    "告知不清楚": "Unclear information",
    "环境设施差": "Poor facilities",
    "其他": "Other",
}

KIND_EN = {
    "综合窗口": "Comprehensive window",
    "综合窗口(自然人)": "Comprehensive window (individuals)",
    "综合窗口(法人)": "Comprehensive window (companies)",
    "跨域通办窗口": "Cross-region window",
    "专业窗口·公安": "Professional window: police",
    "专业窗口·自然资源": "Professional window: natural resources",
    "专业窗口·市场监管": "Professional window: market regulation",
    "综合出件窗口": "Results pick-up window",
    "帮办代办": "Assistance desk",
}


def kind_label(lang: str, kind: str) -> str:
    return KIND_EN.get(kind, kind) if lang == "en" else kind


def text(lang: str, key: str, **values: object) -> str:
    return TEXTS[lang][key].format(**values)


def reason_label(lang: str, reason: str) -> str:
    return REASONS_EN.get(reason, reason) if lang == "en" else reason
