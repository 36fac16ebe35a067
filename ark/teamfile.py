"""Reading a team file: YAML, the JSON Schema, then cross-references.

Every problem found is reported at once, each with file:line:column, the field and a fix, so
a team lead fixes a file in one pass; `ark.located` reads a valid file fast and a doubtful
one with positions. Writing (which keeps comments) lives in `ark.export`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ark.errors import InvalidTeamFile, Problem
from ark.files import MiB, UnreadableFile, read_bounded
from ark.i18n import N_, message
from ark.located import (
    FieldPath,
    Report,
    careful_load,
    check_schema,
    decode,
    kind_of,
    quick_load,
)
from ark.periods import is_time_zone, time_zone_hint
from ark.spec import (
    AssignmentSpec,
    ChannelSpec,
    ContributorSpec,
    DepartmentSpec,
    GoalSpec,
    KpiSpec,
    ObjectiveSpec,
    ResponsibilitySpec,
    SectionSpec,
    SegmentSpec,
    StrategySpec,
    TacticSpec,
    TeamSpec,
)
from ark.text import normal_email
from ark.vocabulary import (
    Cadence,
    ChannelKind,
    Component,
    Direction,
    Participation,
    Role,
    ValueDimension,
)

MAX_BYTES = 64 * MiB
ROLES = {role.value: role for role in Role}  # a lookup, not an Enum call, per assignment


@cache
def schema() -> dict[str, Any]:
    """The published JSON Schema of the team file."""
    text = resources.files("ark").joinpath("team.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def read_team_file(path: Path) -> TeamSpec:
    """Parse and validate the team file at `path`."""
    try:
        raw = read_bounded(path, MAX_BYTES, what="team file")
    except UnreadableFile as exc:
        fix = message(N_("check the path, or create one with `ark init DIR`"))
        raise InvalidTeamFile([Problem(str(path), 1, 1, "", exc.reason, fix)]) from None
    return parse_team_bytes(raw, str(path))


def parse_team_bytes(raw: bytes, name: str) -> TeamSpec:
    """Parse and validate a team file's bytes; `name` is used in error messages."""
    spec = _quick(raw)
    return spec if spec is not None else _careful(raw, name)


def _quick(raw: bytes) -> TeamSpec | None:
    """The spec of a valid file, read by the compiled parser and validator; None otherwise.

    PyYAML with positions and the pure-Python validator take seconds on a company-sized
    team, and positions are only needed to word problems: any doubt here (a syntax error,
    a duplicate key, a schema or reference problem) hands the file to `_careful`, which
    decides and explains.
    """
    try:
        text = raw.decode("utf-8")
    except ValueError:
        return None
    data = quick_load(text, _fast_validator())
    if data is None:
        return None
    report = Report("")
    try:
        spec = _finish(data, report)
    except ValueError:  # a date the compiled validator let through (`0000-01-01`)
        return None
    return None if report.problems else spec


@cache
def _fast_validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(full_schema(), validate_formats=True)


def _careful(raw: bytes, name: str) -> TeamSpec:
    """Parse with positions and raise `InvalidTeamFile` naming every problem found."""
    report = Report(name)
    text = decode(raw, report)
    located = None if text is None else careful_load(text, report)
    report.raise_if_any()
    assert located is not None  # no problem reported means it was read
    data = located.data
    if data is None:
        report.add((), N_("the file is empty"), FROM_A_TEMPLATE)
        report.raise_if_any()
    if not isinstance(data, dict):
        report.add(
            (),
            N_("the file must be a mapping with `ark: 1` at the top, not {kind}"),
            FROM_A_TEMPLATE,
            args={"kind": kind_of(data)},
        )
        report.raise_if_any()
    check_schema(data, full_schema(), report)
    report.raise_if_any()
    spec = _finish(data, report)
    report.raise_if_any()
    return spec


FROM_A_TEMPLATE = N_("start from a template: `ark init DIR --template ark`")


def _finish(data: dict[str, Any], report: Report) -> TeamSpec:
    """Schema-valid data to a spec, with its cross-references checked into `report`."""
    spec = _to_spec(data)
    sections = tuple(SectionSpec.of(n, data[n]) for n in plugin_sections() if n in data)
    spec = dataclasses.replace(spec, sections=sections)
    check_references(spec, report)
    return spec


