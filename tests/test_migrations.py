"""Migrations on the session's backend: models and migrations agree, every revision goes up and
down, and a registry written with the oldest schema keeps all its data up to the newest.

The data of the oldest schema is written with raw SQL, frozen here as it was at that revision,
so each revision added later is tested against a registry that really predates it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, inspect, select, table, text

from ark.db import (
    SCHEMA_HEAD,
    alembic_config,
    current_revision,
    make_engine,
    open_engine,
    upgrade,
)
from ark.models import AuditRecord
from ark.registry.results import TaskLinkRow
from ark.registry.writer import transaction
from tests.conftest import Ark

FIRST = "0001"

# The registry of a small team as revision 0001 stored it: every table has rows, including an
# ended assignment (history), a finished task linked to Jira, a KPI reading and an audit record.
# Ids are left to the database (1, 2, ... in each new table), as Ark's own inserts did.
FIRST_REVISION_DATA = """
INSERT INTO setting (key, value) VALUES
  ('name', '"Acme social media strategy"'),
  ('business_type', '"commercial"'),
  ('lang', '"es"'),
  ('direction', '"Make social media bring qualified leads to sales."'),
  ('min_weekly_hours', '2'),
  ('expected_departments', '["marketing", "sales"]');
INSERT INTO department (slug, name, description, archived) VALUES
  ('marketing', 'Marketing', 'Brand and content', FALSE),
  ('sales', 'Sales', '', FALSE),
  ('legal', 'Legal', '', TRUE);
INSERT INTO kpi (slug, name, unit, description, archived) VALUES
  ('followers', 'Followers', 'count', '', FALSE);
INSERT INTO contributor (email, name, department_id, capacity, jira_user, archived) VALUES
  ('ana@acme.test', 'Ana García', 1, 6, NULL, FALSE),
  ('bruno@acme.test', 'Bruno López', 2, 4.5, 'bruno.lopez', FALSE);
INSERT INTO responsibility
  (slug, title, description, component, cadence, task_title, department_id, kpis, archived)
VALUES
  ('listening', 'Social listening', 'What people say about us', 'listening', 'weekly',
   'Weekly listening report', 1, '["followers"]', FALSE);
INSERT INTO assignment (contributor_id, responsibility_id, role, hours, valid_from, valid_to)
VALUES
  (1, 1, 'accountable', 1, '2026-01-05', '2026-03-01'),
  (1, 1, 'responsible', 2, '2026-01-05', NULL),
  (2, 1, 'accountable', 1.5, '2026-03-02', NULL);
INSERT INTO objective
  (slug, title, kpi_id, baseline, target, deadline, responsibility_id, goals, strategies,
   archived)
VALUES
  ('more-followers', 'Reach 2000 followers', 1, 1000, 2000, '2099-06-30', 1,
   '["Be known in the sector"]', '["Answer every mention within a day"]', FALSE);
INSERT INTO tactic (objective_id, position, slug, title, due, responsibility_id) VALUES
  (1, 0, 'mentions', 'Set up mention alerts', '2099-01-15', 1);
INSERT INTO task
  (key, title, responsibility_id, objective_id, period, due, assignee_id, status, note,
   created_at, updated_at)
VALUES
  ('listening/2026-W10', 'Weekly listening report 2026-W10', 1, NULL, '2026-W10',
   '2026-03-08', 2, 'done', 'sent to sales', '2026-03-02 09:00:00', '2026-03-06 17:30:00');
INSERT INTO task_link (task_id, system, external_key, data) VALUES
  (1, 'jira', 'ARK-7', '{"hash": "abc"}');
INSERT INTO measurement (kpi_id, date, value) VALUES
  (1, '2026-01-31', 1520);
INSERT INTO audit (at, actor, action, entity, entity_key, before, after) VALUES
  ('2026-03-02 09:00:00', 'ana', 'add', 'assignment', 'listening/bruno@acme.test/accountable',
   NULL, '{"contributor": "bruno@acme.test", "role": "accountable", "hours": 1.5}');
