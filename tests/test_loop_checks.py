"""`ark check` on the operating loop: each check fires with its fix, and stays silent when the
team does what it asks."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import FIXTURES, Ark


def days(n: int) -> str:
    """The day `n` days from today, taken when the test runs (not when it is collected)."""
    return (dt.date.today() + dt.timedelta(days=n)).isoformat()


def findings(ark: Ark, code: int = 0) -> dict[tuple[str, str], dict[str, Any]]:
    """The registry's findings by (code, subject)."""
    report = ark.json("check", code=code)
    return {(f["code"], f["subject"]): f for f in report["findings"]}


def sample(ark: Ark, *edits: tuple[str, str]) -> Path:
    """The sample team with text replaced, applied."""
    text = (FIXTURES / "team.yaml").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = ark.workspace / "ark.yaml"
    path.write_text(text, encoding="utf-8")
    ark("apply", str(path), "--force")  # a new sample replaces what the test assigned before
    return path


OBJECTIVE = "    baseline: 0\n    target: 300\n    deadline: 2099-06-30\n"


def measured(baseline: float, target: float, deadline: str) -> tuple[str, str]:
    return OBJECTIVE, f"    baseline: {baseline}\n    target: {target}\n    deadline: {deadline}\n"


def test_no_objectives_fires_and_is_silenced_by_one(ark: Ark) -> None:
    path = sample(ark)
    found = findings(ark)
    assert ("no-objectives", "strategy") not in found
    text = path.read_text(encoding="utf-8").split("objectives:\n")[0]
    path.write_text(text, encoding="utf-8")
    ark("apply", str(path))
    finding = findings(ark)["no-objectives", "strategy"]
    assert finding["level"] == "warning" and "add objectives" in finding["fix"]


def test_an_objective_never_measured_fires_until_a_reading(ark: Ark) -> None:
    sample(ark, measured(40, 120, days(180)))
    finding = findings(ark)["never-measured", "more-leads"]
    assert finding["fix"] == "record one: ark kpi record leads VALUE --date YYYY-MM-DD"
    ark("kpi", "record", "leads", "45")
    assert ("never-measured", "more-leads") not in findings(ark)


def test_a_reading_off_the_path_to_the_target_fires(ark: Ark) -> None:
    path = sample(
        ark,
        measured(0, 300, days(100)),
        ("  min_weekly_hours: 2\n", f"  min_weekly_hours: 2\n  start: {days(-100)}\n"),
    )
    ark("kpi", "record", "leads", "10")  # 3 % of the way, where half the time has gone
    finding = findings(ark)["off-track", "more-leads"]
    assert "3% of the way" in finding["message"] and "at 50%" in finding["message"]
    assert "review the objective's tactics" in finding["fix"]
    ark("kpi", "record", "leads", "140")  # 47 %: near enough the path
    assert ("off-track", "more-leads") not in findings(ark)
    assert path.exists()


def test_a_lower_is_better_kpi_is_on_track_as_it_falls(ark: Ark) -> None:
    sample(
        ark,
        (
            "  - slug: leads\n    name: Qualified leads\n",
            "  - slug: leads\n    name: Qualified leads\n    direction: lower\n",
        ),
        measured(240, 60, days(100)),
        ("  min_weekly_hours: 2\n", f"  min_weekly_hours: 2\n  start: {days(-100)}\n"),
    )
    ark("kpi", "record", "leads", "150")
    found = findings(ark)
    assert ("off-track", "more-leads") not in found
    assert ("target-against-direction", "more-leads") not in found
    ark("kpi", "record", "leads", "230")
    assert ("off-track", "more-leads") in findings(ark)