def plugin_sections() -> dict[str, Any]:
    """Top-level sections that plugins own (`jira:`), by name: their JSON Schemas."""
    from ark.plugins import hooks

    found: list[Any] = []
    hooks().ark_register_sections(register=found.append)
    return {section.name: section.schema for section in found}


def full_schema() -> dict[str, Any]:
    """The published schema with the plugins' sections added."""
    core = schema()
    return {**core, "properties": {**core["properties"], **plugin_sections()}}


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _goal(value: str | dict[str, Any]) -> str | GoalSpec:
    """A text goal as it is; a measured one (a mapping) as a `GoalSpec`."""
    if isinstance(value, str):
        return value
    return GoalSpec(
        kpi=value["kpi"],
        target=float(value["target"]),
        baseline=_number(value.get("baseline")),
        deadline=_date(value.get("deadline")),
        title=value.get("title", ""),
    )


def _to_spec(data: dict[str, Any]) -> TeamSpec:
    """Schema-valid data to a `TeamSpec` (cross-references are checked afterwards)."""
    s = data.get("strategy") or {}
    return TeamSpec(
        registry_id=data.get("registry"),
        strategy=StrategySpec(
            name=s.get("name", ""),
            business_type=s.get("business_type"),
            lang=s.get("lang", "en"),
            direction=s.get("direction", ""),
            min_weekly_hours=float(s.get("min_weekly_hours", 2)),
            expected_departments=tuple(s.get("expected_departments", ())),
            owner=s["owner"].lower() if s.get("owner") else None,
            start=_date(s.get("start")),
            differentiation=s.get("differentiation", ""),
            horizon_months=int(s.get("horizon_months", 12)),
            timezone=s.get("timezone"),
        ),
        departments=tuple(DepartmentSpec(**d) for d in data.get("departments") or ()),
        contributors=tuple(
            ContributorSpec(
                **{**c, "email": normal_email(c["email"]), "capacity": float(c.get("capacity", 4))}
            )
            for c in data.get("contributors") or ()
        ),
        kpis=tuple(
            KpiSpec(**{**k, "direction": Direction(k.get("direction", "higher"))})
            for k in data.get("kpis") or ()
        ),
        audience=tuple(
            SegmentSpec(
                a["slug"],
                a["name"],
                a.get("description", ""),
                tuple(Participation(p) for p in a.get("participation", ())),
                tuple(a.get("where", ())),
            )
            for a in data.get("audience") or ()
        ),
        channels=tuple(
            ChannelSpec(
                c["slug"],
                c["name"],
                ChannelKind(c["kind"]),
                c.get("purpose", ""),
                ValueDimension(c["value"]) if c.get("value") else None,
                c["owner"].lower() if c.get("owner") else None,
                tuple(c.get("objectives", ())),
            )
            for c in data.get("channels") or ()
        ),
        responsibilities=tuple(
            ResponsibilitySpec(
                **{
                    k: v
                    for k, v in r.items()
                    if k not in {"assignments", "kpis", "component", "cadence"}
                },
                component=Component(r.get("component", "operations")),
                cadence=Cadence(r.get("cadence", "none")),
                kpis=tuple(r.get("kpis", ())),
                assignments=tuple(
                    AssignmentSpec(
                        contributor=normal_email(a["contributor"]),
                        role=ROLES[a["role"]],
                        hours=float(a.get("hours", 0)),
                        since=_date(a.get("from")),
                    )
                    for a in r.get("assignments") or ()
                ),
            )
            for r in data.get("responsibilities") or ()
        ),
        objectives=tuple(
            ObjectiveSpec(
                **{
                    k: v
                    for k, v in o.items()
                    if k not in {"tactics", "goals", "strategies", "deadline", "baseline", "target"}
                },
                baseline=_number(o.get("baseline")),
                target=_number(o.get("target")),
                deadline=_date(o.get("deadline")),
                goals=tuple(_goal(g) for g in o.get("goals", ())),
                strategies=tuple(o.get("strategies", ())),
                tactics=tuple(
                    TacticSpec(**{**t, "due": _date(t.get("due"))}) for t in o.get("tactics") or ()
                ),
            )
            for o in data.get("objectives") or ()
        ),
    )