"""

# The same team as a team file: applying it to the upgraded registry must change nothing.
FIRST_REVISION_TEAM = """
ark: 1
strategy:
  name: Acme social media strategy
  business_type: commercial
  lang: es
  direction: Make social media bring qualified leads to sales.
  min_weekly_hours: 2
  expected_departments: [marketing, sales]
departments:
  - {slug: marketing, name: Marketing, description: Brand and content}
  - {slug: sales, name: Sales}
contributors:
  - {email: ana@acme.test, name: Ana García, department: marketing, capacity: 6}
  - {email: bruno@acme.test, name: Bruno López, department: sales, capacity: 4.5,
     jira_user: bruno.lopez}
kpis:
  - {slug: followers, name: Followers}
responsibilities:
  - slug: listening
    title: Social listening
    description: What people say about us
    component: listening
    cadence: weekly
    task: Weekly listening report
    department: marketing
    kpis: [followers]
    assignments:
      - {contributor: ana@acme.test, role: responsible, hours: 2, from: 2026-01-05}
      - {contributor: bruno@acme.test, role: accountable, hours: 1.5, from: 2026-03-02}
objectives:
  - slug: more-followers
    title: Reach 2000 followers
    kpi: followers
    baseline: 1000
    target: 2000
    deadline: 2099-06-30
    responsibility: listening
    goals: [Be known in the sector]
    strategies: [Answer every mention within a day]
    tactics:
      - {slug: mentions, title: Set up mention alerts, due: 2099-01-15, responsibility: listening}
"""


def revisions(engine: Engine) -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the registry (Alembic's own table aside)."""
    with engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
        return {
            n: conn.execute(select(func.count()).select_from(table(n))).scalar_one() for n in names
        }


def test_schema_head_is_the_newest_migration(db_url: str) -> None:
    engine = make_engine(db_url)
    assert ScriptDirectory.from_config(alembic_config(engine)).get_current_head() == SCHEMA_HEAD
    assert revisions(engine)[0] == FIRST


def test_models_and_migrations_agree(db_url: str) -> None:
    """`alembic check`: autogenerate finds nothing to write once the database is at head."""
    engine = make_engine(db_url)
    upgrade(engine)
    command.check(alembic_config(engine))


def test_every_revision_goes_up_and_down_one_step_at_a_time(db_url: str) -> None:
    engine = make_engine(db_url)
    config = alembic_config(engine)
    steps = revisions(engine)
    for revision in steps:
        command.upgrade(config, revision)
        assert current_revision(engine) == revision
    for below in [*reversed(steps[:-1]), None]:
        command.downgrade(config, below or "base")
        assert current_revision(engine) == below
    assert row_counts(engine) == {}  # down to base leaves no table behind
    upgrade(engine)
    assert current_revision(engine) == SCHEMA_HEAD


def test_first_use_creates_the_schema_and_downgrade_removes_it(db_url: str) -> None:
    engine = open_engine(db_url)
    assert current_revision(engine) == SCHEMA_HEAD
    command.downgrade(alembic_config(engine), "base")
    assert current_revision(engine) is None
    assert current_revision(open_engine(db_url)) == SCHEMA_HEAD


@pytest.fixture
def first_revision_registry(ark: Ark) -> Engine:
    """A registry at the oldest revision, every table holding rows, then upgraded to head one
    revision at a time; no revision may lose a row of a table that outlives it."""
    engine = make_engine(ark.db_url)
    upgrade(engine, FIRST)
    with engine.begin() as conn:
        for statement in FIRST_REVISION_DATA.split(";"):
            if statement.strip():
                conn.execute(text(statement))
    counts = row_counts(engine)
    assert all(counts.values()), counts  # the data covers every table of the oldest schema
    for revision in revisions(engine)[1:]:
        upgrade(engine, revision)
        after = row_counts(engine)
        assert {n: after[n] for n in counts if n in after} == counts, revision
        counts = after
    return engine


