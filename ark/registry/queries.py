"""The read API: lists of people, responsibilities, KPIs and the audit log, sized for pages.

Filters, paging and counts happen in SQL, and every call runs a fixed number of statements
(one count, one page) whatever the team's size. The SQL is plain and portable (SQLite and
PostgreSQL), run through the database driver alone: a list command answers without importing
SQLAlchemy's ORM, which costs more than the answer (see `ark.quick`). Inside a transaction the
same `Queries` runs on the transaction's own connection (`Registry.read`), so a plugin sees
the changes it is reacting to.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from ark.progress import progress
from ark.registry.results import (
    AssignmentRow,
    AuditEntry,
    CalendarRow,
    ChannelRow,
    DepartmentRow,
    GoalRow,
    HeldRole,
    KpiRow,
    LastChange,
    MirroredTask,
    ObjectiveRow,
    Page,
    PersonRow,
    ProcessRow,
    ReadingRow,
    ResponsibilityRow,
    SegmentRow,
    StrategyRow,
    TacticRow,
    TaskLinkRow,
    TaskRow,
)
from ark.spec import STRATEGY_KEYS, StrategySpec
from ark.text import normal_email
from ark.vocabulary import Direction

T = TypeVar("T")
Run = Callable[[str, Sequence[Any]], Sequence[Sequence[Any]]]

# Each row's aggregates are correlated subqueries on the current-assignment indexes: worked
# out for the rows of the page only, not grouped over every assignment of the team first.
PEOPLE = "FROM contributor c JOIN department d ON d.id = c.department_id"
CURRENT_OF_PERSON = "FROM assignment a WHERE a.contributor_id = c.id AND a.valid_to IS NULL"
HOURS = f"(SELECT COALESCE(SUM(a.hours), 0) {CURRENT_OF_PERSON})"
ROLES = f"(SELECT COUNT(*) {CURRENT_OF_PERSON})"
RESPONSIBILITIES = "FROM responsibility r LEFT JOIN department d ON d.id = r.department_id"
CURRENT_OF_RESPONSIBILITY = (
    "FROM assignment a WHERE a.responsibility_id = r.id AND a.valid_to IS NULL"
)
ACCOUNTABLE = (
    "(SELECT MIN(ac.email) FROM assignment a JOIN contributor ac ON ac.id = a.contributor_id "
    "WHERE a.responsibility_id = r.id AND a.valid_to IS NULL AND a.role = 'accountable')"
)
HOLDERS = f"(SELECT COUNT(DISTINCT a.contributor_id) {CURRENT_OF_RESPONSIBILITY})"
HELD_HOURS = f"(SELECT COALESCE(SUM(a.hours), 0) {CURRENT_OF_RESPONSIBILITY})"
KPIS = """
FROM kpi k
LEFT JOIN (
    SELECT kpi_id, MAX(date) AS date, COUNT(*) AS readings FROM measurement GROUP BY kpi_id
) last ON last.kpi_id = k.id
LEFT JOIN measurement m ON m.kpi_id = k.id AND m.date = last.date
LEFT JOIN (
    SELECT u.kpi_id, COUNT(DISTINCT u.objective_id) AS objectives FROM (
        SELECT kpi_id, id AS objective_id FROM objective WHERE NOT archived
        UNION ALL
        SELECT g.kpi_id, g.objective_id FROM objective_goal g
        JOIN objective ob ON ob.id = g.objective_id WHERE NOT ob.archived
    ) u GROUP BY u.kpi_id
) o ON o.kpi_id = k.id
"""

# Every measured goal of the live objectives: each objective's own KPI (position -1, no
# title), then its measured goals (a goal with no deadline of its own has its objective's),
# each with its KPI's latest reading.
GOALS = """
FROM (
    SELECT o.id AS objective_id, -1 AS position, o.slug AS objective, '' AS title, o.kpi_id,
        o.baseline, o.target, o.deadline
    FROM objective o WHERE NOT o.archived AND o.kpi_id IS NOT NULL
    UNION ALL
    SELECT o.id, g.position, o.slug, g.title, g.kpi_id, g.baseline, g.target,
        COALESCE(g.deadline, o.deadline)
    FROM objective_goal g JOIN objective o ON o.id = g.objective_id WHERE NOT o.archived
) x
JOIN kpi k ON k.id = x.kpi_id
LEFT JOIN (SELECT kpi_id, MAX(date) AS date FROM measurement GROUP BY kpi_id) last
    ON last.kpi_id = k.id
