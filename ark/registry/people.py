"""People coming, moving and leaving: a contributor's department, and offboarding someone
who leaves (every role ended, accountable roles and open tasks handed over, archived)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ark.errors import Conflict
from ark.i18n import N_, Nn_
from ark.models import Account, Contributor, Department, Task
from ark.registry.events import AssignmentChange
from ark.registry.team import Team
from ark.spec import ContributorSpec
from ark.vocabulary import Role, TaskStatus


@dataclass(frozen=True)
class Offboarding:
    """What offboarding a contributor did (or, rolled back, would do)."""

    contributor: str
    successor: str | None  # who takes what no one else was named for
    on: dt.date
    ended: tuple[AssignmentChange, ...]
    handed_over: tuple[tuple[str, str], ...]  # (responsibility, who takes its accountable role)
    tasks: tuple[tuple[str, str], ...]  # (open task's key, who takes it)


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

    def offboard(
        self,
        email: str,
        to: str | None,
        on: dt.date | None = None,
        *,
        accountable_to: Mapping[str, str] | None = None,
        task_to: Mapping[str, str] | None = None,
    ) -> Offboarding:
        """End every role of a contributor who leaves, hand their accountable roles and open
        tasks over, and archive them (their history stays).

        `accountable_to` (responsibility -> e-mail) and `task_to` (task key -> e-mail) name
        who takes one item; `to` takes every item not named there, so a lead can share the
        work out and the command line can still hand it all to one person.
        """
        leaving = self.contributor(email)
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
        slugs = {a.responsibility.slug: a for a in accountable}
        keys = {t.key: t for t in tasks}
        slugs_to = self._takers(
            leaving.email, N_("{email} is not accountable for {item!r}"), slugs, accountable_to, to
        )
        keys_to = self._takers(
            leaving.email, N_("{email} has no open task {item!r}"), keys, task_to, to
        )
        taken = slugs_to | keys_to
        nobody = [item for item in [*slugs, *keys] if item not in taken]
        if nobody and not (accountable_to or task_to):
            raise Conflict(
                Nn_(
                    "{email} is accountable for {slugs} and has {count} open task",
                    "{email} is accountable for {slugs} and has {count} open tasks",
                )
                if accountable
                else Nn_("{email} has {count} open task", "{email} has {count} open tasks"),
                hint=N_(
                    "pass --to EMAIL to hand them over: `ark person offboard {given} --to EMAIL`"
                ),
                args={
                    "email": leaving.email,
                    "slugs": ", ".join(slugs),
                    "count": len(tasks),
                    "given": email,
                },
            )
        if nobody:
            raise Conflict(
                N_("nobody is named to take {items} from {email}"),
                hint=N_("name who takes each of them, or who takes everything"),
                args={"items": ", ".join(nobody), "email": leaving.email},
            )
        takers = self._check_takers(
            leaving, [*([to] if to else []), *slugs_to.values(), *keys_to.values()]
        )
        ended = [
            AssignmentChange("remove", a.responsibility.slug, email, a.role, a.hours) for a in held
        ]
        for a in held:
            self._end(a, on)
        for slug, a in slugs.items():
            self.assign(
                takers[slugs_to[slug]].email, slug, Role.ACCOUNTABLE, hours=a.hours, since=on
            )
        for key, task in keys.items():  # all of them, even where another responsible does the work
            self._reassign(task, takers[keys_to[key]].id)
        before = self._contributor_view(leaving)
        leaving.archived = True
        self.audit("remove", "contributor", leaving.email, before, None)
        return Offboarding(
            leaving.email,
            takers[to].email if to else None,
            on,
            tuple(ended),
            tuple((slug, takers[slugs_to[slug]].email) for slug in slugs),
            tuple((key, takers[keys_to[key]].email) for key in keys),
        )

    @staticmethod
    def _takers(
        leaving: str,
        unknown: str,
        items: Mapping[str, Any],
        named: Mapping[str, str] | None,
        to: str | None,
    ) -> dict[str, str]:
        """Who takes each of `items`: the one named for it, else `to`. An item the person
        leaving does not have is refused (with the message `unknown`), so a mistyped choice
        never goes unnoticed."""
        named = named or {}
        for item in named.keys() - items.keys():
            raise Conflict(
                unknown,
                hint=N_("name a taker only for: {items}"),
                args={"email": leaving, "item": item, "items": ", ".join(items) or "-"},
            )
        return {item: who for item in items if (who := named.get(item, "").strip() or to)}

    def _check_takers(self, leaving: Contributor, named: list[str]) -> dict[str, Contributor]:
        """The contributor each e-mail names, if all of them can take work over: current
        contributors other than the one leaving, whose account (if any) is not disabled."""
        takers: dict[str, Contributor] = {}
        for who in dict.fromkeys(named):
            taker = self.contributor(who)
            if taker is leaving:
                raise Conflict(
                    N_("{to} is the person leaving"),
                    hint=N_("name who takes over"),
                    args={"to": who},
                )
            takers[who] = taker
        disabled = self.session.scalars(
            select(Account.email).where(
                Account.email.in_([t.email for t in takers.values()]), Account.disabled
            )
        ).first()
        if disabled is not None:
            raise Conflict(
                N_("{email}'s account is disabled: they could not sign in to see the work"),
                hint=N_("name who takes over"),
                args={"email": disabled},
            )
        return takers
