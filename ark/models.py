"""The registry's tables, as SQLAlchemy 2 typed declarative models.

References between entities use surrogate integer keys inside the database only; everything a
person sees (team file, CLI, playbook) uses slugs and e-mail addresses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ark.vocabulary import (
    AccountRole,
    Cadence,
    CalendarStatus,
    ChannelKind,
    Component,
    Direction,
    Role,
    TaskStatus,
    ValueDimension,
)

# Named constraints make migrations reproducible on every backend (warehouse does the same).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(kind: type[Any]) -> Enum:
    """Store enums by value as plain strings, so the database reads like the team file."""
    return Enum(
        kind,
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        validate_strings=True,
        length=20,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Setting(Base):
    """Strategy-wide values (name, direction, business type, minimum weekly hours, ...)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class Contributor(Base):
    __tablename__ = "contributor"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    capacity: Mapped[float] = mapped_column(Float, default=4.0)
    jira_user: Mapped[str | None] = mapped_column(String(200), default=None)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    department: Mapped[Department] = relationship(lazy="joined", innerjoin=True)


class Kpi(Base):
    __tablename__ = "kpi"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32), default="count")
    description: Mapped[str] = mapped_column(Text, default="")
    direction: Mapped[Direction] = mapped_column(
        _enum(Direction), default=Direction.HIGHER, server_default=Direction.HIGHER.value
    )
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class AudienceSegment(Base):
    """A part of the target audience; `participation` and `where` are lists of words."""

    __tablename__ = "audience_segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    participation: Mapped[list[str]] = mapped_column(JSON, default=list)
    where: Mapped[list[str]] = mapped_column(JSON, default=list)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class Channel(Base):
    """A part of the social ecosystem (network, community, profile, platform)."""

    __tablename__ = "channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ChannelKind] = mapped_column(_enum(ChannelKind))
    purpose: Mapped[str] = mapped_column(Text, default="")
    value: Mapped[ValueDimension | None] = mapped_column(_enum(ValueDimension), default=None)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("contributor.id"), default=None)
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    owner: Mapped[Contributor | None] = relationship(lazy="joined")


class Responsibility(Base):
    __tablename__ = "responsibility"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    component: Mapped[Component] = mapped_column(_enum(Component), default=Component.OPERATIONS)
    cadence: Mapped[Cadence] = mapped_column(_enum(Cadence), default=Cadence.NONE)
    task_title: Mapped[str] = mapped_column(String(200), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), default=None)
    kpis: Mapped[list[str]] = mapped_column(JSON, default=list)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class Assignment(Base):
    """Who carries a responsibility in which RACI role, effective-dated.

    A current assignment has `valid_to` NULL; ending one sets `valid_to`, so history is kept
    and "who was accountable in March?" has an answer.
    """

    __tablename__ = "assignment"
    __table_args__ = (
        Index("ix_assignment_current", "responsibility_id", "valid_to"),
        Index("ix_assignment_contributor", "contributor_id", "valid_to"),
        # The two partial unique indexes are in `add_partial_indexes`.
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contributor_id: Mapped[int] = mapped_column(ForeignKey("contributor.id"))
    responsibility_id: Mapped[int] = mapped_column(ForeignKey("responsibility.id"))
    role: Mapped[Role] = mapped_column(_enum(Role))
    hours: Mapped[float] = mapped_column(Float, default=0.0)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, default=None)

    contributor: Mapped[Contributor] = relationship(lazy="joined", innerjoin=True)
    responsibility: Mapped[Responsibility] = relationship(lazy="joined", innerjoin=True)


