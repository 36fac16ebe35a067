"""The closed vocabularies of the domain.

They live apart from the models so that the team-file schema, the CLI and the checks can use
them without importing SQLAlchemy (start-up time matters for `ark --help`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class Role(StrEnum):
    """RACI roles of an assignment."""

    RESPONSIBLE = "responsible"
    ACCOUNTABLE = "accountable"
    CONSULTED = "consulted"
    INFORMED = "informed"


# The responsibility `ark calendar plan` gives each department's monthly piece to by default.
EDITORIAL_CALENDAR = "editorial-calendar"
# The responsibility that reviews the content six months on, to repackage or update it.
CONTENT_REVIEW = "content-review"


class Cadence(StrEnum):
    """How often a responsibility produces a task; `none` means it produces none."""

    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SIX_MONTHLY = "six-monthly"


class Component(StrEnum):
    """The five-component cycle, the five social objectives, and plain operations."""

    DIRECTION = "direction"
    TARGET_MARKET = "target-market"
    DIFFERENTIATION = "differentiation"
    TECHNOLOGY = "technology"
    EVALUATION = "evaluation"
    LISTENING = "listening"
    TALKING = "talking"
    ENERGIZING = "energizing"
    SUPPORTING = "supporting"
    EMBRACING = "embracing"
    OPERATIONS = "operations"


class Direction(StrEnum):
    """Which way a KPI improves: most grow (followers), some shrink (response time)."""

    HIGHER = "higher"
    LOWER = "lower"


class Participation(StrEnum):
    """How an audience segment takes part in social media (the Groundswell profile)."""

    CREATORS = "creators"
    CRITICS = "critics"
    COLLECTORS = "collectors"
    JOINERS = "joiners"
    SPECTATORS = "spectators"
    INACTIVES = "inactives"


class ChannelKind(StrEnum):
    """The parts of a social ecosystem."""

    NETWORK = "network"
    COMMUNITY = "community"
    PROFILE = "profile"
    PLATFORM = "platform"


class ValueDimension(StrEnum):
    """The value a channel brings along the customer lifecycle."""

    DIRECT_SALES = "direct-sales"
    LEAD_GENERATION = "lead-generation"
    BRAND_AWARENESS = "brand-awareness"
    CUSTOMER_ADVOCACY = "customer-advocacy"


class CalendarStatus(StrEnum):
    """How far a piece of the editorial calendar has got."""

    PLANNED = "planned"
    DRAFTED = "drafted"
    PUBLISHED = "published"
    DROPPED = "dropped"


class TaskStatus(StrEnum):
    """Ark's own task states; the Jira plugin maps them to a workflow."""

    TODO = "todo"
    IN_PROGRESS = "in-progress"
    DONE = "done"


class BusinessType(StrEnum):
    """Business types whose typical objectives the template knows."""

    COMMERCIAL = "commercial"
    SUPPORT = "support"
    CONTENT = "content"
    CORPORATE = "corporate"


class AccountRole(StrEnum):
    """What a person signed in to `ark serve` may do; each includes the ones below it."""

    ADMIN = "admin"
    LEAD = "lead"
    MEMBER = "member"
    VIEWER = "viewer"


class Level(StrEnum):
    """Severity of a check finding."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


# What an audit record says was done, and to what kind of thing: every writer of the audit log
# names them from these (the type checker holds it to them), so the audit log page can name
# each in every language (`ark.i18n.AUDIT_ACTIONS`, `AUDIT_ENTITIES`).
AuditAction = Literal[
    "add",
    "change",
    "remove",
    "disable",
    "password",
    "sign-in",
    "sign-out",
    "revoke",
    "link",
    "unlink",
    "intent",
    "review",
    "log",
    "conflict",
]
# The kinds of thing a team file holds, in the order `ark apply` works through them.
TeamEntity = Literal[
    "registry",
    "strategy",
    "department",
    "kpi",
    "contributor",
    "segment",
    "channel",
    "responsibility",
    "assignment",
    "objective",
    "section",
]
AuditEntity = Literal[
    TeamEntity,
    "measurement",
    "task",
    "task-link",
    "process",
    "calendar",
    "digest",
    "account",
    "token",
]


LANGUAGES = ("en", "es", "it")
