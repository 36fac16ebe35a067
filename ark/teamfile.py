"""Reading a team file: YAML with source positions, the JSON Schema, then cross-references.

Every problem found is reported at once, each with file:line:column, the field and a fix, so
a team lead fixes a file in one pass. PyYAML's libyaml parser reads large teams fast; the
positions come from the node tree it builds anyway. Writing (which keeps comments) lives in
`ark.export`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import yaml

from ark.errors import InvalidTeamFile, Problem
from ark.spec import (
    AssignmentSpec,
    ContributorSpec,
    DepartmentSpec,
    KpiSpec,
    ObjectiveSpec,
    ResponsibilitySpec,
    SectionSpec,
    StrategySpec,
    TacticSpec,
    TeamSpec,
)
from ark.vocabulary import Cadence, Component, Role

MAX_BYTES = 64 * 1024 * 1024
Path_ = tuple[str | int, ...]
Mark = tuple[int, int]
NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ROLES = {role.value: role for role in Role}  # a lookup, not an Enum call, per assignment
YAML_1_1_ONLY = {f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float", "timestamp")}
# YAML 1.2's core schema, as the compiled parser of `_quick` reads it: `yes`, `no`, `on`
# and `off` stay words, `010` is ten, and dates stay strings for the schema to check.
CORE_SCHEMA = (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9][0-9_]*|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
)


@cache
def schema() -> dict[str, Any]:
    """The published JSON Schema of the team file."""
    text = resources.files("ark").joinpath("team.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@dataclass
class Located:
    """The parsed document and, for each container, where its keys and items start."""

    data: Any
    marks: dict[int, dict[str | int, Mark]] = field(default_factory=dict)
    starts: dict[int, Mark] = field(default_factory=dict)

    def mark(self, path: Path_) -> Mark:
        """Line and column (1-based) of the value at `path`, or of its nearest ancestor."""
        node, best = self.data, self.starts.get(id(self.data), (1, 1))
        for step in path:
            where = self.marks.get(id(node), {})
            if step not in where:
                break
            best, node = where[step], node[step]
        return best


def _loader_for(located: Located) -> type[yaml.SafeLoader]:
    """A safe loader that records positions and rejects duplicate keys.

    It reads scalars by YAML 1.2's core schema (see CORE_SCHEMA): dates stay strings (YAML
    1.1 would turn `2026-13-01` into an error deep in the parser and `2026-01-01` into a
    date), so the schema checks their format and says where.
    """
    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    duplicates: list[tuple[str, Mark]] = []
    aliased: list[Mark] = []
    not_numbers: list[Mark] = []

    class Loader(base):  # type: ignore[valid-type,misc]
        yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, Any]]]] = {
            first: [(tag, regexp) for tag, regexp in resolvers if tag not in YAML_1_1_ONLY]
            for first, resolvers in base.yaml_implicit_resolvers.items()
        }

        def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
            # A node met twice was reached through an alias (`*name`): a team file has no
            # use for them, and a few nested ones expand to billions of entries.
            if node in self.constructed_objects:
                aliased.append(_pos(node.start_mark))
                return None
            return super().construct_object(node, deep=deep)

        def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
            value: float = super().construct_yaml_float(node)
            if value != value:  # .nan passes every bound of a JSON Schema
                not_numbers.append(_pos(node.start_mark))
            return value

        def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
            text = str(self.construct_scalar(node)).replace("_", "")
            base = {"0o": 8, "0x": 16}.get(text[:2], 10)
            return int(text[2:] if base != 10 else text, base)

        def construct_yaml_map(self, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
            data: dict[Any, Any] = {}
            yield data
            marks: dict[str | int, Mark] = {}
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    key = str(key)
                if key in data:
                    duplicates.append((str(key), _pos(key_node.start_mark)))
                data[key] = self.construct_object(value_node, deep=True)
                marks[key] = _pos(value_node.start_mark)
            located.marks[id(data)] = marks
            located.starts[id(data)] = _pos(node.start_mark)

        def construct_yaml_seq(self, node: yaml.SequenceNode) -> Iterator[list[Any]]:
            data: list[Any] = []
            yield data
            data.extend(self.construct_object(child, deep=True) for child in node.value)
            located.marks[id(data)] = {
                i: _pos(child.start_mark) for i, child in enumerate(node.value)
            }
            located.starts[id(data)] = _pos(node.start_mark)

    for name, pattern, first in CORE_SCHEMA:
        Loader.add_implicit_resolver(f"tag:yaml.org,2002:{name}", re.compile(pattern), list(first))
    Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_yaml_int)
    Loader.add_constructor("tag:yaml.org,2002:float", Loader.construct_yaml_float)
    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_yaml_map)
    Loader.add_constructor("tag:yaml.org,2002:seq", Loader.construct_yaml_seq)
    Loader.duplicates = duplicates
    Loader.aliased = aliased
    Loader.not_numbers = not_numbers
    return Loader


def _pos(mark: Any) -> Mark:
    return (mark.line + 1, mark.column + 1)


def _dotted(path: Iterable[str | int]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


class _Report:
    """Collects problems against one file."""

    def __init__(self, name: str, located: Located | None = None) -> None:
        self.name = name
        self.located = located
        self.problems: list[Problem] = []

    def add(self, path: Path_, message: str, fix: str, *, mark: Mark | None = None) -> None:
        line, column = mark or (self.located.mark(path) if self.located else (1, 1))
        self.problems.append(Problem(self.name, line, column, _dotted(path), message, fix))

    def raise_if_any(self) -> None:
        if self.problems:
            self.problems.sort(key=lambda p: (p.line, p.column))
            raise InvalidTeamFile(self.problems)


def read_team_file(path: Path) -> TeamSpec:
    """Parse and validate the team file at `path`."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidTeamFile(
            [
                Problem(
                    str(path),
                    1,
                    1,
                    "",
                    f"cannot read the file: {exc.strerror}",
                    "check the path, or create one with `ark init DIR`",
                )
            ]
        ) from exc
    if size > MAX_BYTES:
        raise InvalidTeamFile(
            [
                Problem(
                    str(path),
                    1,
                    1,
                    "",
                    f"the file is {size // 2**20} MiB, over the 64 MiB limit",
                    "a team file this large is almost certainly not one; check the path",
                )
            ]
        )
    return parse_team_bytes(path.read_bytes(), str(path))


