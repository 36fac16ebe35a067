"""A headless Chromium for the browser tests, driven by Playwright: the one a user has.

It is the one `ark playbook pdf` prints with (`ARK_CHROMIUM`, the first on the PATH, else
Debian's), else the one `playwright install chromium` downloaded; with none, the test fails with one line saying how to install one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from ark_playbook.pdf import find_chromium as installed_chromium

ARGS = ["--headless", "--no-sandbox", "--disable-background-networking"]


def find_chromium(playwright: Any) -> Path | None:
    """The Chromium `ark playbook pdf` prints with, else Playwright's own download."""
    found = installed_chromium()
    if found is not None:
        return found
    own = Path(playwright.chromium.executable_path)
    return own if own.is_file() else None


@contextmanager
def chromium_context() -> Iterator[Any]:
    """A fresh browser context (1280 x 900) in a headless Chromium, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = find_chromium(playwright)
        if chromium is None:
            pytest.fail(
                "no Chromium found (PATH, /usr/bin/chromium, Playwright's): install one with "
                "`apt-get install chromium` or `.venv/bin/playwright install chromium`",
                pytrace=False,
            )
        browser = playwright.chromium.launch(executable_path=str(chromium), args=ARGS)
        try:
            yield browser.new_context(viewport={"width": 1280, "height": 900})
        finally:
            browser.close()
