"""Edits made in the registry since the team file was last applied or exported.

`ark assign`, `ark person offboard` and the like change the registry without touching the
file, so applying the old file again would quietly undo them. The registry keeps a mark (the
file's digest and the audit log's high-water mark at the last apply or export); every change
of the changeset whose entity was edited after that mark is a revert, named with who made the
edit, when, and with which command, and refused unless the lead asks for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ark import __version__
from ark.changeset import Change, ChangeSet

if TYPE_CHECKING:
    from ark.registry.writer import Registry


def file_digest(data: bytes) -> str:
    """What identifies a team file's meaning: its bytes, read by this version of Ark."""
    return hashlib.sha256(__version__.encode() + b"\0" + data).hexdigest()


@dataclass(frozen=True)
class Revert:
    """A change of the changeset that undoes an edit made since the file was last applied."""

    change: Change
    actor: str
    on: str
    via: str
    edit: str  # the edit's action in the audit log: add, change or remove

    def describe(self) -> str:
        made = {"add": "set", "change": "changed", "remove": "ended"}.get(self.edit, self.edit)
        return f"{self._what()}, {made} by {self.actor} on {self.on} via {self.via}"

    def _what(self) -> str:
        c = self.change
        if c.entity == "assignment":
            slug, email, role = c.key.split("/", 2)
            verb = {"add": "restores", "change": "changes", "remove": "ends"}[c.action]
            what = f"{verb} {email} {role} on {slug}"
        else:
            verb = {"add": "restores", "change": "changes", "remove": "removes"}[c.action]
            what = f"{verb} {c.entity} {c.key}"
        if c.action == "change":
            before, after = c.before or {}, c.after or {}
            what += (
                " ("
                + "; ".join(f"{k}: {before.get(k)!r} back to {after.get(k)!r}" for k in c.fields())
                + ")"
            )
        return what

    def as_json(self) -> dict[str, Any]:
        return {
            **self.change.as_json(),
            "edited_by": self.actor,
            "edited_on": self.on,
            "via": self.via,
            "message": self.describe(),
        }


def reverts(changeset: ChangeSet, edits: Iterable[Any]) -> list[Revert]:
    """The changes of `changeset` that undo one of `edits` (audit records, oldest first);
    each is named after the latest edit of its entity."""
    latest = {(e.entity, e.entity_key): e for e in edits}
    found = []
    for change in changeset.changes:
        edit = latest.get((change.entity, change.key))
        if edit is not None:
            found.append(
                Revert(change, edit.actor, edit.at.date().isoformat(), edit.via, edit.action)
            )
    return found


def pending_reverts(registry: Registry, changeset: ChangeSet) -> list[Revert]:
    """The changes of `changeset` that undo edits made in `registry` since a team file was
    last applied or exported: what `ark apply` refuses without --force, and what an upload's
    plan in the browser names."""
    return reverts(changeset, registry.edits_since_mark())