def test_data_written_with_the_oldest_schema_survives_every_upgrade(
    ark: Ark, first_revision_registry: Engine
) -> None:
    team = ark.workspace / "ark.yaml"
    team.write_text(FIRST_REVISION_TEAM, encoding="utf-8")
    plan = ark.json("apply", str(team), "--dry-run")
    assert plan["changes"] == [], plan["changes"]

    history = ark.json("history", "listening")
    assert [(a["contributor"], a["role"], a["hours"], a["from"], a["to"]) for a in history] == [
        ("ana@acme.test", "accountable", 1.0, "2026-01-05", "2026-03-01"),
        ("ana@acme.test", "responsible", 2.0, "2026-01-05", None),
        ("bruno@acme.test", "accountable", 1.5, "2026-03-02", None),
    ]
    assert ark.json("show", "bruno@acme.test")["jira_user"] == "bruno.lopez"
    (task,) = ark.json("tasks", "list")
    assert task == {
        "key": "listening/2026-W10",
        "title": "Weekly listening report 2026-W10",
        "responsibility": "listening",
        "status": "done",
        "assignee": "bruno@acme.test",
        "due": "2026-03-08",
        "period": "2026-W10",
        "external_key": None,
        "assignee_name": "Bruno López",
    }
    readings = ark.json("kpi", "show", "followers")
    assert readings["readings"] == [
        {"date": "2026-01-31", "value": 1520.0, "progress": {"more-followers": 52.0}}
    ]
    assert [t["target"] for t in readings["targets"]] == [2000.0]

    with transaction(first_revision_registry, write=False) as reg:
        assert reg.task("listening/2026-W10").note == "sent to sales"
        assert reg.read.links("jira").items == (
            TaskLinkRow("listening/2026-W10", "ARK-7", {"hash": "abc"}),
        )
        (record,) = reg.session.scalars(select(AuditRecord))
        assert (record.actor, record.action, record.entity_key) == (
            "ana",
            "add",
            "listening/bruno@acme.test/accountable",
        )
        assert record.after == {
            "contributor": "bruno@acme.test",
            "role": "accountable",
            "hours": 1.5,
        }
        assert record.at.year == 2026 and record.at.month == 3
    assert ark.json("check")["errors"] == 0  # the old registry passes the newest checks
    # and it takes new changes, each audited once more
    ark("assign", "ana@acme.test", "listening", "--role", "informed")
    with transaction(first_revision_registry, write=False) as reg:
        assert reg.audit_count() == 2


def test_ark_db_upgrade_creates_and_upgrades_the_schema(ark: Ark) -> None:
    engine = make_engine(ark.db_url)
    assert ark("db", "upgrade").output.strip() == f"schema at {SCHEMA_HEAD} (was empty)"
    command.downgrade(alembic_config(engine), FIRST)
    assert ark("db", "upgrade").output.strip() == f"schema at {SCHEMA_HEAD} (was {FIRST})"
    assert ark("db", "upgrade").output.strip() == f"schema at {SCHEMA_HEAD} (was {SCHEMA_HEAD})"


def schema_of(engine: Engine) -> dict[str, object]:
    """Every table's columns, indexes (with a partial one's WHERE), keys and constraints."""
    found = inspect(engine)
    with engine.connect() as connection:
        wheres: dict[str, str] = dict(
            connection.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '%WHERE%'"
                )
            ).all()
        )
    return {
        name: (
            sorted((c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(name)),
            sorted(
                (
                    i["name"],
                    tuple(i["column_names"]),
                    bool(i["unique"]),
                    wheres.get(i["name"] or "", "").split("WHERE")[-1].strip(),
                )
                for i in found.get_indexes(name)
            ),
            found.get_pk_constraint(name)["constrained_columns"],
            sorted(
                (tuple(k["constrained_columns"]), k["referred_table"], tuple(k["referred_columns"]))
                for k in found.get_foreign_keys(name)
            ),
            sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(name)),
        )
        for name in sorted(found.get_table_names())
    }


def test_the_throwaway_registry_has_the_migrated_schema(tmp_path: Path) -> None:
    """`ark check --file` applies the file to an in-memory registry made from the models; its
    schema is the one the migrations give a real registry (SQLite's, as it is SQLite)."""
    migrated = open_engine(f"sqlite:///{tmp_path / 'ark.db'}")
    throwaway = open_engine("sqlite://")
    assert current_revision(throwaway) == SCHEMA_HEAD
    expected = schema_of(migrated)
    assert "uq_assignment_one_accountable" in str(expected["assignment"])
    assert schema_of(throwaway) == expected
