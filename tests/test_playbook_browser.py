"""The demo's playbook in a real browser: Debian's headless Chromium driven by Playwright.

The site is served over HTTP on 127.0.0.1 (the search index is fetched, which `file://`
forbids). Nothing is fetched from outside: the theme's fonts are off and mermaid is shipped
with the site.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ark.db import open_engine
from ark.processes import processes
from ark.service import transaction
from tests.conftest import Ark

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-background-networking"]
# Material draws each diagram inside a *closed* shadow root; opening them lets the test look
# at the SVG the page really shows.
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  return attach.call(this, { ...init, mode: "open" });
};
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served(ark: Ark, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The demo's site, served over HTTP; yields its base URL and the demo folder."""
    demo = tmp_path / "demo"
    ark("demo", str(demo))
    site = demo / "playbook" / "site"
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", demo
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`); "
            "the browser test does not download a browser of its own"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script(OPEN_SHADOW_ROOTS)
            yield context.new_page()
        finally:
            browser.close()


def a_word_from_the_steps(ark: Ark) -> tuple[str, str]:
    """A documented process and the longest word of its steps."""
    engine = open_engine(ark.db_url)
    try:
        with transaction(engine, write=False) as registry:
            first = processes(registry)[0]
            words = re.findall(r"[A-Za-z]{6,}", " ".join(s["do"] for s in first.data["steps"]))
            return first.slug, max(words, key=len)
    finally:
        engine.dispose()


def test_a_process_page_draws_its_diagram_and_search_finds_it(
    ark: Ark, served: tuple[str, Path], page: Any, tmp_path: Path
) -> None:
    base, _ = served
    slug, word = a_word_from_the_steps(ark)
    outside: list[str] = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(base) else outside.append(request.url),
    )
    page.goto(f"{base}/processes/{slug}.html")
    diagram = page.locator(".mermaid svg").first
    diagram.wait_for(state="visible")
    assert diagram.locator("g.node").count() >= 2  # one node per step
    shot = tmp_path / "process.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")

    page.goto(f"{base}/index.html")
    box = page.locator("input.md-search__input")
    box.click()
    page.keyboard.type(word)
    result = page.locator(f".md-search-result__item a[href*='processes/{slug}.html']").first
    result.wait_for(state="visible")
    page.screenshot(path=str(tmp_path / "search.png"))
    assert outside == [], f"the site fetched from outside: {outside}"
