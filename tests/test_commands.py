"""The commands team leads reach for beyond apply and assign: due tasks, moving and
offboarding people, importing people from CSV, the RACI matrix as CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.conftest import Ark, days_since


def test_tasks_due_this_week_overdue_and_mine(ark: Ark, team: Path, today: dt.date) -> None:
    start, until = today - dt.timedelta(days=21), today + dt.timedelta(days=21)
    ark("tasks", "plan", "--from", start.isoformat(), "--until", until.isoformat())
    overdue = ark.json("tasks", "list", "--due", "overdue")
    # overdue by the command's today, which is no later than the one taken after it
    assert overdue and all(t["due"] < dt.date.today().isoformat() for t in overdue)
    ark("tasks", "set", overdue[0]["key"], "done")
    assert overdue[0]["key"] not in {
        t["key"] for t in ark.json("tasks", "list", "--due", "overdue")
    }

    week = ark.json("tasks", "list", "--due", "this-week")
    keys = {t["key"] for t in week}

    def is_the_week_of(day: dt.date) -> bool:
        monday = day - dt.timedelta(days=day.weekday())
        return f"listening/{day:%G-W%V}" in keys and all(
            str(monday) <= t["due"] <= str(monday + dt.timedelta(days=6)) for t in week
        )

    # the week of the command's day, whichever day since the test began that was
    assert any(is_the_week_of(dt.date.fromisoformat(day)) for day in days_since(today))

    mine = ark("tasks", "list", "--mine", "--json", user="bruno@acme.test")
    assert mine.stdout.count('"assignee": "bruno@acme.test"') == mine.stdout.count('"key"') > 0
    refused = ark("tasks", "list", "--mine", code=1)
    assert "ARK_USER is 'tester'" in refused.output and "--assignee" in refused.output


def test_old_date_option_names_still_work_and_are_not_shown(ark: Ark, team: Path) -> None:
    ark("assign", "carla@acme.test", "kpi-report", "--role", "consulted", "--from", "2026-01-05")
    assert {a["from"] for a in ark.json("who", "kpi-report")["assignments"]} >= {"2026-01-05"}
    ark("kpi", "record", "leads", "4", "--date", "2026-02-01")
    readings = ark.json("kpi", "show", "leads")["readings"]
    assert [(r["date"], r["value"]) for r in readings] == [("2026-02-01", 4.0)]
    for command in (["assign"], ["kpi", "record"]):
        shown = ark(*command, "--help").output
        assert "--on DATE" in shown and "--from" not in shown and "--date" not in shown


def test_person_move_changes_the_department_and_an_apply_names_it_a_revert(
    ark: Ark, team: Path, today: dt.date
) -> None:
    assert (
        "bruno@acme.test is in Marketing (marketing)"
        in ark("person", "move", "bruno@acme.test", "marketing").output
    )
    assert ark.json("show", "bruno@acme.test")["department"] == "marketing"
    dry = ark("apply", str(team), "--dry-run").output
    assert any(
        "revert: changes contributor bruno@acme.test (department: 'marketing' back to 'sales'), "
        f"changed by tester on {day} via person move" in dry
        for day in days_since(today)
    )
    missing = ark("person", "move", "bruno@acme.test", "legal", code=1).output
    assert "no department 'legal'" in missing


def test_offboard_previews_then_hands_over_in_one_transaction(
    ark: Ark, team: Path, today: dt.date
) -> None:
    ark("tasks", "plan", "--from", today.isoformat(), "--until", today.isoformat())
    before = ark("export").stdout
    needs_successor = ark("person", "offboard", "ana@acme.test", code=1).output
    assert "accountable for listening, kpi-report" in needs_successor
    assert "--to EMAIL" in needs_successor

    preview = ark("person", "offboard", "ana@acme.test", "--to", "carla@acme.test", "--dry-run")
    assert "  end      accountable on listening (1 h a week)" in preview.output
    assert "  hand     accountable on kpi-report to carla@acme.test" in preview.output
    assert "  archive  contributor ana@acme.test" in preview.output
    declined = ark(
        "person", "offboard", "ana@acme.test", "--to", "carla@acme.test", input="n\n", code=1
    )
    assert "go ahead?" in declined.output
    assert ark("export").stdout == before  # neither the preview nor a "no" wrote anything

    done = ark("person", "offboard", "ana@acme.test", "--to", "carla@acme.test", input="y\n")
    assert "offboarded ana@acme.test" in done.output
    for slug in ("listening", "kpi-report"):
        roles = {(a["contributor"], a["role"]) for a in ark.json("who", slug)["assignments"]}
        assert ("carla@acme.test", "accountable") in roles
        assert not any(who == "ana@acme.test" for who, _ in roles)
    tasks = ark.json("tasks", "list")
    assert tasks and all(t["assignee"] != "ana@acme.test" for t in tasks)
    assert "no contributor 'ana@acme.test'" in ark("show", "ana@acme.test", code=1).output
    assert "see `ark people --search ana`" in ark("show", "ana@acme.test", code=1).output
    history = ark.json("history", "listening")
    assert any(h["contributor"] == "ana@acme.test" and h["to"] for h in history)
    reverts = ark.json("apply", str(team), "--dry-run")["reverts"]
    assert {"contributor", "assignment"} <= {r["entity"] for r in reverts}
    assert all(r["via"] == "person offboard" for r in reverts)


def test_offboard_hands_nothing_to_the_one_leaving_or_a_disabled_account(
    ark: Ark, team: Path
) -> None:
    leaving = ark("person", "offboard", "ana@acme.test", "--to", "Ana@acme.test", code=1).output
    assert "Ana@acme.test is the person leaving" in leaving
    ark("user", "add", "carla@acme.test", "--role", "member")
    ark("user", "disable", "carla@acme.test")
    disabled = ark("person", "offboard", "ana@acme.test", "--to", "carla@acme.test", code=1)
    assert "carla@acme.test's account is disabled" in disabled.output
    assert (
        "no contributor"
        in ark("person", "offboard", "ana@acme.test", "--to", "x@y.z", code=1).output
    )
    assert ark.json("who", "listening")["assignments"][0]["contributor"] == "ana@acme.test"


def test_import_people_from_csv_shows_the_plan_and_applies_it(ark: Ark, team: Path) -> None:
    people = ark.workspace / "people.csv"
    people.write_text(
        "email,name,department,capacity,jira_user\n"
        "dora@acme.test,Dora Prieto,sales,3,\n"
        "Bruno@acme.test,Bruno López,sales,,bruno.l\n",
        encoding="utf-8",
    )
    dry = ark("import", str(people), "--dry-run").output
    assert "+ contributor dora@acme.test" in dry
    assert "~ contributor bruno@acme.test (jira_user: null -> 'bruno.l')" in dry
    assert "contributors: would add 1, would change 1" in dry
    assert "no contributor 'dora@acme.test'" in ark("show", "dora@acme.test", code=1).output

    assert "contributors: added 1, changed 1" in ark("import", str(people)).output
    bruno = ark.json("show", "bruno@acme.test")
    assert (bruno["capacity"], bruno["jira_user"]) == (4, "bruno.l")  # a blank capacity keeps 4
    assert ark.json("show", "dora@acme.test")["capacity"] == 3
    assert "nothing to change" not in ark("apply", str(team), "--dry-run").output


def test_import_reports_every_bad_row_with_its_line_and_writes_nothing(
    ark: Ark, team: Path
) -> None:
    people = ark.workspace / "people.csv"
    people.write_text(
        "email,name,department,capacity\n"
        "dora@acme.test,Dora Prieto,sales,3\n"
        "not-an-address,Eva,sales,3\n"
        "fede@acme.test,Fede,legal,2\n"
        "gala@acme.test,Gala,sales,lots\n"
        "DORA@acme.test,Dora again,sales,0\n"
        "bruno@acme.test,Bruno,sales,2\n"
        "BRUNO@acme.test,Bruno,sales,2\n",
        encoding="utf-8",
    )
    out = ark("import", str(people), code=2).output
    assert "people.csv:3:1: email: 'not-an-address' is not an e-mail address" in out
    assert "people.csv:4:3: department: 'legal' is not a department of the registry" in out
    assert "people.csv:5:4: capacity: expected a number, got a string ('lots')" in out
    assert "people.csv:6:4: capacity: 0.0 is out of range" in out
    assert "people.csv:8:1: email: bruno@acme.test is also on line 7" in out
    assert "5 problems in the people file; nothing was changed" in out
    assert "no contributor 'dora@acme.test'" in ark("show", "dora@acme.test", code=1).output
    people.write_text("mail,name\nx@acme.test,X\n", encoding="utf-8")
    header = ark("import", str(people), code=2).output
    assert (
        "people.csv:1:1: unknown columns: 'mail'; missing columns: 'email', 'department'" in header
    )


def test_export_raci_csv(ark: Ark, team: Path) -> None:
    lines = ark("export", "--raci-csv").stdout.splitlines()
    assert lines[0] == "responsibility,title,ana@acme.test,bruno@acme.test,carla@acme.test"
    assert lines[1] == "listening,Social listening,A,R,C"
    assert lines[2] == "kpi-report,KPI and ROI report,R/A,,I"
    target = ark.workspace / "raci.csv"
    ark("export", "--raci-csv", str(target))
    assert target.read_text(encoding="utf-8").splitlines() == lines
