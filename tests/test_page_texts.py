"""What the pages may say and how they may style it, checked on their source: every error code the
server can answer with has words in both page languages (a Chinese page never shows the server's
English message), and no page relies on an inline style or script its Content-Security-Policy
blocks (the "● 实时" dot was invisible, the sign-in form 980 px wide, because of that)."""

from __future__ import annotations

import re
from pathlib import Path

from queue_server.web.app import create_app  # noqa: F401  (registers the routes)

ROOT = Path(__file__).parent.parent
SERVER = ROOT / "queue_server"
WEB = SERVER / "web"


def server_error_codes() -> set[str]:
    """Every `error` code in the server's source: raised domain errors and hand-made answers."""
    codes: set[str] = set()
    for path in SERVER.rglob("*.py"):
        text = path.read_text("utf-8")
        codes |= set(re.findall(r"\b(?:Conflict|Invalid|NotFound|Forbidden|DomainError)\(\s*\"([a-z_]+)\"", text))
        codes |= set(re.findall(r"\"error\": \"([a-z_]+)\"", text))
        codes |= set(re.findall(r"_(?:error|refusal)\(\d+, \"([a-z_]+)\"", text))
    return codes


def page_error_codes() -> dict[str, tuple[str, str]]:
    js = (WEB / "static" / "common.js").read_text("utf-8")
    table = re.search(r"const YM_ERRORS = \{(.*?)\n\};", js, re.S).group(1)
    return {code: (zh, en) for code, zh, en in re.findall(r"^\s*(\w+): \[\"([^\"]+)\", \"([^\"]+)\"\]", table, re.M)}


def test_every_server_error_code_has_words_in_both_languages():
    codes = server_error_codes()
    assert {"window_closed", "too_many_attempts", "already_acknowledged", "csrf", "out_of_order"} <= codes
    mapped = page_error_codes()
    assert codes - set(mapped) == set()
    for code, (zh, en) in mapped.items():
        assert re.search(r"[\u4e00-\u9fff]", zh) and not re.search(r"[A-Za-z]{2,}", zh), (code, zh)
        assert re.fullmatch(r"[A-Z][\x20-\x7e]+", en), (code, en)


def test_the_pages_keep_to_their_content_security_policy():
    for template in (WEB / "templates").glob("*.html"):
        html = template.read_text("utf-8")
        assert not re.search(r"\sstyle=", html), template.name  # inline style attributes are blocked
        assert "<style" not in html, template.name
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), template.name  # no inline script
        assert not re.search(r"\son\w+=", html), template.name  # no inline handlers
    for script in (WEB / "static").glob("*.js"):
        js = script.read_text("utf-8")
        assert ".style." not in js and "setAttribute(\"style\"" not in js and "cssText" not in js, script.name
        assert "eval(" not in js and "new Function" not in js, script.name
    app = (WEB / "app.py").read_text("utf-8")
    assert "unsafe-inline" not in app
