"""The strategy's substance in the team file, the registry and back: owner, start, audience,
channels, differentiation and measured goals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ark.errors import InvalidTeamFile
from ark.teamfile import parse_team_bytes
from tests.conftest import FIXTURES, Ark, schema_objects

SUBSTANCE = """\
strategy:
  owner: Ana@acme.test
  start: 2026-09-01
  differentiation: The only firm that answers tax questions live on LinkedIn.
audience:
  - slug: small-firms
    name: Owners of small firms
    participation: [spectators, joiners]
    where: [LinkedIn groups for accountants, the trade newsletter]
  - slug: students
    name: Accounting students
channels:
  - slug: linkedin-page
    name: LinkedIn company page
    kind: profile
    purpose: Talk to owners of small firms where they already read.
    value: lead-generation
    owner: bruno@acme.test
    objectives: [more-leads]
  - slug: customer-forum
    name: Customer forum
    kind: community
"""


def with_substance(tmp_path: Path) -> Path:
    """The sample team with the strategy's substance and a measured goal added."""
    text = (FIXTURES / "team.yaml").read_text(encoding="utf-8")
    text = text.replace("  expected_departments: [marketing, sales, customer-service]\n", "")
    head, tail = text.split("departments:\n", 1)
    text = head.replace("strategy:\n", SUBSTANCE.split("audience:")[0]) + (
        "  expected_departments: [marketing, sales, customer-service]\n"
    )
    text += "departments:\n" + tail.replace(
        "kpis:\n", "audience:" + SUBSTANCE.split("audience:")[1] + "kpis:\n", 1
    )
    text = text.replace(
        "    goals: [Sales sees social as a lead source]\n",
        "    goals:\n"
        "      - Sales sees social as a lead source\n"
        "      - {kpi: followers, baseline: 100, target: 400, deadline: 2099-03-31,"
        " title: Enough followers to be heard}\n"
        "      - Marketing reports leads weekly\n",
    )
    path = tmp_path / "ark.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_substance_is_read_applied_and_exported_back(ark: Ark, tmp_path: Path) -> None:
    path = with_substance(tmp_path)
    spec = parse_team_bytes(path.read_bytes(), str(path))
    assert spec.strategy.owner == "ana@acme.test"
    assert str(spec.strategy.start) == "2026-09-01"
    assert [a.slug for a in spec.audience] == ["small-firms", "students"]
    assert [str(p) for p in spec.audience[0].participation] == ["spectators", "joiners"]
    (goal,) = spec.objectives[0].measured
    assert (goal.kpi, goal.baseline, goal.target) == ("followers", 100, 400)

    ark("apply", str(path))
    exported = ark("export").output
    for fragment in (
        "owner: ana@acme.test",
        "start: 2026-09-01",
        "differentiation: The only firm",
        "slug: small-firms",
        "participation:",
        "kind: community",
        "value: lead-generation",
        "- more-leads",
        "kpi: followers",
    ):
        assert fragment in exported, fragment
    again = tmp_path / "again.yaml"
    again.write_text(exported, encoding="utf-8")
    back = parse_team_bytes(again.read_bytes(), "again")
    for part in ("strategy", "audience", "channels", "objectives"):  # the goals' order is kept
        assert getattr(back, part) == getattr(spec, part), part
    assert ark.json("apply", str(again), "--dry-run")["changes"] == []
    # export into the hand-written file keeps it as it is
    ark("export", str(path))
    assert ark.json("apply", str(path), "--dry-run")["changes"] == []


def test_changes_and_removals_are_planned_and_applied(ark: Ark, tmp_path: Path) -> None:
    path = with_substance(tmp_path)
    ark("apply", str(path))
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "    kind: community\n", "    kind: community\n    value: customer-advocacy\n"
    )
    text = text.replace("  - slug: students\n    name: Accounting students\n", "")
    text = text.replace("target: 400", "target: 500")
    path.write_text(text, encoding="utf-8")
    plan = ark.json("apply", str(path))
    changed = {(c["entity"], c["key"], c["action"]) for c in plan["changes"]}
    assert changed == {
        ("channel", "customer-forum", "change"),
        ("segment", "students", "remove"),
        ("objective", "more-leads", "change"),
    }
    exported = ark("export").output
    assert "students" not in exported and "target: 500" in exported
    assert ark.json("apply", str(path), "--dry-run")["changes"] == []


