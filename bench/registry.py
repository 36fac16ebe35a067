"""The registry at company scale: 10,000 contributors, 25 departments, 300 responsibilities,
50,000 assignments, on SQLite and on PostgreSQL side by side.

Before the lists (`ark people`, `responsibilities`, `kpis`, `log`) the audit log is topped up
to 100,000 records, as a year of a big team's changes would leave it.

Wall times are of whole `ark` processes, as a team lead would see them. Statement counts come
from running the same commands in-process under a SQLAlchemy event listener; running a small
team and the big one shows which counts grow with the team (an N+1 would). Two other ways of
applying run on the same team beside Ark: the naive one (row by row through the ORM, a flush
per row and a query per reference) and the plain ORM one a user would write (`add_all`, one
flush); the check has its naive way (asking per responsibility and per person) too.

The team is valid and checks without errors, so `check` is timed on the common case. The
no-op apply is timed twice: on the file last applied (answered from the registry's mark of
that file) and on the same team with a comment added (the full comparison).

    .venv/bin/python bench/registry.py --postgres postgresql://postgres@127.0.0.1:5432/DB
    .venv/bin/python bench/registry.py --backend sqlite --scale 0.1
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

POSTGRES_ENV = "ARK_BENCH_POSTGRES_URL"
ARK = str(Path(sys.executable).parent / "ark")
TARGETS = {  # seconds, from the issue
    "apply (first)": 30.0,
    "apply (no-op)": 3.0,
    "check": 3.0,
    "who": 0.3,
    "people": 0.3,
    "responsibilities": 0.3,
    "kpis": 0.3,
    "log": 0.3,
    "log --person": 0.3,
    "log --entity": 0.3,
    "--help": 0.25,
}


@dataclass(frozen=True)
class Size:
    contributors: int
    departments: int
    responsibilities: int
    assignments: int

    def scaled(self, factor: float) -> Size:
        return Size(
            max(20, int(self.contributors * factor)),
            max(3, int(self.departments * factor)),
            max(5, int(self.responsibilities * factor)),
            max(40, int(self.assignments * factor)),
        )


BIG = Size(10_000, 25, 300, 50_000)
SMALL = Size(200, 5, 30, 1_000)
ROLES = ("accountable", "responsible", "responsible", "consulted", "informed", "informed")
AUDIT_RECORDS = 100_000
HOURS = {"accountable": 0.5, "responsible": 1.5, "consulted": 0.5, "informed": 0}


def team_yaml(size: Size) -> str:
    """A valid team file of `size` that checks without errors: every responsibility has one
    accountable and responsibles, and nobody is given more hours than their capacity."""
    out = [
        "ark: 1",
        "strategy:",
        "  name: Bench strategy",
        "  min_weekly_hours: 0",
        "  expected_departments: [" + ", ".join(f"dep-{d}" for d in range(size.departments)) + "]",
        "departments:",
    ]
    for d in range(size.departments):
        out += [f"  - slug: dep-{d}", f"    name: Department {d}"]
    out.append("contributors:")
    for c in range(size.contributors):
        out += [
            f"  - email: person{c}@bench.test",
            f"    name: Person {c}",
            f"    department: dep-{c % size.departments}",
            f"    capacity: {8 + c % 5}",  # above the most a person is given here
        ]
    out += ["kpis:", "  - slug: followers", "    name: Followers", "  - slug: leads"]
    out += ["    name: Leads", "responsibilities:"]
    per, extra = divmod(size.assignments, size.responsibilities)
    start = 0
    for r in range(size.responsibilities):
        out += [
            f"  - slug: resp-{r}",
            f"    title: Responsibility {r}",
            f"    cadence: {('weekly', 'monthly', 'none')[r % 3]}",
            f"    department: dep-{r % size.departments}",
            "    kpis: [followers]",
            "    assignments:",
        ]
        count = per + (r < extra)
        for j in range(count):
            role = ROLES[0] if j == 0 else ROLES[1 + j % 5]
            out += [
                f"      - contributor: person{(start + j) % size.contributors}@bench.test",
                f"        role: {role}",
                f"        hours: {HOURS[role]}",
                "        from: 2026-01-05",
            ]
        start += count
    out += [
        "objectives:",
        "  - slug: more-leads",
        "    title: More leads",
        "    kpi: leads",
        "    target: 300",
        "    deadline: 2099-06-30",
        "    responsibility: resp-0",
        "    tactics:",
        "      - slug: landing-page",
        "        title: Landing page",
        "        due: 2099-01-15",
    ]
    return "\n".join(out) + "\n"


# -- databases --------------------------------------------------------------------------------


POSTGRES: list[str] = []  # the server's URL, from --postgres


@contextlib.contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """A fresh, empty registry URL: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'ark-{uuid.uuid4().hex[:8]}.db'}"
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    server = POSTGRES[0]
    admin = server.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in server else "?"
    try:
        yield f"{server}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