def parse_team_bytes(raw: bytes, name: str) -> TeamSpec:
    """Parse and validate a team file's bytes; `name` is used in error messages."""
    spec = _quick(raw)
    return spec if spec is not None else _careful(raw, name)


def _quick(raw: bytes) -> TeamSpec | None:
    """The spec of a valid file, read by the compiled parser and validator; None otherwise.

    PyYAML with positions and the pure-Python validator take seconds on a company-sized
    team, and positions are only needed to word problems: any doubt here (a syntax error,
    a duplicate key, a schema or reference problem) hands the file to `_careful`, which
    decides and explains. Both read YAML 1.2's core schema, so they agree on what is valid.
    """
    import yaml_rs

    try:
        text = raw.decode("utf-8")
        if NON_PRINTABLE.search(text):  # YAML forbids them; the careful reader says where
            return None
        data = yaml_rs.loads(
            text,
            parse_datetime=False,
            alias_limits=yaml_rs.AliasLimits(max_total_replayed_events=0),
        )
        if not isinstance(data, dict) or not _fast_validator().is_valid(data):
            return None
    except ValueError:  # not UTF-8, not YAML, or keys that are not strings
        return None
    report = _Report("")
    spec = _finish(data, report)
    return None if report.problems else spec


@cache
def _fast_validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(full_schema(), validate_formats=True)


