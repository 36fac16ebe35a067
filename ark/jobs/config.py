"""The team file's `automation:` and `notify:` sections: when the background jobs run and
how people are told. Credentials stay in the environment. The jobs keep the strategy's time
zone (`strategy.timezone`; `automation.timezone` before it, still read when alone)."""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ark.errors import ArkError
from ark.i18n import N_
from ark.periods import is_time_zone, time_zone_hint
from ark.spec import SectionSchema

if TYPE_CHECKING:
    from ark.registry.writer import Registry

HORIZONS = ("next-month", "next-quarter", "next-half")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ENV_SMTP_USER, ENV_SMTP_PASSWORD = "ARK_SMTP_USER", "ARK_SMTP_PASSWORD"
# Over a year: a record outlives every event of the year's rhythm it keeps from being told twice.
KEEP_SENT_DAYS = 400

AUTOMATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "timezone": {
            "type": "string",
            "minLength": 1,
            "description": "Deprecated: write strategy.timezone instead.",
        },
        "plan_ahead": {
            "enum": list(HORIZONS),
            "description": "How far ahead tasks are planned (default next-quarter).",
        },
        "jira_sync_minutes": {
            "type": "integer",
            "minimum": 1,
            "maximum": 1440,
            "description": "Minutes between full Jira syncs (default 15).",
        },
        "debounce_seconds": {
            "type": "number",
            "minimum": 0,
            "maximum": 600,
            "description": "Seconds a change waits for the ones after it (default 10).",
        },
        "digest_day": {"enum": list(WEEKDAYS), "description": "Weekly digest day (default mon)."},
        "digest_hour": {
            "type": "integer",
            "minimum": 0,
            "maximum": 23,
            "description": "Local hour of the weekly digest (default 8).",
        },
    },
}

NOTIFY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["sender"],
    "properties": {
        "sender": {
            "type": "string",
            "pattern": "^[^@\\s]+@[^@\\s]+$",
            "description": "write the From address, e.g. ark@acme.example",
        },
        "smtp_host": {"type": "string", "minLength": 1, "description": "No host: no e-mail."},
        "smtp_port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "security": {
            "enum": ["starttls", "ssl", "none"],
            "description": "How the SMTP connection is protected (default starttls).",
        },
        "leads": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"},
            "description": "Who hears of new `ark check` errors and failing jobs.",
        },
        "keep_sent_days": {
            "type": "integer",
            "minimum": 1,
            "maximum": 36500,
            "description": "Days a sent message is remembered, so not sent twice (default 400).",
        },
    },
}

AUTOMATION = SectionSchema("automation", AUTOMATION_SCHEMA, "When the background jobs run.")
NOTIFY = SectionSchema("notify", NOTIFY_SCHEMA, "How reminders are sent (SMTP settings).")


def _section(registry: Registry, name: str) -> dict[str, Any]:
    return next((s.value for s in registry.sections() if s.name == name), None) or {}


@cache
def _deprecated(message: str) -> None:
    """Log `message` once per process, not at every run of every job."""
    logging.getLogger("ark.jobs").warning(message)


@dataclass(frozen=True)
class AutomationConfig:
    timezone: str = "UTC"  # the strategy's, whichever field says it
    plan_ahead: str = "next-quarter"
    jira_sync_minutes: int = 15
    debounce_seconds: float = 10.0
    digest_day: str = "mon"
    digest_hour: int = 8

    @classmethod
    def read(cls, registry: Registry) -> AutomationConfig:
        values = dict(_section(registry, "automation"))
        legacy = values.pop("timezone", None)
        zone = registry.strategy().timezone
        if legacy and not zone:
            _deprecated(
                "automation.timezone is deprecated: move it to strategy.timezone in the team file"
            )
        config = cls(**values, timezone=zone or legacy or "UTC")
        config.zone()  # a misspelt zone is refused here, not when a job first runs
        return config

    def zone(self) -> ZoneInfo:
        if not is_time_zone(self.timezone):  # a registry applied before zones were checked
            raise ArkError(
                N_("strategy.timezone: {zone} is not a time zone"),
                hint=time_zone_hint(self.timezone),
                args={"zone": repr(self.timezone)},
            )
        return ZoneInfo(self.timezone)

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.zone())


@dataclass(frozen=True)
class NotifyConfig:
    sender: str = ""
    smtp_host: str | None = None
    smtp_port: int = 587
    security: str = "starttls"
    leads: tuple[str, ...] = ()
    keep_sent_days: int = KEEP_SENT_DAYS
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def read(cls, registry: Registry) -> NotifyConfig:
        value = dict(_section(registry, "notify"))
        value["leads"] = tuple(e.lower() for e in value.get("leads", ()))
        if value.get("security") == "ssl":
            value.setdefault("smtp_port", 465)
        elif value.get("security") == "none":
            value.setdefault("smtp_port", 25)
        return cls(
            **value,
            user=os.environ.get(ENV_SMTP_USER) or None,
            password=os.environ.get(ENV_SMTP_PASSWORD) or None,
        )
