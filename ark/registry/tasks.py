"""Tasks: planned from cadences and tactics, owned, moved from status to status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select

from ark.errors import Conflict, NotFound
from ark.i18n import N_, period_title
from ark.models import (
    Assignment,
    Objective,
    Responsibility,
    Tactic,
    Task,
)
from ark.periods import add_months, horizon_years, periods
from ark.registry.base import now
from ark.registry.events import TaskChange
from ark.registry.settings import Settings
from ark.vocabulary import Cadence, Role, TaskStatus


class Tasks(Settings):
    """Planning, reading and moving tasks."""

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

    def unowned_tactics(self) -> list[tuple[str, str]]:
        """(objective, tactic) of each live tactic that neither it nor its objective gives a
        responsibility: no task can be planned for it, and `ark check` says so."""
        return [
            (objective, tactic)
            for objective, tactic in self.session.execute(
                select(Objective.slug, Tactic.slug)
                .join(Tactic, Tactic.objective_id == Objective.id)
                .where(
                    Objective.archived.is_(False),
                    Objective.responsibility_id.is_(None),
                    Tactic.responsibility_id.is_(None),
                )
                .order_by(Objective.id, Tactic.position)
            )
        ]

    def plan_tasks(self, until: dt.date, start: dt.date | None = None) -> list[Task]:
        """Create the tasks due by `until` that do not exist yet; returns the new ones."""
        start = start or self.today
        if until < start:
            raise Conflict(
                N_("--until {until} is before {start}"),
                hint=N_("pass a later date"),
                args={"until": until.isoformat(), "start": start.isoformat()},
            )
        years = horizon_years()
        if until > add_months(start, 12 * years):
            raise Conflict(
                N_(
                    "--until {until} is more than {years} years after {start}: "
                    "tasks are planned at most that far ahead"
                ),
                hint=N_(
                    "pass an earlier date (plan again later), or raise the horizon with "
                    "ARK_PLAN_YEARS=N"
                ),
                args={"until": until.isoformat(), "years": years, "start": start.isoformat()},
            )
        responsibilities = list(
            self.session.scalars(
                select(Responsibility).where(
                    Responsibility.archived.is_(False), Responsibility.cadence != Cadence.NONE
                )
            )
        )
        owners = self.owners()
        strategy = self.strategy()
        wanted: dict[str, dict[str, Any]] = {}
        for r in responsibilities:
            for p in periods(r.cadence, start, until, strategy.start):
                when = period_title(strategy.lang, r.cadence, p.name, p.start)
                wanted[f"{r.slug}/{p.name}"] = {
                    "title": f"{r.task_title or r.title} {when}",
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
        return self.add_tasks(wanted)

    def add_tasks(self, wanted: dict[str, dict[str, Any]]) -> list[Task]:
        """Create the tasks (key -> values) that do not exist yet, in one statement; each is
        audited and announced. Returns the new ones."""
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
            self.session.scalars(
                select(Task)
                .where(Task.key.in_([f["key"] for f in fresh]))
                .order_by(Task.due, Task.key)
            )
        )
        for task in tasks:
            self.audit("add", "task", task.key, None, self._task_view(task))
            self.emit(self._task_change("planned", task))
        return tasks

    def task(self, key: str) -> Task:
        row = self.session.scalars(select(Task).where(Task.key == key)).first()
        if row is None:
            raise NotFound.task(key)
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
        self.emit(self._task_change("status", task, by=by, note=note))
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
            moved += self._reassign(task, owners.get(task.responsibility_id))
        return moved

    def _reassign(self, task: Task, assignee_id: int | None) -> bool:
        """Give `task` to another contributor (audited, announced); False if already theirs."""
        if task.assignee_id == assignee_id:
            return False
        before = self._task_view(task)
        task.assignee_id, task.updated_at = assignee_id, now()
        self.session.flush()
        self.session.refresh(task, ["assignee"])
        self.audit("change", "task", task.key, before, self._task_view(task))
        self.emit(self._task_change("reassigned", task))
        return True

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
            task.updated_at,
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
