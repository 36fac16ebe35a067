"""`ark serve` in a real browser: the real command serves over HTTP on 127.0.0.1 and a
headless Chromium (tests/browser.py), driven by Playwright, signs in and assigns in the matrix."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import chromium, chromium_context, new_context, serving
from tests.conftest import Ark

PASSWORD = "correct horse battery"


@pytest.fixture
def served(ark: Ark, team: Path) -> Iterator[tuple[str, str]]:
    """`ark serve` on the sample team; yields its base URL and the first-admin link."""
    with serving("--db", ark.db_url, env={"ARK_USER": "tester"}) as (base, lines):
        links = [line.strip() for line in lines if "/link/" in line]
        assert links, "".join(lines)
        yield base, links[-1]


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
    submit(page, "Set password and sign in")


def submit(page: Any, button: str) -> None:
    """Press a form's `button` and wait for the page it leads to: reading the page while the
    browser is still on its way there reads nothing."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


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
    submit(page, "Sign out")
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
    "/people/ana@acme.test/offboard?to=bruno%40acme.test&preview=1",
    "/people/ana@acme.test",
    "/responsibilities",
    "/kpis",
    "/processes",
    "/team-file",
    "/accounts",
    "/tokens",
    "/jobs",
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


def test_the_matrix_keeps_its_headers_in_view_and_works_from_the_keyboard(
    ark: Ark, served: tuple[str, str], page: Any
) -> None:
    """Scrolled down and right, the people and the responsibilities stay in view (sticky
    headers); a cell is set with the keyboard alone."""
    base, link = served
    set_password(page, link, "boss@acme.test")
    page.set_viewport_size({"width": 400, "height": 160})
    page.goto(f"{base}/matrix")
    wrap = page.locator(".matrix-wrap")
    sizes = wrap.evaluate("e => [e.scrollHeight > e.clientHeight, e.scrollWidth > e.clientWidth]")
    assert sizes == [True, True]  # it does scroll both ways in this window
    wrap.evaluate("e => { e.scrollTop = e.scrollHeight; e.scrollLeft = e.scrollWidth; }")
    box = wrap.bounding_box()
    corner = page.locator("th.corner").bounding_box()
    person = page.locator("thead th").last.bounding_box()
    row = page.locator("tbody th").last.bounding_box()
    assert abs(corner["y"] - box["y"]) <= 2 and abs(corner["x"] - box["x"]) <= 2
    assert abs(person["y"] - box["y"]) <= 2  # the people's row is still at the top
    assert abs(row["x"] - box["x"]) <= 2  # the responsibilities' column still on the left

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/matrix?q=listening")
    carla = "Carla Vidal on Social listening"
    role = page.get_by_label(f"Role of {carla}", exact=True)
    role.focus()
    for _ in range(6):  # down the roles offered, to I
        if role.input_value() == "informed":
            break
        page.keyboard.press("ArrowDown")
    assert role.input_value() == "informed"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "hours"
    page.keyboard.type("0.5")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    roles = {
        (a["role"], a["hours"])
        for a in ark.json("who", "listening")["assignments"]
        if a["contributor"] == "carla@acme.test"
    }
    assert ("informed", 0.5) in roles, roles


def test_a_member_marks_a_task_done_and_a_viewer_finds_nothing_to_edit(
    ark: Ark, served: tuple[str, str], page: Any
) -> None:
    base, link = served
    set_password(page, link, "boss@acme.test")
    ark("tasks", "plan", "--until", "2099-01-31", "--from", "2099-01-01")
    for email, role in (("bruno@acme.test", "member"), ("carla@acme.test", "viewer")):
        ark("user", "add", email, "--role", role)
    submit(page, "Sign out")
    set_password(page, ark("user", "reset-link", "bruno@acme.test", "--url", base).stdout.strip())
    page.goto(f"{base}/tasks?view=mine")
    row = page.locator("tr", has_text="listening/2099-W01")
    row.get_by_label("Note").fill("report sent")
    row.get_by_role("button", name="Mark done").click()
    page.locator("tr", has_text="listening/2099-W01").wait_for(state="detached")
    done = [t for t in ark.json("tasks", "list", "--status", "done")]
    assert [(t["key"], t["assignee"]) for t in done] == [("listening/2099-W01", "bruno@acme.test")]

    submit(page, "Sign out")
    set_password(page, ark("user", "reset-link", "carla@acme.test", "--url", base).stdout.strip())
    for path in ("/", "/matrix", "/people", "/tasks?view=all", "/kpis/followers", "/processes"):
        page.goto(base + path)
        buttons = page.get_by_role("button").all_inner_texts()
        assert buttons == ["Sign out"] or set(buttons) <= {"Sign out", "Filter", "Search"}, (
            path,
            buttons,
        )


