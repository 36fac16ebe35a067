"""Malformed team files are rejected through the real CLI: exit code 2, every problem located
to file:line:column with its field and a fix, and the registry exactly as it was."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy

from ark.models import Base
from tests.conftest import FIXTURES, Ark

BASE = (FIXTURES / "team.yaml").read_text(encoding="utf-8")


def edit(old: str, new: str, *, after: str = "", text: str = BASE) -> str:
    """`text` with the first `old` following `after` replaced by `new` (which must exist)."""
    start = text.index(after) if after else 0
    at = text.index(old, start)
    return text[:at] + new + text[at + len(old) :]


def append(block: str, *, before: str) -> str:
    """`block` inserted just before the line starting with `before`."""
    at = BASE.index(before)
    return BASE[:at] + block + BASE[at:]


def position(text: str, needle: str, *, after: str = "") -> tuple[int, int]:
    """The 1-based line and column where `needle` starts in `text`."""
    at = text.index(needle, text.index(after) if after else 0)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


@dataclass(frozen=True)
class Case:
    content: str | bytes
    field: str  # the dotted field named in the message ("" for a file-level problem)
    says: str  # a word of the message
    where: tuple[str, str] | None = None  # (needle, after): the exact position expected

    def data(self) -> bytes:
        return self.content if isinstance(self.content, bytes) else self.content.encode()


LISTENING = "- slug: listening"
CARLA_CONSULTED = "- contributor: carla@acme.test\n        role: consulted"

CASES: dict[str, Case] = {
    "syntax: unclosed bracket": Case(
        edit("customer-service]", "customer-service"), "", "YAML syntax error"
    ),
    "syntax: bad indentation": Case(
        edit("    name: Marketing", "   name: Marketing"), "", "YAML syntax error"
    ),
    "syntax: a tab indents": Case(
        edit("    name: Marketing", "\tname: Marketing"), "", "YAML syntax error"
    ),
    "syntax: unclosed quote": Case(
        edit("name: Followers", 'name: "Followers'), "", "YAML syntax error"
    ),
    "syntax: two documents": Case(BASE + "---\nark: 1\n", "", "YAML syntax error"),
    "unknown department of a contributor": Case(
        edit("department: sales", "department: salse"),
        "contributors[1].department",
        "unknown department 'salse'",
        ("salse", ""),
    ),
    "unknown department of a responsibility": Case(
        edit("department: marketing", "department: marketting", after=LISTENING),
        "responsibilities[0].department",
        "unknown department 'marketting'",
        ("marketting", ""),
    ),
    "unknown expected department": Case(
        edit("customer-service]", "support]"),
        "strategy.expected_departments[2]",
        "unknown department 'support'",
        ("support]", ""),
    ),
    "unknown contributor": Case(
        edit("carla@acme.test\n        role: consulted", "dora@acme.test\n        role: consulted"),
        "responsibilities[0].assignments[2].contributor",
        "unknown contributor 'dora@acme.test'",
        ("dora@acme.test", ""),
    ),
    "unknown KPI of a responsibility": Case(
        edit("kpis: [followers]", "kpis: [folowers]"),
        "responsibilities[0].kpis[0]",
        "unknown KPI 'folowers'",
        ("folowers", ""),
    ),
    "unknown KPI of an objective": Case(
        edit("kpi: leads", "kpi: lead"), "objectives[0].kpi", "unknown KPI 'lead'"
    ),
    "unknown responsibility of an objective": Case(
        edit("responsibility: kpi-report", "responsibility: kpi-reports"),
        "objectives[0].responsibility",
        "unknown responsibility 'kpi-reports'",
        ("kpi-reports", ""),
    ),
    "unknown responsibility of a tactic": Case(
        edit("due: 2099-01-15", "due: 2099-01-15\n        responsibility: nobody-does-it"),
        "objectives[0].tactics[0].responsibility",
        "unknown responsibility 'nobody-does-it'",
    ),
    "duplicate e-mail": Case(
        append(
            "  - email: ana@acme.test\n    name: Ana Again\n    department: sales\n",
            before="kpis:",
        ),
        "contributors[3].email",
        "contributor 'ana@acme.test' is listed twice",
        ("ana@acme.test\n    name: Ana Again", ""),
    ),
    "duplicate e-mail in another case": Case(
        append(
            "  - email: Ana@Acme.TEST\n    name: Ana Again\n    department: sales\n",
            before="kpis:",
        ),
        "contributors[3].email",
        "listed twice",
    ),
    "duplicate department slug": Case(
        append("  - slug: sales\n    name: Sales again\n", before="contributors:"),
        "departments[3].slug",
        "department 'sales' is listed twice",
    ),
    "duplicate KPI slug": Case(
        append("  - slug: leads\n    name: Leads again\n", before="responsibilities:"),
        "kpis[2].slug",
        "KPI 'leads' is listed twice",
    ),
    "duplicate key": Case(
        edit("  business_type: commercial", "  name: Again\n  business_type: commercial"),
        "",
        "the key 'name' appears twice",
        ("name: Again", ""),
    ),
    "two accountables": Case(
        edit(CARLA_CONSULTED, CARLA_CONSULTED.replace("consulted", "accountable")),
        "responsibilities[0].assignments[2].role",
        "second accountable",
        ("accountable", "carla@acme.test\n        role"),
    ),
    "the same role twice": Case(
        edit(
            "      - contributor: carla@acme.test\n        role: informed",
            "      - contributor: ana@acme.test\n        role: responsible",
        ),
        "responsibilities[1].assignments[2].role",
        "responsible for kpi-report twice",
    ),
    "negative hours": Case(
        edit("hours: 2   #", "hours: -2   #"),
        "responsibilities[0].assignments[1].hours",
        "-2 is out of range",
        ("-2", ""),
    ),
    "absurd hours": Case(
        edit("hours: 2   #", "hours: 2000   #"),
        "responsibilities[0].assignments[1].hours",
        "2000 is out of range",
    ),
    "absurd capacity": Case(
        edit("capacity: 6", "capacity: 500"), "contributors[0].capacity", "out of range"
    ),
    "zero capacity": Case(
        edit("capacity: 6", "capacity: 0"), "contributors[0].capacity", "out of range"
    ),
    "not a number": Case(
        edit("capacity: 6", "capacity: .nan"), "", "'.nan' is not a number", (".nan", "")
    ),
    "an infinite target": Case(
        edit("target: 300", "target: .inf"), "objectives[0].target", "inf is out of range"
    ),
    "a number too big for the registry": Case(
        edit("baseline: 0", "baseline: 1" + "0" * 400),
        "objectives[0].baseline",
        "is out of range",
    ),
    "month 13": Case(
        edit("due: 2099-01-15", "due: 2026-13-01"),
        "objectives[0].tactics[0].due",
        "'2026-13-01' is not a valid date",
        ("2026-13-01", ""),
    ),
    "February 30": Case(
        edit("deadline: 2099-06-30", "deadline: 2026-02-30"),
        "objectives[0].deadline",
        "'2026-02-30' is not a valid date",
    ),
    "a date without leading zeros": Case(
        edit("hours: 2   #", "from: 2026-1-5\n        hours: 2   #"),
        "responsibilities[0].assignments[1].from",
        "not a valid date",
    ),
    "unknown role": Case(
        edit("role: consulted", "role: owner"),
        "responsibilities[0].assignments[2].role",
        "'owner' is not allowed here",
        ("owner", ""),
    ),
    "unknown component": Case(
        edit("component: listening", "component: listen"),
        "responsibilities[0].component",
        "'listen' is not allowed here",
    ),
    "wrong type: words for a number": Case(
        edit("capacity: 6", "capacity: six"),
        "contributors[0].capacity",
        "expected a number, got a string",
    ),
    "wrong type: a string for a list": Case(
        edit("kpis: [followers]", "kpis: followers"),
        "responsibilities[0].kpis",
        "expected a list, got a string",
    ),
    "wrong type: a list for a name": Case(
        edit("name: Marketing", "name: [Marketing]"),
        "departments[0].name",
        "expected a string, got a list",
    ),
    "wrong type: yes is a word, not a boolean": Case(
        edit("min_weekly_hours: 2", "min_weekly_hours: yes"),
        "strategy.min_weekly_hours",
        "expected a number, got a string",
    ),
    "unknown field (a typo)": Case(
        edit("    capacity: 6", "    capacty: 6"),
        "contributors[0]",
        "unknown field 'capacty'",
    ),
    "unknown top-level section": Case(BASE + "peoples: []\n", "", "unknown field 'peoples'"),
    "missing required field": Case(
        edit("    name: Sales\n", ""), "departments[1]", "missing field 'name'"
    ),
    "not a slug": Case(
        edit("slug: kpi-report", "slug: KPI Report"),
        "responsibilities[1].slug",
        "is not a slug",
    ),
    "not an e-mail address": Case(
        edit("email: bruno@acme.test", "email: bruno"),
        "contributors[1].email",
        "not an e-mail address",
    ),
    "wrong version": Case(
        edit("ark: 1", "ark: 2"), "ark", "2 is not a known team file version", ("2", "ark: ")
    ),
    "no version": Case(edit("ark: 1\n", ""), "", "missing field 'ark'"),
    "a YAML alias": Case(
        edit("name: Marketing", "name: &m Marketing").replace("name: Sales\n", "name: *m\n", 1),
        "",
        "YAML alias",
    ),
    "non-UTF-8 bytes": Case(
        BASE.encode().replace("García".encode(), "García".encode("latin-1")),
        "",
        "byte 0xed is not valid UTF-8",
        ("Garc", ""),  # the byte after "Garc"; checked separately below
    ),
    "an empty file": Case(b"", "", "the file is empty"),
    "only comments": Case("# a team file, some day\n# ark: 1\n", "", "the file is empty"),
    "a list at the top": Case("- ark: 1\n- strategy: {}\n", "", "not a list"),
    "a word at the top": Case("ark\n", "", "not a string"),
    "several MB": Case(
        edit("name: Followers", "name: Followers\n    description: " + "x" * 3_000_000),
        "kpis[0].description",
        "is 3,000,000 characters long",
    ),
}


def fingerprint(db_url: str) -> str:
    """The database's bytes on SQLite; every row of every table on PostgreSQL.

    On SQLite: the file and what its WAL holds, not the `-shm` index, which a reader creates
    or updates (apply reads the registry's mark before it reads the file)."""
    digest = hashlib.sha256()
    if db_url.startswith("sqlite:///"):
        path = Path(db_url.removeprefix("sqlite:///"))
        for part in sorted(path.parent.glob(path.name + "*")):
            data = part.read_bytes()
            if data and not part.name.endswith("-shm"):
                digest.update(part.name.encode() + data)
        return digest.hexdigest()
    engine = sqlalchemy.create_engine(db_url)
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(sqlalchemy.select(table).order_by(*table.primary_key)).all()
            digest.update(repr((table.name, rows)).encode())
    engine.dispose()
    return digest.hexdigest()


def rejected(ark: Ark, path: Path, *args: str) -> list[str]:
    """Run `ark apply FILE` and `ark check --file FILE`; both exit 2 with the same messages."""
    outputs = [
        ark("apply", str(path), *args, code=2).stderr,
        ark("check", "--file", str(path), code=2).stderr,
    ]
    assert outputs[0] == outputs[1]
    return outputs


@pytest.mark.parametrize("name", list(CASES))
def test_a_malformed_team_file_is_rejected_and_changes_nothing(
    ark: Ark, team: Path, name: str
) -> None:
    case = CASES[name]
    path = ark.workspace / "broken.yaml"
    path.write_bytes(case.data())
    before = fingerprint(ark.db_url)
    message = rejected(ark, path)[0]
    assert fingerprint(ark.db_url) == before
    assert "nothing was changed" in message
    located = re.findall(rf"^(?:error: )?{re.escape(str(path))}:(\d+):(\d+):(.*)$", message, re.M)
    assert located, message
    assert case.says in message, message
    assert "fix: " in message
    assert len(message) < 5_000  # a big file does not come back in the message
    if case.field:
        fields = [rest.split(":", 1)[0].strip() for _, _, rest in located]
        assert case.field in fields, message
    if case.where is not None and isinstance(case.content, str):
        line, column = position(case.content, case.where[0], after=case.where[1])
        assert f"{path}:{line}:{column}:" in message, message


def test_the_position_of_a_byte_that_is_not_utf8(ark: Ark) -> None:
    raw = CASES["non-UTF-8 bytes"].data()
    path = ark.workspace / "latin1.yaml"
    path.write_bytes(raw)
    at = raw.index(b"\xed")
    line = raw.count(b"\n", 0, at) + 1
    column = at - raw.rfind(b"\n", 0, at)
    assert f"{path}:{line}:{column}: byte 0xed" in rejected(ark, path)[0]


def test_every_problem_is_reported_at_once(ark: Ark) -> None:
    text = edit("role: consulted", "role: owner", text=edit("department: sales", "department: x"))
    path = ark.workspace / "two.yaml"
    path.write_text(text, encoding="utf-8")
    # the schema problem stops before references are checked; fix it and the reference shows
    message = rejected(ark, path)[0]
    assert "'owner' is not allowed here" in message
    path.write_text(edit("capacity: 6", "capacity: 0", text=text), encoding="utf-8")
    message = rejected(ark, path)[0]
    assert "2 problems in the team file" in message


def test_a_missing_file(ark: Ark, team: Path) -> None:
    path = ark.workspace / "nowhere.yaml"
    before = fingerprint(ark.db_url)
    message = rejected(ark, path)[0]
    assert f"{path}:1:1: cannot read the file" in message
    assert "fix: " in message
    assert fingerprint(ark.db_url) == before


def test_a_file_over_the_size_limit_is_not_read(ark: Ark, team: Path) -> None:
    path = ark.workspace / "huge.yaml"
    with path.open("wb") as f:
        f.truncate(65 * 2**20)  # sparse: no time spent writing it
    before = fingerprint(ark.db_url)
    assert "over the 64 MiB limit" in rejected(ark, path)[0]
    assert fingerprint(ark.db_url) == before


def test_over_capacity_is_a_finding_of_check_not_a_rejection(ark: Ark, team: Path) -> None:
    path = ark.workspace / "busy.yaml"
    path.write_text(edit("hours: 2   #", "hours: 40   #"), encoding="utf-8")
    findings = ark.json("check", "--file", str(path), code=1)["findings"]
    assert [f["subject"] for f in findings if f["code"] == "over-capacity"] == ["bruno@acme.test"]
    ark("apply", str(path))
    assert ark.json("show", "bruno@acme.test")["assigned_hours"] == 40


def test_yaml_1_2_scalars(ark: Ark) -> None:
    """`010` is ten and `1e1` a number, as in YAML 1.2, on every path through the parser."""
    text = edit("capacity: 6", "capacity: 010", text=edit("capacity: 4", "capacity: 1e1"))
    path = ark.workspace / "numbers.yaml"
    path.write_text(text, encoding="utf-8")
    ark("apply", str(path))
    assert ark.json("show", "ana@acme.test")["capacity"] == 10
    assert ark.json("show", "bruno@acme.test")["capacity"] == 10
    path.write_text(edit("role: consulted", "role: owner", text=text), encoding="utf-8")
    assert "'owner' is not allowed" in rejected(ark, path)[0]  # the careful path agrees...
    path.write_text(edit("capacity: 5", "capacity: 0o10", text=text), encoding="utf-8")
    ark("apply", str(path))  # ...and the quick one reads octal as YAML 1.2 writes it
    assert ark.json("show", "carla@acme.test")["capacity"] == 8


def test_export_into_a_file_that_says_the_same_keeps_every_byte(ark: Ark, team: Path) -> None:
    ark("export", str(team))  # fills in the dates the sample file leaves out
    edited = team.read_text(encoding="utf-8").replace("ark: 1", "ark: 1    # odd  spacing kept", 1)
    team.write_text(edited, encoding="utf-8")
    ark("export", str(team))
    assert team.read_text(encoding="utf-8") == edited
