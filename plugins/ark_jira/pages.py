"""The playbook's Jira page: which issue carries each open task."""

from __future__ import annotations

from sqlalchemy import select

from ark.models import Task, TaskLink
from ark.service import Registry
from ark_jira.sync import SYSTEM


def board_page(registry: Registry) -> str:
    section = registry.snapshot().section("jira") or {}
    server = str(section.get("server", "")).rstrip("/")
    rows = registry.session.execute(
        select(Task.key, Task.title, Task.status, TaskLink.external_key)
        .join(TaskLink, TaskLink.task_id == Task.id)
        .where(TaskLink.system == SYSTEM, TaskLink.external_key.is_not(None))
        .order_by(Task.due, Task.key)
    ).all()
    if not rows:
        return ""
    lines = ["# Jira board", "", "| Task | Issue | Status |", "| --- | --- | --- |"]
    for key, title, status, issue in rows:
        link = f"[{issue}]({server}/browse/{issue})" if server else issue
        lines.append(f"| {title} (`{key}`) | {link} | {status} |")
    return "\n".join(lines) + "\n"
