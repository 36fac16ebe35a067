"""Assignments: who holds which role on which responsibility, effective-dated."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import lazyload

from ark.errors import Conflict, NotFound
from ark.i18n import N_
from ark.models import (
    Assignment,
    Contributor,
    Responsibility,
)
from ark.registry.events import AssignmentChange
from ark.registry.tasks import Tasks
from ark.vocabulary import Role

# See `Assignments._bearing_on`; built once (building it cost as much as running it), and
# loading no person or responsibility with the rows: the edit has loaded its own pair already
# (`RegistryBase.pair`), and another holder's is read only to name them in a refusal.
BEARING_ON = (
    select(Assignment)
    .where(
        Assignment.valid_to.is_(None),
        Assignment.responsibility_id == bindparam("responsibility"),
        or_(
            Assignment.contributor_id == bindparam("contributor"),
            Assignment.role == Role.ACCOUNTABLE,
        ),
    )
    .order_by(Assignment.role, Assignment.id)
    .options(lazyload("*"))
)


def assignment_key(slug: str, email: str, role: Role) -> str:
    """What an assignment's audit records are about (their `entity_key`)."""
    return f"{slug}/{email}/{role}"


def cell_keys(slug: str, email: str) -> tuple[str, ...]:
    """The audit keys of every role `email` can hold on `slug`: a matrix cell's, whose
    version is the newest record about any of them. Looked up as keys, they are found in the
    audit index on both backends; as the prefix `slug/email/` PostgreSQL's collations
    (not C) read every assignment record ever written (1.9 ms at 2,000 people, of an edit's
    time under the writers' lock)."""
    return tuple(assignment_key(slug, email, role) for role in Role)


class Assignments(Tasks):
    """Starting, changing and ending assignments (their tasks follow the owner)."""

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

    def _bearing_on(
        self, responsibility: Responsibility, contributor: Contributor
    ) -> list[Assignment]:
        """The current assignments an assignment of `contributor` to `responsibility` is
        decided by: the contributor's own roles on it and its accountable person. A cell
        edit holds the writers' lock while it reads them, and reading every holder of the
        responsibility (with their contributors and departments) was most of that time."""
        ids = {"responsibility": responsibility.id, "contributor": contributor.id}
        return list(self.session.scalars(BEARING_ON, ids))

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
        contributor, responsibility = self.pair(email, slug)
        current = self._bearing_on(responsibility, contributor)
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
            self.change_row(mine, hours=new_hours, valid_from=new_since)
            self.audit(
                "change",
                "assignment",
                self._assignment_key(mine),
                before,
                self._assignment_view(mine),
            )
            self.emit(AssignmentChange("change", slug, contributor.email, role, new_hours))
            self._tasks_follow(slug, [role])  # the most hours decide who gets the tasks
            return mine
        hours = hours or 0.0
        if role is Role.ACCOUNTABLE:
            holder = next((a for a in current if a.role is Role.ACCOUNTABLE), None)
            if holder is not None:
                if not replace:
                    raise Conflict(
                        N_("{slug} already has an accountable person: {email}"),
                        hint=N_(
                            "run `ark unassign {email} {slug} --role accountable` first, "
                            "or pass --replace to hand over"
                        ),
                        args={"slug": slug, "email": holder.contributor.email},
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
        self.emit(AssignmentChange("add", slug, contributor.email, role, hours))
        self._tasks_follow(slug, [role])
        return row

    def unassign(
        self, email: str, slug: str, role: Role | None = None, on: dt.date | None = None
    ) -> list[Assignment]:
        """End the contributor's current assignments on the responsibility (one role or all)."""
        contributor, responsibility = self.pair(email, slug)
        ended = [
            a
            for a in self.current_assignments(
                responsibility=responsibility, contributor=contributor
            )
            if role is None or a.role == role
        ]
        if not ended:
            raise NotFound(
                N_("{email} holds no role on {slug}")
                if role is None
                else N_("{email} is not {role} for {slug}"),
                hint=N_("see `ark who {slug}`"),
                args={"email": email, "role": role, "slug": slug},
            )
        last = on or self.today
        for a in ended:
            if last < a.valid_from:
                raise Conflict(
                    N_(
                        "{email} is {role} for {slug} from {since}: it cannot end on {last}, "
                        "before it starts; nothing was changed"
                    ),
                    hint=N_("pass --on {iso} or a later day"),
                    args={
                        "email": a.contributor.email,
                        "role": Role(a.role),
                        "slug": slug,
                        "since": a.valid_from,
                        "last": last.isoformat(),  # as typed with --on
                        "iso": a.valid_from.isoformat(),
                    },
                )
        for a in ended:
            self._end(a, last)
        self._tasks_follow(slug, [a.role for a in ended])
        return ended

    def _tasks_follow(self, slug: str, roles: list[Role]) -> None:
        """Hand the responsibility's open tasks to their owner again, when a changed role can
        change who that is: only the accountable and responsible roles decide it
        (`Tasks.owners`), so a consulted or informed role moves no task."""
        if Role.ACCOUNTABLE in roles or Role.RESPONSIBLE in roles:
            self.reassign_open_tasks({slug})

    def _end(self, a: Assignment, on: dt.date) -> None:
        before = self._assignment_view(a)
        a.valid_to = on
        self.audit("remove", "assignment", self._assignment_key(a), before, None)
        self.emit(
            AssignmentChange("remove", a.responsibility.slug, a.contributor.email, a.role, a.hours)
        )

    @staticmethod
    def _assignment_key(a: Assignment) -> str:
        return assignment_key(a.responsibility.slug, a.contributor.email, a.role)

    @staticmethod
    def _assignment_view(a: Assignment) -> dict[str, Any]:
        return {
            "contributor": a.contributor.email,
            "role": str(a.role),
            "hours": a.hours,
            "from": a.valid_from.isoformat(),
            **({"to": a.valid_to.isoformat()} if a.valid_to else {}),
        }
