"""`Registry`, the only code that writes to the database, and `transaction`, which opens one.

`Registry` is bound to one transaction and put together from one part per kind of thing it
holds (team, assignments, tasks, links, KPIs, processes, settings); `transaction` opens one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from ark.db import session_scope, shared_scope
from ark.errors import Conflict
from ark.i18n import N_
from ark.registry.base import current_actor, now
from ark.registry.calendar import Calendar
from ark.registry.events import AssignmentChange, TaskChange
from ark.registry.kpis import Kpis
from ark.registry.links import Links
from ark.registry.people import Offboarding, People
from ark.registry.processes import Processes
from ark.registry.team import Team

if TYPE_CHECKING:
    from ark.plugins import Hooks


class Registry(People, Team, Calendar, Links, Kpis, Processes):
    """Reads and writes of the registry inside one transaction."""


@contextmanager
def transaction(
    engine: Engine,
    *,
    hooks: Hooks | None = None,
    actor: str | None = None,
    write: bool = True,
    via: str | None = None,
    shared: bool = False,
    single: bool = False,
) -> Iterator[Registry]:
    """A `Registry` over one transaction; integrity races become a clear `Conflict`. A
    `shared` change may share its transaction with the writers of this process queued
    behind it, as a server's concurrent edits do (`ark.db.shared_scope`); a `single`
    statement read needs none (`ark.db.session_scope`)."""
    scope = shared_scope(engine) if shared else session_scope(engine, write=write, single=single)
    try:
        with scope as session:
            registry = Registry(session, hooks=hooks, actor=actor, via=via)
            yield registry
            registry.flush()
    except IntegrityError as exc:
        raise Conflict(
            N_(
                "another change to the same responsibility was committed first; nothing was written"
            ),
            hint=N_("run the command again to work from the current state"),
        ) from exc


__all__ = [
    "AssignmentChange",
    "Offboarding",
    "Registry",
    "TaskChange",
    "current_actor",
    "now",
    "transaction",
]
