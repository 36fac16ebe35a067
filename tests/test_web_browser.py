"""`ark serve` in a real browser: the real command serves over HTTP on 127.0.0.1 and a
headless Chromium (tests/browser.py), driven by Playwright, signs in and assigns in the matrix."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import chromium_context
from tests.conftest import Ark

PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def served(ark: Ark, team: Path) -> Iterator[tuple[str, str]]:
    """`ark serve` on the sample team; yields its base URL and the first-admin link."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ark", "serve", "--port", str(port), "--db", ark.db_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "ARK_USER": "tester"},
    )
    assert process.stdout is not None
    link, lines = "", []
    try:
        for line in process.stdout:  # wait for the link, then for uvicorn to listen
            lines.append(line)
            if "/link/" in line:
                link = line.strip()
            if "Uvicorn running on" in line:
                break
        assert link, "".join(lines)
        yield f"http://127.0.0.1:{port}", link
    finally:
        process.terminate()
        process.wait()


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium_context() as context:
        yield context.new_page()


def set_password(page: Any, link: str, email: str | None = None) -> None:
    page.goto(link)
    if email:
        page.get_by_label("Your e-mail").fill(email)
    page.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()


def test_first_admin_then_a_lead_assigns_in_the_matrix(
    ark: Ark, served: tuple[str, str], page: Any, tmp_path: Path
) -> None:
    base, link = served
    page.goto(f"{base}/matrix")
    assert "/sign-in" in page.url and "no accounts yet" in page.content()
    set_password(page, link, "boss@acme.test")
    assert "boss@acme.test (admin)" in page.content()

    ark("user", "add", "ana@acme.test", "--role", "lead")
    lead_link = ark("user", "reset-link", "ana@acme.test", "--url", base).stdout.strip()
    page.get_by_role("button", name="Sign out").click()
    set_password(page, lead_link)
    assert "ana@acme.test (lead)" in page.content()

    page.goto(f"{base}/matrix?q=listening")
    bruno = "Bruno López on Social listening"
    page.get_by_label(f"Role of {bruno}", exact=True).select_option("end:responsible")
    page.get_by_role("button", name=f"Set the role of {bruno}").click()
    violation = page.locator('#r-listening [data-code="no-responsible"]')
    violation.wait_for()
    page.screenshot(path=str(tmp_path / "matrix-violation.png"))

    carla = "Carla Vidal on Social listening"
    page.get_by_label(f"Role of {carla}", exact=True).select_option("responsible")
    page.get_by_label(f"Hours a week of {carla}").fill("1")
    page.get_by_role("button", name=f"Set the role of {carla}").click()
    page.locator("#r-listening").wait_for()
    assert violation.count() == 0
    holders = ark.json("who", "listening")["assignments"]
    assert {(a["contributor"], a["role"]) for a in holders} >= {("carla@acme.test", "responsible")}


MAIN_PAGES = (
    "/",
    "/matrix",
    "/people",
    "/responsibilities/listening",
    "/tasks?view=all",
    "/kpis/followers",
    "/audit",
    "/sign-in",
)


def test_the_main_pages_have_no_serious_accessibility_violation(
    ark: Ark, served: tuple[str, str], page: Any
) -> None:
    """axe-core (shipped inside the axe-playwright-python package) on each main page."""
    from axe_playwright_python.sync_playwright import Axe

    base, link = served
    ark("kpi", "record", "followers", "12")
    set_password(page, link, "boss@acme.test")
    axe, found = Axe(), []
    for path in MAIN_PAGES:
        page.goto(base + path)
        for v in axe.run(page).response["violations"]:
            if v["impact"] in ("serious", "critical"):
                found.append(
                    f"{path}: {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                )
    assert not found, "\n".join(found)


def test_a_member_marks_a_task_done_and_a_viewer_finds_nothing_to_edit(
    ark: Ark, served: tuple[str, str], page: Any
) -> None:
    base, link = served
    set_password(page, link, "boss@acme.test")
    ark("tasks", "plan", "--until", "2099-01-31", "--from", "2099-01-01")
    for email, role in (("bruno@acme.test", "member"), ("carla@acme.test", "viewer")):
        ark("user", "add", email, "--role", role)
    page.get_by_role("button", name="Sign out").click()
    set_password(page, ark("user", "reset-link", "bruno@acme.test", "--url", base).stdout.strip())
    page.goto(f"{base}/tasks?view=mine")
    row = page.locator("tr", has_text="listening/2099-W01")
    row.get_by_label("Note").fill("report sent")
    row.get_by_role("button", name="Mark done").click()
    page.locator("tr", has_text="listening/2099-W01").wait_for(state="detached")
    done = [t for t in ark.json("tasks", "list", "--status", "done")]
    assert [(t["key"], t["assignee"]) for t in done] == [("listening/2099-W01", "bruno@acme.test")]

    page.get_by_role("button", name="Sign out").click()
    set_password(page, ark("user", "reset-link", "carla@acme.test", "--url", base).stdout.strip())
    for path in ("/", "/matrix", "/people", "/tasks?view=all", "/kpis/followers", "/processes"):
        page.goto(base + path)
        buttons = page.get_by_role("button").all_inner_texts()
        assert buttons == ["Sign out"] or set(buttons) <= {"Sign out", "Filter", "Search"}, (
            path,
            buttons,
        )
