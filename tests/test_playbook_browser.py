"""The demo's playbook in a real browser: a headless Chromium (tests/browser.py) driven by
Playwright.

The site is served over HTTP on 127.0.0.1 (the search index is fetched, which `file://`
forbids). The browser's network is cut off from everything else, as on an intranet: every
request that is not for 127.0.0.1 is aborted and remembered, and the test asserts there was
none, while the process flow and the KPI charts (inline SVG drawn at build time) still show.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ark.db import open_engine
from ark.processes import processes
from ark.registry.writer import transaction
from tests.browser import chromium_context
from tests.conftest import Ark


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
def browser() -> Iterator[tuple[Any, list[str]]]:
    """A page whose every request beyond 127.0.0.1 is aborted, and the list of those."""
    with chromium_context() as context:
        outside: list[str] = []

        def offline(route: Any) -> None:
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", offline)
        yield context.new_page(), outside


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


def visible_svg(page: Any, selector: str) -> Any:
    """The first figure matching `selector`, once it is drawn with a real size."""
    figure = page.locator(selector).first
    figure.wait_for(state="visible")
    box = figure.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 50, box
    return figure


def test_diagrams_charts_and_search_work_with_no_network_beyond_the_site(
    ark: Ark, served: tuple[str, Path], browser: tuple[Any, list[str]], tmp_path: Path
) -> None:
    base, _ = served
    page, outside = browser
    slug, word = a_word_from_the_steps(ark)
    page.goto(f"{base}/processes/{slug}.html")
    flow = visible_svg(page, "svg.ark-flow")
    assert flow.locator("g.ark-flow__step").count() >= 2  # one box per step
    assert flow.locator("path.ark-flow__arrow").count() >= 1
    page.screenshot(path=str(tmp_path / "process.png"))

    page.goto(f"{base}/index.html")
    chart = visible_svg(page, "svg.ark-chart")
    assert chart.locator("circle.ark-chart__dot").count() >= 2  # the demo's readings
    assert chart.locator("line.ark-chart__target").count() >= 1
    # On a phone the chart shrinks to the screen and its words stay readable (12 px tall
    # where the desktop's are 16, not a third of them).
    page.set_viewport_size({"width": 390, "height": 844})
    heights = chart.locator("text").evaluate_all(
        "texts => texts.map(t => t.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 10, heights
    page.set_viewport_size({"width": 1280, "height": 800})
    box = page.locator("input.md-search__input")
    box.click()
    page.keyboard.type(word)
    result = page.locator(f".md-search-result__item a[href*='processes/{slug}.html']").first
    result.wait_for(state="visible")
    page.screenshot(path=str(tmp_path / "search.png"))

    # A newcomer's page leads to a process they follow, and a tag to its own page.
    page.goto(f"{base}/onboarding.html")
    page.locator("a[href*='people/']").first.wait_for(state="visible")
    page.goto(f"{base}/processes/{slug}.html")
    page.locator("a.md-tag").first.click()
    page.locator(f"article a[href*='processes/{slug}.html']").first.wait_for(state="visible")
    assert outside == [], f"the site asked for something outside: {outside}"


def test_the_raci_matrix_reads_on_a_screen_and_prints_on_a_4_landscape(
    served: tuple[str, Path], browser: tuple[Any, list[str]]
) -> None:
    base, _ = served
    page, outside = browser
    columns = "div.ark-raci thead th"
    for width, height in ((1280, 800), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/raci.html")
        page.locator(columns).first.wait_for(state="visible")
        # Every column of the demo's matrix is in sight, not 6 of 16.
        edges = page.locator(columns).evaluate_all(
            "cells => cells.map(c => c.getBoundingClientRect().right)"
        )
        assert len(edges) > 5 and max(edges) <= width, (width, edges)
    # Scrolled to its end inside its box, the headings stay at the box's top, the names
    # where they were.
    box = page.locator("div.ark-raci .md-typeset__scrollwrap").first
    name = page.locator("div.ark-raci tbody tr td:first-child").last
    before = name.bounding_box()
    box.evaluate("b => { b.scrollTop = b.scrollHeight; b.scrollLeft = b.scrollWidth; }")
    top, heading = box.bounding_box(), page.locator(columns).last.bounding_box()
    after = name.bounding_box()
    assert top is not None and heading is not None and before is not None and after is not None
    assert box.evaluate("b => b.scrollTop") > 0  # it did scroll
    assert abs(heading["y"] - top["y"]) < 2 and abs(after["x"] - before["x"]) < 2
    # Printed on A4 landscape (277 mm inside 10 mm margins, 96 px an inch): every row of the
    # matrix, every column on the sheet's width.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": round(277 / 25.4 * 96), "height": 700})
    page.goto(f"{base}/raci.html")
    table = page.locator("div.ark-raci table").first
    right = table.evaluate("t => t.getBoundingClientRect().right")
    assert right <= round(277 / 25.4 * 96)
    rows = page.locator("div.ark-raci tbody tr")
    shown = rows.evaluate_all("rows => rows.filter(r => r.getBoundingClientRect().height > 0)")
    assert len(shown) == rows.count() > 10
    assert outside == []
