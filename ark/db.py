"""Where the registry lives, and how a database is opened, created and upgraded.

The schema is created and upgraded by Alembic only (never `create_all`), so a database made
by `ark demo` today upgrades cleanly tomorrow. Alembic is imported only when the database is
not at `SCHEMA_HEAD`: a read command on an up-to-date database pays for one small query.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from ark.errors import ArkError, Conflict
from ark.workspace import ENV_URL, default_url

# The newest Alembic revision; tests/test_migrations.py fails when it falls behind.
SCHEMA_HEAD = "0004"
MIGRATIONS = Path(__file__).parent / "migrations"
READ_ONLY = "ark_read_only"
# How long a writer waits for another one before giving up, on both backends.
WAIT_ENV = "ARK_LOCK_WAIT"
WAIT_SECONDS = 30.0
# PostgreSQL: every writer takes the advisory lock (WRITER_LOCK, hash of the schema), so
# registries in different schemas of one database never wait for each other.
WRITER_LOCK = 0x41524B  # "ARK"
POSTGRES_EXTRA = "pip install 'ark-team[postgres]'"


def wait_seconds() -> float:
    """How long a change waits for the one before it: `ARK_LOCK_WAIT` seconds, default 30."""
    value = os.environ.get(WAIT_ENV, "")
    try:
        seconds = float(value) if value else WAIT_SECONDS
    except ValueError:
        raise ArkError(f"{WAIT_ENV}={value!r} is not a number", hint="give it in seconds") from None
    return max(seconds, 0.001)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside one writer; the busy timeout makes a second writer wait
    # for the first instead of failing at once.
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, see _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={round(wait_seconds() * 1000)}")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A writer's BEGIN IMMEDIATE takes the write lock up front, so two team leads editing at
    # once are serialised instead of one failing half-way with "database is locked".
    read_only = connection.get_execution_options().get(READ_ONLY)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine with the settings the registry relies on for each backend."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    memory = url in ("sqlite://", "sqlite:///:memory:")
    try:
        # An in-memory database lives in one connection: share it (used by `check --file`).
        engine = create_engine(url, poolclass=StaticPool) if memory else create_engine(url)
    except ArgumentError:
        raise ArkError(
            "the registry database URL is not a database URL",
            hint=f"check --db or {ENV_URL}: write sqlite:///PATH or postgresql://USER@HOST/DB",
        ) from None
    except ImportError as exc:
        raise ArkError(
            f"the database driver for {url.split(':', 1)[0]} is not installed ({exc.name})",
            hint=f"for PostgreSQL: {POSTGRES_EXTRA}",
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def current_revision(engine: Engine) -> str | None:
    """The revision stamped in the database, or None for an empty database.

    A read: it neither waits for nor blocks a writer.
    """
    try:
        with engine.execution_options(**{READ_ONLY: True}).connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except ProgrammingError:  # PostgreSQL: no such table
        return None
    except OperationalError as exc:
        if "no such table" in str(exc.orig):  # SQLite
            return None
        raise unavailable(exc, engine) from exc


def alembic_config(engine: Engine) -> Any:
    """An Alembic config bound to `engine`, without an alembic.ini on disk."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def lock_writers(connection: Connection | Session) -> None:
    """Wait (up to `wait_seconds()`) until no other writer of this registry is in a transaction.

    On PostgreSQL this takes the writers' advisory lock, held until the transaction ends; on
    SQLite the writer's BEGIN IMMEDIATE has already done the same.
    """
    bind = connection if isinstance(connection, Connection) else connection.get_bind()
    if bind.dialect.name != "postgresql":
        return
    connection.execute(text(f"SET LOCAL lock_timeout = {round(wait_seconds() * 1000)}"))
    connection.execute(
        text("SELECT pg_advisory_xact_lock(CAST(:key AS integer), hashtext(current_schema()))"),
        {"key": WRITER_LOCK},
    )


def unavailable(exc: OperationalError, engine: Engine) -> ArkError:
    """The error to show for a database that is busy or cannot be reached."""
    orig = exc.orig
    busy = getattr(orig, "sqlstate", None) == "55P03" or "database is locked" in str(orig)
    if busy:
        return Conflict(
            f"the registry is busy: another change held it for over {wait_seconds():g} s; "
            "nothing was written",
            hint=f"run the command again in a moment (or wait longer: {WAIT_ENV}=SECONDS)",
        )
    reason = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return ArkError(
        f"cannot use the registry database: {reason}",
        hint=f"check --db or {ENV_URL} (the URL is {engine.url.render_as_string()})",
    )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema; safe to run from several processes at once."""
    from alembic import command
    from alembic.util import CommandError

    try:
        command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:
        raise unavailable(exc, engine) from exc
    except CommandError as exc:  # a revision this version of Ark does not have
        raise ArkError(
            f"the registry's schema is at revision {current_revision(engine)}, which this "
            f"version of Ark does not know (its newest is {SCHEMA_HEAD}): {exc}",
            hint="upgrade Ark to the version that last changed this registry",
        ) from None


def ensure_schema(engine: Engine) -> None:
    """Upgrade the database on first use; a no-op costing one query when it is current."""
    if current_revision(engine) != SCHEMA_HEAD:
        upgrade(engine)


def open_engine(url: str | None = None, *, workspace: Path | None = None) -> Engine:
    """The engine for the registry at `url`, schema ensured."""
    engine = make_engine(url or default_url(workspace))
    ensure_schema(engine)
    return engine


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One transaction: committed if the block succeeds, rolled back if it raises.

    Writers are serialised (`lock_writers`), so every change is computed from the state the
    previous one committed and no update is lost. Readers take no lock and see one state
    throughout, even while a change commits: a snapshot (SQLite's WAL gives one to every
    read transaction; PostgreSQL does at REPEATABLE READ).
    """
    reader: dict[str, Any] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        reader["isolation_level"] = "REPEATABLE READ"
    bind = engine if write else engine.execution_options(**reader)
    factory = sessionmaker(bind, expire_on_commit=False)
    try:
        with factory.begin() as session:
            if write:
                lock_writers(session)
            yield session
    except OperationalError as exc:
        raise unavailable(exc, engine) from exc
