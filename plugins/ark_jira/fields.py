"""What an Ark task looks like as a Jira issue, and how the two are compared.

Both sides are reduced to one plain "view" (summary, description, assignee, due date, labels,
components) so that "did Ark change it", "did Jira change it" and "what to send" are the
same comparison everywhere.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ark.registry.results import MirroredTask
from ark_jira.config import MANAGED_LABEL, JiraConfig

PLANNING_FIELDS = ("summary", "description", "assignee", "duedate", "labels", "components")
View = dict[str, Any]


def marker(registry_id: str, task_key: str) -> str:
    """The per-task label that finds an issue again after a lost create response or in a
    rebuilt registry. It includes the registry's identity: task keys are the same in every
    team started from one template, and a registry must only ever find its own issues."""
    return "ark-" + hashlib.sha1(f"{registry_id}:{task_key}".encode()).hexdigest()[:12]


def desired_view(
    task: MirroredTask, config: JiraConfig, users: dict[str, str], registry_id: str
) -> View:
    labels = {MANAGED_LABEL, marker(registry_id, task.key), *config.labels}
    components: list[str] = []
    if task.department and config.departments == "label":
        labels.add(f"dept-{task.department}")
    elif task.department_name and config.departments == "component":
        components.append(task.department_name)
    return {
        "summary": task.title,
        "description": (
            f"{task.responsibility_title}: {task.title}\n\n"
            f"Planned by Ark as task {task.key}. Ark owns the summary, description, "
            "assignee, due date and labels of this issue; change them in Ark."
        ),
        "assignee": users.get(task.assignee or ""),
        "duedate": task.due.isoformat() if task.due else None,
        "labels": sorted(labels),
        "components": sorted(components),
    }


def remote_view(issue: dict[str, Any], cloud: bool) -> View:
    fields = issue.get("fields") or {}
    assignee = fields.get("assignee") or None
    return {
        "summary": fields.get("summary"),
        "description": fields.get("description"),
        "assignee": (assignee.get("accountId") if cloud else assignee.get("name"))
        if assignee
        else None,
        "duedate": fields.get("duedate"),
        "labels": sorted(fields.get("labels") or []),
        "components": sorted(c["name"] for c in fields.get("components") or []),
    }


def rest_fields(view: View, names: list[str], cloud: bool) -> dict[str, Any]:
    """The `fields` body of a create or edit for the named planning fields."""
    out: dict[str, Any] = {}
    for name in names:
        value = view[name]
        if name == "assignee":
            out[name] = (
                None if value is None else ({"accountId": value} if cloud else {"name": value})
            )
        elif name == "components":
            out[name] = [{"name": c} for c in value]
        else:
            out[name] = value
    return out


def issue_number(key: str) -> int:
    return int(key.rsplit("-", 1)[1])
