"""The part of the registry every other part stands on: the transaction's session, who is
acting, the audit trail and the event hooks, and the lookups by slug or e-mail.

Every change leaves one audit record and fires the matching hook *inside* the transaction,
so a plugin reacting to an event commits or rolls back together with it.
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Executable,
    Result,
    Select,
    Table,
    Update,
    bindparam,
    func,
    insert,
    inspect,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from ark.errors import ArkError, NotFound
from ark.i18n import N_
from ark.models import (
    AuditRecord,
    Contributor,
    Kpi,
    Responsibility,
)
from ark.registry.events import AssignmentChange, ProcessChange, TaskChange
from ark.registry.queries import Queries
from ark.text import normal_email, refusal
from ark.vocabulary import AuditAction, AuditEntity

if TYPE_CHECKING:
    from ark.plugins import Hooks

# The audit trail's rows as the table takes them, not as ORM objects: sent on the connection,
# an edit's record costs half what the ORM's bulk insert did.
AUDIT_INSERT = insert(AuditRecord)

ROW_KEY = "ark_row_key"  # the bound name of the row `change_row` changes


@functools.cache
def _changing(table: Table, columns: tuple[str, ...]) -> Update:
    """The UPDATE of `columns` of one row of `table`, built once (building it anew cost as
    much as sending it)."""
    (key,) = table.primary_key
    return update(table).where(key == bindparam(ROW_KEY)).values({c: bindparam(c) for c in columns})


EVENT_HOOKS = {
    AssignmentChange: "ark_assignment_changed",
    TaskChange: "ark_task_changed",
    ProcessChange: "ark_process_changed",
}


@functools.cache
def system_user() -> str:
    """The operating-system user running this process. It does not change while the process
    runs, and asking may read the password database: a cost every transaction of a server
    paid, reads included, when it was asked each time."""
    return getpass.getuser()


def current_actor() -> str:
    """Who is making changes: `ARK_USER`, else the operating-system user."""
    actor = os.environ.get("ARK_USER") or system_user()
    why = refusal(actor, multiline=False)
    if why is not None:
        raise ArkError(
            N_("ARK_USER {why}"), hint=N_("set ARK_USER to a plain name"), args={"why": why}
        )
    return actor


@functools.cache
def _current_by(model: Any, column: str) -> Select[Any]:
    """The query for the current row of `model` whose `column` is the parameter `value`, built
    once: building a statement anew each time cost more than running it, in lookups a cell
    edit makes while it holds the writers' lock."""
    return select(model).where(
        getattr(model, column) == bindparam("value"), model.archived.is_(False)
    )


