"""`ark check` on the strategy's operating loop: objectives that are measured, realistic and
on their way; recurring work done on time; every tactic and every part of the cycle carried;
somebody who runs the whole. Each finding says how to fix it.

Like the core checks, each reads what it needs in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ark.checks import Check, Finding
from ark.i18n import N_, Nn_, message
from ark.models import Assignment, Goal, Kpi, Measurement, Objective, Responsibility, Task
from ark.periods import add_months
from ark.progress import against_direction, expected, progress
from ark.vocabulary import (
    CONTENT_REVIEW,
    EDITORIAL_CALENDAR,
    Cadence,
    Component,
    Direction,
    Level,
    Role,
    TaskStatus,
)

# A reading this many points of progress behind the straight path to the target is off track.
OFF_TRACK_POINTS = 25.0
# A target that asks the KPI to more than double every month, compounded, is not realistic.
MAX_MONTHLY_FACTOR = 2.0
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class MeasuredGoal:
    """One level an objective must reach: its headline KPI, or one of its measured goals."""

    objective: str
    kpi_id: int
    kpi: str
    direction: Direction
    baseline: float | None
    target: float
    deadline: dt.date | None

    @property
    def args(self) -> dict[str, Any]:
        """What every message about the goal names."""
        return {"objective": self.objective, "kpi": self.kpi, "target": self.target}


def measured_goals(registry: Any) -> list[MeasuredGoal]:
    """Every measured goal of the live objectives, in two queries."""
    session = registry.session
    out = [
        MeasuredGoal(slug, kpi_id, kpi, direction, baseline, target, deadline)
        for slug, kpi_id, kpi, direction, baseline, target, deadline in session.execute(
            select(
                Objective.slug,
                Kpi.id,
                Kpi.slug,
                Kpi.direction,
                Objective.baseline,
                Objective.target,
                Objective.deadline,
            )
            .join(Kpi, Kpi.id == Objective.kpi_id)
            .where(Objective.archived.is_(False), Objective.target.is_not(None))
            .order_by(Objective.id)
        )
    ]
    out += [
        MeasuredGoal(slug, kpi_id, kpi, direction, baseline, target, deadline or fallback)
        for slug, kpi_id, kpi, direction, baseline, target, deadline, fallback in session.execute(
            select(
                Objective.slug,
                Kpi.id,
                Kpi.slug,
                Kpi.direction,
                Goal.baseline,
                Goal.target,
                Goal.deadline,
                Objective.deadline,
            )
            .join(Objective, Objective.id == Goal.objective_id)
            .join(Kpi, Kpi.id == Goal.kpi_id)
            .where(Objective.archived.is_(False))
            .order_by(Objective.id, Goal.position)
        )
    ]
    return out


def check_objectives_exist(registry: Any) -> Iterator[Finding]:
    """A strategy without objectives has nothing to measure its work against."""
    session = registry.session
    count = session.scalar(
        select(func.count()).select_from(Objective).where(Objective.archived.is_(False))
    )
    if not count:
        yield Finding(
            Level.WARNING,
            "no-objectives",
            "strategy",
            N_("the strategy has no objectives, so nothing says whether it works"),
            N_(
                "add objectives with a KPI, a baseline, a target and a deadline to the team "
                "file (`ark init DIR --business-type TYPE` writes typical ones)"
            ),
        )


def check_goals(registry: Any) -> Iterator[Finding]:
    """Each measured goal is realistic, has readings, and its latest reading is on its way."""
    session = registry.session
    today: dt.date = registry.today
    strategy = registry.strategy()
    goals = measured_goals(registry)
    first: dict[int, tuple[dt.date, float]] = {}
    latest: dict[int, tuple[dt.date, float]] = {}
    for kpi_id, day, value in session.execute(
        select(Measurement.kpi_id, Measurement.date, Measurement.value)
        .where(Measurement.kpi_id.in_({g.kpi_id for g in goals}))
        .order_by(Measurement.kpi_id, Measurement.date)
    ):
        first.setdefault(kpi_id, (day, value))
        latest[kpi_id] = (day, value)
    horizon = add_months(today, strategy.horizon_months)
    for g in goals:
        yield from _realism(g, today, horizon, latest.get(g.kpi_id))
        if g.kpi_id not in latest:
            yield Finding(
                Level.WARNING,
                "never-measured",
                g.objective,
                N_(
                    "objective {objective} ({kpi}) has no reading of {kpi}, so nobody knows "
                    "whether it is on its way"
                ),
                N_("record one: ark kpi record {kpi} VALUE --date YYYY-MM-DD"),
                g.args,
            )
            continue
        start = strategy.start or first[g.kpi_id][0]
        on, value = latest[g.kpi_id]
        if g.deadline is None or on <= start:
            continue
        share = progress(g.baseline, g.target, value, g.direction) or 0.0
        due = expected(start, g.deadline, on)
        if share < due - OFF_TRACK_POINTS:
            yield Finding(
                Level.WARNING,
                "off-track",
                g.objective,
                N_(
                    "objective {objective} ({kpi}) is {share}% of the way to {target} on {on}, "
                    "where a straight path to {deadline} would be at {due}%"
                ),
                N_(
                    "review the objective's tactics with the people who carry them; if the "
                    "target was wrong, change it in the team file (ark kpi show {kpi})"
                ),
                {
                    **g.args,
                    "share": round(share),
                    "on": on,
                    "deadline": g.deadline,
                    "due": round(due),
                },
            )


def _realism(
    g: MeasuredGoal, today: dt.date, horizon: dt.date, reading: tuple[dt.date, float] | None
) -> Iterator[Finding]:
    """A target equal to its baseline, against the KPI's direction, too far off or too steep."""
    if g.baseline is not None and g.target == g.baseline:
        yield Finding(
            Level.WARNING,
            "target-is-baseline",
            g.objective,
            N_("objective {objective} ({kpi}) asks for {target}, which is already its baseline"),
            N_("set a target that asks for a change, or remove the objective"),
            g.args,
        )
    elif against_direction(g.baseline, g.target, g.direction):
        higher = g.direction is Direction.HIGHER
        yield Finding(
            Level.WARNING,
            "target-against-direction",
            g.objective,
            N_(
                "objective {objective} ({kpi}) goes from {baseline} to {target}, but for {kpi} "
                "higher is better"
            )
            if higher
            else N_(
                "objective {objective} ({kpi}) goes from {baseline} to {target}, but for {kpi} "
                "lower is better"
            ),
            N_("correct the target, or give KPI {kpi} the direction it has (direction: {other})"),
            {**g.args, "baseline": g.baseline, "other": "lower" if higher else "higher"},
        )
    if g.deadline is None or g.deadline <= today:
        return
    if g.deadline > horizon:
        yield Finding(
            Level.WARNING,
            "deadline-too-far",
            g.objective,
            N_(
                "objective {objective} ({kpi}) is due on {deadline}, beyond the strategy's "
                "horizon ({horizon})"
            ),
            N_(
                "set a nearer deadline and split the objective into stages (a first horizon "
                "of three to six months), or raise strategy.horizon_months"
            ),
            {**g.args, "deadline": g.deadline, "horizon": horizon},
        )
    base = reading[1] if reading else g.baseline
    if base is None:
        return
    low, high = (base, g.target) if g.direction is Direction.HIGHER else (g.target, base)
    if low <= 0 or high <= low:
        return
    months = (g.deadline - today).days / DAYS_PER_MONTH
    if math.log(high / low) / months > math.log(MAX_MONTHLY_FACTOR):
        yield Finding(
            Level.WARNING,
            "unrealistic-target",
            g.objective,
            N_(
                "objective {objective} ({kpi}) asks {kpi} to go from {base} to {target} by "
                "{deadline}, more than doubling every month"
            ),
            N_("set a target the team can reach with its time and means, or a later deadline"),
            {**g.args, "base": base, "deadline": g.deadline},
        )


