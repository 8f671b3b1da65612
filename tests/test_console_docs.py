"""The console's shortcuts are documented where the clerk and the operator look: on the page and in
docs/console.md; and every window action of the API has a button on the page."""

from __future__ import annotations

import re
from pathlib import Path

from queue_server.web.app import create_app  # noqa: F401  (registers the routes)
from queue_server.web.routing import ROUTES

ROOT = Path(__file__).parent.parent
WEB = ROOT / "queue_server" / "web"


def page() -> str:
    return (WEB / "templates" / "console.html").read_text("utf-8")


def script() -> str:
    return (WEB / "static" / "console.js").read_text("utf-8")


def scripts() -> str:
    """The console's own scripts: the desk, its case panel and the day's appointments."""
    return script() + (WEB / "static" / "console-cases.js").read_text("utf-8") + \
        (WEB / "static" / "bookings.js").read_text("utf-8")


def test_every_window_action_of_the_api_has_a_button_with_its_key():
    actions = {r.path.rsplit("/", 1)[1] for r in ROUTES
               if r.method == "POST" and r.path.startswith("/api/v1/windows/{window}/")}
    buttons = dict(re.findall(r'data-action="([\w-]+)"[^>]*>[^<(]*\(([^)]+)\)<', page()))
    assert actions - {"call"} <= set(buttons), actions - set(buttons)  # `call` is the number field
    assert "N" in re.search(r'id="call-form".*?</form>', page(), re.S).group(0)
    # The letter printed on each button is the one the script binds to that action.
    bound = dict(re.findall(r'(\w): "([\w-]+)"', re.search(r"const KEYS = \{(.*?)\};", script(), re.S).group(1)))
    for key, action in bound.items():
        assert key.upper() in buttons[action].replace(" ", "").split("/"), (key, action, buttons[action])
    assert buttons["call-next"] == "F1 / Enter" and buttons["pause"] == "P" and buttons["resume"] == "P"


def test_the_keys_on_the_page_are_the_keys_in_the_docs():
    on_page = re.findall(r"<dt>([^<]+)</dt>", re.search(r'<dl class="keymap">(.*?)</dl>', page(), re.S).group(1))
    docs = (ROOT / "docs" / "console.md").read_text("utf-8")
    table = re.search(r"## Keyboard shortcuts(.*?)\n## ", docs, re.S).group(1)
    documented = {k for row in re.findall(r"^\| ([^|]+) \|", table, re.M) for k in re.findall(r"\*\*([^*]+)\*\*", row)}
    for entry in on_page:
        for key in entry.split(" / "):
            assert key in documented, key
    assert len(on_page) >= 12


def test_the_page_keeps_to_the_content_security_policy_and_never_injects_html():
    html = page()
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)  # no inline script
    assert not re.search(r"\son\w+=", html)  # no inline handlers
    assert re.findall(r'<script src="([^"]+)"', html) == ["/static/common.js", "/static/console.js",
                                                          "/static/console-cases.js", "/static/bookings.js"]
    js = scripts()
    assert "eval(" not in js and "new Function" not in js
    # Server text (matter names, notes, reasons) goes in as text only: innerHTML is used to clear.
    assert set(re.findall(r"innerHTML\s*=\s*([^;]+);", js)) == {'""'}