# -- measuring ----------------------------------------------------------------------------------


@dataclass
class Timing:
    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:6.2f} s ({self.cpu:5.2f} cpu)"


def run(argv: list[str], url: str, repeat: int = 1) -> Timing:
    """The fastest of `repeat` runs of a whole process: wall time and its CPU time."""
    best: Timing | None = None
    env = {**os.environ, "ARK_DATABASE_URL": url, "ARK_USER": "bench"}
    for _ in range(repeat):
        before = os.times()
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, check=False)
        wall = time.perf_counter() - start
        after = os.times()
        if done.returncode not in (0, 1):  # `check` exits 1 when it finds errors
            raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr.decode()}")
        cpu = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        if best is None or wall < best.wall:
            best = Timing(wall, cpu)
    assert best is not None
    return best


@contextlib.contextmanager
def counting(only: Callable[[], bool] | None = None) -> Iterator[list[int]]:
    """Counts the SQL statements sent to any database while the block runs (those for which
    `only()` holds, if given: asked in the thread sending each)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    count = [0]

    def seen(*_: Any) -> None:
        if only is None or only():
            count[0] += 1

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        yield count
    finally:
        event.remove(Engine, "before_cursor_execute", seen)


def statements(args: list[str], url: str) -> int:
    """How many statements `ark ARGS` sends, run in this process."""
    from click.testing import CliRunner

    from ark.cli import cli

    with counting() as count:
        result = CliRunner().invoke(cli, args, env={"ARK_DATABASE_URL": url, "ARK_USER": "bench"})
    if result.exit_code not in (0, 1):
        raise SystemExit(f"ark {' '.join(args)} failed: {result.output}{result.exception!r}")
    if args[0] in LISTS:
        # The lists read through the driver too: count the read API's statements there.
        from ark.registry.driver import connect
        from ark.registry.queries import Queries

        connected = connect(url)
        assert connected is not None, url
        connection, marker = connected

        def run(sql: str, params: Any) -> Any:
            count[0] += 1
            return connection.execute(sql, tuple(params)).fetchall()

        dialect = "sqlite" if marker == "?" else "postgresql"
        LISTS[args[0]](Queries(run, marker, dialect), args[1:])
        connection.close()
    if args[0] == "who":
        from ark.quick import who

        # The quick path reads through the driver, past SQLAlchemy, with its one query.
        count[0] += who(url, args[1]) is not None
    return count[0]


def fill_audit_log(url: str, records: int = AUDIT_RECORDS) -> None:
    """Top the audit log up to `records` rows: task moves by the team over the last year."""
    from sqlalchemy import func, insert, select

    from ark.db import open_engine, session_scope
    from ark.models import AuditRecord

    engine = open_engine(url)
    with session_scope(engine) as s:
        have = s.scalar(select(func.count()).select_from(AuditRecord)) or 0
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        rows = [
            {
                "at": start + dt.timedelta(minutes=5 * i),
                "actor": f"person{i % 997}@bench.test",
                "action": "change",
                "entity": "task",
                "entity_key": f"resp-{i % 300}/2026-W{1 + i % 52:02d}",
                "before": {"status": "todo"},
                "after": {"status": "done"},
            }
            for i in range(max(0, records - have))
        ]
        for chunk in range(0, len(rows), 10_000):
            s.execute(insert(AuditRecord), rows[chunk : chunk + 10_000])
    engine.dispose()


# -- the naive way ---------------------------------------------------------------------------------


def naive_apply(url: str, team: Path) -> int:
    """Row by row through the ORM: look each reference up, add, flush, audit; one entity at a time."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from ark.db import open_engine
    from ark.models import Assignment, AuditRecord, Contributor, Department, Kpi, Responsibility
    from ark.teamfile import read_team_file

    spec = read_team_file(team)
    engine = open_engine(url)
    with counting() as count, Session(engine) as s, s.begin():

        def add(row: Any, entity: str, key: str) -> None:
            s.add(row)
            s.flush()
            s.add(
                AuditRecord(
                    at=dt.datetime.now(dt.UTC),
                    actor="bench",
                    action="add",
                    entity=entity,
                    entity_key=key,
                    before=None,
                    after={"id": row.id},
                )
            )
            s.flush()

        def one(model: Any, column: Any, value: str) -> Any:
            return s.scalars(select(model).where(column == value)).one()

        for d in spec.departments:
            add(
                Department(slug=d.slug, name=d.name, description=d.description),
                "department",
                d.slug,
            )
        for k in spec.kpis:
            add(
                Kpi(slug=k.slug, name=k.name, unit=k.unit, description=k.description), "kpi", k.slug
            )
        for c in spec.contributors:
            department = one(Department, Department.slug, c.department)
            add(
                Contributor(email=c.email, name=c.name, department=department, capacity=c.capacity),
                "contributor",
                c.email,
            )
        for r in spec.responsibilities:
            add(
                Responsibility(slug=r.slug, title=r.title, kpis=list(r.kpis)),
                "responsibility",
                r.slug,
            )
            for a in r.assignments:
                add(
                    Assignment(
                        contributor=one(Contributor, Contributor.email, a.contributor),
                        responsibility=one(Responsibility, Responsibility.slug, r.slug),
                        role=a.role,
                        hours=a.hours,
                        valid_from=a.since or dt.date.today(),
                    ),
                    "assignment",
                    f"{r.slug}/{a.contributor}/{a.role}",
                )
    engine.dispose()
    return count[0]