def check_overdue(registry: Any) -> Iterator[Finding]:
    """Recurring work is done on time: one finding per responsibility with late tasks, an
    error when it is the loop's evaluation (the KPI report, the content review)."""
    session = registry.session
    today: dt.date = registry.today
    rows = session.execute(
        select(
            Responsibility.slug,
            Responsibility.component,
            func.count(Task.id),
            func.min(Task.due),
        )
        .join(Task, Task.responsibility_id == Responsibility.id)
        .where(
            Responsibility.archived.is_(False),
            Responsibility.cadence != Cadence.NONE,
            Task.period.is_not(None),
            Task.status != TaskStatus.DONE,
            Task.due < today,
        )
        .group_by(Responsibility.id, Responsibility.slug, Responsibility.component)
        .order_by(Responsibility.slug)
    )
    for slug, component, count, oldest in rows:
        evaluation = component == Component.EVALUATION
        yield Finding(
            Level.ERROR if evaluation else Level.WARNING,
            "overdue-evaluation" if evaluation else "overdue-tasks",
            slug,
            Nn_(
                "{slug} has {count} overdue task, due on {oldest} ({days} days late)",
                "{slug} has {count} overdue tasks, the oldest due on {oldest} ({days} days late)",
            ),
            N_(
                "do them and mark them done (ark tasks list --responsibility {slug}, then "
                "ark tasks set KEY done), or hand the work over: "
                "ark assign EMAIL {slug} --role responsible --hours 2"
            ),
            {"slug": slug, "count": count, "oldest": oldest, "days": (today - oldest).days},
        )