# What a slug or e-mail names, by kind: one message each, as the languages put the noun's
# gender on the words around it.
TWICE = {
    "department": N_("department {key} is listed twice"),
    "contributor": N_("contributor {key} is listed twice"),
    "KPI": N_("KPI {key} is listed twice"),
    "responsibility": N_("responsibility {key} is listed twice"),
    "objective": N_("objective {key} is listed twice"),
    "segment": N_("audience segment {key} is listed twice"),
    "channel": N_("channel {key} is listed twice"),
    "tactic": N_("tactic {key} is listed twice"),
}
UNKNOWN = {
    "department": N_("unknown department {value}"),
    "contributor": N_("unknown contributor {value}"),
    "KPI": N_("unknown KPI {value}"),
    "responsibility": N_("unknown responsibility {value}"),
    "objective": N_("unknown objective {value}"),
}


def _unique(items: Iterable[tuple[FieldPath, str]], what: str, report: Report) -> set[str]:
    """The keys of `items`, each listed twice reported; `what` is a key of `TWICE`."""
    seen: Counter[str] = Counter()
    for path, key in items:
        seen[key] += 1
        if seen[key] == 2:
            report.add(
                path,
                TWICE[what],
                N_("merge the two entries; each one appears once"),
                args={"key": repr(key)},
            )
    return set(seen)


def legacy_time_zone(spec: TeamSpec) -> str | None:
    """`automation.timezone`, which `strategy.timezone` replaces (still read when alone)."""
    automation = next((s.value for s in spec.sections if s.name == "automation"), None) or {}
    found: str | None = automation.get("timezone")
    return found


def deprecated(path: Path, spec: TeamSpec) -> list[Problem]:
    """What the valid file at `path` should stop writing, located for the person to fix
    (read again with positions only when there is something to say)."""
    legacy = legacy_time_zone(spec)
    if legacy is None:
        return []
    report = Report(str(path))
    text = decode(read_bounded(path, MAX_BYTES, what="team file"), report)
    careful_load(text or "", report)
    fix = (
        N_("remove it: strategy.timezone says the same")
        if spec.strategy.timezone
        else N_("move it to the strategy: `timezone: {zone}` under `strategy:`")
    )
    report.add(
        ("automation", "timezone"),
        N_("is deprecated: strategy.timezone replaces it"),
        fix,
        args={"zone": legacy},
    )
    return report.problems


def _check_time_zones(spec: TeamSpec, report: Report) -> None:
    """Time zones are IANA names; the deprecated `automation.timezone` agrees with
    `strategy.timezone` when both are written."""
    zone, legacy = spec.strategy.timezone, legacy_time_zone(spec)
    wrong = False
    for path, name in ((("strategy", "timezone"), zone), (("automation", "timezone"), legacy)):
        if name is not None and not is_time_zone(name):
            report.add(
                path,
                N_("{name} is not a time zone"),
                time_zone_hint(name),
                args={"name": repr(name)},
            )
            wrong = True
    if not wrong and zone is not None and legacy is not None and legacy != zone:
        report.add(
            ("automation", "timezone"),
            N_("{legacy} differs from strategy.timezone {zone}"),
            N_("remove automation.timezone: strategy.timezone is the strategy's time zone"),
            args={"legacy": repr(legacy), "zone": repr(zone)},
        )


