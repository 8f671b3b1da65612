"""Real headless Chromium for page tests: Debian's chromium driven by Playwright (no download)."""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# What a closed network needs: no background traffic, no sandbox as root, no GPU.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


async def launch(playwright):
    return await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)


def base(hall) -> str:
    """The address of the `hall` fixture's server."""
    return str(hall.client.make_url("")).rstrip("/")
