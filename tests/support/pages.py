"""Helpers for the pages' browser tests: signing in through the page, waiting for a text, and the
layout measure (cut words, overflow, stray English on a Chinese page)."""

from __future__ import annotations

import re

from tests.support.browser import base
from tests.support.hall import PASSWORD

WORDS_KEPT_WHOLE = ("th, td, dt, dd, label, button, a, .pill, .tag, .kpi > *, header h1 *, h2, h3, .tile > *, "
                    ".calls li > *, .number, .status, .alert-what > *, .live, .updated")

MEASURE = """(keep) => {
  const problems = [];
  const W = window.innerWidth;
  const page = document.documentElement;
  if (page.scrollWidth > W) problems.push(`the page is ${page.scrollWidth}px wide in a ${W}px window`);
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().replace(/\\s+/g, ".") : "");
  for (const el of document.querySelectorAll("body *")) {
    if (!shown(el) || el.closest(".sr, dialog:not([open])")) continue;
    const r = el.getBoundingClientRect();
    if (r.right > W + 0.5 || r.left < -0.5) problems.push(`${name(el)} sticks out: ${Math.round(r.left)}..${Math.round(r.right)} of ${W}`);
    const cs = getComputedStyle(el);
    if (cs.textOverflow === "ellipsis" && el.scrollWidth > el.clientWidth) problems.push(`${name(el)} is cut off: "${el.textContent}"`);
    else if (cs.display !== "inline" && cs.overflowX === "visible" && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
      problems.push(`${name(el)}'s content is ${el.scrollWidth}px wide in a ${el.clientWidth}px box`);
  }
  for (const el of document.querySelectorAll(keep)) {
    if (!shown(el) || el.closest(".wrap-ok, .sr")) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest(".wrap-ok")) continue;
      for (const m of node.data.matchAll(/\\S{2,}/g)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter((q) => q.width > 0).map((q) => Math.round(q.bottom)));
        if (lines.size > 1) problems.push(`"${m[0]}" in ${name(el)} breaks across ${lines.size} lines`);
      }
    }
  }
  return problems;
}"""

# Latin words a Chinese page may show: the language switch, keys, the test hall's device and
# account names, and file formats as Chinese software names them (下载 CSV / Excel / PDF).
LATIN_OK = {"English", "Enter", "Esc", "kiosk", "clerk", "manager", "Yimen", "CSV", "Excel", "PDF"}


async def sign_in(page, hall, path: str, user: str = "clerk1") -> None:
    await page.goto(base(hall) + path)
    assert "/login?next=" in page.url  # anonymous visitors are sent to sign in first
    await page.fill("#username", user)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(base(hall) + path)


async def text_is(page, selector_id: str, text: str, timeout: int = 10000) -> None:
    """Wait until element #selector_id shows exactly `text` (arrow function: the CSP forbids eval)."""
    await page.wait_for_function(
        "([id, t]) => { const e = document.getElementById(id); return e && e.textContent.trim() === t; }",
        arg=[selector_id, text], timeout=timeout)


async def text_has(page, selector_id: str, text: str, timeout: int = 10000) -> None:
    await page.wait_for_function(
        "([id, t]) => { const e = document.getElementById(id); return e && e.textContent.includes(t); }",
        arg=[selector_id, text], timeout=timeout)


async def measure(page, shot: str) -> list[str]:
    await page.screenshot(path=shot, full_page=True)
    return await page.evaluate(MEASURE, WORDS_KEPT_WHOLE)


def english_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in LATIN_OK}
