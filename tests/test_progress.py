"""One progress function: the CLI and the playbook agree on the issue's numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from ark_playbook.labels import labels
from ark_playbook.pages import Snapshot, own_pages
from ark_playbook.strategy import strategy_page

from ark.clihelpers import read
from ark.db import open_engine
from ark.progress import against_direction, expected, progress
from ark.registry.writer import transaction
from ark.vocabulary import Direction
from tests.conftest import Ark
from tests.test_strategy import with_substance

TWO_KPIS = """
ark: 1
kpis:
  - {slug: leads, name: Qualified leads}
  - {slug: response-time, name: First response time, unit: minutes, direction: lower}
objectives:
  - {slug: more-leads, title: More leads, kpi: leads, baseline: 40, target: 120,
     deadline: 2099-06-30}
  - {slug: faster, title: Faster answers, kpi: response-time, baseline: 240, target: 60,
     deadline: 2099-06-30}
"""


@pytest.mark.parametrize(
    ("baseline", "target", "latest", "direction", "share"),
    [
        (40, 120, 52, Direction.HIGHER, 15.0),
        (240, 60, 30, Direction.LOWER, 100.0),
        (240, 60, 150, Direction.LOWER, 50.0),
        (240, 60, 300, Direction.LOWER, 0.0),  # worse than the baseline: no progress
        (None, 300, 90, Direction.HIGHER, 30.0),  # no baseline counts from zero
        (50, 50, 60, Direction.HIGHER, 100.0),
        (50, 50, 60, Direction.LOWER, 0.0),
        (40, None, 52, Direction.HIGHER, None),
        (40, 120, None, Direction.HIGHER, None),
    ],
)
def test_progress_runs_from_baseline_to_target_in_the_kpis_direction(
    baseline: float | None,
    target: float | None,
    latest: float | None,
    direction: Direction,
    share: float | None,
) -> None:
    assert progress(baseline, target, latest, direction) == share


def test_expected_progress_is_a_straight_path_to_the_deadline() -> None:
    start, deadline = dt.date(2026, 1, 1), dt.date(2026, 1, 11)
    assert expected(start, deadline, dt.date(2025, 12, 1)) == 0
    assert expected(start, deadline, dt.date(2026, 1, 6)) == 50
    assert expected(start, deadline, dt.date(2027, 1, 1)) == 100


def test_a_target_against_the_kpis_direction_is_recognised() -> None:
    assert against_direction(240, 60, Direction.HIGHER)
    assert against_direction(40, 120, Direction.LOWER)
    assert not against_direction(240, 60, Direction.LOWER)
    assert not against_direction(None, 60, Direction.HIGHER)


def test_kpi_show_and_the_playbook_agree(ark: Ark) -> None:
    team = ark.workspace / "ark.yaml"
    team.write_text(TWO_KPIS, encoding="utf-8")
    ark("apply", str(team))
    ark("kpi", "record", "leads", "52", "--date", "2026-11-01")
    ark("kpi", "record", "response-time", "30", "--date", "2026-11-01")

    leads = ark.json("kpi", "show", "leads")
    assert leads["direction"] == "higher"
    assert leads["readings"][0]["progress"] == {"more-leads": 15.0}
    assert "15% of more-leads" in ark("kpi", "show", "leads").output
    times = ark.json("kpi", "show", "response-time")
    assert times["direction"] == "lower"
    assert times["readings"][0]["progress"] == {"faster": 100.0}
    assert "100% of faster" in ark("kpi", "show", "response-time").output

    with transaction(open_engine(ark.db_url), write=False) as reg:
        pages = own_pages(Snapshot.read(reg), "en", lambda path: False)
        strategy = strategy_page(reg.read, labels("en"))
    home = pages["index.md"]
    leads_part, times_part = home.split("### Faster answers")
    assert "**Progress:** 15%" in leads_part
    assert "**Progress:** 100%" in times_part
    leads_part, times_part = strategy.split("### Faster answers")
    assert "| 40 | 120 | Jun 30, 2099 | 52 (Nov 1, 2026) | 15% |" in leads_part
    assert "| 240 | 60 | Jun 30, 2099 | 30 (Nov 1, 2026) | 100% |" in times_part
    # and the web's KPI list and home page, from the same function
    from ark_web import reads

    engine = open_engine(ark.db_url)
    try:
        shown = {k.slug: k.progress for k in reads.kpi_progress(engine)}
    finally:
        engine.dispose()
    assert shown == {"leads": 15.0, "response-time": 100.0}


def test_the_read_api_gives_each_goal_its_direction_and_progress(ark: Ark) -> None:
    team = ark.workspace / "ark.yaml"
    team.write_text(TWO_KPIS, encoding="utf-8")
    ark("apply", str(team))
    assert read(ark.db_url, lambda q: q.goals()).items[0].progress is None  # no reading yet
    ark("kpi", "record", "leads", "52", "--date", "2026-11-01")
    ark("kpi", "record", "response-time", "30", "--date", "2026-11-01")

    goals = read(ark.db_url, lambda q: q.goals()).items
    assert [(g.objective, g.kpi, g.direction, g.baseline, g.target) for g in goals] == [
        ("more-leads", "leads", "higher", 40, 120),
        ("faster", "response-time", "lower", 240, 60),
    ]
    assert [(g.latest_date, g.latest_value, g.progress) for g in goals] == [
        (dt.date(2026, 11, 1), 52, 15.0),
        (dt.date(2026, 11, 1), 30, 100.0),
    ]
    assert [g.objective for g in read(ark.db_url, lambda q: q.goals(kpi="leads")).items] == [
        "more-leads"
    ]
    kpis = {k["slug"]: k for k in ark.json("kpis")["items"]}
    assert (kpis["leads"]["direction"], kpis["leads"]["progress"]) == ("higher", 15.0)
    assert (kpis["response-time"]["direction"], kpis["response-time"]["progress"]) == (
        "lower",
        100.0,
    )
    assert kpis["response-time"]["baseline"] == 240 and kpis["response-time"]["target"] == 60
    listing = ark("kpis").output.splitlines()
    assert "lower" in listing[2] and listing[2].split()[-2:] == ["100%", "1"], listing
    # The transaction's read API (a hook's, the playbook's) answers the same.
    with transaction(open_engine(ark.db_url), write=False) as reg:
        assert reg.read.goals().items == goals


def test_direction_round_trips_through_export(ark: Ark, tmp_path: Path) -> None:
    team = ark.workspace / "ark.yaml"
    team.write_text(TWO_KPIS, encoding="utf-8")
    ark("apply", str(team))
    exported = ark("export").output
    assert "direction: lower" in exported
    assert exported.count("direction:") == 1  # higher is the default, left out
    again = tmp_path / "again.yaml"
    again.write_text(exported, encoding="utf-8")
    assert ark.json("apply", str(again), "--dry-run")["changes"] == []


def test_kpi_show_counts_the_measured_goals_too(ark: Ark, tmp_path: Path) -> None:
    ark("apply", str(with_substance(tmp_path)))
    ark("kpi", "record", "followers", "250", "--date", "2026-11-01")
    shown = ark.json("kpi", "show", "followers")
    assert shown["targets"] == [
        {"objective": "more-leads", "baseline": 100, "target": 400, "deadline": "2099-03-31"}
    ]
    assert shown["readings"][0]["progress"] == {"more-leads": 50.0}
    kpi = next(k for k in ark.json("kpis")["items"] if k["slug"] == "followers")
    assert (kpi["objectives"], kpi["progress"]) == (1, 50.0)