def check_references(spec: TeamSpec, report: Report) -> None:
    """Uniqueness and cross-references, which JSON Schema cannot express."""
    departments = _unique(
        ((("departments", i, "slug"), d.slug) for i, d in enumerate(spec.departments)),
        "department",
        report,
    )
    emails = _unique(
        ((("contributors", i, "email"), c.email) for i, c in enumerate(spec.contributors)),
        "contributor",
        report,
    )
    kpis = _unique(((("kpis", i, "slug"), k.slug) for i, k in enumerate(spec.kpis)), "KPI", report)
    responsibilities = _unique(
        ((("responsibilities", i, "slug"), r.slug) for i, r in enumerate(spec.responsibilities)),
        "responsibility",
        report,
    )
    _unique(
        ((("objectives", i, "slug"), o.slug) for i, o in enumerate(spec.objectives)),
        "objective",
        report,
    )

    def ref(path: FieldPath, value: str | None, known: set[str], what: str, where: str) -> None:
        if value is not None and value not in known:
            report.add(
                path,
                UNKNOWN[what],
                N_("add it to `{where}` or use one of: {some}")
                if known
                else N_("add it to `{where}`"),
                args={"value": repr(value), "where": where, "some": ", ".join(sorted(known)[:8])},
            )

    _unique(
        ((("audience", i, "slug"), a.slug) for i, a in enumerate(spec.audience)), "segment", report
    )
    _unique(
        ((("channels", i, "slug"), c.slug) for i, c in enumerate(spec.channels)), "channel", report
    )
    objectives = {o.slug for o in spec.objectives}
    _check_time_zones(spec, report)
    ref(("strategy", "owner"), spec.strategy.owner, emails, "contributor", "contributors")
    for i, channel in enumerate(spec.channels):
        ref(("channels", i, "owner"), channel.owner, emails, "contributor", "contributors")
        for j, slug in enumerate(channel.objectives):
            ref(("channels", i, "objectives", j), slug, objectives, "objective", "objectives")
    for i, name in enumerate(spec.strategy.expected_departments):
        ref(("strategy", "expected_departments", i), name, departments, "department", "departments")
    for i, c in enumerate(spec.contributors):
        ref(
            ("contributors", i, "department"),
            c.department,
            departments,
            "department",
            "departments",
        )
    for i, r in enumerate(spec.responsibilities):
        ref(
            ("responsibilities", i, "department"),
            r.department,
            departments,
            "department",
            "departments",
        )
        for j, k in enumerate(r.kpis):
            ref(("responsibilities", i, "kpis", j), k, kpis, "KPI", "kpis")
        roles: Counter[tuple[str, Role]] = Counter()
        accountable: list[int] = []
        for j, a in enumerate(r.assignments):  # the hot loop of a big team: paths built late
            if a.contributor not in emails:
                ref(
                    ("responsibilities", i, "assignments", j, "contributor"),
                    a.contributor,
                    emails,
                    "contributor",
                    "contributors",
                )
            roles[a.contributor, a.role] += 1
            if roles[a.contributor, a.role] == 2:
                report.add(
                    ("responsibilities", i, "assignments", j, "role"),
                    N_("{contributor} is {role} for {slug} twice"),
                    N_("keep one entry (add the hours together)"),
                    args={"contributor": a.contributor, "role": a.role, "slug": r.slug},
                )
            if a.role is Role.ACCOUNTABLE:
                accountable.append(j)
        for j in accountable[1:]:
            first = spec.responsibilities[i].assignments[accountable[0]].contributor
            report.add(
                ("responsibilities", i, "assignments", j, "role"),
                N_("{slug} has a second accountable person (the first is {first})"),
                N_("keep exactly one accountable; make the others responsible or consulted"),
                args={"slug": r.slug, "first": first},
            )
    for i, o in enumerate(spec.objectives):
        ref(("objectives", i, "kpi"), o.kpi, kpis, "KPI", "kpis")
        for j, g in enumerate(o.goals):
            if isinstance(g, GoalSpec):
                ref(("objectives", i, "goals", j, "kpi"), g.kpi, kpis, "KPI", "kpis")
        ref(
            ("objectives", i, "responsibility"),
            o.responsibility,
            responsibilities,
            "responsibility",
            "responsibilities",
        )
        _unique(
            ((("objectives", i, "tactics", j, "slug"), t.slug) for j, t in enumerate(o.tactics)),
            "tactic",
            report,
        )
        for j, t in enumerate(o.tactics):
            ref(
                ("objectives", i, "tactics", j, "responsibility"),
                t.responsibility,
                responsibilities,
                "responsibility",
                "responsibilities",
            )