# The person and the responsibility of an assignment, in one statement (see `RegistryBase.pair`),
# without their department and owner: an edit holds the writers' lock while it reads them.
PAIR = (
    select(Contributor, Responsibility)
    .join(Responsibility, true())
    .where(
        Contributor.email == bindparam("email"),
        Contributor.archived.is_(False),
        Responsibility.slug == bindparam("slug"),
        Responsibility.archived.is_(False),
    )
    .options(lazyload("*"))
)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RegistryBase:
    """Reads and writes of the registry inside one transaction."""

    def __init__(
        self,
        session: Session,
        *,
        hooks: Hooks | None = None,
        actor: str | None = None,
        via: str | None = None,
    ) -> None:
        self.session = session
        self.hooks = hooks
        self.actor = actor or current_actor()
        self.via = via  # the command making the changes, kept in their audit records
        self.today = dt.date.today()
        self._audit: list[dict[str, Any]] = []

    # -- bookkeeping -----------------------------------------------------------------------

    def audit(
        self,
        action: AuditAction,
        entity: AuditEntity,
        key: str,
        before: Any,
        after: Any,
        actor: str | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        self._audit.append(
            {
                "at": at or now(),
                "actor": actor or self.actor,
                "action": action,
                "entity": entity,
                "entity_key": key,
                "before": before,
                "after": after,
                "via": self.via,
            }
        )

    def flush(self) -> None:
        """Write pending audit records (in one statement) and pending ORM changes."""
        self.session.flush()
        if self._audit:
            self.session.connection().execute(AUDIT_INSERT, self._audit)
            self._audit.clear()

    def change_row(self, row: Any, **values: Any) -> None:
        """Set columns of one stored row: an UPDATE sent at once, the row's loaded values set
        to match, rather than the session working out a flush of it. A cell edit changes one
        assignment's hours while every other edit waits, and working out that flush took a
        seventh of the server's time per edit. What is pending is written first, so a row
        added in this transaction is stored by then too."""
        self.flush()
        state = inspect(row)
        statement = _changing(state.mapper.local_table, tuple(values))
        self.session.connection().execute(statement, {**values, ROW_KEY: state.identity[0]})
        for name, value in values.items():
            set_committed_value(row, name, value)

    def rollback(self) -> None:
        """Undo everything this transaction did (a dry run's changes), audit records too."""
        self._audit.clear()
        self.session.rollback()

    def emit(self, change: AssignmentChange | TaskChange | ProcessChange) -> None:
        """Call the change's event hook inside this transaction, after writing what is
        pending, so a listener sees the change and its own writes commit or roll back with it."""
        name = EVENT_HOOKS[type(change)]
        if self.hooks is None or not self.hooks.listens(name):
            return  # nobody listens: a big apply is spared a flush per change
        self.flush()
        registry: Any = self  # the `Registry` this base is part of
        if isinstance(change, AssignmentChange):
            self.hooks.ark_assignment_changed(registry, change)
        elif isinstance(change, TaskChange):
            self.hooks.ark_task_changed(registry, change)
        else:
            self.hooks.ark_process_changed(registry, change)

    def columns(
        self, statement: Executable, parameters: dict[str, Any] | None = None
    ) -> Result[Any]:
        """The rows of a statement that selects columns, not ORM objects, run on this
        transaction's connection (what is pending written first): the ORM's own handling of
        a statement cost twice the statement, on reads every web request makes."""
        self.flush()
        return self.session.connection().execute(statement, parameters)

    @property
    def read(self) -> Queries:
        """The read API on this transaction's connection: it sees what this transaction
        wrote (pending changes and audit records are flushed before each read)."""
        connection = self.session.connection()
        dialect = connection.dialect

        def run(sql: str, params: Sequence[Any]) -> Sequence[Sequence[Any]]:
            self.flush()
            return connection.exec_driver_sql(sql, tuple(params)).all()

        return Queries(run, "?" if dialect.paramstyle == "qmark" else "%s", dialect.name)

    # -- lookups ---------------------------------------------------------------------------

    def _find(self, model: Any, column: Any, value: str) -> Any:
        """The current (unarchived) row whose `column` is `value`, or None."""
        return self.session.scalars(_current_by(model, column.key), {"value": value}).first()

    def _one(self, model: Any, column: Any, value: str, what: str, listing: str) -> Any:
        row = self._find(model, column, value)
        if row is None:
            raise NotFound.of(what, value, listing)
        return row

    def find_contributor(self, email: str) -> Contributor | None:
        """The current contributor with this e-mail, or None."""
        found: Contributor | None = self._find(Contributor, Contributor.email, normal_email(email))
        return found

    def contributor(self, email: str) -> Contributor:
        row = self.find_contributor(email)
        if row is None:
            raise NotFound.contributor(email)
        return row

    def pair(self, email: str, slug: str) -> tuple[Contributor, Responsibility]:
        """The current contributor and responsibility of an assignment, read in one round trip
        (an edit reads them while it holds the writers' lock); either missing is refused as
        looking it up alone would refuse it."""
        found = self.session.execute(PAIR, {"email": normal_email(email), "slug": slug}).first()
        if found is None:
            return self.contributor(email), self.responsibility(slug)  # one of them refuses
        return found[0], found[1]

    def responsibility(self, slug: str) -> Responsibility:
        row: Responsibility | None = self._find(Responsibility, Responsibility.slug, slug)
        if row is None:
            raise NotFound.responsibility(slug)
        return row

    def kpi(self, slug: str) -> Kpi:
        row: Kpi | None = self._find(Kpi, Kpi.slug, slug)
        if row is None:
            raise NotFound.kpi(slug)
        return row

    def audit_count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(AuditRecord)) or 0