def orm_apply(url: str, team: Path) -> int:
    """The plain ORM way a user would write: every row built in Python, `add_all`, one flush;
    references by object, not by query; an audit record per row."""
    from sqlalchemy.orm import Session

    from ark.db import open_engine
    from ark.models import Assignment, AuditRecord, Contributor, Department, Kpi, Responsibility
    from ark.teamfile import read_team_file

    spec = read_team_file(team)
    engine = open_engine(url)
    with counting() as count, Session(engine) as s, s.begin():
        stamp = dt.datetime.now(dt.UTC)
        rows: list[Any] = []

        def audit(entity: str, key: str) -> None:
            rows.append(
                AuditRecord(
                    at=stamp,
                    actor="bench",
                    action="add",
                    entity=entity,
                    entity_key=key,
                    before=None,
                    after=None,
                )
            )

        departments = {
            d.slug: Department(slug=d.slug, name=d.name, description=d.description)
            for d in spec.departments
        }
        rows += departments.values()
        rows += [Kpi(slug=k.slug, name=k.name, unit=k.unit) for k in spec.kpis]
        people = {
            c.email: Contributor(
                email=c.email,
                name=c.name,
                department=departments[c.department],
                capacity=c.capacity,
            )
            for c in spec.contributors
        }
        rows += people.values()
        for r in spec.responsibilities:
            responsibility = Responsibility(slug=r.slug, title=r.title, kpis=list(r.kpis))
            rows.append(responsibility)
            audit("responsibility", r.slug)
            for a in r.assignments:
                rows.append(
                    Assignment(
                        contributor=people[a.contributor],
                        responsibility=responsibility,
                        role=a.role,
                        hours=a.hours,
                        valid_from=a.since or dt.date.today(),
                    )
                )
                audit("assignment", f"{r.slug}/{a.contributor}/{a.role}")
        for c in spec.contributors:
            audit("contributor", c.email)
        s.add_all(rows)
        s.flush()
    engine.dispose()
    return count[0]