LEFT JOIN measurement m ON m.kpi_id = k.id AND m.date = last.date
"""
GOAL_COLUMNS = (
    "x.objective, x.title, k.slug, k.name, k.unit, k.direction, x.baseline, x.target, "
    "x.deadline, last.date, m.value"
)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _goal(row: Sequence[Any]) -> GoalRow:
    baseline, target, latest = _number(row[6]), _number(row[7]), _number(row[10])
    return GoalRow(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        baseline,
        target,
        _date(row[8]),
        _date(row[9]),
        latest,
        progress(baseline, target, latest, Direction(row[5])),
    )


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own wildcards taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _moment(value: Any) -> dt.datetime:
    """A stored timestamp as an aware datetime (SQLite keeps UTC as text without a zone)."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _json(value: Any) -> Any:
    """A JSON column: text on SQLite, already decoded on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def _within(column: str, values: Sequence[Any]) -> str:
    """`column IN (?, ...)` for these values; false for none."""
    return f"{column} IN ({', '.join('?' * len(values))})" if values else "1 = 0"


class _Where:
    """WHERE clauses and their parameters, built up filter by filter."""

    def __init__(self, *always: str) -> None:
        self.clauses = list(always)
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def __str__(self) -> str:
        return "WHERE " + " AND ".join(self.clauses) if self.clauses else ""


class Queries:
    """Reads of the registry, each returning a `Page` of frozen dataclasses.

    Get one from `Registry.read` inside a transaction (a hook's `registry`), or with
    `ark.clihelpers.reading(db_url)` in a command. `limit=None` returns every match.
    """

    def __init__(self, run: Run, marker: str, dialect: str) -> None:
        self._run = run
        self._marker = marker
        self._dialect = dialect

    @classmethod
    def over_connection(cls, connection: Any, marker: str) -> Queries:
        """Queries over a DB-API connection (from `connect`)."""

        def run(sql: str, params: Sequence[Any]) -> Sequence[Sequence[Any]]:
            return list(connection.execute(sql, tuple(params)).fetchall())

        return cls(run, marker, "sqlite" if marker == "?" else "postgresql")

    def _page(
        self,
        columns: str,
        source: str,
        where: _Where,
        order: str,
        offset: int,
        limit: int | None,
        build: Callable[[Sequence[Any]], T],
    ) -> Page[T]:
        """One count and one page of rows; the count alone for `limit=0`."""
        total = self._select(f"SELECT COUNT(*) {source} {where}", where.params)[0][0]
        if limit == 0:  # the count alone
            return Page((), int(total), offset, limit)
        paging, params = "", list(where.params)
        if limit is not None:
            paging, params = "LIMIT ? OFFSET ?", [*params, limit, offset]
        elif offset:
            paging = "LIMIT -1 OFFSET ?" if self._dialect == "sqlite" else "OFFSET ?"
            params.append(offset)
        rows = self._select(f"SELECT {columns} {source} {where} ORDER BY {order} {paging}", params)
        return Page(tuple(build(row) for row in rows), int(total), offset, limit)

    def _select(self, sql: str, params: Sequence[Any]) -> Sequence[Sequence[Any]]:
        return self._run(sql.replace("?", self._marker), params)

    def people(
        self,
        *,
        email: str | None = None,
        department: str | None = None,
        responsibility: str | None = None,
        search: str | None = None,
        over_capacity: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> Page[PersonRow]:
        """Current contributors by e-mail; `email` keeps that one, `responsibility` those
        holding a role on it, `search` matches e-mail or name, `over_capacity` those assigned
        more than they have."""
        where = _Where("NOT c.archived")
        if email is not None:
            where.add("c.email = ?", normal_email(email))
        if department is not None:
            where.add("d.slug = ?", department)
        if responsibility is not None:
            where.add(
                "EXISTS (SELECT 1 FROM assignment a JOIN responsibility r "
                "ON r.id = a.responsibility_id WHERE a.contributor_id = c.id "
                "AND a.valid_to IS NULL AND r.slug = ?)",
                responsibility,
            )
        if search:
            where.add(
                "(lower(c.email) LIKE ? ESCAPE '\\' OR lower(c.name) LIKE ? ESCAPE '\\')",
                _like(search),
                _like(search),
            )
        if over_capacity:
            where.add(f"{HOURS} > c.capacity")
        return self._page(
            f"c.email, c.name, d.slug, c.capacity, c.jira_user, {HOURS}, {ROLES}",
            PEOPLE,
            where,
            "c.email",
            offset,
            limit,
            lambda row: PersonRow(
                row[0], row[1], row[2], float(row[3]), row[4], float(row[5]), int(row[6])
            ),
        )

    def responsibilities(
        self,
        *,
        slug: str | None = None,
        department: str | None = None,
        component: str | None = None,
        cadence: str | None = None,
        person: str | None = None,
        unowned: bool = False,
        search: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Page[ResponsibilityRow]:
        """Current responsibilities by slug; `slug` keeps that one, `person` those the e-mail
        holds a role on, `unowned` those with no accountable person, `search` matches slug or
        title."""
        where = _Where("NOT r.archived")
        if slug is not None:
            where.add("r.slug = ?", slug)
        if department is not None:
            where.add("d.slug = ?", department)
        if component is not None:
            where.add("r.component = ?", component)
        if cadence is not None:
            where.add("r.cadence = ?", cadence)
        if person is not None:
            where.add(
                "EXISTS (SELECT 1 FROM assignment a JOIN contributor c "
                "ON c.id = a.contributor_id WHERE a.responsibility_id = r.id "
                "AND a.valid_to IS NULL AND c.email = ?)",
                normal_email(person),
            )
        if unowned:
            where.add(f"{ACCOUNTABLE} IS NULL")
        if search:
            where.add(
                "(lower(r.slug) LIKE ? ESCAPE '\\' OR lower(r.title) LIKE ? ESCAPE '\\')",
                _like(search),
                _like(search),
            )
        return self._page(
            f"r.slug, r.title, r.component, r.cadence, d.slug, {ACCOUNTABLE}, {HOLDERS}, "
            f"{HELD_HOURS}, r.kpis, r.description",
            RESPONSIBILITIES,
            where,
            "r.slug",
            offset,
            limit,
            lambda row: ResponsibilityRow(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                int(row[6]),
                float(row[7]),
                tuple(_json(row[8]) or ()),
                row[9],
            ),
        )

    def assignments(
        self,
        *,
        responsibility: str | None = None,
        person: str | None = None,
        role: str | None = None,
        history: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> Page[AssignmentRow]:
        """Current assignments by responsibility, role, then start; filters keep one
        responsibility's, one person's (an e-mail), or one role's. `history` gives ended
        ones too, by start: who held what, from when to when."""
        where = _Where() if history else _Where("a.valid_to IS NULL")
        if responsibility is not None:
            where.add("r.slug = ?", responsibility)
        if person is not None:
            where.add("c.email = ?", normal_email(person))
        if role is not None:
            where.add("a.role = ?", role)
        return self._page(
            "r.slug, c.email, c.name, a.role, a.hours, a.valid_from, a.valid_to",
            "FROM assignment a JOIN responsibility r ON r.id = a.responsibility_id "
            "JOIN contributor c ON c.id = a.contributor_id",
            where,
            "a.valid_from, a.id" if history else "r.slug, a.role, a.id",
            offset,
            limit,
            lambda row: AssignmentRow(
                row[0],
                row[1],
                row[2],
                row[3],
                float(row[4]),
                _date(row[5]) or dt.date.min,
                _date(row[6]),
            ),
        )

    def objectives(
        self, *, kpi: str | None = None, offset: int = 0, limit: int | None = None
    ) -> Page[ObjectiveRow]:
        """Current objectives in the team file's order; `kpi` keeps those it measures."""
        where = _Where("NOT o.archived")
        if kpi is not None:
            where.add("k.slug = ?", kpi)
        return self._page(
            "o.slug, o.title, k.slug, o.baseline, o.target, o.deadline, r.slug, o.goals, "
            "o.strategies",
            "FROM objective o LEFT JOIN kpi k ON k.id = o.kpi_id "
            "LEFT JOIN responsibility r ON r.id = o.responsibility_id",
            where,
            "o.id",
            offset,
            limit,
            lambda row: ObjectiveRow(
                row[0],
                row[1],
                row[2],
                None if row[3] is None else float(row[3]),
                None if row[4] is None else float(row[4]),
                _date(row[5]),
                row[6],
                tuple(_json(row[7]) or ()),
                tuple(_json(row[8]) or ()),
            ),
        )

    def tactics(
        self, *, objective: str | None = None, offset: int = 0, limit: int | None = None
    ) -> Page[TacticRow]:
        """The tactics of current objectives, in the team file's order; `objective` keeps
        one objective's."""
        where = _Where("NOT o.archived")
        if objective is not None:
            where.add("o.slug = ?", objective)
        return self._page(
            "o.slug, t.slug, t.title, t.due, r.slug",
            "FROM tactic t JOIN objective o ON o.id = t.objective_id "
            "LEFT JOIN responsibility r ON r.id = t.responsibility_id",
            where,
            "o.id, t.position, t.id",
            offset,
            limit,
            lambda row: TacticRow(row[0], row[1], row[2], _date(row[3]), row[4]),
        )

    def readings(
        self, *, kpis: Sequence[str] | None = None, offset: int = 0, limit: int | None = None
    ) -> Page[ReadingRow]:
        """The readings of current KPIs, by KPI then date; `kpis` keeps these KPIs'."""
        where = _Where("NOT k.archived")
        if kpis is not None:
            where.add(_within("k.slug", kpis), *kpis)
        return self._page(
            "k.slug, m.date, m.value",
            "FROM measurement m JOIN kpi k ON k.id = m.kpi_id",
            where,
            "k.slug, m.date, m.id",
            offset,
            limit,
            lambda row: ReadingRow(row[0], _date(row[1]) or dt.date.min, float(row[2])),
        )

    def kpis(
        self,
        *,
        slug: str | None = None,
        search: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Page[KpiRow]:
        """Current KPIs by slug with their latest reading and their progress towards the
        first goal they measure; `slug` keeps that one, `search` matches slug or name. A
        third statement reads the goals of the page's KPIs."""
        where = _Where("NOT k.archived")
        if slug is not None:
            where.add("k.slug = ?", slug)
        if search:
            where.add(
                "(lower(k.slug) LIKE ? ESCAPE '\\' OR lower(k.name) LIKE ? ESCAPE '\\')",
                _like(search),
                _like(search),
            )
        page = self._page(
            "k.slug, k.name, k.unit, k.description, k.direction, last.date, m.value, "
            "COALESCE(last.readings, 0), COALESCE(o.objectives, 0)",
            KPIS,
            where,
            "k.slug",
            offset,
            limit,
            lambda row: KpiRow(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                _date(row[5]),
                None if row[6] is None else float(row[6]),
                int(row[7]),
                int(row[8]),
            ),
        )
        if not page.items:
            return page
        slugs = [k.slug for k in page.items]
        first: dict[str, GoalRow] = {}
        for row in self._select(
            f"SELECT {GOAL_COLUMNS} {GOALS} WHERE {_within('k.slug', slugs)} "
            "ORDER BY x.objective_id, x.position",
            slugs,
        ):
            goal = _goal(row)
            first.setdefault(goal.kpi, goal)
        items = tuple(
            replace(
                k,
                baseline=first[k.slug].baseline,
                target=first[k.slug].target,
                deadline=first[k.slug].deadline,
                progress=first[k.slug].progress,
            )
            if k.slug in first
            else k
            for k in page.items
        )
        return replace(page, items=items)

    def goals(
        self,
        *,
        objective: str | None = None,
        kpi: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Page[GoalRow]:
        """The measured goals of the current objectives, each objective's own KPI first,
        with their progress; `objective` and `kpi` keep one objective's, one KPI's."""
        where = _Where()
        if objective is not None:
            where.add("x.objective = ?", objective)
        if kpi is not None:
            where.add("k.slug = ?", kpi)
        return self._page(
            GOAL_COLUMNS, GOALS, where, "x.objective_id, x.position", offset, limit, _goal
        )

    def tasks(
        self,
        *,
        status: str | None = None,
        responsibility: str | None = None,
        assignee: str | None = None,
        due_by: dt.date | None = None,
        due_from: dt.date | None = None,
        open_only: bool = False,
        key: str | None = None,
        linked_to: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Page[TaskRow]:
        """Tasks by due date then key; `due_by` keeps those due on or before the day,
        `due_from` on or after it, `open_only` those not done, `key` that one task;
        `linked_to` (a system, `jira`) fills each task's `external_key` there, if any."""
        where = _Where()
        source = (
            "FROM task t JOIN responsibility r ON r.id = t.responsibility_id "
            "LEFT JOIN contributor c ON c.id = t.assignee_id "
            "LEFT JOIN task_link l ON l.task_id = t.id AND l.system = ?"
        )
        where.params.append(linked_to)  # the join's parameter comes first
        if status is not None:
            where.add("t.status = ?", status)
        if responsibility is not None:
            where.add("r.slug = ?", responsibility)
        if assignee is not None:
            where.add("c.email = ?", normal_email(assignee))
        if due_by is not None:
            where.add("t.due <= ?", self._day(due_by))
        if due_from is not None:
            where.add("t.due >= ?", self._day(due_from))
        if open_only:
            where.add("t.status <> 'done'")
        if key is not None:
            where.add("t.key = ?", key)
        return self._page(
            "t.key, t.title, r.slug, t.status, c.email, t.due, t.period, l.external_key, c.name",
            source,
            where,
            "t.due IS NULL, t.due, t.key",  # undated last, on both backends
            offset,
            limit,
            lambda row: TaskRow(
                row[0], row[1], row[2], row[3], row[4], _date(row[5]), row[6], row[7], row[8]
            ),
        )

    def mirrored_tasks(
        self, system: str, *, offset: int = 0, limit: int | None = None
    ) -> Page[MirroredTask]:
        """What another system (`jira`) mirrors: every open task and every task already linked
        there, in the order they were planned (so its copies are numbered in that order)."""
        where = _Where()
        where.add(
            "(t.status <> 'done' OR EXISTS (SELECT 1 FROM task_link l "
            "WHERE l.task_id = t.id AND l.system = ?))",
            system,
        )
        return self._page(
            "t.key, t.title, t.status, t.due, r.slug, r.title, d.slug, d.name, c.email, "
            "c.jira_user, t.note",
            "FROM task t JOIN responsibility r ON r.id = t.responsibility_id "
            "LEFT JOIN department d ON d.id = r.department_id "
            "LEFT JOIN contributor c ON c.id = t.assignee_id",
            where,
            "t.id",
            offset,
            limit,
            lambda row: MirroredTask(
                row[0],
                row[1],
                row[2],
                _date(row[3]),
                row[4],
                row[5],
                row[6],
                row[7],
                row[8],
                row[9],
                row[10],
            ),
        )

    def links(
        self,
        system: str,
        *,
        tasks: Sequence[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Page[TaskLinkRow]:
        """Tasks' links to another system (`jira`) by task key; `tasks` keeps these tasks'."""
        where = _Where("l.system = ?")
        where.params.append(system)
        if tasks is not None:
            where.add(_within("t.key", tasks), *tasks)
        return self._page(
            "t.key, l.external_key, l.data",
            "FROM task_link l JOIN task t ON t.id = l.task_id",
            where,
            "t.key",
            offset,
            limit,
            lambda row: TaskLinkRow(row[0], row[1], dict(_json(row[2]) or {})),
        )

    def processes(
        self,
        *,
        slug: str | None = None,
        responsibility: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Page[ProcessRow]:
        """Current documented processes by slug; filters keep one, or one responsibility's."""
        where = _Where("NOT p.archived")
        if slug is not None:
            where.add("p.slug = ?", slug)
        if responsibility is not None:
            where.add("r.slug = ?", responsibility)
        return self._page(
            "p.slug, p.title, r.slug, r.title, r.cadence, p.review_months, p.revision, p.data, "
            "p.created_at, p.changed_at, p.last_reviewed_by, p.last_reviewed_on",
            "FROM process p JOIN responsibility r ON r.id = p.responsibility_id",
            where,
            "p.slug",
            offset,
            limit,
            lambda row: ProcessRow(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                int(row[5]),
                int(row[6]),
                _json(row[7]) or {},
                _moment(row[8]),
                _moment(row[9]),
                row[10],
                _date(row[11]),
            ),
        )

    def audit_log(
        self,
        *,
        person: str | None = None,
        actor: str | None = None,
        entity: str | None = None,
        key: str | None = None,
        action: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Page[AuditEntry]:
        """Audit records, newest first. `person` keeps changes made by or made to that
        e-mail (their contributor record, their assignments); `key` matches an entity key or
        its start (`listening` finds `listening/ana@acme.com/accountable`); `since` and
        `until` are days, both included."""
        where = _Where()
        if person is not None:
            email = normal_email(person)
            where.add(
                "(a.actor = ? OR a.entity_key = ? OR a.entity_key LIKE ? ESCAPE '\\')",
                email,
                email,
                "%/" + _like(email).strip("%") + "/%",
            )
        if actor is not None:
            where.add("a.actor = ?", actor)
        if entity is not None:
            where.add("a.entity = ?", entity)
        if key is not None:
            escaped = _like(key).strip("%")
            where.add("(a.entity_key = ? OR a.entity_key LIKE ? ESCAPE '\\')", key, escaped + "/%")
        if action is not None:
            where.add("a.action = ?", action)
        if since is not None:
            where.add("a.at >= ?", self._day_start(since))
        if until is not None:
            where.add("a.at < ?", self._day_start(until + dt.timedelta(days=1)))
        return self._page(
            "a.id, a.at, a.actor, a.action, a.entity, a.entity_key, a.before, a.after",
            "FROM audit a",
            where,
            "a.id DESC",
            offset,
            limit,
            lambda row: AuditEntry(
                int(row[0]),
                _moment(row[1]),
                row[2],
                row[3],
                row[4],
                row[5],
                _json(row[6]),
                _json(row[7]),
            ),
        )

    def last_changes(self, *, offset: int = 0, limit: int | None = None) -> Page[LastChange]:
        """When each thing last changed (the newest audit record of each entity and key), by
        entity and key: what a page that shows those things says as its date, read in one
        pass however long the log."""
        return self._page(
            "c.entity, c.entity_key, c.at",
            "FROM (SELECT entity, entity_key, MAX(at) AS at FROM audit "
            "GROUP BY entity, entity_key) c",
            _Where(),
            "c.entity, c.entity_key",
            offset,
            limit,
            lambda row: LastChange(row[0], row[1], _moment(row[2])),
        )

    def calendar(
        self,
        *,
        start: dt.date | None = None,
        until: dt.date | None = None,
        department: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Page[CalendarRow]:
        """The editorial calendar by date; `start` and `until` keep the pieces published
        on or after, on or before these days, `department` those it contributes."""
        where = _Where()
        if start is not None:
            where.add("e.date >= ?", self._day(start))
        if until is not None:
            where.add("e.date <= ?", self._day(until))
        if department is not None:
            where.add("d.slug = ?", department)
        return self._page(
            "e.id, e.date, e.topic, ch.slug, d.slug, c.email, e.draft_due, e.status, ch.name, "
            "d.name, c.name",
            "FROM calendar_entry e LEFT JOIN channel ch ON ch.id = e.channel_id "
            "LEFT JOIN department d ON d.id = e.department_id "
            "LEFT JOIN contributor c ON c.id = e.contributor_id",
            where,
            "e.date, e.id",
            offset,
            limit,
            lambda row: CalendarRow(
                int(row[0]),
                _date(row[1]) or dt.date.min,
                row[2],
                row[3],
                row[4],
                row[5],
                _date(row[6]),
                row[7],
                row[8],
                row[9],
                row[10],
            ),
        )

    def departments(self) -> Page[DepartmentRow]:
        """Current departments by name."""
        return self._page(
            "d.slug, d.name, d.description",
            "FROM department d",
            _Where("NOT d.archived"),
            "d.name",
            0,
            None,
            lambda row: DepartmentRow(row[0], row[1], row[2]),
        )

    def strategy(self) -> StrategyRow:
        """The strategy's settings, and its owner's name (two statements)."""
        keys = list(STRATEGY_KEYS)
        # A JSON string is text to decode on SQLite (where a bare number comes back as a
        # number: the column's affinity is NUMERIC), and already decoded on PostgreSQL.
        decode = _json if self._dialect == "sqlite" else (lambda value: value)
        values = {
            key: decode(value)
            for key, value in self._select(
                f"SELECT s.key, s.value FROM setting s WHERE {_within('s.key', keys)}", keys
            )
        }
        spec = StrategySpec.from_settings(values)
        owner_name = None
        if spec.owner:
            found = self._select(
                "SELECT c.name FROM contributor c WHERE c.email = ? AND NOT c.archived",
                [spec.owner],
            )
            owner_name = found[0][0] if found else None
        return StrategyRow(
            spec.name,
            spec.lang,
            spec.business_type,
            spec.direction,
            spec.differentiation,
            spec.owner,
            owner_name,
            spec.start,
        )

    def audience(self, *, offset: int = 0, limit: int | None = None) -> Page[SegmentRow]:
        """The target audience's current segments, in the team file's order."""
        return self._page(
            'a.slug, a.name, a.description, a.participation, a."where"',
            "FROM audience_segment a",
            _Where("NOT a.archived"),
            "a.id",
            offset,
            limit,
            lambda row: SegmentRow(
                row[0], row[1], row[2], tuple(_json(row[3]) or ()), tuple(_json(row[4]) or ())
            ),
        )

    def channels(
        self, *, kind: str | None = None, offset: int = 0, limit: int | None = None
    ) -> Page[ChannelRow]:
        """The social ecosystem's current channels, in the team file's order, with their
        owners; `kind` keeps the networks, communities, profiles or platforms."""
        where = _Where("NOT ch.archived")
        if kind is not None:
            where.add("ch.kind = ?", kind)
        return self._page(
            "ch.slug, ch.name, ch.kind, ch.purpose, ch.value, c.email, c.name, ch.objectives",
            "FROM channel ch LEFT JOIN contributor c ON c.id = ch.owner_id",
            where,
            "ch.id",
            offset,
            limit,
            lambda row: ChannelRow(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                row[6],
                tuple(_json(row[7]) or ()),
            ),
        )

    def held_roles(
        self,
        *,
        responsibilities: Sequence[str] | None = None,
        people: Sequence[str] | None = None,
    ) -> Page[HeldRole]:
        """The current roles of these people on these responsibilities (a page of a RACI
        matrix; None: everyone, every responsibility), whatever the team's size."""
        where = _Where("a.valid_to IS NULL")
        for column, values in (("r.slug", responsibilities), ("c.email", people)):
            if values is not None:
                where.add(_within(column, values), *values)
        return self._page(
            "r.slug, c.email, a.role, a.hours, a.valid_from",
            "FROM assignment a JOIN responsibility r ON r.id = a.responsibility_id "
            "JOIN contributor c ON c.id = a.contributor_id",
            where,
            "r.slug, c.email, a.role",
            0,
            None,
            lambda row: HeldRole(row[0], row[1], row[2], float(row[3]), _date(row[4])),
        )

    def _day(self, day: dt.date) -> Any:
        """A day as the backend compares it with a date column (SQLite keeps dates as text)."""
        return day.isoformat() if self._dialect == "sqlite" else day

    def _day_start(self, day: dt.date) -> Any:
        """Midnight UTC of `day` as the backend compares it (SQLite keeps timestamps as text)."""
        start = dt.datetime.combine(day, dt.time(), dt.UTC)
        return start.strftime("%Y-%m-%d") if self._dialect == "sqlite" else start