@pytest.mark.parametrize(
    ("baseline", "target", "in_days", "code", "fix"),
    [
        (300, 300, 180, "target-is-baseline", "set a target that asks for a change"),
        (120, 40, 180, "target-against-direction", "direction: lower"),
        (40, 120, 3650, "deadline-too-far", "three to six months"),
        (40, 100000, 3, "unrealistic-target", "a later deadline"),
    ],
)
def test_unrealistic_targets_fire(
    ark: Ark, baseline: float, target: float, in_days: int, code: str, fix: str
) -> None:
    sample(ark, measured(baseline, target, days(in_days)))
    finding = findings(ark)[code, "more-leads"]
    assert finding["level"] == "warning" and fix in finding["fix"], finding


def test_a_realistic_target_is_silent(ark: Ark) -> None:
    sample(ark, measured(40, 120, days(180)))
    found = findings(ark)
    for code in (
        "target-is-baseline",
        "target-against-direction",
        "deadline-too-far",
        "unrealistic-target",
    ):
        assert (code, "more-leads") not in found, code


def test_a_longer_horizon_allows_a_later_deadline(ark: Ark) -> None:
    sample(
        ark,
        measured(40, 120, days(500)),
        ("  min_weekly_hours: 2\n", "  min_weekly_hours: 2\n  horizon_months: 24\n"),
    )
    assert ("deadline-too-far", "more-leads") not in findings(ark)


def test_measured_goals_are_checked_like_the_headline(ark: Ark) -> None:
    sample(
        ark,
        measured(40, 120, days(180)),
        (
            "    goals: [Sales sees social as a lead source]\n",
            f"    goals:\n      - {{kpi: followers, baseline: 500, target: 500, deadline: {days(90)}}}\n",
        ),
    )
    report = ark.json("check")["findings"]
    about = {(f["code"], f["message"].split(" ")[2]) for f in report}
    assert ("target-is-baseline", "(followers)") in about
    assert ("target-is-baseline", "(leads)") not in about
    assert {("never-measured", "(followers)"), ("never-measured", "(leads)")} <= about


def test_overdue_recurring_work_fires_an_error_for_the_evaluation(ark: Ark) -> None:
    sample(ark)
    ark("tasks", "plan", "--from", days(-70), "--until", days(-1))
    found = findings(ark, code=1)
    report = found["overdue-evaluation", "kpi-report"]
    assert report["level"] == "error" and "days late" in report["message"]
    assert "ark tasks set KEY done" in report["fix"]
    listening = found["overdue-tasks", "listening"]
    assert listening["level"] == "warning" and "ark tasks set KEY done" in listening["fix"]
    for task in ark.json("tasks", "list"):
        if task["due"] < dt.date.today().isoformat():  # the check's today, past midnight too
            ark("tasks", "set", task["key"], "done")
    found = findings(ark)
    assert ("overdue-evaluation", "kpi-report") not in found
    assert ("overdue-tasks", "listening") not in found


def test_a_tactic_with_no_responsibility_is_an_error(ark: Ark) -> None:
    sample(ark, ("    responsibility: kpi-report\n    goals", "    goals"))
    finding = findings(ark, code=1)["tactic-unowned", "more-leads/landing-page"]
    assert ".responsibility: SLUG" in finding["fix"]
    # planning says which tactic it cannot plan, instead of skipping it in silence
    planned = ark.json("tasks", "plan", "--until", days(365))
    assert planned["created"] and planned["skipped"] == ["more-leads/landing-page"]
    said = ark("tasks", "plan", "--until", days(365)).output
    assert "1 tactic not planned, with no responsibility: more-leads/landing-page" in said
    assert "ark check" in said
    sample(ark)
    assert ("tactic-unowned", "more-leads/landing-page") not in findings(ark)
    planned = ark.json("tasks", "plan", "--until", days(365))
    assert (
        planned["skipped"] == []
        and "not planned" not in ark("tasks", "plan", "--until", days(365)).output
    )


