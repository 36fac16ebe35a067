"""The `jira:` section of the team file, and the credentials, which only the environment holds."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ark.errors import ArkError
from ark.i18n import N_
from ark.spec import SectionSchema
from ark.vocabulary import TaskStatus

if TYPE_CHECKING:
    from ark.registry.writer import Registry

ENV_EMAIL, ENV_TOKEN, ENV_PAT = "ARK_JIRA_EMAIL", "ARK_JIRA_TOKEN", "ARK_JIRA_PAT"
MANAGED_LABEL = "ark"
DEFAULT_STATUSES = {
    TaskStatus.TODO: "category:new",
    TaskStatus.IN_PROGRESS: "category:indeterminate",
    TaskStatus.DONE: "category:done",
}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["server", "project"],
    "properties": {
        "server": {
            "type": "string",
            "pattern": "^https?://[^/\\s]+",
            "description": "write Jira's base URL, e.g. https://acme.atlassian.net",
        },
        "project": {
            "type": "string",
            "pattern": "^[A-Z][A-Z0-9_]+$",
            "description": "write the project key in capitals, e.g. ARK",
        },
        "issue_type": {"type": "string", "minLength": 1, "description": "Default: Task."},
        "departments": {"enum": ["component", "label", "none"]},
        "statuses": {
            "type": "object",
            "additionalProperties": False,
            "properties": {s.value: {"type": "string", "minLength": 1} for s in TaskStatus},
            "description": "Ark status -> Jira status name, or category:new|indeterminate|done.",
        },
        "labels": {"type": "array", "items": {"type": "string", "pattern": "^\\S+$"}},
        "conflicts": {"enum": ["ark", "jira"], "description": "Who wins a field edited on both."},
        "concurrency": {"type": "integer", "minimum": 1, "maximum": 32},
        "bulk": {"type": "boolean", "description": "Use bulk create when the server has it."},
        "search_lag": {
            "type": "number",
            "minimum": 0,
            "maximum": 3600,
            "description": "Seconds Jira's search may lag behind creates (default 60).",
        },
        "connect_timeout": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 120,
            "description": "Seconds to wait for a connection to Jira (default 5).",
        },
        "read_timeout": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 600,
            "description": "Seconds to wait for Jira's answer once connected (default 60).",
        },
    },
}

SECTION = SectionSchema("jira", SCHEMA, "Where and how the tasks are synced to Jira.")


@dataclass(frozen=True)
class JiraConfig:
    server: str
    project: str
    issue_type: str = "Task"
    departments: str = "component"
    statuses: dict[TaskStatus, str] = field(default_factory=lambda: dict(DEFAULT_STATUSES))
    labels: tuple[str, ...] = ()
    conflicts: str = "ark"
    concurrency: int = 16
    bulk: bool = True
    search_lag: float = 60.0
    connect_timeout: float = 5.0
    read_timeout: float = 60.0

    @classmethod
    def from_section(cls, value: dict[str, Any] | None) -> JiraConfig:
        if not value:
            raise ArkError(
                N_("the team file has no `jira:` section"),
                hint=N_(
                    "add one with at least `server:` and `project:` (see docs/jira.md), "
                    "then `ark apply ark.yaml`"
                ),
            )
        statuses = dict(DEFAULT_STATUSES)
        statuses.update({TaskStatus(k): v for k, v in (value.get("statuses") or {}).items()})
        plain = {k: v for k, v in value.items() if k not in ("server", "statuses", "labels")}
        return cls(
            server=value["server"].rstrip("/"),
            statuses=statuses,
            labels=tuple(value.get("labels", ())),
            **plain,
        )


@dataclass(frozen=True)
class Credentials:
    """Either an e-mail and API token (Cloud) or a personal access token (Data Center)."""

    email: str | None = None
    token: str | None = field(default=None, repr=False)
    pat: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls) -> Credentials:
        email, token, pat = (os.environ.get(n) for n in (ENV_EMAIL, ENV_TOKEN, ENV_PAT))
        if pat:
            return cls(pat=pat)
        if email and token:
            return cls(email=email, token=token)
        raise ArkError(
            N_("no Jira credentials in the environment"),
            hint=N_(
                "Jira Cloud: set {email} and {token} (an API token); "
                "Jira Data Center: set {pat} (a personal access token)"
            ),
            args={"email": ENV_EMAIL, "token": ENV_TOKEN, "pat": ENV_PAT},
        )

    @property
    def kind(self) -> str:
        return N_("personal access token") if self.pat else N_("API token")


def stored_section(registry: Registry) -> Any:
    """The jira section as the last apply stored it, read alone rather than via the whole `team_spec()`."""
    return next((s.value for s in registry.sections() if s.name == "jira"), None)


def issue_url(registry: Registry) -> str | None:
    """The address of an issue's page on the board, with `{key}` for the issue's key; None
    while no server is set up."""
    server = str((stored_section(registry) or {}).get("server", "")).rstrip("/")
    return f"{server}/browse/{{key}}" if server else None
