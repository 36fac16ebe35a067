"""The editorial calendar as data: add, list, move, and a month planned into each
department's piece and the task for its draft."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Ark


def test_add_list_and_move_keep_the_draft_before_publishing(ark: Ark, team: Path) -> None:
    entry = ark.json(
        "calendar", "add", "2026-12-10", "Year-end checklist", "--contributor", "bruno@acme.test"
    )
    assert entry["department"] == "sales"  # the contributor's
    assert entry["draft_due"] == "2026-12-03" and entry["status"] == "planned"
    number = str(entry["id"])
    ark("calendar", "add", "2026-12-02", "Customer story", "--department", "customer-service")
    assert [e["topic"] for e in ark.json("calendar", "list")] == [
        "Customer story",
        "Year-end checklist",
    ]
    assert [e["topic"] for e in ark.json("calendar", "list", "--department", "sales")] == [
        "Year-end checklist"
    ]
    assert "Year-end checklist" in ark("calendar", "move", number, "2026-12-17").output
    (moved,) = ark.json("calendar", "list", "--from", "2026-12-15")
    assert (moved["date"], moved["draft_due"]) == ("2026-12-17", "2026-12-10")
    late = ark("calendar", "move", number, "2026-12-20", "--draft", "2026-12-21", code=1)
    assert "would be due after publishing" in late.output
    unknown = ark("calendar", "add", "2026-12-10", "X", "--channel", "tiktok", code=1)
    assert "no channel 'tiktok'" in unknown.output
    assert ark.json("calendar", "list", "--until", "2026-12-31")[-1]["date"] == "2026-12-17"


def test_planning_a_month_gives_each_department_its_piece_and_a_task(ark: Ark, team: Path) -> None:
    plan = ark.json("calendar", "plan", "--month", "2026-12", "--responsibility", "listening")
    departments = [e["department"] for e in plan["entries"]]
    assert departments == ["marketing", "sales", "customer-service"]  # the expected ones
    contributors = {e["department"]: e["contributor"] for e in plan["entries"]}
    assert contributors == {
        "marketing": "ana@acme.test",
        "sales": "bruno@acme.test",
        "customer-service": "carla@acme.test",
    }
    assert all(e["date"].startswith("2026-12") for e in plan["entries"])
    tasks = {t["key"]: t for t in plan["tasks"]}
    assert set(tasks) == {
        "calendar/2026-12/marketing",
        "calendar/2026-12/sales",
        "calendar/2026-12/customer-service",
    }
    marketing = next(e for e in plan["entries"] if e["department"] == "marketing")
    assert tasks["calendar/2026-12/marketing"]["due"] == marketing["draft_due"]
    assert tasks["calendar/2026-12/sales"]["assignee"] == "bruno@acme.test"
    again = ark.json("calendar", "plan", "--month", "2026-12", "--responsibility", "listening")
    assert again == {"entries": [], "tasks": []}
    listed = {t["key"] for t in ark.json("tasks", "list", "--responsibility", "listening")}
    assert "calendar/2026-12/customer-service" in listed
    bad = ark("calendar", "plan", "--month", "December", code=2)
    assert "YYYY-MM" in bad.output
    missing = ark("calendar", "plan", "--month", "2027-01", code=1)  # no editorial-calendar
    assert "no responsibility 'editorial-calendar'" in missing.output


def test_the_playbook_shows_the_calendar_in_its_language(ark: Ark, team: Path) -> None:
    import datetime as dt

    from ark_processes.pages import pages

    from ark.db import open_engine
    from ark.registry.writer import transaction

    soon = (dt.date.today().replace(day=1) + dt.timedelta(days=40)).replace(day=10)
    ark("calendar", "add", soon.isoformat(), "Customer story", "--contributor", "carla@acme.test")
    ark("calendar", "add", "2020-01-10", "Long gone", "--department", "sales")
    with transaction(open_engine(ark.db_url), write=False) as reg:
        es = pages(reg, "es")["calendar.md"]
        en = pages(reg, "en")["calendar.md"]
    assert "# Calendario editorial" in es and "| Customer story |" in es
    assert "Carla Vidal" in es and "planificada" in es
    assert "Long gone" not in es  # only from this month on
    assert "| Date | Channel | Topic |" in en