def test_an_uncarried_component_and_a_missing_owner_fire(ark: Ark) -> None:
    sample(ark)
    found = findings(ark)
    assert ("component-uncarried", "direction") in found
    assert "component: direction" in found["component-uncarried", "direction"]["fix"]
    assert ("component-uncarried", "listening") not in found
    assert ("component-uncarried", "evaluation") not in found
    assert found["no-owner", "strategy"]["fix"].startswith("name them in the team file")
    sample(ark, ("  min_weekly_hours: 2\n", "  min_weekly_hours: 2\n  owner: ana@acme.test\n"))
    assert ("no-owner", "strategy") not in findings(ark)


def test_a_consulted_person_without_hours_carries_no_component(ark: Ark) -> None:
    """Consulting on listening is not carrying it."""
    sample(
        ark,
        (
            "      - contributor: bruno@acme.test\n        role: responsible\n        hours: 2   # Bruno writes the report\n",
            "",
        ),
        (
            "      - contributor: ana@acme.test\n        role: accountable\n        hours: 1\n      - contributor: carla",
            "      - contributor: carla",
        ),
    )
    assert ("component-uncarried", "listening") in findings(ark, code=1)


PROCESS = """---
slug: {slug}
title: {title}
responsibility: {responsibility}
purpose: Keep the rules clear.
trigger: Every six months.
steps:
  - do: Draft the changes
    role: responsible
  - do: Tell everyone
    role: informed
---

Text.
"""


def test_process_steps_for_an_unheld_role_and_the_usage_policy(ark: Ark) -> None:
    sample(ark)
    found = findings(ark)
    assert found["no-usage-policy", "usage-policy"]["fix"].startswith(
        "add a `usage-policy` responsibility"
    )
    path = ark.workspace / "listening.md"
    path.write_text(
        PROCESS.format(slug="weekly-report", title="Weekly report", responsibility="listening"),
        encoding="utf-8",
    )
    ark("process", "record", str(path))
    finding = findings(ark)["step-role-unheld", "weekly-report"]
    assert "informed role" in finding["message"]
    assert finding["fix"].startswith("ark assign EMAIL listening --role informed")
    ark("assign", "carla@acme.test", "listening", "--role", "informed")
    assert ("step-role-unheld", "weekly-report") not in findings(ark)

    sample(
        ark,
        (
            "  - slug: kpi-report\n",
            "  - slug: usage-policy\n    title: Usage policy\n"
            "    assignments:\n      - {contributor: ana@acme.test, role: accountable}\n"
            "      - {contributor: ana@acme.test, role: responsible, hours: 1}\n"
            "      - {contributor: carla@acme.test, role: informed}\n  - slug: kpi-report\n",
        ),
    )
    policy = ark.workspace / "policy.md"
    policy.write_text(
        PROCESS.format(slug="usage-policy", title="Usage policy", responsibility="usage-policy"),
        encoding="utf-8",
    )
    ark("process", "record", str(policy))
    assert ("no-usage-policy", "usage-policy") not in findings(ark)


def template_without(ark: Ark, gone: set[str]) -> Path:
    """The `ark` template applied without the responsibilities in `gone`, and with whatever
    named them left without one, as a team lead who deletes them would leave it."""
    folder = ark.workspace / "team"
    ark("init", str(folder))
    data = yaml.safe_load((folder / "ark.yaml").read_text(encoding="utf-8"))
    data["responsibilities"] = [r for r in data["responsibilities"] if r["slug"] not in gone]
    for item in [o for o in data["objectives"]] + [
        t for o in data["objectives"] for t in o.get("tactics", [])
    ]:
        if item.get("responsibility") in gone:
            del item["responsibility"]
    path = folder / "cut.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    ark("apply", str(path))
    return path