def check_tactics(registry: Any) -> Iterator[Finding]:
    """Every tactic is carried by a responsibility, or `ark tasks plan` cannot plan it."""
    rows = registry.unowned_tactics()
    for objective, tactic in rows:
        yield Finding(
            Level.ERROR,
            "tactic-unowned",
            f"{objective}/{tactic}",
            N_(
                "tactic {tactic} of objective {objective} has no responsibility, so no task "
                "is ever planned for it"
            ),
            N_(
                "give it one in the team file: objectives[{objective}].tactics[{tactic}]"
                ".responsibility: SLUG (or give the objective a responsibility)"
            ),
            {"objective": objective, "tactic": tactic},
        )


def check_cycle(registry: Any) -> Iterator[Finding]:
    """Every part of the five-component cycle and every social objective is carried by
    somebody: weakening one weakens the whole cycle."""
    session = registry.session
    carried = set(
        session.scalars(
            select(Responsibility.component)
            .join(Assignment, Assignment.responsibility_id == Responsibility.id)
            .where(
                Responsibility.archived.is_(False),
                Assignment.valid_to.is_(None),
                Assignment.role.in_([Role.RESPONSIBLE, Role.ACCOUNTABLE]),
            )
            .distinct()
        )
    )
    for component in Component:
        if component is not Component.OPERATIONS and component not in carried:
            yield Finding(
                Level.WARNING,
                "component-uncarried",
                str(component),
                N_(
                    "nobody carries {component}: no responsibility of that component has a "
                    "responsible or accountable person"
                ),
                N_(
                    "add a responsibility with component: {component} to the team file and "
                    "assign it (ark assign EMAIL SLUG --role responsible --hours 2)"
                ),
                {"component": component},
            )


# The seeds' recurring work that has no component of its own: another responsibility of the
# same component (people behind the brand talk, the KPI report evaluates) does not do it.
CORE_WORK = (
    (EDITORIAL_CALENDAR, Component.TALKING, Cadence.MONTHLY, N_("who contributes what, and when")),
    (
        CONTENT_REVIEW,
        Component.EVALUATION,
        Cadence.SIX_MONTHLY,
        N_("whether the content published six months ago is repackaged or updated"),
    ),
)


def check_core_work(registry: Any) -> Iterator[Finding]:
    """The editorial calendar and the six-monthly content review are in the strategy."""
    kept = set(
        registry.session.scalars(
            select(Responsibility.slug).where(
                Responsibility.archived.is_(False),
                Responsibility.slug.in_([slug for slug, *_ in CORE_WORK]),
            )
        )
    )
    for slug, component, cadence, decides in CORE_WORK:
        if slug not in kept:
            yield Finding(
                Level.WARNING,
                "core-work-missing",
                slug,
                N_("the strategy has no {slug} responsibility, so nobody decides {decides}"),
                N_(
                    "add it to the team file (slug: {slug}, component: {component}, cadence: "
                    "{cadence}) and assign it: ark assign EMAIL {slug} --role responsible "
                    "--hours 1"
                ),
                {
                    "slug": slug,
                    "decides": message(decides),
                    # the team file's own words, in every language
                    "component": component.value,
                    "cadence": cadence.value,
                },
            )


def check_owner(registry: Any) -> Iterator[Finding]:
    """One named person runs the strategy."""
    if registry.strategy().owner is None:
        yield Finding(
            Level.WARNING,
            "no-owner",
            "strategy",
            N_("nobody is named to run the strategy"),
            N_("name them in the team file: strategy.owner: EMAIL (a contributor)"),
        )


LOOP_CHECKS = (
    Check("objectives-exist", check_objectives_exist),
    Check("goals", check_goals),
    Check("overdue", check_overdue),
    Check("tactics", check_tactics),
    Check("cycle", check_cycle),
    Check("core-work", check_core_work),
    Check("owner", check_owner),
)
