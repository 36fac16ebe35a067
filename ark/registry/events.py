"""What the registry's event hooks are given: one frozen record per kind of change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ark.vocabulary import Role, TaskStatus


@dataclass(frozen=True)
class AssignmentChange:
    """An assignment started, changed or ended; passed to `ark_assignment_changed`."""

    action: str  # "add" | "change" | "remove"
    responsibility: str
    contributor: str
    role: Role
    hours: float


@dataclass(frozen=True)
class TaskChange:
    """A task planned, reassigned or moved to another status; passed to `ark_task_changed`."""

    action: str  # "planned" | "status" | "reassigned"
    key: str
    responsibility: str
    status: TaskStatus
    assignee: str | None
    by: str
    at: dt.datetime  # when: for a status pulled back from Jira, when it moved there
    note: str = ""


@dataclass(frozen=True)
class ProcessChange:
    """A process recorded, reviewed, given a completion or archived; passed to
    `ark_process_changed`."""

    action: str  # "recorded" | "reviewed" | "logged" | "archived"
    slug: str
    responsibility: str
    revision: int
    by: str
