"""`ark check`: what a team lead expects the registry to hold true.

The built-in checks are registered through `ark_register_checks` (see `ark.builtin`) like any
plugin's, and each reads what it needs in a fixed number of queries, whatever the team's size.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, select

from ark.i18n import N_, Plural, render
from ark.models import Assignment, Contributor, Department, Kpi, Objective, Responsibility
from ark.vocabulary import Level, Role

if TYPE_CHECKING:
    from ark.plugins import Hooks


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the team, and how to fix it.

    `message` and `fix` are English; with `args` they are catalogue templates (marked with
    `N_`) that `localized` translates and fills in, so `ark check` speaks the strategy's
    language and writes its numbers and dates as that language does.
    """

    level: Level
    code: str
    subject: str
    message: str | Plural
    fix: str = ""
    args: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def localized(self, lang: str) -> Finding:
        return dataclasses.replace(
            self,
            message=render(lang, self.message, self.args),
            fix=render(lang, self.fix, self.args),
            args={},
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "level": str(self.level),
            "code": self.code,
            "subject": self.subject,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Any], Iterable[Finding]]  # takes an ark.registry.writer.Registry


def run_checks(registry: Any, checks: Iterable[Check]) -> list[Finding]:
    """Every finding of every check, errors first, in the strategy's language."""
    lang = registry.strategy().lang
    return [finding.localized(lang) for finding in _findings(registry, checks)]


def _findings(registry: Any, checks: Iterable[Check]) -> list[Finding]:
    """Every finding of every check, errors first, as the checks wrote them."""
    findings = [finding for check in checks for finding in check.run(registry)]
    order = list(Level)
    return sorted(findings, key=lambda f: (order.index(f.level), f.code, f.subject))


def _registered(hooks: Hooks) -> list[Check]:
    checks: list[Check] = []
    hooks.ark_register_checks(register=checks.append)
    return checks


def check_team(registry: Any, hooks: Hooks) -> list[Finding]:
    """What `ark check` reports: the findings of every registered check, core and plugins'."""
    return run_checks(registry, _registered(hooks))


def registered_findings(registry: Any, hooks: Hooks) -> list[Finding]:
    """The findings of `check_team` as the checks wrote them (templates and values), for
    who needs them in more than one language: a reminder knows an error by its English
    words and tells it in the strategy's."""
    return _findings(registry, _registered(hooks))


def _current_of(owner: Any) -> Any:
    """The join condition from `owner` (a responsibility or contributor) to its current
    assignments."""
    column = Assignment.responsibility_id if owner is Responsibility else Assignment.contributor_id
    return and_(column == owner.id, Assignment.valid_to.is_(None))


def _count(role: Role) -> Any:
    return func.count(case((Assignment.role == role, 1)))


def check_raci(registry: Any) -> Iterator[Finding]:
    """Exactly one accountable and at least one responsible per responsibility.

    The database counts, one row per responsibility, so a team of any size is one query.
    """
    rows = registry.session.execute(
        select(Responsibility.slug, _count(Role.ACCOUNTABLE), _count(Role.RESPONSIBLE))
        .outerjoin(Assignment, _current_of(Responsibility))
        .where(Responsibility.archived.is_(False))
        .group_by(Responsibility.id, Responsibility.slug)
        .order_by(Responsibility.id)
    ).all()
    crowded = [slug for slug, accountable, _ in rows if accountable > 1]
    holders: dict[str, list[str]] = defaultdict(list)
    if crowded:
        for slug, email in registry.session.execute(
            select(Responsibility.slug, Contributor.email)
            .join(Assignment, _current_of(Responsibility))
            .join(Contributor, Contributor.id == Assignment.contributor_id)
            .where(Responsibility.slug.in_(crowded), Assignment.role == Role.ACCOUNTABLE)
            .order_by(Assignment.id)
        ):
            holders[slug].append(email)
    for slug, accountable, responsible in rows:
        if not accountable:
            yield Finding(
                Level.ERROR,
                "no-accountable",
                slug,
                N_("{slug} has no accountable person"),
                N_("ark assign EMAIL {slug} --role accountable"),
                {"slug": slug},
            )
        elif accountable > 1:
            yield Finding(
                Level.ERROR,
                "many-accountable",
                slug,
                N_("{slug} has {count} accountable people: {people}"),
                N_("keep one: ark unassign EMAIL {slug} --role accountable"),
                {"slug": slug, "count": accountable, "people": ", ".join(holders[slug])},
            )
        if not responsible:
            yield Finding(
                Level.ERROR,
                "no-responsible",
                slug,
                N_("{slug} has no responsible person"),
                N_("ark assign EMAIL {slug} --role responsible --hours 2"),
                {"slug": slug},
            )


