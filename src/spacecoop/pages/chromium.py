"""How the project drives a real browser: Debian's Chromium (``apt-get install chromium``; nothing
is downloaded), headless, with no background traffic of its own. Used by the browser tests, the
page benchmark and the screenshot script; playwright is not imported here (it is a test extra),
the caller hands over its running Playwright."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium (``playwright install`` is never run)."""

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
"""Headless, no sandbox (tests run as root in containers), and none of the requests Chromium makes
by itself (updates, sync, field trials), so a page's own requests are the only ones."""


def has_chromium() -> bool:
    """Return True when Debian's Chromium is installed."""
    return Path(CHROMIUM).exists()


def launch_chromium(playwright: Any, **options: Any) -> Any:
    """Launch Debian's Chromium with :data:`CHROMIUM_ARGS` through a running Playwright.

    Parameters
    ----------
    playwright : playwright.sync_api.Playwright
        What ``sync_playwright()`` gives.
    **options
        More options of ``BrowserType.launch``.

    Returns
    -------
    playwright.sync_api.Browser
    """
    return playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS), **options)
