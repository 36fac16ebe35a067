"""People from a CSV file (a spreadsheet's or an HR system's export), checked row by row.

Each row is checked against the team file's own schema for a contributor, so a CSV and a
team file accept the same values and word their problems alike, each with its line.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path
from typing import Any

from ark.errors import ArkError, Problem, ProblemsError
from ark.files import read_bounded
from ark.i18n import N_, Nn_, message
from ark.located import Located, Report, check_schema
from ark.spec import DEFAULT_CAPACITY, ContributorSpec, TeamSpec

MAX_BYTES = 16 * 1024 * 1024  # a hundred thousand people, with room to spare
COLUMNS = ("email", "name", "department", "capacity", "jira_user")
REQUIRED = ("email", "name", "department")


class InvalidPeopleFile(ProblemsError):
    """A people CSV with problems; every problem is reported at once, exit code 2."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            problems,
            Nn_(
                "{count} problem in the people file; nothing was changed",
                "{count} problems in the people file; nothing was changed",
            ),
            {"count": len(problems)},
        )


def _row_schema() -> dict[str, Any]:
    from ark.teamfile import schema

    team = schema()
    return {"$ref": "#/$defs/contributor", "$defs": team["$defs"]}


def _number(text: str) -> float | str:
    """A number where the cell holds one; else the text, for the schema to word the problem."""
    try:
        return float(text)
    except ValueError:
        return text


def read_people(path: Path, current: TeamSpec) -> TeamSpec:
    """`current` with the CSV's people added or updated (a blank capacity or jira_user keeps
    what a known person has); raises with every bad row's line."""
    name = path.name
    try:
        text = read_bounded(path, MAX_BYTES, what="CSV file").decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArkError(
            N_("cannot read {path}: {reason}"),
            hint=N_("pass a UTF-8 CSV file with a header row"),
            args={"path": path, "reason": str(exc)},
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or ()]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [h for h in REQUIRED if h not in header]
    if unknown or missing:
        what = message(
            N_("unknown columns: {unknown}; missing columns: {missing}"),
            unknown=", ".join(map(repr, unknown)) or "-",
            missing=", ".join(map(repr, missing)) or "-",
        )
        fix = message(N_("write the header {header}"), header=",".join(COLUMNS))
        raise InvalidPeopleFile([Problem(name, 1, 1, "", what, fix)])
    reader.fieldnames = header
    schema = _row_schema()
    departments = {d.slug for d in current.departments}
    known = {c.email: c for c in current.contributors}
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    people: dict[str, ContributorSpec] = {}
    for row in reader:
        line = reader.line_num
        cells = {k: (v or "").strip() for k, v in row.items() if k is not None}
        data: dict[str, Any] = {k: v for k, v in cells.items() if v}
        if "capacity" in data:
            data["capacity"] = _number(data["capacity"])
        columns = {column: header.index(column) + 1 for column in data}
        located = Located(data, marks={id(data): {k: (line, c) for k, c in columns.items()}})
        located.starts[id(data)] = (line, 1)
        report = Report(name, located)
        check_schema(data, schema, report)
        email = str(data.get("email", "")).lower()
        if not report.problems:
            if data["department"] not in departments:
                report.add(
                    ("department",),
                    N_("{department} is not a department of the registry"),
                    N_("use one of: {choices}"),
                    args={
                        "department": repr(data["department"]),
                        "choices": ", ".join(sorted(departments)),
                    },
                )
            if email in seen:
                report.add(
                    ("email",),
                    N_("{email} is also on line {line}"),
                    N_("list each person once"),
                    args={"email": email, "line": str(seen[email])},
                )
        seen.setdefault(email, line)
        problems += report.problems
        if report.problems:
            continue
        before = known.get(email)
        people[email] = ContributorSpec(
            email,
            data["name"],
            data["department"],
            float(data.get("capacity", before.capacity if before else DEFAULT_CAPACITY)),
            data.get("jira_user", before.jira_user if before else None),
        )
    if problems:
        raise InvalidPeopleFile(problems)
    contributors = [people.pop(c.email, c) for c in current.contributors]
    return dataclasses.replace(current, contributors=(*contributors, *people.values()))