def add_partial_indexes() -> None:
    """Declare the assignment table's two partial unique indexes, for Alembic's comparison.

    They are what make concurrent writers unable to add the same current assignment twice or
    a second current accountable, and the database holds them from the first migration on.
    Their WHERE needs each backend's own keyword (`sqlite_where`, `postgresql_where`), and
    naming one imports that backend's whole dialect (PostgreSQL's brings asyncio and four
    drivers' modules): declared in the class, every SQLite command would pay for PostgreSQL.
    The ORM never reads them, so only what compares or creates a schema calls this: the
    migration environment and the in-memory registry of `ark check --file`.
    """
    table = Base.metadata.tables[Assignment.__tablename__]
    if any(index.name == "uq_assignment_current" for index in table.indexes):
        return
    # At most one *current* row per (contributor, responsibility, role) ...
    Index(
        "uq_assignment_current",
        table.c.contributor_id,
        table.c.responsibility_id,
        table.c.role,
        unique=True,
        sqlite_where=text("valid_to IS NULL"),
        postgresql_where=text("valid_to IS NULL"),
    )
    # ... and at most one current accountable per responsibility.
    Index(
        "uq_assignment_one_accountable",
        table.c.responsibility_id,
        unique=True,
        sqlite_where=text("valid_to IS NULL AND role = 'accountable'"),
        postgresql_where=text("valid_to IS NULL AND role = 'accountable'"),
    )


class Objective(Base):
    """A SMART objective, with its OGST breakdown: text goals and strategies as lists, measured
    goals and tactics as rows. The objective's own KPI, target and deadline are its headline
    goal, as team files wrote them before measured goals existed."""

    __tablename__ = "objective"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    kpi_id: Mapped[int | None] = mapped_column(ForeignKey("kpi.id"), default=None)
    baseline: Mapped[float | None] = mapped_column(Float, default=None)
    target: Mapped[float | None] = mapped_column(Float, default=None)
    deadline: Mapped[dt.date | None] = mapped_column(Date, default=None)
    responsibility_id: Mapped[int | None] = mapped_column(
        ForeignKey("responsibility.id"), default=None
    )
    goals: Mapped[list[str]] = mapped_column(JSON, default=list)
    strategies: Mapped[list[str]] = mapped_column(JSON, default=list)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    kpi: Mapped[Kpi | None] = relationship(lazy="joined")
    responsibility: Mapped[Responsibility | None] = relationship(lazy="joined")
    tactics: Mapped[list[Tactic]] = relationship(
        back_populates="objective", order_by="Tactic.position", cascade="all, delete-orphan"
    )
    measures: Mapped[list[Goal]] = relationship(
        back_populates="objective", order_by="Goal.position", cascade="all, delete-orphan"
    )


