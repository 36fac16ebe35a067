"""The `ark` command end to end on a real database: apply, export, assign, check, tasks, KPIs."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from ark.cli import cli
from tests.conftest import Ark, Demo


def test_apply_prints_the_plan_and_a_second_apply_changes_nothing(ark: Ark) -> None:
    path = ark.team_file()
    dry = ark.json("apply", str(path), "--dry-run")
    assert dry["counts"]["contributor"] == {"add": 3, "change": 0, "remove": 0}
    assert "no responsibility 'listening'" in ark("who", "listening", code=1).output  # not written
    first = ark("apply", str(path)).output
    assert "+ assignment listening/ana@acme.test/accountable" in first
    assert "nothing to change" in ark("apply", str(path)).output


def test_apply_reports_changes_and_removals(ark: Ark, team: Path) -> None:
    text = team.read_text().replace("capacity: 4", "capacity: 8")
    text = text.replace("      - contributor: carla@acme.test\n        role: consulted\n", "")
    team.write_text(text)
    plan = ark.json("apply", str(team))
    changes = {(c["entity"], c["key"], c["action"]) for c in plan["changes"]}
    assert changes == {
        ("contributor", "bruno@acme.test", "change"),
        ("assignment", "listening/carla@acme.test/consulted", "remove"),
    }
    assert [a["contributor"] for a in ark.json("who", "listening")["assignments"]] == [
        "ana@acme.test",
        "bruno@acme.test",
    ]
    history = ark.json("history", "listening")
    ended = [h for h in history if h["contributor"] == "carla@acme.test"]
    assert ended[0]["to"] == dt.date.today().isoformat()


def test_export_then_apply_is_a_no_op_and_keeps_comments(ark: Ark, team: Path) -> None:
    before = team.read_text()
    ark("export", str(team))
    after = team.read_text()
    assert "# Bruno writes the report" in after
    assert "# shown on the playbook's home page" in after
    # key order of the hand-written file survives
    assert after.index("name: Acme") < after.index("business_type")
    assert "nothing to change" in ark("apply", str(team)).output
    # the only additions are the registry's identity and the effective dates the registry
    # gave the assignments
    added = {line.strip() for line in set(after.splitlines()) - set(before.splitlines())}
    identity = [line for line in added if line.startswith("registry: ")]
    assert len(identity) == 1
    assert added - set(identity) == {f"from: {dt.date.today().isoformat()}"}


def test_export_to_stdout_applies_cleanly_to_a_fresh_registry(
    ark: Ark, team: Path, tmp_path: Path, new_db: Callable[[], str]
) -> None:
    exported = tmp_path / "exported.yaml"
    exported.write_text(ark("export").stdout)
    fresh = Ark(tmp_path, new_db())
    fresh("apply", str(exported))
    assert fresh("export").stdout == ark("export").stdout


def test_assign_unassign_who_show_history(ark: Ark, team: Path) -> None:
    ark("assign", "carla@acme.test", "listening", "--role", "responsible", "--hours", "1.5")
    who = ark.json("who", "listening")["assignments"]
    assert {(a["contributor"], a["role"]) for a in who} >= {("carla@acme.test", "responsible")}
    shown = ark.json("show", "carla@acme.test")
    assert shown["assigned_hours"] == 1.5
    ark("unassign", "carla@acme.test", "listening", "--role", "responsible")
    assert ("carla@acme.test", "responsible") not in {
        (a["contributor"], a["role"]) for a in ark.json("who", "listening")["assignments"]
    }
    roles = [
        (h["contributor"], h["role"], h["to"] is None) for h in ark.json("history", "listening")
    ]
    assert ("carla@acme.test", "responsible", False) in roles


def test_a_second_accountable_is_refused_unless_handed_over(ark: Ark, team: Path) -> None:
    result = ark("assign", "bruno@acme.test", "listening", "--role", "accountable", code=1)
    assert "already has an accountable person: ana@acme.test" in result.output
    assert "--replace" in result.output
    ark("assign", "bruno@acme.test", "listening", "--role", "accountable", "--replace")
    accountable = [
        a["contributor"]
        for a in ark.json("who", "listening")["assignments"]
        if a["role"] == "accountable"
    ]
    assert accountable == ["bruno@acme.test"]


def test_unknown_names_get_a_clear_error(ark: Ark, team: Path) -> None:
    assert "no responsibility 'nope'" in ark("who", "nope", code=1).output
    assert "no contributor 'x@y.z'" in ark("show", "x@y.z", code=1).output
    # assign and unassign read the person and the responsibility in one statement: the one
    # missing is named (the person first when both are), and nothing is written
    log = ark("log").output
    for command in ("assign", "unassign"):
        for who, slug, missing in (
            ("x@y.z", "listening", "no contributor 'x@y.z'"),
            ("ana@acme.test", "nope", "no responsibility 'nope'"),
            ("x@y.z", "nope", "no contributor 'x@y.z'"),
        ):
            assert missing in ark(command, who, slug, "--role", "informed", code=1).output
    assert ark("log").output == log
    bad_date = ark(
        "assign", "ana@acme.test", "listening", "--role", "informed", "--from", "2026-13-40", code=2
    )
    assert "YYYY-MM-DD" in bad_date.output


def test_check_finds_errors_and_exits_1(ark: Ark, team: Path) -> None:
    report = ark.json("check")
    assert report["errors"] == 0
    ark("unassign", "ana@acme.test", "listening", "--role", "accountable")
    ark("assign", "bruno@acme.test", "kpi-report", "--role", "responsible", "--hours", "3")
    report = ark.json("check", code=1)
    codes = {(f["code"], f["subject"]) for f in report["findings"]}
    assert ("no-accountable", "listening") in codes
    assert ("over-capacity", "bruno@acme.test") in codes  # 2 h + 3 h > 4 h


def test_check_warns_about_objectives_departments_and_minimum_time(
    ark: Ark, tmp_path: Path
) -> None:
    path = ark.team_file()
    text = path.read_text().replace("deadline: 2099-06-30", "deadline: 2020-01-01")
    text = text.replace("    target: 300\n", "")
    text = text.replace(
        "expected_departments: [marketing, sales, customer-service]",
        "expected_departments: [marketing, sales, customer-service, legal]",
    )
    text = text.replace(
        "  - slug: customer-service\n",
        "  - slug: legal\n    name: Legal\n  - slug: customer-service\n",
    )
    text = text.replace("hours: 2   # Bruno writes the report", "hours: 1")
    path.write_text(text)
    report = ark.json("check", "--file", str(path))
    codes = {(f["level"], f["code"], f["subject"]) for f in report["findings"]}
    assert ("warning", "not-smart", "more-leads") in codes
    assert ("warning", "department-missing", "legal") in codes
    assert ("warning", "under-minimum", "bruno@acme.test") in codes  # 1 h as responsible
    # Carla is only consulted and informed: the minimum is not hers to give
    assert not {c for c in codes if c[1] == "under-minimum" and c[2] == "carla@acme.test"}
    assert not (tmp_path / ".ark").exists()  # --file touches no database


def test_tasks_are_planned_once_per_period_and_follow_reassignment(ark: Ark, team: Path) -> None:
    start, until = "2026-11-02", "2026-12-31"
    created = ark.json("tasks", "plan", "--from", start, "--until", until)["created"]
    keys = {t["key"] for t in created}
    assert {
        "listening/2026-W45",
        "listening/2026-W53",
        "kpi-report/2026-11",
        "kpi-report/2026-12",
    } <= keys
    assert len([k for k in keys if k.startswith("listening/")]) == 9
    assert ark.json("tasks", "plan", "--from", start, "--until", until)["created"] == []
    owners = {t["assignee"] for t in ark.json("tasks", "list", "--responsibility", "listening")}
    assert owners == {"bruno@acme.test"}
    ark("tasks", "set", "listening/2026-W45", "done", "--note", "sent")
    ark("unassign", "bruno@acme.test", "listening")
    ark("assign", "carla@acme.test", "listening", "--role", "responsible", "--hours", "2")
    tasks = {t["key"]: t for t in ark.json("tasks", "list", "--responsibility", "listening")}
    assert tasks["listening/2026-W45"]["assignee"] == "bruno@acme.test"  # done stays
    assert tasks["listening/2026-W46"]["assignee"] == "carla@acme.test"  # open ones move


def test_kpi_readings_against_target(ark: Ark, team: Path) -> None:
    ark("kpi", "record", "leads", "30", "--on", "2026-10-01")
    ark("kpi", "record", "leads", "75", "--on", "2026-11-01")
    ark("kpi", "record", "leads", "90", "--on", "2026-11-01")  # same day replaces
    shown = ark.json("kpi", "show", "leads")
    assert shown["readings"] == [
        {"date": "2026-10-01", "value": 30.0, "progress": {"more-leads": 10.0}},
        {"date": "2026-11-01", "value": 90.0, "progress": {"more-leads": 30.0}},
    ]
    assert shown["targets"][0]["target"] == 300
    assert "30% of more-leads" in ark("kpi", "show", "leads").output


def test_assign_again_keeps_hours_unless_given_and_more_hours_take_the_tasks(
    ark: Ark, team: Path
) -> None:
    def hours(email: str) -> dict[str, float]:
        return {a["role"]: a["hours"] for a in ark.json("show", email)["assignments"]}

    ark("assign", "bruno@acme.test", "listening", "--role", "responsible")
    assert hours("bruno@acme.test")["responsible"] == 2  # left out: unchanged, not reset
    ark("tasks", "plan", "--from", "2026-11-02", "--until", "2026-11-30")
    ark("assign", "carla@acme.test", "listening", "--role", "responsible", "--hours", "1")
    listening = ark.json("tasks", "list", "--responsibility", "listening", "--status", "todo")
    assert {t["assignee"] for t in listening} == {"bruno@acme.test"}
    ark("assign", "carla@acme.test", "listening", "--role", "responsible", "--hours", "3")
    listening = ark.json("tasks", "list", "--responsibility", "listening", "--status", "todo")
    assert {t["assignee"] for t in listening} == {"carla@acme.test"}  # most hours now


def test_a_read_where_there_is_no_registry_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARK_DATABASE_URL", raising=False)
    for args in (["check"], ["who", "listening"], ["tasks", "list"]):
        result = CliRunner().invoke(cli, args, env={"ARK_DATABASE_URL": None})
        assert result.exit_code == 1, result.output
        assert "no registry here" in result.output and "ark apply ark.yaml" in result.output
    assert not (tmp_path / ".ark" / "ark.db").exists()  # nothing was created


def test_init_and_export_end_the_file_with_a_newline(ark: Ark, team: Path, tmp_path: Path) -> None:
    ark("init", str(tmp_path / "fresh"))
    assert (tmp_path / "fresh" / "ark.yaml").read_text().endswith("\n")
    assert ark("export").stdout.endswith("\n")


def test_audit_log_records_who_changed_what(ark: Ark, team: Path) -> None:
    from sqlalchemy import select

    from ark.db import open_engine, session_scope
    from ark.models import AuditRecord

    ark("assign", "carla@acme.test", "listening", "--role", "informed")
    with session_scope(open_engine(ark.db_url)) as session:
        rows = session.scalars(
            select(AuditRecord).where(
                AuditRecord.entity_key == "listening/carla@acme.test/informed"
            )
        ).all()
    assert [(r.actor, r.action, (r.after or {}).get("role")) for r in rows] == [
        ("tester", "add", "informed")
    ]
    ark("assign", "carla@acme.test", "listening", "--role", "informed")  # already so
    with session_scope(open_engine(ark.db_url)) as session:
        again = session.scalars(
            select(AuditRecord).where(
                AuditRecord.entity_key == "listening/carla@acme.test/informed"
            )
        ).all()
    assert len(again) == 1  # a command that changes nothing leaves no record


def test_init_writes_a_team_that_applies_and_checks(ark: Ark, tmp_path: Path) -> None:
    for business_type in ("commercial", "support", "content", "corporate"):
        for lang in ("en", "es", "it"):
            target = tmp_path / f"{business_type}-{lang}"
            ark("init", str(target), "--business-type", business_type, "--lang", lang)
            report = ark.json("check", "--file", str(target / "ark.yaml"))
            assert report["errors"] == 0, report
    assert "already exists" in ark("init", str(tmp_path / "content-es"), code=1).output


def test_demo_runs_on_the_embedded_default(demo: Callable[[str], Demo]) -> None:
    made = demo("en")
    assert "0 errors" in made.output
    assert "planned for the next quarter" in made.output
    assert (made.workspace / "ark.yaml").is_file()


def test_plugins_lists_the_core_plugin(ark: Ark) -> None:
    plugins = {p["name"]: p["hooks"] for p in ark.json("plugins")}
    assert "ark_register_checks" in plugins["ark.builtin"]


def test_a_reader_that_stops_early_is_not_an_error_message(
    team: Path, db_url: str, tmp_path: Path
) -> None:
    """`ark who | head -1`: the closed pipe ends the command quietly, as in other Unix tools,
    not with "Broken pipe" and a hint to check a path."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first line is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "ark", "who", "listening", "--db", db_url],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode != 0  # the output did not all arrive