def test_removing_the_six_core_responsibilities_is_not_silent(ark: Ark) -> None:
    """The issue's measurement: direction, audience, listening, editorial calendar, KPI
    reporting and content review removed from the template gave 0 findings."""
    template_without(
        ark,
        {
            "direction",
            "audience",
            "listening",
            "editorial-calendar",
            "kpi-reporting",
            "content-review",
        },
    )
    found = findings(ark, code=1)
    for component in ("direction", "target-market", "listening", "evaluation"):
        assert ("component-uncarried", component) in found, component
    for slug in ("editorial-calendar", "content-review"):
        assert ("core-work-missing", slug) in found, slug
    assert any(code == "tactic-unowned" for code, _ in found)


@pytest.mark.parametrize(
    ("slug", "said", "fix"),
    [
        (
            "editorial-calendar",
            "who contributes what, and when",
            "component: talking, cadence: monthly",
        ),
        (
            "content-review",
            "six months",
            "component: evaluation, cadence: six-monthly",
        ),
    ],
)
def test_the_calendar_and_the_content_review_are_missed_alone(
    ark: Ark, slug: str, said: str, fix: str
) -> None:
    """Their components stay carried by other work (people behind the brand talk, the KPI
    report evaluates), so only their own check says they are gone."""
    template_without(ark, {slug})
    found = findings(ark)
    assert ("component-uncarried", "talking") not in found
    assert ("component-uncarried", "evaluation") not in found
    finding = found["core-work-missing", slug]
    assert finding["level"] == "warning" and said in finding["message"], finding
    assert fix in finding["fix"] and f"ark assign EMAIL {slug}" in finding["fix"], finding


def test_the_template_has_its_core_work(ark: Ark) -> None:
    template_without(ark, set())
    assert not [key for key in findings(ark) if key[0] == "core-work-missing"]


def test_a_content_review_five_months_late_is_an_error(ark: Ark) -> None:
    """The issue's measurement: eleven months into the template's strategy with nothing done,
    the six-month content review is five months late among a hundred overdue tasks."""
    start = days(-335)
    path = template_without(ark, set())
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^  start: .*$", f"  start: '{start}'", text), encoding="utf-8")
    ark("apply", str(path))
    ark("tasks", "plan", "--from", start, "--until", days(-1))
    assert len(ark.json("tasks", "list", "--due", "overdue")) > 100
    found = findings(ark, code=1)
    review = found["overdue-evaluation", "content-review"]
    assert review["level"] == "error", review
    late = int(re.search(r"\((\d+) days late\)", review["message"])[1])  # type: ignore[index]
    assert 140 <= late <= 170, review["message"]  # due six months after the start
    assert "ark tasks list --responsibility content-review" in review["fix"]
    assert found["overdue-evaluation", "kpi-reporting"]["level"] == "error"
    assert found["overdue-tasks", "listening"]["level"] == "warning"

    for task in ark.json("tasks", "list", "--responsibility", "content-review"):
        ark("tasks", "set", task["key"], "done")
    found = findings(ark, code=1)
    assert ("overdue-evaluation", "content-review") not in found
    assert ("overdue-evaluation", "kpi-reporting") in found


def test_the_minimum_counts_the_hours_of_those_who_run_the_work(ark: Ark) -> None:
    """The 2 h a week are the time of the people who run the strategy: hours as consulted
    make up none of it, and an informed CEO at 0 h is not warned."""
    sample(
        ark,
        ("hours: 2   # Bruno writes the report", "hours: 1"),
        (
            "      - contributor: carla@acme.test\n        role: informed\n",
            "      - contributor: carla@acme.test\n        role: informed\n"
            "      - contributor: bruno@acme.test\n        role: consulted\n        hours: 3\n",
        ),
    )
    found = findings(ark)
    bruno = found["under-minimum", "bruno@acme.test"]
    assert "gives 1 h a week as responsible or accountable" in bruno["message"], bruno
    assert bruno["fix"].startswith("give them at least the minimum")
    assert ("under-minimum", "carla@acme.test") not in found  # consulted and informed only
    sample(ark)
    assert ("under-minimum", "bruno@acme.test") not in findings(ark)