class Goal(Base):
    """A measured goal of an objective: the level a KPI must reach by a date.

    `position` is the goal's place among all the objective's goals (the text ones stay in
    `Objective.goals`), so the team file's order comes back on export.
    """

    __tablename__ = "objective_goal"
    __table_args__ = (Index("ix_objective_goal_objective", "objective_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objective.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300), default="")
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpi.id"))
    baseline: Mapped[float | None] = mapped_column(Float, default=None)
    target: Mapped[float] = mapped_column(Float)
    deadline: Mapped[dt.date | None] = mapped_column(Date, default=None)

    objective: Mapped[Objective] = relationship(back_populates="measures")
    kpi: Mapped[Kpi] = relationship(lazy="joined", innerjoin=True)


class Tactic(Base):
    __tablename__ = "tactic"
    __table_args__ = (UniqueConstraint("objective_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objective.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    due: Mapped[dt.date | None] = mapped_column(Date, default=None)
    responsibility_id: Mapped[int | None] = mapped_column(
        ForeignKey("responsibility.id"), default=None
    )

    objective: Mapped[Objective] = relationship(back_populates="tactics")


class Measurement(Base):
    """A dated reading of a KPI; one per KPI and day (a second reading that day replaces it)."""

    __tablename__ = "measurement"
    __table_args__ = (UniqueConstraint("kpi_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpi.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)


class Task(Base):
    """A unit of work; `key` is its deterministic identity (`listening/2026-W48`)."""

    __tablename__ = "task"
    __table_args__ = (Index("ix_task_open", "responsibility_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    responsibility_id: Mapped[int] = mapped_column(ForeignKey("responsibility.id"))
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("objective.id"), default=None)
    period: Mapped[str | None] = mapped_column(String(16), default=None)
    due: Mapped[dt.date | None] = mapped_column(Date, default=None)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("contributor.id"), default=None)
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus), default=TaskStatus.TODO)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    responsibility: Mapped[Responsibility] = relationship(lazy="joined", innerjoin=True)
    assignee: Mapped[Contributor | None] = relationship(lazy="joined")


class TaskLink(Base):
    """Where a task lives in another system (a Jira issue), owned by the plugin that syncs it."""

    __tablename__ = "task_link"
    __table_args__ = (
        UniqueConstraint("task_id", "system"),
        UniqueConstraint("system", "external_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"))
    system: Mapped[str] = mapped_column(String(32))
    # NULL while a create is in flight: the outcome is unknown until the next sync reconciles.
    external_key: Mapped[str | None] = mapped_column(String(64), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditRecord(Base):
    """One row per change: who, when, what, before and after."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_key: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # The command that made the change (`assign`, `person offboard`), named when an apply
    # would undo it; NULL for records older than the column.
    via: Mapped[str | None] = mapped_column(String(64), default=None)


class Process(Base):
    """A documented way of doing a responsibility's recurring work; its text lives in revisions.

    `data` is the current revision's parsed content (steps, inputs, ...), kept so the playbook
    and the checks read a process without parsing its file. The review stamp is kept apart
    from the revisions: reviewing a process confirms it, it does not change it.
    """

    __tablename__ = "process"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    responsibility_id: Mapped[int] = mapped_column(ForeignKey("responsibility.id"))
    review_months: Mapped[int] = mapped_column(Integer, default=6)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_reviewed_by: Mapped[str | None] = mapped_column(String(200), default=None)
    last_reviewed_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    responsibility: Mapped[Responsibility] = relationship(lazy="joined", innerjoin=True)


class ProcessRevision(Base):
    """One recorded version of a process file, byte for byte, with who recorded it and why."""

    __tablename__ = "process_revision"
    __table_args__ = (UniqueConstraint("process_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id"))
    number: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    message: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))


class ProcessLogEntry(Base):
    """A completed task of the process's responsibility: when, who, and the outcome note."""

    __tablename__ = "process_log"
    __table_args__ = (Index("ix_process_log_process", "process_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id"))
    task_key: Mapped[str] = mapped_column(String(160))
    date: Mapped[dt.date] = mapped_column(Date)
    who: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")


class Account(Base):
    """A person who signs in to `ark serve`; a contributor's account is their contributor e-mail.

    The password is kept only as an Argon2 hash; an account without one signs in through a
    one-time link (or, later, the company's identity provider).
    """

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[AccountRole] = mapped_column(_enum(AccountRole))
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Credential(Base):
    """A secret other than a password: a browser session, a personal API token, or a one-time
    sign-in link (the first admin's link has no account yet).

    Only the SHA-256 digest of the secret is stored: the secrets are long and random, so a
    slow hash adds nothing, and a stolen database yields no usable secret.
    """

    __tablename__ = "credential"
    __table_args__ = (Index("ix_credential_account", "account_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), default=None)
    kind: Mapped[str] = mapped_column(String(16))  # "session" | "api" | "link" | "setup"
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    account: Mapped[Account | None] = relationship(lazy="joined")


class CalendarEntry(Base):
    """A piece in the editorial calendar: when, where, what, who contributes it, the draft's
    deadline and how far it has got."""

    __tablename__ = "calendar_entry"
    __table_args__ = (Index("ix_calendar_entry_date", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(300))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channel.id"), default=None)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), default=None)
    contributor_id: Mapped[int | None] = mapped_column(ForeignKey("contributor.id"), default=None)
    draft_due: Mapped[dt.date | None] = mapped_column(Date, default=None)
    status: Mapped[CalendarStatus] = mapped_column(
        _enum(CalendarStatus), default=CalendarStatus.PLANNED
    )

    channel: Mapped[Channel | None] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
    contributor: Mapped[Contributor | None] = relationship(lazy="joined")
