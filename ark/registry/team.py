"""The team as a whole: the registry's state as a `TeamSpec`, and applying a desired one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert, select, update

from ark.changeset import Change, ChangeSet, diff
from ark.errors import ArkError
from ark.i18n import N_
from ark.models import (
    Assignment,
    AudienceSegment,
    Channel,
    Contributor,
    Department,
    Goal,
    Kpi,
    Objective,
    Responsibility,
    Tactic,
)
from ark.registry.assignments import Assignments
from ark.registry.events import AssignmentChange
from ark.registry.settings import IDENTITY, SECTION_PREFIX, Settings
from ark.spec import (
    AssignmentSpec,
    ChannelSpec,
    ContributorSpec,
    DepartmentSpec,
    GoalSpec,
    KpiSpec,
    ObjectiveSpec,
    ResponsibilitySpec,
    SegmentSpec,
    TacticSpec,
    TeamSpec,
)
from ark.vocabulary import Participation, Role


def _interleave(
    texts: Sequence[str], measured: Sequence[tuple[int, GoalSpec]]
) -> tuple[str | GoalSpec, ...]:
    """An objective's goals in the file's order: the measured ones at their positions, the
    text ones filling the places between."""
    at = dict(measured)
    rest = iter(texts)
    return tuple(at[i] if i in at else next(rest) for i in range(len(texts) + len(at)))


class Team(Assignments, Settings):
    """The whole team: read as a `TeamSpec`, compared with a desired one, applied."""

    def team_spec(self) -> TeamSpec:
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
        goals: dict[int, list[tuple[int, GoalSpec]]] = defaultdict(list)
        for g in s.scalars(select(Goal).order_by(Goal.objective_id, Goal.position)):
            goals[g.objective_id].append(
                (g.position, GoalSpec(g.kpi.slug, g.target, g.baseline, g.deadline, g.title))
            )
        emails = dict(s.execute(select(Contributor.id, Contributor.email)).all())
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
            registry_id=self.stored_identity(),
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
                KpiSpec(k.slug, k.name, k.unit, k.description, k.direction)
                for k in s.scalars(select(Kpi).where(Kpi.archived.is_(False)).order_by(Kpi.id))
            ),
            audience=tuple(
                SegmentSpec(
                    a.slug,
                    a.name,
                    a.description,
                    tuple(Participation(p) for p in a.participation),
                    tuple(a.where),
                )
                for a in s.scalars(
                    select(AudienceSegment)
                    .where(AudienceSegment.archived.is_(False))
                    .order_by(AudienceSegment.id)
                )
            ),
            channels=tuple(
                ChannelSpec(
                    c.slug,
                    c.name,
                    c.kind,
                    c.purpose,
                    c.value,
                    emails.get(c.owner_id or 0),
                    tuple(c.objectives),
                )
                for c in s.scalars(
                    select(Channel).where(Channel.archived.is_(False)).order_by(Channel.id)
                )
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
                    _interleave(o.goals, goals[o.id]),
                    tuple(o.strategies),
                    tuple(tactics[o.id]),
                )
                for o in s.scalars(
                    select(Objective).where(Objective.archived.is_(False)).order_by(Objective.id)
                )
            ),
        )

    def changeset(self, desired: TeamSpec) -> ChangeSet:
        changeset = diff(self.team_spec(), desired)
        other = changeset.of("registry", "change")
        if other:
            raise ArkError(
                N_(
                    "the team file's `registry: {named}` names another registry than this one "
                    "({this})"
                ),
                hint=N_(
                    "apply it to its own registry (--db URL); to start a new team from "
                    "another team's file, delete its `registry:` line first"
                ),
                args={
                    "named": desired.registry_id,
                    "this": (other[0].before or {}).get("registry"),
                },
            )
        return changeset

    def apply(self, desired: TeamSpec, changeset: ChangeSet | None = None) -> ChangeSet:
        """Make the registry match `desired`; returns what was changed (`changeset`, when the
        caller already has it from `self.changeset(desired)`)."""
        changeset = self.changeset(desired) if changeset is None else changeset
        if not changeset:
            return changeset
        for change in changeset.of("registry", "add"):
            self._put_setting(IDENTITY, change.key)  # a registry rebuilt from its team file
        self.identity()
        for change in changeset.of("strategy", "change"):
            self._set_strategy(change.spec)
        for change in changeset.changes:
            if change.entity == "section":
                self._put_setting(SECTION_PREFIX + change.key, change.after)
        self._upsert(
            Department,
            "slug",
            changeset.of("department", "add") + changeset.of("department", "change"),
            lambda d, ids: {"name": d.name, "description": d.description},
        )
        self._upsert(
            Kpi,
            "slug",
            changeset.of("kpi", "add") + changeset.of("kpi", "change"),
            lambda k, ids: {
                "name": k.name,
                "unit": k.unit,
                "description": k.description,
                "direction": k.direction,
            },
        )
        department_ids = self._ids(Department, "slug")
        self._upsert(
            Contributor,
            "email",
            changeset.of("contributor", "add") + changeset.of("contributor", "change"),
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
            changeset.of("responsibility", "add") + changeset.of("responsibility", "change"),
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
        self._upsert(
            AudienceSegment,
            "slug",
            changeset.of("segment", "add") + changeset.of("segment", "change"),
            lambda a, ids: {
                "name": a.name,
                "description": a.description,
                "participation": [str(p) for p in a.participation],
                "where": list(a.where),
            },
        )
        self._upsert(
            Channel,
            "slug",
            changeset.of("channel", "add") + changeset.of("channel", "change"),
            lambda c, ids: {
                "name": c.name,
                "kind": c.kind,
                "purpose": c.purpose,
                "value": c.value,
                "owner_id": contributor_ids.get(c.owner or ""),
                "objectives": list(c.objectives),
            },
        )
        responsibility_ids = self._ids(Responsibility, "slug")
        removed = changeset.of("assignment", "remove")
        self._end_assignments(
            [
                (responsibility_ids[slug], contributor_ids[a.contributor], a.role)
                for slug, a in (c.spec for c in removed)
            ]
        )
        for change in changeset.of("assignment", "change"):
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
        added = changeset.of("assignment", "add")
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
        for change in changeset.of("objective", "add") + changeset.of("objective", "change"):
            self._put_objective(change.spec, kpi_ids, responsibility_ids)
        for entity, model, column in (
            ("channel", Channel, "slug"),
            ("segment", AudienceSegment, "slug"),
            ("objective", Objective, "slug"),
            ("responsibility", Responsibility, "slug"),
            ("contributor", Contributor, "email"),
            ("kpi", Kpi, "slug"),
            ("department", Department, "slug"),
        ):
            keys = [c.key for c in changeset.of(entity, "remove")]
            if keys:
                self._archive(model, column, keys)
        for change in changeset.changes:
            self.audit(change.action, change.entity, change.key, change.before, change.after)
        for change in (*added, *removed, *changeset.of("assignment", "change")):
            slug, a = change.spec
            self.emit(AssignmentChange(change.action, slug, a.contributor, a.role, a.hours))
        self.reassign_open_tasks({slug for c in (*added, *removed) for slug in [c.spec[0]]})
        self.flush()
        return changeset

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
        row.goals = [g for g in spec.goals if isinstance(g, str)]
        row.strategies = list(spec.strategies)
        row.measures = [
            Goal(
                position=position,
                title=g.title,
                kpi_id=kpi_ids[g.kpi],
                baseline=g.baseline,
                target=g.target,
                deadline=g.deadline,
            )
            for position, g in enumerate(spec.goals)
            if isinstance(g, GoalSpec)
        ]
        by_slug = {t.slug: t for t in row.tactics}
        row.tactics = []
        for position, t in enumerate(spec.tactics):
            tactic = by_slug.get(t.slug) or Tactic(slug=t.slug)
            tactic.position, tactic.title, tactic.due = position, t.title, t.due
            tactic.responsibility_id = responsibility_ids.get(t.responsibility or "")
            row.tactics.append(tactic)
