"""The demo's playbook in a real browser: a headless Chromium (tests/browser.py) driven by
Playwright.

The site is served over HTTP on 127.0.0.1 (the search index is fetched, which `file://`
forbids). Nothing is fetched from outside: the theme's fonts are off and mermaid is shipped
with the site.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ark.db import open_engine
from ark.processes import processes
from ark.service import transaction
from tests.browser import chromium_context
from tests.conftest import Demo

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
def served(demo: Callable[[str], Demo]) -> Iterator[tuple[str, Demo]]:
    """The demo's site, served over HTTP; yields its base URL and the demo."""
    made = demo("en")
    site = made.workspace / "playbook" / "site"
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", made
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium_context() as context:
        context.add_init_script(OPEN_SHADOW_ROOTS)
        yield context.new_page()


def a_word_from_the_steps(db_url: str) -> tuple[str, str]:
    """A documented process and the longest word of its steps."""
    engine = open_engine(db_url)
    try:
        with transaction(engine, write=False) as registry:
            first = processes(registry)[0]
            words = re.findall(r"[A-Za-z]{6,}", " ".join(s["do"] for s in first.data["steps"]))
            return first.slug, max(words, key=len)
    finally:
        engine.dispose()


def test_a_process_page_draws_its_diagram_and_search_finds_it(
    served: tuple[str, Demo], page: Any, tmp_path: Path
) -> None:
    base, made = served
    slug, word = a_word_from_the_steps(made.db_url)
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
