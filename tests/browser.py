"""A headless Chromium for the browser tests, driven by Playwright: the one a user has; and
`ark serve` run as a real process for it to browse.

The browser is the one `ark playbook pdf` prints with (`ARK_CHROMIUM`, the first on the PATH,
else Debian's), else the one `playwright install chromium` downloaded; with none, the test
fails with one line saying how to install one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from ark_playbook.pdf import find_chromium as installed_chromium

from tests.conftest import free_port

ARGS = ["--headless", "--no-sandbox", "--disable-background-networking"]


def find_chromium(playwright: Any) -> Path | None:
    """The Chromium `ark playbook pdf` prints with, else Playwright's own download."""
    found = installed_chromium()
    if found is not None:
        return found
    own = Path(playwright.chromium.executable_path)
    return own if own.is_file() else None


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium, closed afterwards: each of its contexts is a browser of its own
    (cookies apart), as two people at two desks."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        found = find_chromium(playwright)
        if found is None:
            pytest.fail(
                "no Chromium found (PATH, /usr/bin/chromium, Playwright's): install one with "
                "`apt-get install chromium` or `.venv/bin/playwright install chromium`",
                pytrace=False,
            )
        browser = playwright.chromium.launch(executable_path=str(found), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser: Any) -> Any:
    """A fresh browser context the size of a laptop's screen (1280 x 900)."""
    return browser.new_context(viewport={"width": 1280, "height": 900})


@contextmanager
def chromium_context() -> Iterator[Any]:
    """A fresh browser context (1280 x 900) in a headless Chromium, closed afterwards."""
    with chromium() as browser:
        yield new_context(browser)


@contextmanager
def serving(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[tuple[str, list[str]]]:
    """`ark serve ARGS` on a free port of 127.0.0.1 until the block ends; yields its base URL
    and the lines it printed before it listened. The rest of its output is read as it comes,
    so a long session never fills the pipe and stalls the server."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ark", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "Uvicorn running on" in line:
                break
        else:
            raise RuntimeError("`ark serve` stopped before it listened:\n" + "".join(lines))
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield f"http://127.0.0.1:{port}", lines
    finally:
        process.terminate()
        process.wait()
