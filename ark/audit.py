"""Reading the audit log: the record of every change, and the versions edits are made from.

Every change leaves an audit record, so the newest record about a thing is its version: an
edit form carries it, and `expect_version` refuses the edit (saying who changed what, when)
when the thing changed since the form was drawn. Writers are serialised, so the comparison
and the write that follows it happen with nobody in between.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from ark.errors import Conflict
from ark.i18n import N_, audit_word
from ark.models import AuditRecord
from ark.registry.results import AuditEntry
from ark.registry.writer import Registry

# Audited, but not the team: a sign-in, an account or a personal token changes nothing the
# checks report or the jobs publish.
NOT_TEAM_CHANGES = ("account", "token")


class StaleEdit(Conflict):
    """An edit made from a view of something that has changed since: it names the change
    with the audit log's words in the refusal's language, as the audit log page does."""

    def __init__(self, entry: AuditEntry) -> None:
        self.entry = entry
        super().__init__(
            N_(
                "{actor} changed {entity} {key} ({action}) at {time} UTC on {day}, after you "
                "opened it; nothing was written"
            ),
            hint=N_("look at the current state and make your change again if it still applies"),
            args={
                "actor": entry.actor,
                "entity": audit_word(entry.entity),
                "key": entry.key,
                "action": audit_word(entry.action),
                "day": entry.at.date(),
                "time": f"{entry.at:%H:%M}",
            },
        )


def _entry(row: AuditRecord) -> AuditEntry:
    return AuditEntry(
        row.id, row.at, row.actor, row.action, row.entity, row.entity_key, row.before, row.after
    )


ESCAPE = "/"
# What a record is looked up by: one key (or the prefix of keys), or any of several keys.
Key = str | tuple[str, ...]


@functools.cache
def _newest(what: Any, entity: bool, key: str, sqlite: bool) -> Select[Any]:
    """The newest-first query for `what` of the records about an entity (if `entity`) and a
    key (`key`: "" any, "exact", "any of" or "prefix"), with parameters `entity`, `key`,
    `pattern` and `following` (see `_about`). Built once per shape: an edit asks while it
    holds the writers' lock, and building the statement anew cost more than running it."""
    query = select(what)
    if entity:
        query = query.where(AuditRecord.entity == bindparam("entity"))
    if key == "exact":
        query = query.where(AuditRecord.entity_key == bindparam("key"))
    elif key == "any of":
        query = query.where(AuditRecord.entity_key.in_(bindparam("key", expanding=True)))
    elif key == "prefix":
        query = query.where(AuditRecord.entity_key.like(bindparam("pattern"), escape=ESCAPE))
        if sqlite:
            # SQLite compares text byte by byte, so the keys starting with `key` are exactly
            # those from it up to it with its last character the next one: a range the
            # (entity, entity_key) index finds, where LIKE reads every record of the entity
            # (a cell edit read them all). PostgreSQL's collations do not order text so.
            query = query.where(
                AuditRecord.entity_key >= bindparam("key"),
                AuditRecord.entity_key < bindparam("following"),
            )
    return query.order_by(AuditRecord.id.desc()).limit(1)


def _about(
    registry: Registry, entity: str | None, key: Key, prefix: bool, what: Any = AuditRecord
) -> tuple[Select[Any], dict[str, Any]]:
    """The newest record (or its `what`) about `entity` `key`, and the query's parameters."""
    shape = "any of" if isinstance(key, tuple) else ("prefix" if prefix else "exact")
    sqlite = registry.session.get_bind().dialect.name == "sqlite"
    parameters: dict[str, Any] = {"entity": entity or "", "key": key}
    if key == "":
        shape = ""
    elif isinstance(key, str) and prefix:
        escaped = "".join(ESCAPE + c if c in "%_" + ESCAPE else c for c in key)
        parameters |= {"pattern": escaped + "%", "following": key[:-1] + chr(ord(key[-1]) + 1)}
    return _newest(what, entity is not None, shape, sqlite), parameters


def last_change(
    registry: Registry, entity: str | None, key: Key = "", *, prefix: bool = False
) -> AuditEntry | None:
    """The newest audit record about `entity` `key` (every key starting with it if `prefix`,
    any of them if a tuple of keys; every record of the registry when `entity` is None)."""
    row = registry.session.scalars(*_about(registry, entity, key, prefix)).first()
    return None if row is None else _entry(row)


def version(registry: Registry, entity: str | None, key: Key = "", *, prefix: bool = False) -> int:
    """The version an edit form carries: the newest audit record's id, 0 if there is none
    (the id alone is read: every page asks, and a record's before and after can be large)."""
    newest: int | None = registry.columns(
        *_about(registry, entity, key, prefix, AuditRecord.id)
    ).scalar()
    return newest or 0


def _team_changes(what: Any = AuditRecord) -> Any:
    return select(what).where(AuditRecord.entity.not_in(NOT_TEAM_CHANGES))


def team_version(registry: Registry) -> int:
    """The newest change to the team (accounts aside), 0 if there is none: what the jobs
    that follow changes watch, what the web's cached check results are kept under, and what
    a preview of a change to the whole team (an upload, an offboarding) is drawn from, so a
    sign-in or a new token does not make it stale."""
    # Newest first, the first that is not about accounts: the primary key read backwards,
    # stopping at once. `max(id) WHERE ...` read every record (a third of a home page's time
    # at 2,000 people): neither SQLite nor PostgreSQL narrows a NOT IN through an index.
    newest: int | None = registry.columns(TEAM_VERSION).scalar()
    return newest or 0


TEAM_VERSION = _team_changes(AuditRecord.id).order_by(AuditRecord.id.desc()).limit(1)


def expect_version(
    registry: Registry,
    seen: int,
    entity: str | None,
    key: Key = "",
    *,
    prefix: bool = False,
) -> None:
    """Refuse an edit made from version `seen` when a newer change exists.

    The newest record's id is read first and the whole record (who, when, what) only to
    word a refusal: an edit holds the writers' lock while it checks, so the common case
    loads no record and decodes no JSON."""
    registry.flush()
    newest = version(registry, entity, key, prefix=prefix)
    if newest and newest != seen:
        entry = last_change(registry, entity, key, prefix=prefix)
        assert entry is not None  # the record read just above, in this same transaction
        raise StaleEdit(entry)


def expect_team_version(registry: Registry, seen: int) -> None:
    """Refuse a change to the whole team previewed at team version `seen` (`team_version`)
    when the team changed since, naming the latest change; accounts and tokens aside."""
    registry.flush()
    newest = team_version(registry)
    if newest and newest != seen:
        row = registry.session.get(AuditRecord, newest)
        assert row is not None  # the record read just above, in this same transaction
        raise StaleEdit(_entry(row))


def changes_since(registry: Registry, seen: int) -> list[AuditEntry]:
    """Every change to the team made after team version `seen`, oldest first: what may
    have made a preview drawn at `seen` stale (a sign-in or a token cannot)."""
    registry.flush()
    rows = registry.session.scalars(
        _team_changes().where(AuditRecord.id > seen).order_by(AuditRecord.id)
    )
    return [_entry(row) for row in rows]


def versions(registry: Registry, entity: str, keys: Iterable[str]) -> dict[str, int]:
    """The version of each of many keys of one entity, in one query (absent: never changed)."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    rows = registry.session.execute(
        select(AuditRecord.entity_key, func.max(AuditRecord.id))
        .where(AuditRecord.entity == entity, AuditRecord.entity_key.in_(wanted))
        .group_by(AuditRecord.entity_key)
    )
    return {key: newest for key, newest in rows}
