"""What the read API returns: plain frozen dataclasses, never ORM objects.

A plugin, a page or a command can keep them after the transaction ends, compare them, and turn
them into JSON or CSV (`as_json`) without knowing the tables behind them. References are
slugs and e-mail addresses, as everywhere a person sees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


class Result:
    """Turns a result into JSON-ready values (dates as ISO text, tuples as lists)."""

    def as_json(self) -> dict[str, Any]:
        return {key: _plain(value) for key, value in asdict(self).items()}  # type: ignore[call-overload]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, how many match in all, and where the page starts."""

    items: tuple[T, ...]
    total: int
    offset: int = 0
    limit: int | None = None

    @property
    def more(self) -> bool:
        """Whether items follow this page."""
        return self.offset + len(self.items) < self.total


@dataclass(frozen=True)
class PersonRow(Result):
    """A current contributor, with the hours their current roles add up to."""

    email: str
    name: str
    department: str
    capacity: float
    jira_user: str | None
    assigned_hours: float
    roles: int


@dataclass(frozen=True)
class ResponsibilityRow(Result):
    """A current responsibility, its accountable person and how many people carry it."""

    slug: str
    title: str
    component: str
    cadence: str
    department: str | None
    accountable: str | None
    people: int
    hours: float
    kpis: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class AssignmentRow(Result):
    """An assignment: who holds (or held) which role on which responsibility, from when to
    when (`until` is None while it is current)."""

    responsibility: str
    email: str
    name: str
    role: str
    hours: float
    since: dt.date
    until: dt.date | None


@dataclass(frozen=True)
class ObjectiveRow(Result):
    """A current objective: its KPI, baseline, target and deadline, who carries it, and the
    goals and strategies written under it (its tactics: `Queries.tactics`)."""

    slug: str
    title: str
    kpi: str | None
    baseline: float | None
    target: float | None
    deadline: dt.date | None
    responsibility: str | None
    goals: tuple[str, ...]
    strategies: tuple[str, ...]


@dataclass(frozen=True)
class TacticRow(Result):
    """A step planned towards an objective, and the responsibility whose task it becomes."""

    objective: str
    slug: str
    title: str
    due: dt.date | None
    responsibility: str | None


@dataclass(frozen=True)
class ReadingRow(Result):
    """One reading of a KPI."""

    kpi: str
    date: dt.date
    value: float


@dataclass(frozen=True)
class KpiRow(Result):
    """A current KPI, which way is better, its latest reading and how many objectives it
    measures.

    With how far the latest reading has come towards the first goal the KPI measures (in
    `Queries.goals` order): that goal's `baseline`, `target` and `deadline`, and `progress`
    in percent, from `ark.progress` (None when it measures none)."""

    slug: str
    name: str
    unit: str
    description: str
    direction: str
    latest_date: dt.date | None
    latest_value: float | None
    readings: int
    objectives: int
    baseline: float | None = None
    target: float | None = None
    deadline: dt.date | None = None
    progress: float | None = None


@dataclass(frozen=True)
class GoalRow(Result):
    """A measured goal: the level a KPI must reach by a date, for an objective (its own KPI,
    `title` empty, or one of its measured goals), with the KPI's latest reading and the share
    of the way from baseline to target it has come, in percent (`ark.progress.progress`, so
    in the KPI's direction: lower is better for a response time)."""

    objective: str
    title: str
    kpi: str
    kpi_name: str
    unit: str
    direction: str
    baseline: float | None
    target: float | None
    deadline: dt.date | None
    latest_date: dt.date | None
    latest_value: float | None
    progress: float | None


@dataclass(frozen=True)
class StrategyRow(Result):
    """The strategy's own settings: where it goes, what sets it apart, who runs it (an
    e-mail, and that person's name while they are in the team) and since when."""

    name: str
    lang: str
    business_type: str | None
    direction: str
    differentiation: str
    owner: str | None
    owner_name: str | None
    start: dt.date | None


@dataclass(frozen=True)
class SegmentRow(Result):
    """A part of the target audience: who, how they take part, and where they are."""

    slug: str
    name: str
    description: str
    participation: tuple[str, ...]
    where: tuple[str, ...]


@dataclass(frozen=True)
class ChannelRow(Result):
    """A part of the social ecosystem: its kind, purpose, the value it serves, who owns it
    (an e-mail and a name) and the objectives (slugs) it carries."""

    slug: str
    name: str
    kind: str
    purpose: str
    value: str | None
    owner: str | None
    owner_name: str | None
    objectives: tuple[str, ...]


@dataclass(frozen=True)
class TaskRow(Result):
    """A task, its owner (e-mail and name), and its key in another system when asked for
    (`linked_to`)."""

    key: str
    title: str
    responsibility: str
    status: str
    assignee: str | None
    due: dt.date | None
    period: str | None
    external_key: str | None
    assignee_name: str | None


@dataclass(frozen=True)
class MirroredTask(Result):
    """A task as another system's copy of it needs it (a Jira issue): its responsibility's
    title, its department, its assignee's user in Jira, and its note."""

    key: str
    title: str
    status: str
    due: dt.date | None
    responsibility: str
    responsibility_title: str
    department: str | None
    department_name: str | None
    assignee: str | None
    assignee_jira_user: str | None
    note: str


@dataclass(frozen=True)
class TaskLinkRow(Result):
    """A task's link to its copy in another system: the copy's key there (None while a
    create sent there has not been answered) and what the plugin keeps about it."""

    task: str
    external_key: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class ProcessRow(Result):
    """A current documented process: what it documents, its current revision and content,
    and its last review."""

    slug: str
    title: str
    responsibility: str
    responsibility_title: str
    cadence: str
    review_months: int
    revision: int
    data: dict[str, Any]
    created_at: dt.datetime
    changed_at: dt.datetime
    last_reviewed_by: str | None
    last_reviewed_on: dt.date | None


@dataclass(frozen=True)
class AuditEntry(Result):
    """One change: who made it, when, to what, and the values before and after."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class LastChange(Result):
    """When one thing (an entity and its key) last changed: the newest of its audit records."""

    entity: str
    key: str
    at: dt.datetime


@dataclass(frozen=True)
class CalendarRow(Result):
    """A piece in the editorial calendar: when, where, what, who contributes it (a person, or
    else a department), when its draft is due, and how far it has come."""

    id: int
    date: dt.date
    topic: str
    channel: str | None
    department: str | None
    contributor: str | None
    draft_due: dt.date | None
    status: str
    channel_name: str | None
    department_name: str | None
    contributor_name: str | None


@dataclass(frozen=True)
class DepartmentRow(Result):
    """A current department."""

    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class HeldRole(Result):
    """A current assignment: who holds which role on what, for how many hours a week."""

    responsibility: str
    contributor: str
    role: str
    hours: float
    since: dt.date | None
