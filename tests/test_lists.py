"""The read API and the list commands on it: `ark people`, `responsibilities`, `kpis`, `log`."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from ark.clihelpers import read
from ark.db import open_engine
from ark.errors import NotFound
from ark.registry.queries import Queries
from ark.registry.results import TaskLinkRow
from ark.registry.writer import transaction
from ark.vocabulary import Role
from tests.conftest import Ark


def test_people_lists_filters_and_pages(ark: Ark, team: Path) -> None:
    out = ark("people").output
    assert out.splitlines()[0].split() == ["EMAIL", "NAME", "DEPARTMENT", "HOURS", "ROLES"]
    assert "ana@acme.test" in out and "4/6" in out  # Ana: 1 + 1 + 2 hours of 6
    assert out.rstrip().endswith("(1-3 of 3)")
    data = ark.json("people", "--department", "sales")
    assert data["total"] == 1
    assert data["items"] == [
        {
            "email": "bruno@acme.test",
            "name": "Bruno López",
            "department": "sales",
            "capacity": 4.0,
            "jira_user": None,
            "assigned_hours": 2.0,
            "roles": 1,
        }
    ]
    assert [p["email"] for p in ark.json("people", "--responsibility", "kpi-report")["items"]] == [
        "ana@acme.test",
        "carla@acme.test",
    ]
    assert ark.json("people", "--search", "VIDAL")["items"][0]["email"] == "carla@acme.test"
    assert ark.json("people", "--search", "%")["total"] == 0  # wildcards are taken literally
    paged = ark.json("people", "--limit", "1", "--offset", "1")
    assert (paged["total"], [p["email"] for p in paged["items"]]) == (3, ["bruno@acme.test"])
    assert "--offset 2 for more" in ark("people", "--limit", "1", "--offset", "1").output
    ark("assign", "bruno@acme.test", "kpi-report", "--role", "consulted", "--hours", "3")
    over = ark.json("people", "--over-capacity")["items"]
    assert [(p["email"], p["assigned_hours"]) for p in over] == [("bruno@acme.test", 5.0)]


def test_people_as_csv_has_a_header_and_every_field(ark: Ark, team: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(ark("people", "--csv").stdout)))
    assert [r["email"] for r in rows] == ["ana@acme.test", "bruno@acme.test", "carla@acme.test"]
    assert rows[2] == {
        "email": "carla@acme.test",
        "name": "Carla Vidal",
        "department": "customer-service",
        "capacity": "5.0",
        "jira_user": "",
        "assigned_hours": "0.0",
        "roles": "2",
    }
    assert "not both" in ark("people", "--csv", "--json", code=2).output


def test_responsibilities_show_their_accountable_and_filter(ark: Ark, team: Path) -> None:
    items = ark.json("responsibilities")["items"]
    assert [(r["slug"], r["accountable"], r["people"], r["kpis"]) for r in items] == [
        ("kpi-report", "ana@acme.test", 2, ["followers", "leads"]),
        ("listening", "ana@acme.test", 3, ["followers"]),
    ]
    ark("unassign", "ana@acme.test", "listening", "--role", "accountable")
    assert [r["slug"] for r in ark.json("responsibilities", "--unowned")["items"]] == ["listening"]
    by_bruno = ark.json("responsibilities", "--person", "Bruno@acme.test")["items"]
    assert [r["slug"] for r in by_bruno] == ["listening"]
    assert ark.json("responsibilities", "--cadence", "monthly")["items"][0]["slug"] == "kpi-report"
    assert ark.json("responsibilities", "--component", "talking")["total"] == 0
    assert ark.json("responsibilities", "--search", "ROI")["items"][0]["slug"] == "kpi-report"
    rows = list(csv.DictReader(io.StringIO(ark("responsibilities", "--csv").stdout)))
    assert rows[0]["kpis"] == '["followers", "leads"]'
    assert "no responsibilities match" in ark("responsibilities", "--department", "sales").output


def test_kpis_show_their_latest_reading(ark: Ark, team: Path) -> None:
    ark("kpi", "record", "leads", "10", "--date", "2026-01-31")
    ark("kpi", "record", "leads", "25", "--date", "2026-02-28")
    items = {k["slug"]: k for k in ark.json("kpis")["items"]}
    assert items["leads"]["latest_value"] == 25.0
    assert items["leads"]["latest_date"] == "2026-02-28"
    assert (items["leads"]["readings"], items["leads"]["objectives"]) == (2, 1)
    assert items["followers"]["latest_value"] is None
    out = ark("kpis", "--search", "lead").output
    assert "25" in out and "Feb 28, 2026" in out and "followers" not in out


def test_log_filters_by_person_entity_key_action_and_days(ark: Ark, team: Path) -> None:
    ark("assign", "bruno@acme.test", "kpi-report", "--role", "consulted")
    everything = ark.json("log", "--limit", "0")
    assert everything["total"] == len(everything["items"]) > 10
    ids = [e["id"] for e in everything["items"]]
    assert ids == sorted(ids, reverse=True)  # newest first
    newest = everything["items"][0]
    assert (newest["actor"], newest["action"], newest["entity"], newest["key"]) == (
        "tester",
        "add",
        "assignment",
        "kpi-report/bruno@acme.test/consulted",
    )
    assert newest["after"]["role"] == "consulted"
    bruno = ark.json("log", "--person", "bruno@acme.test", "--limit", "0")["items"]
    assert {e["key"] for e in bruno} == {
        "bruno@acme.test",
        "listening/bruno@acme.test/responsible",
        "kpi-report/bruno@acme.test/consulted",
    }
    keyed = ark.json("log", "--key", "kpi-report", "--entity", "assignment", "--limit", "0")
    assert all(e["key"].startswith("kpi-report/") for e in keyed["items"]) and keyed["total"] == 4
    assert ark.json("log", "--action", "remove")["total"] == 0
    assert ark.json("log", "--by", "tester", "--limit", "0")["total"] == everything["total"]
    assert ark.json("log", "--by", "someone-else")["total"] == 0
    today = dt.datetime.now(dt.UTC).date()
    days = ["--from", str(today), "--until", str(today)]
    assert ark.json("log", *days)["total"] == everything["total"]
    assert ark.json("log", "--until", str(today - dt.timedelta(days=1)))["total"] == 0
    assert ark.json("log", "--from", str(today + dt.timedelta(days=1)))["total"] == 0
    assert (
        "is before --from"
        in ark("log", "--from", "2026-02-01", "--until", "2026-01-01", code=2).output
    )
    rows = list(csv.DictReader(io.StringIO(ark("log", "--csv", "--limit", "1").stdout)))
    assert rows[0]["key"] == "kpi-report/bruno@acme.test/consulted"
    assert '"role": "consulted"' in rows[0]["after"] and rows[0]["before"] == ""


def test_a_list_where_there_is_no_registry_is_refused(ark: Ark, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ark.cli import cli

    result = CliRunner().invoke(cli, ["people"], env={"ARK_DATABASE_URL": None})
    assert result.exit_code == 1 and "no registry here" in result.output
    assert not (tmp_path / ".ark").exists()


def _everything(q: Queries) -> list[Any]:
    return [
        q.people(),
        q.people(department="marketing", search="a", over_capacity=True, limit=2, offset=1),
        q.responsibilities(),
        q.responsibilities(person="ana@acme.test", unowned=True, cadence="weekly", limit=5),
        q.kpis(),  # three: the page's goals too
        q.audit_log(),
        q.audit_log(person="ana@acme.test", since=dt.date(2020, 1, 1), limit=3, offset=2),
        q.last_changes(),
        q.objectives(),
        q.goals(),
        q.goals(kpi="leads", limit=1),
        q.tactics(),
        q.readings(),
        q.readings(kpis=["leads"], limit=2),
        q.strategy(),  # two: the settings, the owner's name
        q.audience(),
        q.channels(kind="profile"),
        q.people(email="Ana@acme.test"),
        q.calendar(start=dt.date(2020, 1, 1), until=dt.date(2099, 1, 1), department="sales"),
        q.links("jira", tasks=["listening/2026-W10"]),
        q.responsibilities(slug="listening"),
        q.assignments(),
        q.assignments(responsibility="listening", history=True),
        q.kpis(slug="k1"),  # three
        q.tasks(key="r1/2026-W10"),
        q.tasks(open_only=True, due_by=dt.date(2099, 1, 1)),
        q.mirrored_tasks("jira"),
        q.links("jira"),
    ]


def test_the_driver_path_and_the_transaction_path_answer_alike(ark: Ark, team: Path) -> None:
    ark("kpi", "record", "leads", "7")
    fast = read(ark.db_url, _everything)
    with transaction(open_engine(ark.db_url), write=False) as reg:
        slow = _everything(reg.read)
    assert fast == slow
    assert fast[0].total == 3 and fast[4].items[1].latest_value == 7.0


def test_a_hook_reads_what_its_transaction_wrote(ark: Ark, team: Path) -> None:
    with transaction(open_engine(ark.db_url), actor="lead@acme.test") as reg:
        reg.assign("carla@acme.test", "kpi-report", Role.RESPONSIBLE, hours=1)
        page = reg.read.audit_log(actor="lead@acme.test")
        people = reg.read.people(responsibility="kpi-report")
    assert [e.key for e in page.items] == ["kpi-report/carla@acme.test/responsible"]
    assert [p.email for p in people.items] == ["ana@acme.test", "carla@acme.test"]


def registry_of(ark: Ark, url: str, size: int) -> str:
    """The registry at `url` with `team_of(size)` applied; its URL."""
    team = ark.workspace / f"team-{size}.yaml"
    team.write_text(team_of(size), encoding="utf-8")
    ark("apply", str(team), "--db", url)
    return url


def team_of(size: int) -> str:
    """A team file with `size` people, each accountable for a responsibility of their own."""
    lines = [
        "ark: 1",
        "strategy: {owner: p0@acme.test}",
        "departments:",
        "  - {slug: marketing, name: Marketing}",
        "contributors:",
    ]
    lines += [
        f"  - {{email: p{i}@acme.test, name: P {i}, department: marketing}}" for i in range(size)
    ]
    lines += ["kpis:", *(f"  - {{slug: k{i}, name: K {i}}}" for i in range(size))]
    lines += ["audience:", *(f"  - {{slug: s{i}, name: S {i}}}" for i in range(size))]
    lines += [
        "channels:",
        *(
            f"  - {{slug: c{i}, name: C {i}, kind: profile, owner: p{i}@acme.test}}"
            for i in range(size)
        ),
    ]
    lines += ["responsibilities:"]
    for i in range(size):
        lines += [
            f"  - slug: r{i}",
            f"    title: R {i}",
            "    cadence: weekly",
            f"    kpis: [k{i}]",
            "    assignments:",
            f"      - {{contributor: p{i}@acme.test, role: accountable, hours: 1}}",
        ]
    lines += ["objectives:"]
    for i in range(size):
        lines += [
            f"  - {{slug: o{i}, title: O {i}, kpi: k{i}, baseline: 0, target: 10,",
            f"     goals: [{{kpi: k{(i + 1) % size}, target: 5}}],",
            f"     tactics: [{{slug: t{i}, title: T {i}, responsibility: r{i}}}]}}",
        ]
    return "\n".join(lines) + "\n"


@contextmanager
def counting(engine: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_each_read_runs_a_fixed_number_of_statements_whatever_the_team_size(
    ark: Ark, new_db: Any
) -> None:
    counts = []
    for size in (3, 60):
        url = registry_of(ark, new_db(), size)
        ark("tasks", "plan", "--from", "2026-03-02", "--until", "2026-03-15", "--db", url)
        engine = open_engine(url)
        with transaction(engine) as reg:
            for i in range(size):
                reg.record_kpi(f"k{i}", 3)
            reg.set_links("jira", {f"r{i}/2026-W10": (f"ARK-{i}", {}) for i in range(size)})
        with transaction(engine, write=False) as reg:
            reg.session.connection()  # the transaction's own statements are not the reads'
            with counting(engine) as seen:
                pages = _everything(reg.read)
        totals = [getattr(page, "total", None) for page in pages]
        counts.append((len(seen), totals[0], totals[9], totals[-5:]))
        engine.dispose()
    # 28 reads: two each, three for each kpis(); people; measured goals; one KPI, one task,
    # the due tasks, what Jira mirrors (each responsibility's two weeks and its tactic,
    # undated), links
    assert counts == [(58, 3, 6, [1, 1, 6, 9, 3]), (58, 60, 120, [1, 1, 120, 180, 60])]


def test_tasks_read_with_their_links(ark: Ark, team: Path) -> None:
    ark("tasks", "plan", "--from", "2026-03-02", "--until", "2026-03-15")
    with transaction(open_engine(ark.db_url)) as reg:
        reg.link_task("listening/2026-W10", "jira", "ARK-7", {})
    page = read(ark.db_url, lambda q: q.tasks(responsibility="listening", linked_to="jira"))
    assert [(t.key, t.assignee, t.due, t.external_key) for t in page.items] == [
        ("listening/2026-W10", "bruno@acme.test", dt.date(2026, 3, 8), "ARK-7"),
        ("listening/2026-W11", "bruno@acme.test", dt.date(2026, 3, 15), None),
    ]
    due = read(
        ark.db_url, lambda q: q.tasks(due_by=dt.date(2026, 3, 8), assignee="Bruno@acme.test")
    )
    assert [t.key for t in due.items] == ["listening/2026-W10"]
    assert read(ark.db_url, lambda q: q.tasks(status="done")).total == 0


def test_what_jira_mirrors_and_the_links_written_by_task_key(ark: Ark, team: Path) -> None:
    ark("tasks", "plan", "--from", "2026-03-02", "--until", "2026-03-15")
    ark("tasks", "set", "listening/2026-W10", "done")
    ark("tasks", "set", "listening/2026-W11", "done")
    with transaction(open_engine(ark.db_url)) as reg:
        reg.link_task("listening/2026-W11", "jira", "ARK-7", {"status": "done"})
        reg.link_pending("jira", {"kpi-report/2026-03": {"marker": "m"}})
        with pytest.raises(NotFound, match="no task 'nope'"):
            reg.set_links("jira", {"nope": ("ARK-9", {})})
    mirrored = {t.key: t for t in read(ark.db_url, lambda q: q.mirrored_tasks("jira")).items}
    open_tasks = read(ark.db_url, lambda q: q.tasks(open_only=True)).items
    # every open task, and a done one only while it has an issue
    assert set(mirrored) == {t.key for t in open_tasks} | {"listening/2026-W11"}
    done = mirrored["listening/2026-W11"]
    assert (done.status, done.responsibility_title, done.department, done.assignee) == (
        "done",
        "Social listening",
        "marketing",
        "bruno@acme.test",
    )
    assert read(ark.db_url, lambda q: q.links("jira")).items == (
        TaskLinkRow("kpi-report/2026-03", None, {"marker": "m"}),
        TaskLinkRow("listening/2026-W11", "ARK-7", {"status": "done"}),
    )
    log = read(ark.db_url, lambda q: q.audit_log(entity="task", action="link")).items
    assert [(e.key, e.after) for e in log] == [
        ("listening/2026-W11", {"system": "jira", "key": "ARK-7"})
    ]


def test_show_history_and_tasks_list_word_what_they_do_not_find(ark: Ark, team: Path) -> None:
    assert "no responsibility 'nope'" in ark("history", "nope", code=1).output
    assert (
        "no responsibility 'nope'"
        in ark("tasks", "list", "--responsibility", "nope", code=1).output
    )
    assert "no contributor 'x@y.z'" in ark("tasks", "list", "--assignee", "X@y.z", code=1).output
    assert ark.json("show", " Bruno@ACME.test")["email"] == "bruno@acme.test"


def test_not_found_hints_point_to_the_lists(ark: Ark, team: Path) -> None:
    assert "see `ark responsibilities`" in ark("who", "nope", code=1).output
    assert "see `ark people --search x`" in ark("show", "x@y.z", code=1).output
    assert "see `ark kpis`" in ark("kpi", "record", "nope", "1", code=1).output