def naive_check(url: str) -> int:
    """The RACI and capacity checks asked per responsibility and per person (N+1)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from ark.db import open_engine
    from ark.models import Assignment, Contributor, Responsibility
    from ark.vocabulary import Role

    engine = open_engine(url)
    with counting() as count, Session(engine) as s:
        for r in s.scalars(select(Responsibility)):
            roles = [
                a.role
                for a in s.scalars(
                    select(Assignment).where(
                        Assignment.responsibility_id == r.id, Assignment.valid_to.is_(None)
                    )
                )
            ]
            assert roles.count(Role.ACCOUNTABLE) == 1
        for c in s.scalars(select(Contributor)):
            hours = sum(
                a.hours
                for a in s.scalars(
                    select(Assignment).where(
                        Assignment.contributor_id == c.id, Assignment.valid_to.is_(None)
                    )
                )
            )
            assert hours >= 0
    engine.dispose()
    return count[0]


def naive_people(url: str) -> int:
    """`ark people` the ORM way: every contributor, their hours asked one by one, paged in Python."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from ark.db import open_engine
    from ark.models import Assignment, Contributor

    engine = open_engine(url)
    with counting() as count, Session(engine) as s:
        people = []
        for c in s.scalars(select(Contributor).where(Contributor.archived.is_(False))):
            current = select(Assignment).where(
                Assignment.contributor_id == c.id, Assignment.valid_to.is_(None)
            )
            people.append((c.email, c.department.slug, sum(a.hours for a in s.scalars(current))))
        page = sorted(people)[:50]
        assert len(people) >= len(page)
    engine.dispose()
    return count[0]


def naive_log(url: str) -> int:
    """`ark log --person` the ORM way: every audit record loaded, filtered and paged in Python."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from ark.db import open_engine
    from ark.models import AuditRecord

    engine = open_engine(url)
    with counting() as count, Session(engine) as s:
        who = "person17@bench.test"
        records = [
            r
            for r in s.scalars(select(AuditRecord).order_by(AuditRecord.id.desc()))
            if r.actor == who or r.entity_key == who or f"/{who}/" in r.entity_key
        ]
        assert len(records[:50]) <= len(records)
    engine.dispose()
    return count[0]


def timed(action: Callable[[], int]) -> tuple[Timing, int]:
    before, start = os.times(), time.perf_counter()
    result = action()
    after = os.times()
    cpu = (after.user - before.user) + (after.system - before.system)
    return Timing(time.perf_counter() - start, cpu), result


# -- the run -------------------------------------------------------------------------------------

COMMANDS: list[tuple[str, list[str], int]] = [  # name, arguments ({team} = the file), repeats
    ("apply (first)", ["apply", "{team}"], 1),
    ("apply (no-op)", ["apply", "{team}"], 3),
    # The same team with a comment added: the mark does not match, so the file is read and
    # compared with the registry in full (once: that apply marks the new file).
    ("apply (no-op, full)", ["apply", "{edited}"], 1),
    ("check", ["check"], 3),
    ("who", ["who", "resp-1"], 5),
    ("export", ["export"], 2),
]
# The lists run after the audit log is filled; each maps to its read API call, for counting.
LIST_COMMANDS: list[tuple[str, list[str], int]] = [
    ("people", ["people"], 5),
    ("responsibilities", ["responsibilities"], 5),
    ("kpis", ["kpis"], 5),
    ("log", ["log"], 5),
    ("log --person", ["log", "--person", "person17@bench.test"], 5),
    ("log --entity", ["log", "--entity", "assignment", "--from", "2026-01-01"], 5),
]
LISTS: dict[str, Callable[[Any, list[str]], Any]] = {
    "people": lambda q, _: q.people(limit=50),
    "responsibilities": lambda q, _: q.responsibilities(limit=50),
    "kpis": lambda q, _: q.kpis(limit=50),
    "log": lambda q, a: q.audit_log(
        person=a[1] if a[:1] == ["--person"] else None,
        entity=a[1] if a[:1] == ["--entity"] else None,
        since=dt.date.fromisoformat(a[3]) if a[2:3] == ["--from"] else None,
        limit=50,
    ),
}


@dataclass
class Column:
    """One backend's figures: wall time of the big team, statements of the small and the big."""

    times: dict[str, Timing] = field(default_factory=dict)
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)


