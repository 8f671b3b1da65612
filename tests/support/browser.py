"""Real headless Chromium for page tests: Debian's chromium driven by Playwright (no download).

Every page a test opens through the `browser` fixture is watched: Chromium's console errors
(which include Content-Security-Policy violations and failed loads), uncaught exceptions and CSP
violation events are collected, and the test fails on any it did not declare with `allow()`.
"""

from __future__ import annotations

import re
import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# What a closed network needs: no background traffic, no sandbox as root, no GPU.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
# Runs before the page's own scripts (the CSP does not apply to it): a violation is reported even
# where Chromium would only count it.
REPORT_CSP = """document.addEventListener("securitypolicyviolation", (e) =>
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " in " + e.sourceFile + ":" + e.lineNumber));"""


async def launch(playwright):
    return await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)


def base(hall) -> str:
    """The address of the `hall` fixture's server."""
    return str(hall.client.make_url("")).rstrip("/")


class WatchedBrowser:
    """The browser the tests use: pages come with their problems collected."""

    def __init__(self, browser):
        self.browser = browser
        self.problems: list[str] = []
        self._allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        """Declare a console error the test provokes on purpose (e.g. a 404 it asks for)."""
        self._allowed.append(re.compile(pattern))

    async def new_page(self, **options):
        page = await self.browser.new_page(**options)
        await page.add_init_script(REPORT_CSP)
        page.on("console", lambda m: self._note(m.type, f"{m.text} @ {m.location.get('url', '')}"))
        page.on("pageerror", lambda e: self._note("error", f"uncaught: {e}"))
        return page

    def _note(self, kind: str, text: str) -> None:
        if kind == "error":
            self.problems.append(text)

    def unexpected(self) -> list[str]:
        return [p for p in self.problems if not any(a.search(p) for a in self._allowed)]


def ink(png: bytes) -> tuple[float, tuple[int, int, int]]:
    """What a screenshot of an element shows: the share of its pixels that are not its background
    (its most common colour), and their mean colour (the text's, for a text element)."""
    import io
    from collections import Counter

    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        data = im.convert("RGB").tobytes()
    pixels = list(zip(data[0::3], data[1::3], data[2::3], strict=True))
    background = Counter(pixels).most_common(1)[0][0]
    marks = [p for p in pixels if sum(abs(a - b) for a, b in zip(p, background, strict=True)) > 150]
    if not marks:
        return 0.0, background
    mean = tuple(round(sum(p[i] for p in marks) / len(marks)) for i in range(3))
    return len(marks) / len(pixels), (mean[0], mean[1], mean[2])


async def drawn(page, selector: str) -> tuple[float, tuple[int, int, int]]:
    """`ink` of the element `selector` as the page draws it now."""
    return ink(await page.locator(selector).screenshot())
