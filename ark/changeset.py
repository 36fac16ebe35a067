"""What applying a team file would change: a pure comparison of two `TeamSpec`s.

Keeping the comparison free of the database lets `--dry-run`, `apply` and the tests share one
definition of "changed", and makes export-then-apply a no-op by construction.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from ark.spec import AssignmentSpec, Entity, ResponsibilitySpec, TeamSpec
from ark.text import shown
from ark.vocabulary import AuditEntity, TeamEntity

Action = Literal["add", "change", "remove"]
ORDER: tuple[TeamEntity, ...] = get_args(TeamEntity)
SYMBOL = {"add": "+", "change": "~", "remove": "-"}


@dataclass(frozen=True)
class Change:
    entity: AuditEntity
    key: str
    action: Action
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    spec: Any = field(default=None, compare=False)

    def fields(self) -> list[str]:
        """The names of the fields that differ (all of them for an add or remove)."""
        before, after = self.before or {}, self.after or {}
        return [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]

    def describe(self) -> str:
        head = f"{SYMBOL[self.action]} {self.entity} {self.key}"
        if self.action != "change":
            return head
        before, after = self.before or {}, self.after or {}
        parts = [f"{k}: {shown(before.get(k))} -> {shown(after.get(k))}" for k in self.fields()]
        return f"{head} ({'; '.join(parts)})"

    def as_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "key": self.key,
            "action": self.action,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class ChangeSet:
    changes: tuple[Change, ...]

    def __bool__(self) -> bool:
        return bool(self.changes)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per entity: how many added, changed, removed."""
        counter = Counter((c.entity, c.action) for c in self.changes)
        return {
            entity: {action: counter[(entity, action)] for action in ("add", "change", "remove")}
            for entity in ORDER
            if any(counter[(entity, a)] for a in ("add", "change", "remove"))
        }

    def of(self, entity: str, action: Action) -> list[Change]:
        return [c for c in self.changes if c.entity == entity and c.action == action]

    def lines(self) -> Iterator[str]:
        for change in self.changes:
            yield change.describe()


def _entity_view(item: Entity) -> dict[str, Any]:
    return item.as_dict(keep_defaults=True)


def _diff(
    entity: AuditEntity,
    current: Iterable[tuple[Any, Any]],
    desired: Iterable[tuple[Any, Any]],
    view: Any = _entity_view,
    name: Callable[[Any], str] = str,
) -> Iterator[Change]:
    now = dict(current)
    want = dict(desired)
    for key, spec in want.items():
        if key not in now:
            yield Change(entity, name(key), "add", None, view(spec), spec)
        elif now[key] != spec:  # comparing the specs first spares building views of equals
            before, after = view(now[key]), view(spec)
            if before != after:
                yield Change(entity, name(key), "change", before, after, spec)
    for key, spec in now.items():
        if key not in want:
            yield Change(entity, name(key), "remove", view(spec), None, spec)


def _responsibility_view(r: ResponsibilitySpec) -> dict[str, Any]:
    """The responsibility's own fields: its assignments are compared one by one."""
    return dataclasses.replace(r, assignments=()).as_dict(keep_defaults=True)


AssignmentKey = tuple[str, str, str]  # the role is a `Role`, itself a str


def _assignments(spec: TeamSpec) -> Iterator[tuple[AssignmentKey, tuple[str, AssignmentSpec]]]:
    """Assignments by (responsibility, contributor, role); the key is spelled out only for
    the changes, as a big team has tens of thousands that match."""
    for r in spec.responsibilities:
        for a in r.assignments:
            yield (r.slug, a.contributor, a.role), (r.slug, a)


def diff(current: TeamSpec, desired: TeamSpec) -> ChangeSet:
    """The changes that turn `current` into `desired`.

    An assignment without a `from` date in the file matches whatever date the registry has,
    so a hand-written file need not repeat dates.
    """
    changes: list[Change] = []
    if desired.registry_id and desired.registry_id != current.registry_id:
        # A file without `registry:` keeps the registry's identity: only a named one counts.
        changes.append(
            Change(
                "registry",
                desired.registry_id,
                "change" if current.registry_id else "add",
                {"registry": current.registry_id} if current.registry_id else None,
                {"registry": desired.registry_id},
            )
        )
    if current.strategy != desired.strategy:
        changes.append(
            Change(
                "strategy",
                "strategy",
                "change",
                _entity_view(current.strategy),
                _entity_view(desired.strategy),
                desired.strategy,
            )
        )
    changes += _diff(
        "department",
        ((d.slug, d) for d in current.departments),
        ((d.slug, d) for d in desired.departments),
    )
    changes += _diff(
        "kpi", ((k.slug, k) for k in current.kpis), ((k.slug, k) for k in desired.kpis)
    )
    changes += _diff(
        "contributor",
        ((c.email, c) for c in current.contributors),
        ((c.email, c) for c in desired.contributors),
    )
    changes += _diff(
        "segment", ((a.slug, a) for a in current.audience), ((a.slug, a) for a in desired.audience)
    )
    changes += _diff(
        "channel", ((c.slug, c) for c in current.channels), ((c.slug, c) for c in desired.channels)
    )
    changes += _diff(
        "responsibility",
        ((r.slug, r) for r in current.responsibilities),
        ((r.slug, r) for r in desired.responsibilities),
        _responsibility_view,
    )
    now = dict(_assignments(current))
    wanted = [
        (
            key,
            (
                slug,
                a
                if a.since is not None or key not in now
                else AssignmentSpec(a.contributor, a.role, a.hours, now[key][1].since),
            ),
        )
        for key, (slug, a) in _assignments(desired)
    ]
    changes += _diff(
        "assignment",
        now.items(),
        wanted,
        lambda pair: _entity_view(pair[1]),
        "/".join,  # responsibility/contributor/role, as the audit log names assignments
    )
    changes += _diff(
        "objective",
        ((o.slug, o) for o in current.objectives),
        ((o.slug, o) for o in desired.objectives),
    )
    changes += _diff(
        "section",
        ((s.name, s) for s in current.sections),
        ((s.name, s) for s in desired.sections),
        lambda s: s.value,
    )
    return ChangeSet(tuple(sorted(changes, key=lambda c: ORDER.index(c.entity))))
