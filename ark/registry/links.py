"""Links from tasks to other systems' items (a Jira issue), written by plugins through here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select

from ark.models import (
    Task,
    TaskLink,
)
from ark.registry.base import RegistryBase


class Links(RegistryBase):
    """Tasks' links to other systems."""

    def link_pending(self, system: str, intents: dict[int, dict[str, Any]]) -> None:
        """Record that creates are about to be sent for these tasks (id -> data), in one go."""
        self.session.execute(
            insert(TaskLink),
            [
                {"task_id": tid, "system": system, "external_key": None, "data": data}
                for tid, data in intents.items()
            ],
        )
        self.audit("intent", "task-link", system, None, {"tasks": len(intents)})

    def unlink_task(self, task: Task, system: str) -> None:
        link = self.session.scalars(
            select(TaskLink).where(TaskLink.task_id == task.id, TaskLink.system == system)
        ).first()
        if link is not None:
            self.session.delete(link)
            self.audit(
                "unlink", "task", task.key, {"system": system, "key": link.external_key}, None
            )

    def links(self, system: str) -> dict[int, TaskLink]:
        return {
            link.task_id: link
            for link in self.session.scalars(select(TaskLink).where(TaskLink.system == system))
        }

    def link_task(
        self, task: Task, system: str, external_key: str, data: dict[str, Any]
    ) -> TaskLink:
        link = self.session.scalars(
            select(TaskLink).where(TaskLink.task_id == task.id, TaskLink.system == system)
        ).first()
        before = {"key": link.external_key} if link else None
        if link is None:
            link = TaskLink(task_id=task.id, system=system, external_key=external_key, data=data)
            self.session.add(link)
        else:
            link.external_key, link.data = external_key, data
        if before != {"key": external_key}:
            self.audit("link", "task", task.key, before, {"system": system, "key": external_key})
        return link

    def set_links(self, system: str, links: dict[int, tuple[str, dict[str, Any]]]) -> None:
        """Write many tasks' links (task id -> key, data) in a fixed number of statements, as
        a bulk create's answer must be committed at once; a new or changed key is audited."""
        if not links:
            return
        ids = list(links)
        keys = dict(self.session.execute(select(Task.id, Task.key).where(Task.id.in_(ids))).all())
        where = (TaskLink.system == system, TaskLink.task_id.in_(ids))
        before = dict(
            self.session.execute(
                select(TaskLink.task_id, TaskLink.external_key).where(*where)
            ).all()
        )
        self.session.execute(delete(TaskLink).where(*where))
        self.session.execute(
            insert(TaskLink),
            [
                {"task_id": tid, "system": system, "external_key": key, "data": data}
                for tid, (key, data) in links.items()
            ],
        )
        for tid, (key, _) in links.items():
            if tid not in before or before[tid] != key:
                was = {"key": before[tid]} if tid in before else None
                self.audit("link", "task", keys[tid], was, {"system": system, "key": key})
