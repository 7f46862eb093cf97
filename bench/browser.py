"""Headless Chromium from Debian's packages (``/usr/bin/chromium``, installed by
``scripts/setup``), driven by Playwright: what the browser tests and ``scripts/bench_web``
share.

Playwright's own browser downloads are never used; the system Chromium is launched with the
flags that keep it from reaching the network on its own (updates, sync, background fetches).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def launch_chromium(playwright: Playwright) -> Browser:
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: run scripts/setup as root, or "
                                "apt-get install chromium")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