def _careful(raw: bytes, name: str) -> TeamSpec:
    """Parse with positions and raise `InvalidTeamFile` naming every problem found."""
    report = _Report(name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        report.add(
            (),
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
            "save the file as UTF-8",
            mark=(line, column),
        )
        report.raise_if_any()
    located = Located(None)
    loader = _loader_for(located)
    try:
        located.data = yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _pos(mark) if mark else (1, 1)
        problem = exc.problem or "is not valid YAML"
        report.add(
            (),
            f"YAML syntax error: {problem}" + (f" ({exc.context})" if exc.context else ""),
            "fix the YAML syntax at this position (indentation, quotes, colons)",
            mark=where,
        )
        report.raise_if_any()
    except yaml.YAMLError as exc:
        report.add((), f"YAML error: {exc}", "fix the YAML syntax")
        report.raise_if_any()
    report.located = located
    for key, mark in loader.duplicates:  # type: ignore[attr-defined]
        report.add(
            (),
            f"the key {key!r} appears twice in one mapping",
            "keep one of them; YAML would silently drop the first",
            mark=mark,
        )
    for mark in loader.not_numbers:  # type: ignore[attr-defined]
        report.add((), "'.nan' is not a number", "write a number here", mark=mark)
    for mark in dict.fromkeys(loader.aliased):  # type: ignore[attr-defined]
        report.add(
            (),
            "this value is reused through a YAML alias (*name)",
            "write the value out where it is used; team files take no anchors or aliases",
            mark=mark,
        )
    report.raise_if_any()
    data = located.data
    if data is None:
        report.add((), "the file is empty", "start from a template: `ark init DIR --template ark`")
        report.raise_if_any()
    if not isinstance(data, dict):
        report.add(
            (),
            f"the file must be a mapping with `ark: 1` at the top, not a {_kind(data)}",
            "start from a template: `ark init DIR --template ark`",
        )
        report.raise_if_any()
    _check_schema(data, report)
    report.raise_if_any()
    spec = _finish(data, report)
    report.raise_if_any()
    return spec


def _finish(data: dict[str, Any], report: _Report) -> TeamSpec:
    """Schema-valid data to a spec, with its cross-references checked into `report`."""
    spec = _to_spec(data)
    sections = tuple(SectionSpec.of(n, data[n]) for n in plugin_sections() if n in data)
    spec = dataclasses.replace(spec, sections=sections)
    check_references(spec, report)
    return spec


def _kind(value: Any) -> str:
    return {
        dict: "mapping",
        list: "list",
        str: "string",
        int: "number",
        float: "number",
        bool: "boolean",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def plugin_sections() -> dict[str, Any]:
    """Top-level sections that plugins own (`jira:`), by name: their JSON Schemas."""
    from ark.plugins import manager

    found: list[Any] = []
    manager().hook.ark_register_sections(register=found.append)
    return {section.name: section.schema for section in found}


def full_schema() -> dict[str, Any]:
    """The published schema with the plugins' sections added."""
    core = schema()
    return {**core, "properties": {**core["properties"], **plugin_sections()}}


def _check_schema(data: Any, report: _Report) -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(
        full_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    for error in validator.iter_errors(data):
        path: Path_ = tuple(error.absolute_path)
        message, fix = _explain(error)
        report.add(path, message, fix)


def _explain(error: Any) -> tuple[str, str]:
    """A message and a fix for one JSON Schema error, in the team file's words."""
    kind, value, spec = error.validator, error.instance, error.validator_value
    if kind == "additionalProperties":
        allowed = ", ".join(error.schema.get("properties", {}))
        extra = sorted(set(value) - set(error.schema.get("properties", {})), key=str)
        return (
            f"unknown field {', '.join(map(repr, extra))}",
            f"remove it or fix the spelling; allowed here: {allowed}",
        )
    if kind == "required":
        missing = [k for k in spec if k not in value]
        return (
            f"missing field {', '.join(map(repr, missing))}",
            f"add {missing[0]}: ..." if missing else "add the missing field",
        )
    if kind == "enum":
        return (f"{value!r} is not allowed here", f"use one of: {', '.join(map(str, spec))}")
    if kind == "const":
        return (f"{value!r} is not a known team file version", f"write `ark: {spec}`")
    if kind == "type":
        return (
            f"expected a {_schema_kind(spec)}, got a {_kind(value)} ({value!r:.40})",
            f"write a {_schema_kind(spec)} here",
        )
    if kind == "pattern":
        if "@" in spec:
            return (f"{value!r} is not an e-mail address", "write an address like ana@example.com")
        slug = spec == schema()["$defs"]["slug"]["pattern"]
        if not slug and "description" in error.schema:  # a plugin's pattern says what it wants
            return (f"{value!r} is not valid here", error.schema["description"])
        return (
            f"{value!r} is not a slug",
            "use lowercase letters, digits and single hyphens, e.g. customer-service",
        )
    if kind in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}:
        low, high = (
            error.schema.get("minimum", error.schema.get("exclusiveMinimum")),
            error.schema.get("maximum"),
        )
        return (f"{value!r:.40} is out of range", f"use a number from {low} to {high}")
    if kind == "format":
        return (f"{value!r} is not a valid date", "write the date as YYYY-MM-DD, e.g. 2026-12-31")
    if kind == "uniqueItems":
        return ("the list repeats an item", "list each item once")
    if kind == "minLength":
        return (f"{value!r:.40} is too short", f"write at least {spec} character(s)")
    if kind == "maxLength":
        return (
            f"{value!r:.40}... is {len(value)} characters long",
            f"shorten it to at most {spec} characters",
        )
    return (error.message, "see the team file reference (docs/team-file.md)")


def _schema_kind(spec: Any) -> str:
    names = {
        "object": "mapping",
        "array": "list",
        "string": "string",
        "number": "number",
        "integer": "whole number",
        "boolean": "boolean",
    }
    return (
        names.get(spec, str(spec))
        if isinstance(spec, str)
        else " or ".join(map(_schema_kind, spec))
    )


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _to_spec(data: dict[str, Any]) -> TeamSpec:
    """Schema-valid data to a `TeamSpec` (cross-references are checked afterwards)."""
    s = data.get("strategy") or {}
    return TeamSpec(
        strategy=StrategySpec(
            name=s.get("name", ""),
            business_type=s.get("business_type"),
            lang=s.get("lang", "en"),
            direction=s.get("direction", ""),
            min_weekly_hours=float(s.get("min_weekly_hours", 2)),
            expected_departments=tuple(s.get("expected_departments", ())),
        ),
        departments=tuple(DepartmentSpec(**d) for d in data.get("departments") or ()),
        contributors=tuple(
            ContributorSpec(
                **{**c, "email": c["email"].lower(), "capacity": float(c.get("capacity", 4))}
            )
            for c in data.get("contributors") or ()
        ),
        kpis=tuple(KpiSpec(**k) for k in data.get("kpis") or ()),
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
                        contributor=a["contributor"].lower(),
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
                baseline=None if o.get("baseline") is None else float(o["baseline"]),
                target=None if o.get("target") is None else float(o["target"]),
                deadline=_date(o.get("deadline")),
                goals=tuple(o.get("goals", ())),
                strategies=tuple(o.get("strategies", ())),
                tactics=tuple(
                    TacticSpec(**{**t, "due": _date(t.get("due"))}) for t in o.get("tactics") or ()
                ),
            )
            for o in data.get("objectives") or ()
        ),
    )