def measure(backend: str, teams: dict[str, Path], folder: Path, naive: bool) -> Column:
    column = Column()
    counted: dict[str, dict[str, int]] = {}
    for size, team in teams.items():
        with database(backend, folder) as url:
            counted[size] = {
                name: statements([a.format(team=team, edited=edited(team)) for a in args], url)
                for name, args, _ in COMMANDS
            }
            fill_audit_log(url)
            counted[size].update((name, statements(args, url)) for name, args, _ in LIST_COMMANDS)
    for name in counted["big"]:
        column.counts[name] = (counted["small"][name], counted["big"][name])
    with database(backend, folder) as url:
        for name, args, repeat in COMMANDS:
            column.times[name] = run(
                [ARK, *(a.format(team=teams["big"], edited=edited(teams["big"])) for a in args)],
                url,
                repeat,
            )
            print(f"  {backend:<10} {name:<16} {column.times[name]}", file=sys.stderr)
        fill_audit_log(url)
        for name, args, repeat in LIST_COMMANDS:
            column.times[name] = run([ARK, *args], url, repeat)
            print(f"  {backend:<10} {name:<16} {column.times[name]}", file=sys.stderr)
        naive_lists = (("naive people", naive_people), ("naive log", naive_log)) if naive else ()
        for name, naive_list in naive_lists:
            column.times[name], big_count = timed(lambda: naive_list(url))  # noqa: B023
            column.counts[name] = (0, big_count)
            print(f"  {backend:<10} {name:<16} {column.times[name]}", file=sys.stderr)
    if naive:
        with database(backend, folder) as fresh:
            small_apply, small_check = naive_apply(fresh, teams["small"]), naive_check(fresh)
        with database(backend, folder) as fresh:
            small_orm = orm_apply(fresh, teams["small"])
        with database(backend, folder) as fresh:
            column.times["naive apply"], big_apply = timed(lambda: naive_apply(fresh, teams["big"]))
            column.times["naive check"], big_check = timed(lambda: naive_check(fresh))
        with database(backend, folder) as fresh:
            column.times["orm apply"], big_orm = timed(lambda: orm_apply(fresh, teams["big"]))
        column.counts["naive apply"] = (small_apply, big_apply)
        column.counts["naive check"] = (small_check, big_check)
        column.counts["orm apply"] = (small_orm, big_orm)
        for name in ("naive apply", "orm apply", "naive check"):
            print(f"  {backend:<10} {name:<16} {column.times[name]}", file=sys.stderr)
    return column


def edited(team: Path) -> Path:
    """The same team with a comment added: another file, meaning the same."""
    return team.with_name(f"{team.stem}-edited.yaml")


