"""The playbook's Jira page: which issue carries each task Ark has put on the board."""

from __future__ import annotations

from sqlalchemy import select

from ark.models import Task, TaskLink
from ark.service import Registry
from ark_jira.config import stored_section
from ark_jira.sync import SYSTEM

LABELS: dict[str, dict[str, str]] = {
    "en": {"title": "Jira board", "task": "Task", "issue": "Issue", "status": "Status"},
    "es": {"title": "Tablero de Jira", "task": "Tarea", "issue": "Incidencia", "status": "Estado"},
    "it": {"title": "Bacheca Jira", "task": "Attività", "issue": "Ticket", "status": "Stato"},
}


def board_page(registry: Registry, lang: str) -> str:
    """The page's Markdown, or "" when no task has an issue yet."""
    section = stored_section(registry) or {}
    server = str(section.get("server", "")).rstrip("/")
    rows = registry.session.execute(
        select(Task.key, Task.title, Task.status, TaskLink.external_key)
        .join(TaskLink, TaskLink.task_id == Task.id)
        .where(TaskLink.system == SYSTEM, TaskLink.external_key.is_not(None))
        .order_by(Task.due, Task.key)
    ).all()
    if not rows:
        return ""
    label = LABELS.get(lang, LABELS["en"])
    lines = [
        "---",
        f"title: {label['title']}",
        "tags: [jira]",
        "---",
        "",
        f"# {label['title']}",
        "",
        f"| {label['task']} | {label['issue']} | {label['status']} |",
        "| --- | --- | --- |",
    ]
    for key, title, status, issue in rows:
        link = f"[{issue}]({server}/browse/{issue})" if server else issue
        lines.append(f"| {title} (`{key}`) | {link} | {status} |")
    return "\n".join(lines) + "\n"
