"""The desired state of a team, as plain values: what a team file says and what export writes.

Both directions go through these classes: the team file is parsed into a `TeamSpec`, and the
registry is read back into one, so "apply" is a comparison of two `TeamSpec`s and "export
then apply is a no-op" holds by construction.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import MISSING, dataclass, field, fields
from enum import StrEnum
from functools import cache
from typing import Any

from ark.vocabulary import (
    Cadence,
    ChannelKind,
    Component,
    Direction,
    Participation,
    Role,
    ValueDimension,
)

DEFAULT_CAPACITY = 4.0
DEFAULT_MIN_WEEKLY_HOURS = 2.0
DEFAULT_HORIZON_MONTHS = 12


def _plain(value: Any, keep_defaults: bool = False) -> Any:
    if isinstance(value, Entity):
        return value.as_dict(keep_defaults=keep_defaults)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v, keep_defaults) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True)
class Entity:
    """Shared behaviour: a dictionary view that leaves out defaults, as a person would write."""

    def as_dict(self, *, keep_defaults: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        layout = _layout(self.__class__)  # type: ignore[arg-type]  # mypy sees a frozen dataclass's class as unhashable
        for name, key, default, nested in layout:
            value = getattr(self, name)
            if nested:
                if value:
                    out[name] = [item.as_dict(keep_defaults=keep_defaults) for item in value]
                continue
            if not keep_defaults and default is not MISSING and value == default:
                continue
            out[key] = _plain(value, keep_defaults)
        return out


@cache
def _layout(cls: type) -> tuple[tuple[str, str, Any, bool], ...]:
    """Each field's name, key in the file, default and nesting (read once per class: a big
    team's plan builds tens of thousands of views)."""
    return tuple(
        (f.name, f.metadata.get("key", f.name), f.default, bool(f.metadata.get("nested")))
        for f in fields(cls)
    )


@dataclass(frozen=True)
class StrategySpec(Entity):
    name: str = ""
    business_type: str | None = None
    lang: str = "en"
    direction: str = ""
    min_weekly_hours: float = DEFAULT_MIN_WEEKLY_HOURS
    expected_departments: tuple[str, ...] = ()
    owner: str | None = None
    start: dt.date | None = None
    differentiation: str = ""
    horizon_months: int = DEFAULT_HORIZON_MONTHS
    timezone: str | None = None  # IANA; the jobs' "today", reminders and digests (UTC unset)

    @classmethod
    def from_settings(cls, values: dict[str, Any]) -> StrategySpec:
        """The strategy from its stored settings (key -> decoded JSON value): one reading
        for the ORM and for the read API, which both find a missing key as its default."""
        default = cls()
        return cls(
            name=values.get("name", default.name),
            business_type=values.get("business_type"),  # None is stored as no setting
            lang=values.get("lang", default.lang),
            direction=values.get("direction", default.direction),
            min_weekly_hours=float(values.get("min_weekly_hours", default.min_weekly_hours)),
            expected_departments=tuple(values.get("expected_departments", ())),
            owner=values.get("owner"),
            start=dt.date.fromisoformat(values["start"]) if values.get("start") else None,
            differentiation=values.get("differentiation", default.differentiation),
            horizon_months=int(values.get("horizon_months", default.horizon_months)),
            timezone=values.get("timezone"),  # None is stored as no setting
        )


# The strategy's settings, one per field (`Settings.strategy`, `Queries.strategy`).
STRATEGY_KEYS = tuple(f.name for f in fields(StrategySpec))


@dataclass(frozen=True)
class DepartmentSpec(Entity):
    slug: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class ContributorSpec(Entity):
    email: str
    name: str
    department: str
    capacity: float = DEFAULT_CAPACITY
    jira_user: str | None = None


@dataclass(frozen=True)
class KpiSpec(Entity):
    slug: str
    name: str
    unit: str = "count"
    description: str = ""
    direction: Direction = Direction.HIGHER


@dataclass(frozen=True)
class SegmentSpec(Entity):
    """A part of the target audience: who, how they take part, and where they are."""

    slug: str
    name: str
    description: str = ""
    participation: tuple[Participation, ...] = ()
    where: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChannelSpec(Entity):
    """A part of the social ecosystem, with the value it serves and the objectives it carries."""

    slug: str
    name: str
    kind: ChannelKind
    purpose: str = ""
    value: ValueDimension | None = None
    owner: str | None = None
    objectives: tuple[str, ...] = ()