def sign_in_as(ark: Ark, page: Any, base: str, email: str, role: str) -> None:
    """Give `email` an account with `role` and sign in with its one-time link in `page`."""
    ark("user", "add", email, "--role", role)
    set_password(page, ark("user", "reset-link", email, "--url", base).stdout.strip())
    assert f"{email} ({role})" in page.content()


def test_two_leads_race_on_one_cell_one_wins_the_other_is_told(
    ark: Ark, served: tuple[str, str]
) -> None:
    """Two leads at two desks (two browser contexts) open the matrix and set the same cell."""
    base, link = served
    with chromium() as browser:
        first, second = new_context(browser).new_page(), new_context(browser).new_page()
        set_password(first, link, "boss@acme.test")
        submit(first, "Sign out")
        sign_in_as(ark, first, base, "ana@acme.test", "lead")
        sign_in_as(ark, second, base, "bruno@acme.test", "lead")
        carla = "Carla Vidal on Social listening"
        for page in (first, second):
            page.goto(f"{base}/matrix?q=listening")
            page.get_by_label(f"Role of {carla}", exact=True).wait_for()

        first.get_by_label(f"Role of {carla}", exact=True).select_option("responsible")
        first.get_by_label(f"Hours a week of {carla}").fill("1")
        first.get_by_role("button", name=f"Set the role of {carla}").click()
        first.locator("#r-listening").wait_for()
        second.get_by_label(f"Role of {carla}", exact=True).select_option("informed")
        second.get_by_role("button", name=f"Set the role of {carla}").click()
        told = second.get_by_role("alert")
        told.wait_for()
        assert "ana@acme.test changed assignment listening/carla@acme.test/responsible" in (
            told.inner_text()
        )
        assert "nothing was written" in told.inner_text()

    roles = {
        (a["role"], a["hours"])
        for a in ark.json("who", "listening")["assignments"]
        if a["contributor"] == "carla@acme.test"
    }
    assert ("responsible", 1) in roles and not any(role == "informed" for role, _ in roles)


def test_a_lead_offboards_a_person_after_seeing_what_moves(
    ark: Ark, served: tuple[str, str], page: Any, tmp_path: Path
) -> None:
    base, link = served
    ark("tasks", "plan", "--until", "2099-01-31", "--from", "2099-01-01")
    set_password(page, link, "boss@acme.test")
    page.goto(f"{base}/people/ana@acme.test")
    page.get_by_role("link", name="Offboard Ana García").click()
    page.get_by_label("Who takes everything not named below").fill("bruno@acme.test")
    page.get_by_label("Who takes the accountable role on listening").fill("carla@acme.test")
    page.get_by_role("button", name="Preview what moves").click()
    preview = page.locator("section", has_text="What moves on")
    preview.wait_for()
    page.screenshot(path=str(tmp_path / "offboard-preview.png"), full_page=True)
    rows = preview.locator("tbody tr").all_inner_texts()
    assert "accountable on listening\tcarla@acme.test" in rows
    assert "accountable on kpi-report\tbruno@acme.test" in rows
    assert any(r.startswith("task kpi-report/") and r.endswith("bruno@acme.test") for r in rows)
    assert ark.json("who", "listening")["assignments"][0]["contributor"] == "ana@acme.test"

    page.get_by_role("button", name="Offboard Ana García").click()
    page.wait_for_url(f"{base}/people")
    assert "ana@acme.test" not in page.content()
    accountable = {
        slug: [
            a["contributor"]
            for a in ark.json("who", slug)["assignments"]
            if a["role"] == "accountable"
        ]
        for slug in ("listening", "kpi-report")
    }
    assert accountable == {"listening": ["carla@acme.test"], "kpi-report": ["bruno@acme.test"]}
    log = ark.json("log", "--entity", "contributor", "--key", "ana@acme.test")["items"]
    assert [(e["actor"], e["action"]) for e in log[:1]] == [("boss@acme.test", "remove")]


def test_the_docs_screenshots_are_taken_of_every_page_they_show(tmp_path: Path) -> None:
    """docs/screenshots.py on a fresh demo, into a scratch folder: every picture docs/web.md
    shows comes out of it, as a PNG the width of the browser's window."""
    from tests.test_docs import PNG, ROOT, referenced_images

    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "screenshots.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    shown = {image.name for image, pages in referenced_images().items() if "docs/web.md" in pages}
    taken = {p.name for p in tmp_path.glob("*.png")}
    assert shown and taken == shown
    for name in taken:
        data = (tmp_path / name).read_bytes()
        assert data[:8] == PNG and int.from_bytes(data[16:20], "big") == 1280, name
