"""Edits made in the registry after the file was last applied are never undone silently."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.conftest import Ark, days_since


def test_apply_lists_the_edits_it_would_undo_and_refuses_without_force(
    ark: Ark, team: Path, today: dt.date
) -> None:
    ark("assign", "carla@acme.test", "listening", "--role", "accountable", "--replace")
    ark("unassign", "bruno@acme.test", "listening", "--role", "responsible")
    before = ark("export").stdout

    dry = ark("apply", str(team), "--dry-run").output
    reverts = (
        "revert: ends carla@acme.test accountable on listening, set by tester on {day} via assign",
        "revert: restores bruno@acme.test responsible on listening, ended by tester on {day} "
        "via unassign",
        "revert: restores ana@acme.test accountable on listening, ended by tester on {day} "
        "via assign",
    )
    for revert in reverts:  # dated the day of the edit, past midnight too
        assert any(revert.format(day=day) in dry for day in days_since(today)), revert

    refused = ark("apply", str(team), code=1)
    assert "would undo 3 edits" in refused.output
    assert "ark export" in refused.output and "--force" in refused.output
    assert ark("export").stdout == before  # nothing was written

    report = ark.json("apply", str(team), "--force")
    assert len(report["reverts"]) == 3
    assert {a["contributor"] for a in ark.json("who", "listening")["assignments"]} == {
        "ana@acme.test",
        "bruno@acme.test",
        "carla@acme.test",
    }
    assert "nothing to change" in ark("apply", str(team)).output


def test_export_takes_the_edits_into_the_file(ark: Ark, team: Path) -> None:
    ark("assign", "bruno@acme.test", "kpi-report", "--role", "informed")
    ark("export", str(team))
    assert "nothing to change" in ark("apply", str(team)).output
    assert "bruno@acme.test" in {
        a["contributor"] for a in ark.json("who", "kpi-report")["assignments"]
    }


def test_an_edit_the_file_already_agrees_with_is_no_revert(ark: Ark, team: Path) -> None:
    ark("assign", "carla@acme.test", "listening", "--role", "consulted", "--hours", "1")
    text = team.read_text().replace(
        "      - contributor: carla@acme.test\n        role: consulted\n",
        "      - contributor: carla@acme.test\n        role: consulted\n        hours: 1\n",
    )
    team.write_text(text)
    report = ark.json("apply", str(team))
    assert report["reverts"] == [] and report["changes"] == []


def test_a_changed_file_still_reverts_only_what_was_edited(ark: Ark, team: Path) -> None:
    ark("assign", "bruno@acme.test", "kpi-report", "--role", "informed")
    team.write_text(team.read_text().replace("capacity: 4", "capacity: 8"))
    dry = ark.json("apply", str(team), "--dry-run")
    assert [r["key"] for r in dry["reverts"]] == ["kpi-report/bruno@acme.test/informed"]
    assert len(dry["changes"]) == 2


def test_an_unchanged_file_on_an_unchanged_registry_answers_from_the_mark(
    ark: Ark, team: Path
) -> None:
    # The registry is edited behind the mark's back, without an audit record: only the mark
    # can have answered "nothing to change" (the full comparison would see the edit).
    from sqlalchemy import update

    from ark.db import open_engine, session_scope
    from ark.models import Contributor

    with session_scope(open_engine(ark.db_url)) as session:
        session.execute(update(Contributor).values(capacity=40))
    assert ark.json("apply", str(team)) == {
        "dry_run": False,
        "counts": {},
        "changes": [],
        "reverts": [],
    }
    team.write_text(team.read_text() + "\n# a comment changes the digest\n")
    assert len(ark.json("apply", str(team))["changes"]) == 3


def test_the_command_is_named_however_ark_was_started(ark: Ark, team: Path) -> None:
    import os
    import subprocess
    import sys

    subprocess.run(
        [
            sys.executable,
            "-m",
            "ark",
            "assign",
            "bruno@acme.test",
            "kpi-report",
            "--role",
            "consulted",
        ],
        env={**os.environ, "ARK_DATABASE_URL": ark.db_url, "ARK_USER": "lead"},
        check=True,
        capture_output=True,
    )
    reverts = ark.json("apply", str(team), "--dry-run")["reverts"]
    assert [(r["edited_by"], r["via"]) for r in reverts] == [("lead", "assign")]