def test_six_monthly_work_counts_from_the_strategys_start(ark: Ark, tmp_path: Path) -> None:
    text = (FIXTURES / "team.yaml").read_text(encoding="utf-8")
    text = text.replace("  min_weekly_hours: 2\n", "  min_weekly_hours: 2\n  start: 2026-11-15\n")
    text = text.replace("    cadence: monthly\n", "    cadence: six-monthly\n")
    path = tmp_path / "ark.yaml"
    path.write_text(text, encoding="utf-8")
    ark("apply", str(path))
    planned = ark.json("tasks", "plan", "--from", "2026-11-01", "--until", "2027-12-31")
    reviews = [(t["key"], t["due"]) for t in planned["created"] if t["key"].startswith("kpi-")]
    # the first review is due six months after the start, not at the end of December
    assert reviews == [
        ("kpi-report/2026-11-15+6M", "2027-05-14"),
        ("kpi-report/2027-05-15+6M", "2027-11-14"),
        ("kpi-report/2027-11-15+6M", "2028-05-14"),
    ]
    listening = [t["key"] for t in planned["created"] if t["key"].startswith("listening/")]
    assert listening[0] == "listening/2026-W46"  # nothing before the start


def test_quarterly_work_counts_from_the_strategys_start(ark: Ark, tmp_path: Path) -> None:
    text = (FIXTURES / "team.yaml").read_text(encoding="utf-8")
    text = text.replace("  min_weekly_hours: 2\n", "  min_weekly_hours: 2\n  start: 2026-11-15\n")
    text = text.replace("    cadence: monthly\n", "    cadence: quarterly\n")
    path = tmp_path / "ark.yaml"
    path.write_text(text, encoding="utf-8")
    ark("apply", str(path))
    planned = ark.json("tasks", "plan", "--from", "2026-11-01", "--until", "2027-06-30")
    reports = [(t["key"], t["due"]) for t in planned["created"] if t["key"].startswith("kpi-")]
    # the first quarter ends three months after the start, not at the end of December
    assert reports == [
        ("kpi-report/2026-11-15+3M", "2027-02-14"),
        ("kpi-report/2027-02-15+3M", "2027-05-14"),
        ("kpi-report/2027-05-15+3M", "2027-08-14"),
    ]
    # without a start, quarters are the calendar's
    path.write_text(text.replace("  start: 2026-11-15\n", ""), encoding="utf-8")
    ark("apply", str(path))
    planned = ark.json("tasks", "plan", "--from", "2027-07-01", "--until", "2027-12-31")
    assert [t["due"] for t in planned["created"] if t["key"].startswith("kpi-")] == [
        "2027-09-30",
        "2027-12-31",
    ]


def test_an_existing_team_file_applies_and_exports_unchanged(ark: Ark, team: Path) -> None:
    exported = ark("export").output
    assert "audience:" not in exported and "channels:" not in exported
    assert "owner:" not in exported and "start:" not in exported


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("  owner: Ana@acme.test", "  owner: nobody@acme.test", "strategy.owner"),
        ("    owner: bruno@acme.test", "    owner: zoe@acme.test", "channels[0].owner"),
        (
            "    objectives: [more-leads]",
            "    objectives: [fewer-leads]",
            "channels[0].objectives[0]",
        ),
        ("{kpi: followers, baseline", "{kpi: fans, baseline", "objectives[0].goals[1].kpi"),
        ("kind: community", "kind: forum", "channels[1].kind"),
        ("[spectators, joiners]", "[lurkers]", "audience[0].participation[0]"),
    ],
)
def test_bad_references_and_words_are_reported_where_they_are(
    tmp_path: Path, old: str, new: str, where: str
) -> None:
    path = with_substance(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_bytes(text.replace(old, new).encode("utf-8"))
    with pytest.raises(InvalidTeamFile) as raised:
        parse_team_bytes(path.read_bytes(), str(path))
    assert where in str(raised.value), str(raised.value)


def instances(data: Any, path: str) -> list[dict[str, Any]]:
    """The mappings of a loaded team file that sit at a schema path (`objectives[].goals[]`)."""
    found = [data]
    for part in filter(None, path.split(".")):
        key = part.removesuffix("[]")
        found = [x[key] for x in found if isinstance(x, dict) and key in x]
        if part.endswith("[]"):
            found = [item for x in found for item in x]
    return [x for x in found if isinstance(x, dict)]


def unset_fields(text: str) -> list[str]:
    """The schema's fields that a team file sets nowhere."""
    data = yaml.safe_load(text)
    return [
        f"{path}.{key}".lstrip(".")
        for path, node in schema_objects()
        for key in node["properties"]
        if not any(key in x for x in instances(data, path))
    ]


def test_a_file_with_every_field_comes_back_whole(ark: Ark) -> None:
    text = (FIXTURES / "every_field.yaml").read_text(encoding="utf-8")
    assert unset_fields(text) == []  # a new field is added to the fixture too
    path = ark.workspace / "ark.yaml"
    path.write_text(text, encoding="utf-8")
    ark("apply", str(path))

    exported = ark("export").output
    assert unset_fields(exported) == []  # export drops none
    spec = parse_team_bytes(text.encode("utf-8"), "every_field.yaml")
    back = parse_team_bytes(exported.encode("utf-8"), "exported")
    assert back == spec
    again = ark.workspace / "again.yaml"
    again.write_text(exported, encoding="utf-8")
    assert ark.json("apply", str(again), "--dry-run")["changes"] == []