def check_capacity(registry: Any) -> Iterator[Finding]:
    """Nobody over capacity; nobody who runs part of the strategy under its minimum weekly time.

    Every role's hours count against capacity, but the minimum is the time of the people who
    do and answer for the work: a consulted or informed person gives what they are asked
    for, and warning about them would punish the cross-department involvement the Ark needs.
    """
    minimum = registry.strategy().min_weekly_hours
    running = Assignment.role.in_([Role.RESPONSIBLE, Role.ACCOUNTABLE])
    rows = registry.session.execute(
        select(
            Contributor.email,
            Contributor.capacity,
            func.coalesce(func.sum(Assignment.hours), 0.0),
            func.coalesce(func.sum(case((running, Assignment.hours))), 0.0),
            func.count(case((running, 1))),
        )
        .outerjoin(Assignment, _current_of(Contributor))
        .where(Contributor.archived.is_(False))
        .group_by(Contributor.id, Contributor.email, Contributor.capacity)
    )
    for email, capacity, given, runs, carried in rows:
        if given > capacity:
            yield Finding(
                Level.ERROR,
                "over-capacity",
                email,
                N_("{email} is assigned {given} h a week, over a capacity of {capacity} h"),
                N_("lower the hours of an assignment, or raise the capacity"),
                {"email": email, "given": given, "capacity": capacity},
            )
        elif carried and runs < minimum:
            yield Finding(
                Level.WARNING,
                "under-minimum",
                email,
                N_(
                    "{email} gives {hours} h a week as responsible or accountable, under the "
                    "strategy's minimum of {minimum} h"
                ),
                N_("give them at least the minimum, or lower strategy.min_weekly_hours"),
                {"email": email, "hours": runs, "minimum": minimum},
            )


def check_departments(registry: Any) -> Iterator[Finding]:
    """Every department the strategy expects has someone carrying a responsibility."""
    represented = set(
        registry.session.scalars(
            select(Department.slug)
            .join(Contributor, Contributor.department_id == Department.id)
            .join(Assignment, Assignment.contributor_id == Contributor.id)
            .where(Assignment.valid_to.is_(None), Contributor.archived.is_(False))
            .distinct()
        )
    )
    for slug in registry.strategy().expected_departments:
        if slug not in represented:
            yield Finding(
                Level.WARNING,
                "department-missing",
                slug,
                N_(
                    "the strategy expects {slug} in the Ark, but nobody from it carries a "
                    "responsibility"
                ),
                N_("assign someone from {slug} to a responsibility"),
                {"slug": slug},
            )


def check_objectives(registry: Any) -> Iterator[Finding]:
    """Objectives are SMART: a KPI, a target, a deadline that has not passed."""
    today = dt.date.today()
    rows = registry.session.execute(
        select(Objective.slug, Kpi.slug, Objective.target, Objective.deadline)
        .outerjoin(Kpi, Kpi.id == Objective.kpi_id)
        .where(Objective.archived.is_(False))
    )
    for slug, kpi, target, deadline in rows:
        missing = tuple(
            name
            for name, value in (
                (N_("a KPI"), kpi),
                (N_("a target"), target),
                (N_("a deadline"), deadline),
            )
            if value is None
        )
        if missing:
            yield Finding(
                Level.WARNING,
                "not-smart",
                slug,
                N_("objective {slug} is not SMART: it lacks {missing}"),
                N_("give it kpi, target and deadline in the team file"),
                {"slug": slug, "missing": missing},
            )
        elif deadline < today:
            yield Finding(
                Level.WARNING,
                "deadline-passed",
                slug,
                N_("objective {slug} passed its deadline ({deadline})"),
                N_("set a new deadline or remove the objective"),
                {"slug": slug, "deadline": deadline},
            )


def check_placeholders(registry: Any) -> Iterator[Finding]:
    """The template's placeholder people have been replaced by real ones."""
    from ark.templates import PLACEHOLDER_DOMAIN, is_placeholder

    emails = registry.session.scalars(
        select(Contributor.email).where(
            Contributor.archived.is_(False),
            Contributor.email.like(f"%@{PLACEHOLDER_DOMAIN}"),
        )
    )
    for email in emails:
        if is_placeholder(email):
            yield Finding(
                Level.WARNING,
                "placeholder",
                email,
                f"{email} is a placeholder person from `ark init`",
                f"put the real person's e-mail and name in place of {email} in ark.yaml",
            )


CORE_CHECKS = (
    Check("placeholders", check_placeholders),
    Check("raci", check_raci),
    Check("capacity", check_capacity),
    Check("departments", check_departments),
    Check("objectives", check_objectives),
)