def check_findings(team: Path) -> str:
    """How the bench team checks: it must have no errors, so `check` is timed as usual."""
    done = subprocess.run(
        [ARK, "check", "--file", str(team), "--json"], capture_output=True, check=False
    )
    import json

    report = json.loads(done.stdout)
    if report["errors"]:
        raise SystemExit(f"the bench team has {report['errors']} check error(s)")
    codes: dict[str, int] = {}
    for finding in report["findings"]:
        codes[finding["code"]] = codes.get(finding["code"], 0) + 1
    warnings = ", ".join(f"{n} {code}" for code, n in sorted(codes.items())) or "none"
    return f"0 errors; warnings: {warnings}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="Shrink the big team.")
    parser.add_argument("--no-naive", action="store_true", help="Skip the naive way.")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get(POSTGRES_ENV),
        help=f"A PostgreSQL server's database to make schemas in (default: ${POSTGRES_ENV}).",
    )
    options = parser.parse_args()
    backends = ["sqlite", "postgresql"] if options.backend == "both" else [options.backend]
    if "postgresql" in backends:
        if not options.postgres:
            parser.error(
                f"PostgreSQL needs --postgres URL (or {POSTGRES_ENV}); or --backend sqlite"
            )
        POSTGRES.append(options.postgres)
    big = BIG.scaled(options.scale) if options.scale != 1 else BIG
    with tempfile.TemporaryDirectory(prefix="ark-bench-") as tmp:
        folder = Path(tmp)
        teams = {"small": folder / "small.yaml", "big": folder / "big.yaml"}
        for size, team in (("small", SMALL), ("big", big)):
            text = team_yaml(team)
            teams[size].write_text(text, encoding="utf-8")
            edited(teams[size]).write_text(text + "# edited\n", encoding="utf-8")
        print(f"checks: {check_findings(teams['big'])}", file=sys.stderr)
        print(
            f"team: {big.contributors} contributors, {big.departments} departments, "
            f"{big.responsibilities} responsibilities, {big.assignments} assignments "
            f"({teams['big'].stat().st_size / 2**20:.1f} MiB); small team: {SMALL}",
            file=sys.stderr,
        )
        columns = {b: measure(b, teams, folder, not options.no_naive) for b in backends}
        start_up = {
            "--help": run([ARK, "--help"], "sqlite://", 5),
            "python -c pass": run([sys.executable, "-c", "pass"], "sqlite://", 5),
        }
    report(columns, start_up)


def report(columns: dict[str, Column], start_up: dict[str, Timing]) -> None:
    head = f"{'command':<20}"
    for backend in columns:
        head += f" | {backend + ' (big team)':<24} {'statements small/big':>20}"
    print(head + f" | {'target':>7}")
    print("-" * len(head + " | target "))
    names = [name for name, _, _ in COMMANDS + LIST_COMMANDS]
    names += ["naive apply", "orm apply", "naive check", "naive people", "naive log"]
    for name in names:
        if not all(name in c.times for c in columns.values()):
            continue
        line = f"{name:<20}"
        for c in columns.values():
            small, big = c.counts[name]
            line += f" | {c.times[name]!s:<24} {f'{small} / {big}':>20}"
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            ok = all(c.times[name].wall < target for c in columns.values())
            verdict = f"< {target:g} s {'ok' if ok else 'MISSED'}"
        print(line + f" | {verdict}")
    for backend, c in columns.items():
        if "naive apply" in c.times:
            ark = c.times["apply (first)"].wall
            print(
                f"{backend}: a first apply takes the naive way {c.times['naive apply'].wall / ark:.1f}x"
                f" Ark's time, the plain ORM way {c.times['orm apply'].wall / ark:.1f}x (both"
                " in-process: without the start-up and file reading in Ark's figure)"
            )
    for name, timing in start_up.items():
        target = TARGETS.get(name)
        verdict = f"< {target:g} s {'ok' if timing.wall < target else 'MISSED'}" if target else ""
        print(f"{name:<20} | {timing!s:<24} (no database) | {verdict}")
    print(
        "\nwall = fastest of several runs of a whole process (first apply and naive: one run);"
        " cpu = that process's user+system time. Statement counts run in-process; `who`"
        " and the lists count their driver queries past SQLAlchemy. The lists run over"
        f" {AUDIT_RECORDS:,} audit records; naive people/log run in-process (their small-team"
        " count is not measured: 0), the ORM way a user would write them."
    )


if __name__ == "__main__":
    main()