def _unique(items: Iterable[tuple[Path_, str]], what: str, report: _Report) -> set[str]:
    seen: Counter[str] = Counter()
    for path, key in items:
        seen[key] += 1
        if seen[key] == 2:
            report.add(
                path,
                f"{what} {key!r} is listed twice",
                f"merge the two entries; each {what} appears once",
            )
    return set(seen)


def check_references(spec: TeamSpec, report: _Report) -> None:
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

    def ref(path: Path_, value: str | None, known: set[str], what: str, where: str) -> None:
        if value is not None and value not in known:
            hint = (
                f"add it to `{where}` or use one of: {', '.join(sorted(known)[:8])}"
                if known
                else f"add it to `{where}`"
            )
            report.add(path, f"unknown {what} {value!r}", hint)

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
                    f"{a.contributor} is {a.role} for {r.slug} twice",
                    "keep one entry (add the hours together)",
                )
            if a.role is Role.ACCOUNTABLE:
                accountable.append(j)
        for j in accountable[1:]:
            first = spec.responsibilities[i].assignments[accountable[0]].contributor
            report.add(
                ("responsibilities", i, "assignments", j, "role"),
                f"{r.slug} has a second accountable person (the first is {first})",
                "keep exactly one accountable; make the others responsible or consulted",
            )
    for i, o in enumerate(spec.objectives):
        ref(("objectives", i, "kpi"), o.kpi, kpis, "KPI", "kpis")
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
