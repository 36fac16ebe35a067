"""Links from tasks to other systems' items (a Jira issue), written by plugins through here.

Tasks are named by key, as everywhere a plugin sees them; each write runs a fixed number of
statements however many tasks it links. Plugins read links with `Registry.read.links`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select

from ark.errors import NotFound
from ark.models import Task, TaskLink
from ark.registry.base import RegistryBase


class Links(RegistryBase):
    """Tasks' links to other systems."""

    def _task_ids(self, keys: Iterable[str]) -> dict[str, int]:
        """Task key -> id for these keys, in one statement; an unknown key is refused."""
        wanted = set(keys)
        ids: dict[str, int] = dict(
            self.session.execute(select(Task.key, Task.id).where(Task.key.in_(wanted))).all()
        )
        missing = sorted(wanted - set(ids))
        if missing:
            raise NotFound.task(missing[0])
        return ids

    def link_pending(self, system: str, intents: dict[str, dict[str, Any]]) -> None:
        """Record that creates are about to be sent for these tasks (key -> data), in one go."""
        ids = self._task_ids(intents)
        self.session.execute(
            insert(TaskLink),
            [
                {"task_id": ids[key], "system": system, "external_key": None, "data": data}
                for key, data in intents.items()
            ],
        )
        self.audit("intent", "task-link", system, None, {"tasks": len(intents)})

    def unlink_task(self, key: str, system: str) -> None:
        """Forget a task's link to `system` (a create that failed, an intent found nowhere)."""
        link = self.session.scalars(
            select(TaskLink)
            .join(Task, Task.id == TaskLink.task_id)
            .where(Task.key == key, TaskLink.system == system)
        ).first()
        if link is not None:
            self.session.delete(link)
            self.audit("unlink", "task", key, {"system": system, "key": link.external_key}, None)

    def link_task(self, key: str, system: str, external_key: str, data: dict[str, Any]) -> None:
        """Link one task to its item in `system`, or change its link; a new key is audited."""
        found = self.session.execute(
            select(Task.id, TaskLink)
            .outerjoin(TaskLink, (TaskLink.task_id == Task.id) & (TaskLink.system == system))
            .where(Task.key == key)
        ).first()
        if found is None:
            raise NotFound.task(key)
        task_id, link = found
        before = {"key": link.external_key} if link else None
        if link is None:
            self.session.add(
                TaskLink(task_id=task_id, system=system, external_key=external_key, data=data)
            )
        else:
            link.external_key, link.data = external_key, data
        if before != {"key": external_key}:
            self.audit("link", "task", key, before, {"system": system, "key": external_key})

    def set_links(self, system: str, links: dict[str, tuple[str, dict[str, Any]]]) -> None:
        """Write many tasks' links (task key -> item key, data) in a fixed number of
        statements, as a bulk create's answer must be committed at once; a new or changed
        key is audited."""
        if not links:
            return
        ids = self._task_ids(links)
        where = (TaskLink.system == system, TaskLink.task_id.in_(list(ids.values())))
        before = dict(
            self.session.execute(
                select(TaskLink.task_id, TaskLink.external_key).where(*where)
            ).all()
        )
        self.session.execute(delete(TaskLink).where(*where))
        self.session.execute(
            insert(TaskLink),
            [
                {"task_id": ids[key], "system": system, "external_key": item, "data": data}
                for key, (item, data) in links.items()
            ],
        )
        for key, (item, _) in links.items():
            task_id = ids[key]
            if task_id not in before or before[task_id] != item:
                was = {"key": before[task_id]} if task_id in before else None
                self.audit("link", "task", key, was, {"system": system, "key": item})