@dataclass(frozen=True)
class AssignmentSpec(Entity):
    contributor: str
    role: Role
    hours: float = 0.0
    since: dt.date | None = field(default=None, metadata={"key": "from"})

    @property
    def identity(self) -> tuple[str, Role]:
        return (self.contributor, self.role)


@dataclass(frozen=True)
class ResponsibilitySpec(Entity):
    slug: str
    title: str
    description: str = ""
    component: Component = Component.OPERATIONS
    cadence: Cadence = Cadence.NONE
    task: str = ""
    department: str | None = None
    kpis: tuple[str, ...] = ()
    assignments: tuple[AssignmentSpec, ...] = field(default=(), metadata={"nested": True})


@dataclass(frozen=True)
class TacticSpec(Entity):
    slug: str
    title: str
    due: dt.date | None = None
    responsibility: str | None = None


@dataclass(frozen=True)
class GoalSpec(Entity):
    """A measured goal of an objective: the level a KPI must reach by a date."""

    kpi: str
    target: float
    baseline: float | None = None
    deadline: dt.date | None = None
    title: str = ""


@dataclass(frozen=True)
class ObjectiveSpec(Entity):
    slug: str
    title: str
    kpi: str | None = None
    baseline: float | None = None
    target: float | None = None
    deadline: dt.date | None = None
    responsibility: str | None = None
    goals: tuple[str | GoalSpec, ...] = ()  # text, or measured goals
    strategies: tuple[str, ...] = ()
    tactics: tuple[TacticSpec, ...] = field(default=(), metadata={"nested": True})

    @property
    def measured(self) -> tuple[GoalSpec, ...]:
        """The goals that name a KPI and a level, in order."""
        return tuple(g for g in self.goals if isinstance(g, GoalSpec))


@dataclass(frozen=True)
class SectionSchema:
    """A plugin's declaration of a team-file section: its key and JSON Schema."""

    name: str
    schema: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class SectionSpec:
    """A plugin's own top-level section of the team file (`jira:`), kept as JSON text.

    The core stores and round-trips it without knowing its meaning; the plugin that
    registered the section's schema reads it.
    """

    name: str
    content: str  # canonical JSON, so equal sections compare equal

    @classmethod
    def of(cls, name: str, value: Any) -> SectionSpec:
        return cls(name, json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))

    @property
    def value(self) -> Any:
        return json.loads(self.content)


@dataclass(frozen=True)
class TeamSpec:
    strategy: StrategySpec = StrategySpec()
    departments: tuple[DepartmentSpec, ...] = ()
    contributors: tuple[ContributorSpec, ...] = ()
    kpis: tuple[KpiSpec, ...] = ()
    audience: tuple[SegmentSpec, ...] = ()
    channels: tuple[ChannelSpec, ...] = ()
    responsibilities: tuple[ResponsibilitySpec, ...] = ()
    objectives: tuple[ObjectiveSpec, ...] = ()
    sections: tuple[SectionSpec, ...] = ()
    registry_id: str | None = None
    """The registry's identity (see `Settings.identity`); None when the file has none."""

    def section(self, name: str) -> Any:
        """The content of a plugin's section, or None when the file has none."""
        return next((s.value for s in self.sections if s.name == name), None)

    def as_document(self, *, keep_defaults: bool = False) -> dict[str, Any]:
        """The team file's content, in its canonical key order (the audience and the channels,
        newer than the format, only when there are some, so older files export as before)."""
        doc: dict[str, Any] = {"ark": 1}
        if self.registry_id:
            doc["registry"] = self.registry_id
        for name in (
            "strategy",
            "departments",
            "contributors",
            "kpis",
            "audience",
            "channels",
            "responsibilities",
            "objectives",
        ):
            value = getattr(self, name)
            if name in ("audience", "channels") and not value:
                continue
            doc[name] = (
                value.as_dict(keep_defaults=keep_defaults)
                if isinstance(value, Entity)
                else [item.as_dict(keep_defaults=keep_defaults) for item in value]
            )
        doc.update((s.name, s.value) for s in self.sections)
        return doc
