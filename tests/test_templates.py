"""The starter templates: the Ark wired across departments, the small firm's one person in two
hours a week, and business types that change more than the direction."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from ark.templates import ARK_TEMPLATE, SMALL_FIRM_TEMPLATE
from ark.vocabulary import BusinessType, Role, ValueDimension
from tests.conftest import Ark
from tests.test_processes import pages

TODAY = dt.date(2026, 11, 29)


def test_the_ark_template_consults_and_informs_other_departments() -> None:
    spec = ARK_TEMPLATE.render(BusinessType.COMMERCIAL, "en", TODAY)
    department = {c.email: c.department for c in spec.contributors}
    roles = Counter(a.role for r in spec.responsibilities for a in r.assignments)
    assert roles[Role.CONSULTED] >= len(spec.responsibilities)
    assert roles[Role.INFORMED] >= len(spec.responsibilities)
    for r in spec.responsibilities:
        others = {
            department[a.contributor]
            for a in r.assignments
            if a.role in (Role.CONSULTED, Role.INFORMED)
        }
        assert others and r.department not in others, r.slug
    assert spec.strategy.owner in department and spec.strategy.start == TODAY
    assert spec.audience and spec.channels and spec.strategy.differentiation


def test_business_types_change_objectives_kpis_and_channels_not_only_the_direction() -> None:
    commercial = ARK_TEMPLATE.render(BusinessType.COMMERCIAL, "en", TODAY)
    corporate = ARK_TEMPLATE.render(BusinessType.CORPORATE, "en", TODAY)
    kpis = {spec: {o.kpi for o in spec.objectives} for spec in (commercial, corporate)}
    assert {"leads", "referrals", "repeat-customers"} <= kpis[commercial]
    assert {"engagement", "sentiment", "followers"} <= kpis[corporate]
    assert not kpis[commercial] & kpis[corporate]
    linkedin = {spec: next(c for c in spec.channels if c.slug == "linkedin") for spec in kpis}
    assert linkedin[commercial].value is ValueDimension.LEAD_GENERATION
    assert linkedin[corporate].value is ValueDimension.BRAND_AWARENESS
    assert commercial.strategy.differentiation != corporate.strategy.differentiation


def test_the_small_firm_is_one_person_two_hours_a_week() -> None:
    spec = SMALL_FIRM_TEMPLATE.render(BusinessType.COMMERCIAL, "en", TODAY)
    (lead,) = [c for c in spec.contributors if c.email == spec.strategy.owner]
    running = [
        a
        for r in spec.responsibilities
        for a in r.assignments
        if a.role in (Role.RESPONSIBLE, Role.ACCOUNTABLE)
    ]
    assert {a.contributor for a in running} == {lead.email}
    assert sum(a.hours for a in running) == 2 == lead.capacity
    carried = {r.slug for r in spec.responsibilities}
    for o in spec.objectives:
        assert o.responsibility in carried
        assert all(t.responsibility in carried for t in o.tactics)
    assert {"usage-policy", "content-review", "kpi-reporting"} <= carried


def test_the_small_firm_applies_checks_and_records_its_starters(ark: Ark, tmp_path: Path) -> None:
    folder = tmp_path / "firm"
    out = ark("init", str(folder), "--template", "small-firm", "--lang", "es").output
    assert "1 departamento, 14 responsabilidades" in out  # said in the chosen language
    assert "`small-firm`" in (folder / "ark.yaml").read_text(encoding="utf-8")
    ark("apply", str(folder / "ark.yaml"))
    ark("process", "record", str(folder / "processes"))
    report = ark.json("check")
    assert report["errors"] == 0
    # the template's placeholder people are flagged until the lead puts real ones in
    assert {f["code"] for f in report["findings"]} == {"never-measured", "placeholder"}, report


def test_every_text_of_the_templates_is_in_every_language() -> None:
    from ark.vocabulary import LANGUAGES

    for template in (ARK_TEMPLATE, SMALL_FIRM_TEMPLATE):
        for business_type in BusinessType:
            specs = {lang: template.render(business_type, lang, TODAY) for lang in LANGUAGES}
            # the same shape in each language ...
            shapes = {
                lang: [(r.slug, len(r.assignments)) for r in spec.responsibilities]
                for lang, spec in specs.items()
            }
            assert shapes["it"] == shapes["en"] == shapes["es"]
            # ... and its own words: no Italian title is left in English
            titles = {
                lang: [r.title for r in spec.responsibilities] for lang, spec in specs.items()
            }
            assert not set(titles["it"]) & set(titles["en"]) - {"Marketing"}
            assert specs["it"].strategy.name == "Strategia social media"


def test_process_new_writes_its_placeholders_in_italian(ark: Ark) -> None:
    out = ark("process", "new", "rassegna", "--responsibility", "listening", "--lang", "it").stdout
    written = ark.workspace / out.split()[1].rstrip(":")
    assert "Perché esiste questo processo" in written.read_text(encoding="utf-8")


@pytest.mark.parametrize(("lang", "nobody"), [("en", "nobody"), ("es", "nadie"), ("it", "nessuno")])
def test_every_step_of_the_starter_processes_has_its_people(
    ark: Ark, tmp_path: Path, lang: str, nobody: str
) -> None:
    """The issue's measurement: 13 of the 87 steps said "Consulted: nobody", as the template
    wired no consulted or informed people."""
    folder = tmp_path / "team"
    ark("init", str(folder), "--lang", lang)
    ark("apply", str(folder / "ark.yaml"))
    ark("process", "record", str(folder / "processes"))
    assert not [f for f in ark.json("check")["findings"] if f["code"] == "step-role-unheld"]
    steps = [
        row
        for path, page in pages(ark, lang).items()
        if path.startswith("processes/") and "## " in page
        for row in re.findall(r"(?m)^\| \d+ \|.*\|$", page)
    ]
    assert len(steps) > 80  # the starters' steps, each in its table
    assert [row for row in steps if f"| {nobody} |" in row] == []
