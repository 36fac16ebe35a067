"""The registry service: the only code that writes to the database.

Every change goes through a `Registry` bound to one transaction; each change leaves one audit
record and fires the matching hook *inside* the transaction, so a plugin reacting to an event
(the playbook logging a completed task, say) commits or rolls back together with it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ark.db import session_scope
from ark.errors import Conflict, NotFound
from ark.models import (
    Assignment,
    AuditRecord,
    Contributor,
    Department,
    Kpi,
    Measurement,
    Objective,
    Responsibility,
    Setting,
    Tactic,
    Task,
    TaskLink,
)
from ark.periods import periods
from ark.plan import Change, Plan, diff
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
from ark.vocabulary import Cadence, Role, TaskStatus

SECTION_PREFIX = "section."
STATE_PREFIX = "state."
STRATEGY_KEYS = (
    "name",
    "business_type",
    "lang",
    "direction",
    "min_weekly_hours",
    "expected_departments",
)


def current_actor() -> str:
    """Who is making changes: `ARK_USER`, else the operating-system user."""
    return os.environ.get("ARK_USER") or getpass.getuser()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class AssignmentChange:
    """An assignment started, changed or ended; passed to `ark_assignment_changed`."""

    action: str  # "add" | "change" | "remove"
    responsibility: str
    contributor: str
    role: Role
    hours: float


@dataclass(frozen=True)
class TaskChange:
    """A task planned, reassigned or moved to another status; passed to `ark_task_changed`."""

    action: str  # "planned" | "status" | "reassigned"
    key: str
    responsibility: str
    status: TaskStatus
    assignee: str | None
    by: str
    note: str = ""


class Registry:
    """Reads and writes of the registry inside one transaction."""

    def __init__(self, session: Session, *, hook: Any = None, actor: str | None = None) -> None:
        self.session = session
        self.hook = hook
        self.actor = actor or current_actor()
        self.today = dt.date.today()
        self._audit: list[dict[str, Any]] = []

    # -- bookkeeping -----------------------------------------------------------------------

    def audit(
        self,
        action: str,
        entity: str,
        key: str,
        before: Any,
        after: Any,
        actor: str | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        self._audit.append(
            {
                "at": at or now(),
                "actor": actor or self.actor,
                "action": action,
                "entity": entity,
                "entity_key": key,
                "before": before,
                "after": after,
            }
        )

    def flush(self) -> None:
        """Write pending audit records (in one statement) and pending ORM changes."""
        self.session.flush()
        if self._audit:
            self.session.execute(insert(AuditRecord), self._audit)
            self._audit.clear()

    def emit(self, hook_name: str, **kwargs: Any) -> None:
        """Call an event hook inside this transaction, after writing what is pending, so a
        listener sees the change and its own writes commit or roll back with it."""
        caller = None if self.hook is None else getattr(self.hook, hook_name)
        if caller is None or not caller.get_hookimpls():
            return  # nobody listens: a big apply is spared a flush per change
        self.flush()
        caller(registry=self, **kwargs)

    # -- lookups ---------------------------------------------------------------------------

    def _one(self, model: Any, column: Any, value: str, what: str, listing: str) -> Any:
        row = self.session.scalars(
            select(model).where(column == value, model.archived.is_(False))
        ).first()
        if row is None:
            raise NotFound(f"no {what} {value!r} in the registry", hint=f"see `{listing}`")
        return row

    def contributor(self, email: str) -> Contributor:
        row: Contributor = self._one(
            Contributor, Contributor.email, email.lower(), "contributor", "ark export"
        )
        return row

    def responsibility(self, slug: str) -> Responsibility:
        row: Responsibility = self._one(
            Responsibility, Responsibility.slug, slug, "responsibility", "ark export"
        )
        return row

    def kpi(self, slug: str) -> Kpi:
        row: Kpi = self._one(Kpi, Kpi.slug, slug, "KPI", "ark export")
        return row

    def strategy(self) -> StrategySpec:
        values: dict[str, Any] = dict(
            self.session.execute(
                select(Setting.key, Setting.value).where(Setting.key.in_(STRATEGY_KEYS))
            ).all()
        )
        if not values:
            return StrategySpec()
        default = StrategySpec()
        return StrategySpec(
            name=values.get("name", default.name),
            business_type=values.get("business_type"),  # None is stored as no setting
            lang=values.get("lang", default.lang),
            direction=values.get("direction", default.direction),
            min_weekly_hours=float(values.get("min_weekly_hours", default.min_weekly_hours)),
            expected_departments=tuple(values.get("expected_departments", ())),
        )

    def current_assignments(
        self,
        *,
        responsibility: Responsibility | None = None,
        contributor: Contributor | None = None,
    ) -> list[Assignment]:
        query = select(Assignment).where(Assignment.valid_to.is_(None))
        if responsibility is not None:
            query = query.where(Assignment.responsibility_id == responsibility.id)
        if contributor is not None:
            query = query.where(Assignment.contributor_id == contributor.id)
        return list(self.session.scalars(query.order_by(Assignment.role, Assignment.id)))

    def history(self, responsibility: Responsibility) -> list[Assignment]:
        query = (
            select(Assignment)
            .where(Assignment.responsibility_id == responsibility.id)
            .order_by(Assignment.valid_from, Assignment.id)
        )
        return list(self.session.scalars(query))

    # -- the team as a whole ---------------------------------------------------------------

    def snapshot(self) -> TeamSpec:
        """The registry's current state as a `TeamSpec`, in a fixed number of queries."""
        s = self.session
        departments = {d.id: d for d in s.scalars(select(Department))}
        kpi_slugs = dict(s.execute(select(Kpi.id, Kpi.slug)).all())
        responsibilities = list(
            s.scalars(
                select(Responsibility)
                .where(Responsibility.archived.is_(False))
                .order_by(Responsibility.id)
            )
        )
        slug_of = {r.id: r.slug for r in s.scalars(select(Responsibility))}
        rows = s.execute(
            select(
                Assignment.responsibility_id,
                Contributor.email,
                Assignment.role,
                Assignment.hours,
                Assignment.valid_from,
            )
            .join(Contributor, Contributor.id == Assignment.contributor_id)
            .where(Assignment.valid_to.is_(None))
            .order_by(Assignment.id)
        )
        by_responsibility: dict[int, list[AssignmentSpec]] = defaultdict(list)
        for rid, email, role, hours, since in rows:
            by_responsibility[rid].append(AssignmentSpec(email, role, hours, since))
        tactics: dict[int, list[TacticSpec]] = defaultdict(list)
        for t in s.scalars(select(Tactic).order_by(Tactic.objective_id, Tactic.position)):
            tactics[t.objective_id].append(
                TacticSpec(t.slug, t.title, t.due, slug_of.get(t.responsibility_id or 0))
            )
        contributors = s.execute(
            select(
                Contributor.email,
                Contributor.name,
                Contributor.department_id,
                Contributor.capacity,
                Contributor.jira_user,
            )
            .where(Contributor.archived.is_(False))
            .order_by(Contributor.id)
        )
        return TeamSpec(
            strategy=self.strategy(),
            sections=self.sections(),
            departments=tuple(
                DepartmentSpec(d.slug, d.name, d.description)
                for d in departments.values()
                if not d.archived
            ),
            contributors=tuple(
                ContributorSpec(email, name, departments[dep].slug, cap, jira)
                for email, name, dep, cap, jira in contributors
            ),
            kpis=tuple(
                KpiSpec(k.slug, k.name, k.unit, k.description)
                for k in s.scalars(select(Kpi).where(Kpi.archived.is_(False)).order_by(Kpi.id))
            ),
            responsibilities=tuple(
                ResponsibilitySpec(
                    r.slug,
                    r.title,
                    r.description,
                    r.component,
                    r.cadence,
                    r.task_title,
                    departments[r.department_id].slug if r.department_id else None,
                    tuple(r.kpis),
                    tuple(by_responsibility[r.id]),
                )
                for r in responsibilities
            ),
            objectives=tuple(
                ObjectiveSpec(
                    o.slug,
                    o.title,
                    kpi_slugs.get(o.kpi_id or 0),
                    o.baseline,
                    o.target,
                    o.deadline,
                    slug_of.get(o.responsibility_id or 0),
                    tuple(o.goals),
                    tuple(o.strategies),
                    tuple(tactics[o.id]),
                )
                for o in s.scalars(
                    select(Objective).where(Objective.archived.is_(False)).order_by(Objective.id)
                )
            ),
        )

    def plan(self, desired: TeamSpec) -> Plan:
        return diff(self.snapshot(), desired)

    def apply(self, desired: TeamSpec) -> Plan:
        """Make the registry match `desired`; returns what was changed."""
        plan = self.plan(desired)
        if not plan:
            return plan
        for change in plan.of("strategy", "change"):
            self._set_strategy(change.spec)
        for change in plan.changes:
            if change.entity == "section":
                self._put_setting(SECTION_PREFIX + change.key, change.after)
        self._upsert(
            Department,
            "slug",
            plan.of("department", "add") + plan.of("department", "change"),
            lambda d, ids: {"name": d.name, "description": d.description},
        )
        self._upsert(
            Kpi,
            "slug",
            plan.of("kpi", "add") + plan.of("kpi", "change"),
            lambda k, ids: {"name": k.name, "unit": k.unit, "description": k.description},
        )
        department_ids = self._ids(Department, "slug")
        self._upsert(
            Contributor,
            "email",
            plan.of("contributor", "add") + plan.of("contributor", "change"),
            lambda c, ids: {
                "name": c.name,
                "department_id": department_ids[c.department],
                "capacity": c.capacity,
                "jira_user": c.jira_user,
            },
        )
        self._upsert(
            Responsibility,
            "slug",
            plan.of("responsibility", "add") + plan.of("responsibility", "change"),
            lambda r, ids: {
                "title": r.title,
                "description": r.description,
                "component": r.component,
                "cadence": r.cadence,
                "task_title": r.task,
                "kpis": list(r.kpis),
                "department_id": department_ids.get(r.department or ""),
            },
        )
        contributor_ids = self._ids(Contributor, "email")
        responsibility_ids = self._ids(Responsibility, "slug")
        removed = plan.of("assignment", "remove")
        self._end_assignments(
            [
                (responsibility_ids[slug], contributor_ids[a.contributor], a.role)
                for slug, a in (c.spec for c in removed)
            ]
        )
        for change in plan.of("assignment", "change"):
            slug, a = change.spec
            self.session.execute(
                update(Assignment)
                .where(
                    Assignment.responsibility_id == responsibility_ids[slug],
                    Assignment.contributor_id == contributor_ids[a.contributor],
                    Assignment.role == a.role,
                    Assignment.valid_to.is_(None),
                )
                .values(hours=a.hours, valid_from=a.since or self.today)
            )
        added = plan.of("assignment", "add")
        if added:
            self.session.execute(
                insert(Assignment),
                [
                    {
                        "contributor_id": contributor_ids[a.contributor],
                        "responsibility_id": responsibility_ids[slug],
                        "role": a.role,
                        "hours": a.hours,
                        "valid_from": a.since or self.today,
                    }
                    for slug, a in (c.spec for c in added)
                ],
            )
        kpi_ids = self._ids(Kpi, "slug")
        for change in plan.of("objective", "add") + plan.of("objective", "change"):
            self._put_objective(change.spec, kpi_ids, responsibility_ids)
        for entity, model, column in (
            ("objective", Objective, "slug"),
            ("responsibility", Responsibility, "slug"),
            ("contributor", Contributor, "email"),
            ("kpi", Kpi, "slug"),
            ("department", Department, "slug"),
        ):
            keys = [c.key for c in plan.of(entity, "remove")]
            if keys:
                self._archive(model, column, keys)
        for change in plan.changes:
            self.audit(change.action, change.entity, change.key, change.before, change.after)
        for change in (*added, *removed, *plan.of("assignment", "change")):
            slug, a = change.spec
            self.emit(
                "ark_assignment_changed",
                change=AssignmentChange(change.action, slug, a.contributor, a.role, a.hours),
            )
        self.reassign_open_tasks({slug for c in (*added, *removed) for slug in [c.spec[0]]})
        self.flush()
        return plan

    def _ids(self, model: Any, column: str) -> dict[str, int]:
        return dict(self.session.execute(select(getattr(model, column), model.id)).all())

    def _upsert(self, model: Any, column: str, changes: Sequence[Change], values: Any) -> None:
        """Insert new rows in one statement; update changed (or archived) ones in place."""
        if not changes:
            return
        existing = self._ids(model, column)
        fresh = [
            {column: c.key, "archived": False, **values(c.spec, existing)}
            for c in changes
            if c.key not in existing
        ]
        if fresh:
            self.session.execute(insert(model), fresh)
        for c in changes:
            if c.key in existing:
                self.session.execute(
                    update(model)
                    .where(model.id == existing[c.key])
                    .values(archived=False, **values(c.spec, existing))
                )

    def _archive(self, model: Any, column: str, keys: list[str]) -> None:
        key_column = getattr(model, column)
        self.session.execute(update(model).where(key_column.in_(keys)).values(archived=True))
        if model in (Contributor, Responsibility):
            ids = select(model.id).where(key_column.in_(keys)).scalar_subquery()
            owner = (
                Assignment.contributor_id if model is Contributor else Assignment.responsibility_id
            )
            self.session.execute(
                update(Assignment)
                .where(owner.in_(ids), Assignment.valid_to.is_(None))
                .values(valid_to=self.today)
            )

    def _end_assignments(self, rows: Iterable[tuple[int, int, Role]]) -> None:
        for responsibility_id, contributor_id, role in rows:
            self.session.execute(
                update(Assignment)
                .where(
                    Assignment.responsibility_id == responsibility_id,
                    Assignment.contributor_id == contributor_id,
                    Assignment.role == role,
                    Assignment.valid_to.is_(None),
                )
                .values(valid_to=self.today)
            )

    def _set_strategy(self, strategy: StrategySpec) -> None:
        values = strategy.as_dict(keep_defaults=True)
        for key in STRATEGY_KEYS:
            self._put_setting(key, values[key])

    def _put_setting(self, key: str, value: Any) -> None:
        """Set (or, with None, delete) one setting."""
        row = self.session.get(Setting, key)
        if value is None:
            if row is not None:
                self.session.delete(row)
        elif row is None:
            self.session.add(Setting(key=key, value=value))
        else:
            row.value = value

    def sections(self) -> tuple[SectionSpec, ...]:
        """Plugins' team-file sections, as stored by the last apply."""
        rows = self.session.execute(
            select(Setting.key, Setting.value).where(Setting.key.startswith(SECTION_PREFIX))
        )
        return tuple(
            SectionSpec.of(key.removeprefix(SECTION_PREFIX), value) for key, value in sorted(rows)
        )

    def _put_objective(
        self, spec: ObjectiveSpec, kpi_ids: dict[str, int], responsibility_ids: dict[str, int]
    ) -> None:
        row = self.session.scalars(select(Objective).where(Objective.slug == spec.slug)).first()
        if row is None:
            row = Objective(slug=spec.slug)
            self.session.add(row)
        row.title, row.archived = spec.title, False
        row.kpi_id = kpi_ids.get(spec.kpi or "")
        row.baseline, row.target, row.deadline = spec.baseline, spec.target, spec.deadline
        row.responsibility_id = responsibility_ids.get(spec.responsibility or "")
        row.goals, row.strategies = list(spec.goals), list(spec.strategies)
        by_slug = {t.slug: t for t in row.tactics}
        row.tactics = []
        for position, t in enumerate(spec.tactics):
            tactic = by_slug.get(t.slug) or Tactic(slug=t.slug)
            tactic.position, tactic.title, tactic.due = position, t.title, t.due
            tactic.responsibility_id = responsibility_ids.get(t.responsibility or "")
            row.tactics.append(tactic)

    # -- assignments -------------------------------------------------------------------------

    def assign(
        self,
        email: str,
        slug: str,
        role: Role,
        *,
        hours: float | None = None,
        since: dt.date | None = None,
        replace: bool = False,
    ) -> Assignment:
        """Start an assignment, or change the hours or start of one already held (hours left
        out keep what they were); a second accountable needs `replace`."""
        contributor, responsibility = self.contributor(email), self.responsibility(slug)
        current = self.current_assignments(responsibility=responsibility)
        mine = next(
            (a for a in current if a.contributor_id == contributor.id and a.role == role), None
        )
        if mine is not None:
            new_hours, new_since = (
                mine.hours if hours is None else hours,
                since or mine.valid_from,
            )
            if (new_hours, new_since) == (mine.hours, mine.valid_from):
                return mine  # nothing changes: no audit record, no event
            before = self._assignment_view(mine)
            mine.hours, mine.valid_from = new_hours, new_since
            self.audit(
                "change",
                "assignment",
                self._assignment_key(mine),
                before,
                self._assignment_view(mine),
            )
            self.emit(
                "ark_assignment_changed",
                change=AssignmentChange("change", slug, contributor.email, role, new_hours),
            )
            self.reassign_open_tasks({slug})  # the most hours decide who gets the tasks
            return mine
        hours = hours or 0.0
        if role is Role.ACCOUNTABLE:
            holder = next((a for a in current if a.role is Role.ACCOUNTABLE), None)
            if holder is not None:
                if not replace:
                    raise Conflict(
                        f"{slug} already has an accountable person: {holder.contributor.email}",
                        hint=f"run `ark unassign {holder.contributor.email} {slug}` first, "
                        "or pass --replace to hand over",
                    )
                self._end(holder, since or self.today)
        row = Assignment(
            contributor=contributor,
            responsibility=responsibility,
            role=role,
            hours=hours,
            valid_from=since or self.today,
        )
        self.session.add(row)
        self.audit("add", "assignment", self._assignment_key(row), None, self._assignment_view(row))
        self.emit(
            "ark_assignment_changed",
            change=AssignmentChange("add", slug, contributor.email, role, hours),
        )
        self.reassign_open_tasks({slug})
        return row

    def unassign(
        self, email: str, slug: str, role: Role | None = None, on: dt.date | None = None
    ) -> list[Assignment]:
        """End the contributor's current assignments on the responsibility (one role or all)."""
        contributor, responsibility = self.contributor(email), self.responsibility(slug)
        ended = [
            a
            for a in self.current_assignments(
                responsibility=responsibility, contributor=contributor
            )
            if role is None or a.role == role
        ]
        if not ended:
            raise NotFound(
                f"{email} holds no {role or 'role'} on {slug}", hint=f"see `ark who {slug}`"
            )
        for a in ended:
            self._end(a, on or self.today)
        self.reassign_open_tasks({slug})
        return ended

    def _end(self, a: Assignment, on: dt.date) -> None:
        before = self._assignment_view(a)
        a.valid_to = on
        self.audit("remove", "assignment", self._assignment_key(a), before, None)
        self.emit(
            "ark_assignment_changed",
            change=AssignmentChange(
                "remove", a.responsibility.slug, a.contributor.email, a.role, a.hours
            ),
        )

    @staticmethod
    def _assignment_key(a: Assignment) -> str:
        return f"{a.responsibility.slug}/{a.contributor.email}/{a.role}"

    @staticmethod
    def _assignment_view(a: Assignment) -> dict[str, Any]:
        return {
            "contributor": a.contributor.email,
            "role": str(a.role),
            "hours": a.hours,
            "from": a.valid_from.isoformat(),
            **({"to": a.valid_to.isoformat()} if a.valid_to else {}),
        }

    # -- tasks -----------------------------------------------------------------------------------

    def owners(self, responsibility_ids: Iterable[int] | None = None) -> dict[int, int]:
        """Who gets a responsibility's tasks: the responsible with the most hours, else the accountable."""
        query = select(
            Assignment.responsibility_id,
            Assignment.contributor_id,
            Assignment.role,
            Assignment.hours,
        ).where(
            Assignment.valid_to.is_(None), Assignment.role.in_([Role.RESPONSIBLE, Role.ACCOUNTABLE])
        )
        if responsibility_ids is not None:
            query = query.where(Assignment.responsibility_id.in_(list(responsibility_ids)))
        ranked: dict[int, tuple[Any, int]] = {}
        for rid, cid, role, hours in self.session.execute(query.order_by(Assignment.id)):
            rank = (role == Role.RESPONSIBLE, hours, -cid)
            if rid not in ranked or rank > ranked[rid][0]:
                ranked[rid] = (rank, cid)
        return {rid: cid for rid, (_, cid) in ranked.items()}

    def plan_tasks(self, until: dt.date, start: dt.date | None = None) -> list[Task]:
        """Create the tasks due by `until` that do not exist yet; returns the new ones."""
        start = start or self.today
        if until < start:
            raise Conflict(f"--until {until} is before {start}", hint="pass a later date")
        responsibilities = list(
            self.session.scalars(
                select(Responsibility).where(
                    Responsibility.archived.is_(False), Responsibility.cadence != Cadence.NONE
                )
            )
        )
        owners = self.owners()
        wanted: dict[str, dict[str, Any]] = {}
        for r in responsibilities:
            for p in periods(r.cadence, start, until):
                wanted[f"{r.slug}/{p.name}"] = {
                    "title": f"{r.task_title or r.title} {p.name}",
                    "responsibility_id": r.id,
                    "period": p.name,
                    "due": p.end,
                    "assignee_id": owners.get(r.id),
                }
        for o in self.session.scalars(select(Objective).where(Objective.archived.is_(False))):
            for t in o.tactics:
                due = t.due or o.deadline
                rid = t.responsibility_id or o.responsibility_id
                if rid is None or (due is not None and due > until):
                    continue
                wanted[f"{o.slug}/{t.slug}"] = {
                    "title": t.title,
                    "responsibility_id": rid,
                    "objective_id": o.id,
                    "due": due,
                    "assignee_id": owners.get(rid),
                }
        existing = set(self.session.scalars(select(Task.key).where(Task.key.in_(list(wanted)))))
        stamp = now()
        fresh = [
            {
                "key": key,
                **values,
                "status": TaskStatus.TODO,
                "created_at": stamp,
                "updated_at": stamp,
            }
            for key, values in wanted.items()
            if key not in existing
        ]
        if not fresh:
            return []
        self.session.execute(insert(Task), fresh)
        tasks = list(
            self.session.scalars(select(Task).where(Task.key.in_([f["key"] for f in fresh])))
        )
        for task in tasks:
            self.audit("add", "task", task.key, None, self._task_view(task))
            self.emit("ark_task_changed", change=self._task_change("planned", task))
        return tasks

    def tasks(
        self,
        *,
        status: TaskStatus | None = None,
        responsibility: str | None = None,
        assignee: str | None = None,
    ) -> list[Task]:
        query = select(Task).order_by(Task.due, Task.key)
        if status is not None:
            query = query.where(Task.status == status)
        if responsibility is not None:
            query = query.where(Task.responsibility_id == self.responsibility(responsibility).id)
        if assignee is not None:
            query = query.where(Task.assignee_id == self.contributor(assignee).id)
        return list(self.session.scalars(query))

    def task(self, key: str) -> Task:
        row = self.session.scalars(select(Task).where(Task.key == key)).first()
        if row is None:
            raise NotFound(f"no task {key!r}", hint="see `ark tasks list`")
        return row

    def set_task_status(
        self,
        key: str,
        status: TaskStatus,
        *,
        note: str = "",
        by: str | None = None,
        at: dt.datetime | None = None,
    ) -> Task:
        """Move a task; `by` and `at` say who did it where (a Jira user, when pulled back)."""
        task = self.task(key)
        if task.status == status:
            return task
        before = self._task_view(task)
        task.status, task.updated_at = status, at or now()
        if note:
            task.note = note
        self.audit("change", "task", task.key, before, self._task_view(task), actor=by, at=at)
        self.emit("ark_task_changed", change=self._task_change("status", task, by=by, note=note))
        return task

    def reassign_open_tasks(self, slugs: Iterable[str]) -> int:
        """Give the open tasks of these responsibilities to their current owner."""
        ids = dict(
            self.session.execute(
                select(Responsibility.slug, Responsibility.id).where(
                    Responsibility.slug.in_(list(slugs))
                )
            ).all()
        )
        if not ids:
            return 0
        self.session.flush()
        owners = self.owners(ids.values())
        moved = 0
        for task in self.session.scalars(
            select(Task).where(
                Task.responsibility_id.in_(list(ids.values())), Task.status != TaskStatus.DONE
            )
        ):
            owner = owners.get(task.responsibility_id)
            if task.assignee_id != owner:
                before = self._task_view(task)
                task.assignee_id, task.updated_at = owner, now()
                self.session.flush()
                self.session.refresh(task, ["assignee"])
                self.audit("change", "task", task.key, before, self._task_view(task))
                self.emit("ark_task_changed", change=self._task_change("reassigned", task))
                moved += 1
        return moved

    def _task_change(
        self, action: str, task: Task, by: str | None = None, note: str = ""
    ) -> TaskChange:
        return TaskChange(
            action,
            task.key,
            task.responsibility.slug,
            task.status,
            task.assignee.email if task.assignee else None,
            by or self.actor,
            note,
        )

    @staticmethod
    def _task_view(task: Task) -> dict[str, Any]:
        return {
            "title": task.title,
            "status": str(task.status),
            "assignee": task.assignee.email if task.assignee else None,
            "due": task.due.isoformat() if task.due else None,
        }

    # -- plugins' state and links to other systems (written by plugins, through here) -----------

    def state(self, key: str) -> Any:
        """A plugin's saved value (a watermark, a cache), or None."""
        row = self.session.get(Setting, STATE_PREFIX + key)
        return None if row is None else row.value

    def set_state(self, key: str, value: Any) -> None:
        self._put_setting(STATE_PREFIX + key, value)

    def link_pending(self, system: str, intents: dict[int, dict[str, Any]]) -> None:
        """Record that creates are about to be sent for these tasks (id -> data), in one go."""
        self.session.execute(
            insert(TaskLink),
            [
                {"task_id": tid, "system": system, "external_key": None, "data": data}
                for tid, data in intents.items()
            ],
        )
        self.audit("intent", "task-link", system, None, {"tasks": len(intents)})

    def unlink_task(self, task: Task, system: str) -> None:
        link = self.session.scalars(
            select(TaskLink).where(TaskLink.task_id == task.id, TaskLink.system == system)
        ).first()
        if link is not None:
            self.session.delete(link)
            self.audit(
                "unlink", "task", task.key, {"system": system, "key": link.external_key}, None
            )

    def links(self, system: str) -> dict[int, TaskLink]:
        return {
            link.task_id: link
            for link in self.session.scalars(select(TaskLink).where(TaskLink.system == system))
        }

    def link_task(
        self, task: Task, system: str, external_key: str, data: dict[str, Any]
    ) -> TaskLink:
        link = self.session.scalars(
            select(TaskLink).where(TaskLink.task_id == task.id, TaskLink.system == system)
        ).first()
        before = {"key": link.external_key} if link else None
        if link is None:
            link = TaskLink(task_id=task.id, system=system, external_key=external_key, data=data)
            self.session.add(link)
        else:
            link.external_key, link.data = external_key, data
        if before != {"key": external_key}:
            self.audit("link", "task", task.key, before, {"system": system, "key": external_key})
        return link

    def set_links(self, system: str, links: dict[int, tuple[str, dict[str, Any]]]) -> None:
        """Write many tasks' links (task id -> key, data) in a fixed number of statements, as
        a bulk create's answer must be committed at once; a new or changed key is audited."""
        if not links:
            return
        ids = list(links)
        keys = dict(self.session.execute(select(Task.id, Task.key).where(Task.id.in_(ids))).all())
        where = (TaskLink.system == system, TaskLink.task_id.in_(ids))
        before = dict(
            self.session.execute(
                select(TaskLink.task_id, TaskLink.external_key).where(*where)
            ).all()
        )
        self.session.execute(delete(TaskLink).where(*where))
        self.session.execute(
            insert(TaskLink),
            [
                {"task_id": tid, "system": system, "external_key": key, "data": data}
                for tid, (key, data) in links.items()
            ],
        )
        for tid, (key, _) in links.items():
            if tid not in before or before[tid] != key:
                was = {"key": before[tid]} if tid in before else None
                self.audit("link", "task", keys[tid], was, {"system": system, "key": key})

    # -- KPIs ------------------------------------------------------------------------------------------

    def record_kpi(self, slug: str, value: float, on: dt.date | None = None) -> Measurement:
        kpi = self.kpi(slug)
        on = on or self.today
        row = self.session.scalars(
            select(Measurement).where(Measurement.kpi_id == kpi.id, Measurement.date == on)
        ).first()
        before = {"value": row.value} if row else None
        if row is None:
            row = Measurement(kpi_id=kpi.id, date=on, value=value)
            self.session.add(row)
        row.value = value
        self.audit(
            "change" if before else "add",
            "measurement",
            f"{slug}/{on.isoformat()}",
            before,
            {"value": value},
        )
        return row

    def readings(self, kpi: Kpi) -> list[Measurement]:
        return list(
            self.session.scalars(
                select(Measurement).where(Measurement.kpi_id == kpi.id).order_by(Measurement.date)
            )
        )

    def objectives_for(self, kpi: Kpi) -> list[Objective]:
        return list(
            self.session.scalars(
                select(Objective).where(Objective.kpi_id == kpi.id, Objective.archived.is_(False))
            )
        )

    def audit_count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(AuditRecord)) or 0


@contextmanager
def transaction(
    engine: Engine, *, hook: Any = None, actor: str | None = None, write: bool = True
) -> Iterator[Registry]:
    """A `Registry` over one transaction; integrity races become a clear `Conflict`."""
    try:
        with session_scope(engine, write=write) as session:
            registry = Registry(session, hook=hook, actor=actor)
            yield registry
            registry.flush()
    except IntegrityError as exc:
        raise Conflict(
            "another change to the same responsibility was committed first; nothing was written",
            hint="run the command again to work from the current state",
        ) from exc
