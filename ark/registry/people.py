"""People coming, moving and leaving: a contributor's department, and offboarding someone
who leaves (every role ended, accountable roles and open tasks handed over, archived)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ark.errors import Conflict
from ark.i18n import N_
from ark.models import Contributor, Department, Task
from ark.registry.events import AssignmentChange
from ark.registry.team import Team
from ark.spec import ContributorSpec
from ark.vocabulary import Role, TaskStatus


@dataclass(frozen=True)
class Offboarding:
    """What offboarding a contributor did (or, rolled back, would do)."""

    contributor: str
    successor: str | None
    on: dt.date
    ended: tuple[AssignmentChange, ...]
    handed_over: tuple[str, ...]  # responsibilities whose accountable role went to `successor`
    tasks: tuple[str, ...]  # keys of the open tasks given to `successor`


class People(Team):
    """Moving and offboarding contributors."""

    @staticmethod
    def _contributor_view(c: Contributor) -> dict[str, Any]:
        """As the team file's plan shows a contributor, so an apply can name a revert."""
        spec = ContributorSpec(c.email, c.name, c.department.slug, c.capacity, c.jira_user)
        return spec.as_dict(keep_defaults=True)

    def move(self, email: str, department: str) -> Contributor:
        """Move a contributor to another department; their roles and tasks stay theirs."""
        contributor = self.contributor(email)
        target: Department = self._one(
            Department, Department.slug, department, "department", "ark people"
        )
        if contributor.department_id != target.id:
            before = self._contributor_view(contributor)
            contributor.department = target
            self.audit(
                "change",
                "contributor",
                contributor.email,
                before,
                self._contributor_view(contributor),
            )
        return contributor

    def offboard(self, email: str, to: str | None, on: dt.date | None = None) -> Offboarding:
        """End every role of a contributor who leaves, hand their accountable roles and open
        tasks to `to`, and archive them (their history stays)."""
        leaving = self.contributor(email)
        successor = self.contributor(to) if to else None
        if successor is leaving:
            raise Conflict(
                N_("--to {to} is the person leaving"),
                hint=N_("name who takes over"),
                args={"to": to},
            )
        on = on or self.today
        held = self.current_assignments(contributor=leaving)
        accountable = [a for a in held if a.role is Role.ACCOUNTABLE]
        tasks = list(
            self.session.scalars(
                select(Task)
                .where(Task.assignee_id == leaving.id, Task.status != TaskStatus.DONE)
                .order_by(Task.due, Task.key)
            )
        )
        if successor is None and (accountable or tasks):
            raise Conflict(
                N_("{email} is accountable for {slugs} and has {count} open task(s)")
                if accountable
                else N_("{email} has {count} open task(s)"),
                hint=N_(
                    "pass --to EMAIL to hand them over: `ark person offboard {given} --to EMAIL`"
                ),
                args={
                    "email": leaving.email,
                    "slugs": ", ".join(a.responsibility.slug for a in accountable),
                    "count": len(tasks),
                    "given": email,
                },
            )
        ended = [
            AssignmentChange("remove", a.responsibility.slug, email, a.role, a.hours) for a in held
        ]
        for a in held:
            self._end(a, on)
        for a in accountable:
            assert successor is not None
            self.assign(
                successor.email, a.responsibility.slug, Role.ACCOUNTABLE, hours=a.hours, since=on
            )
        for task in tasks:  # all of them, even where another responsible now owns the work
            assert successor is not None
            self._reassign(task, successor.id)
        before = self._contributor_view(leaving)
        leaving.archived = True
        self.audit("remove", "contributor", leaving.email, before, None)
        return Offboarding(
            leaving.email,
            successor.email if successor else None,
            on,
            tuple(ended),
            tuple(a.responsibility.slug for a in accountable),
            tuple(t.key for t in tasks),
        )
