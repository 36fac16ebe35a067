"""Where the registry lives, and how a database is opened, created and upgraded.

The schema is created and upgraded by Alembic only (`create_all` makes only the in-memory
registry of `ark check --file`, which is never upgraded), so a database made by `ark demo`
today upgrades cleanly tomorrow. Alembic is imported only when the database is not at
`SCHEMA_HEAD`: a read command on an up-to-date database pays for one small query.
"""

from __future__ import annotations

import math
import os
import threading
import warnings
import weakref
from collections import deque
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SAWarning
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.pool import StaticPool

from ark.errors import ArkError, Conflict
from ark.i18n import N_
from ark.revision import SCHEMA_HEAD as SCHEMA_HEAD
from ark.workspace import ENV_URL, default_url

MIGRATIONS = Path(__file__).parent / "migrations"
READ_ONLY = "ark_read_only"
ONE_STATEMENT = "ark_one_statement"  # a read of one statement, outside a transaction
# How long a writer waits for another one before giving up, on both backends.
WAIT_ENV = "ARK_LOCK_WAIT"
WAIT_SECONDS = 30.0
WAIT_MAX = 86400.0
# PostgreSQL: every writer takes the advisory lock (WRITER_LOCK, hash of the schema), so
# registries in different schemas of one database never wait for each other.
WRITER_LOCK = 0x41524B  # "ARK"
POSTGRES_EXTRA = "pip install 'ark-team[postgres]'"
# URL parameters that carry a secret: masked wherever a URL is shown.
SECRET_PARAMETERS = frozenset({"password", "sslpassword"})
MASK = "ark-masked-secret"  # a placeholder that URL quoting leaves alone
# What a damaged SQLite file answers; PostgreSQL's "no such table" state.
NOT_A_DATABASE = ("file is not a database", "database disk image is malformed")
UNDEFINED_TABLE = "42P01"


def wait_seconds() -> float:
    """How long a change waits for the one before it: `ARK_LOCK_WAIT` seconds, default 30."""
    value = os.environ.get(WAIT_ENV, "")
    try:
        seconds = float(value) if value else WAIT_SECONDS
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds <= WAIT_MAX:  # NaN fails too
        raise ArkError(
            N_("{name}={value} is not a number of seconds from 0 to {most}"),
            hint=N_("give it in seconds, e.g. {name}=60 (0: do not wait)"),
            args={"name": WAIT_ENV, "value": repr(value), "most": f"{WAIT_MAX:g}"},
        )
    return max(seconds, 0.001)  # PostgreSQL reads a lock_timeout of 0 as "wait forever"


def shown_url(url: URL) -> str:
    """The URL to print: its password masked, in the user part and in the parameters."""
    secret = {k: MASK for k in url.query if k.lower() in SECRET_PARAMETERS}
    shown = url.update_query_dict(secret).render_as_string(hide_password=True)
    return shown.replace(MASK, "***")


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
    options = connection.get_execution_options()
    if not options.get(ONE_STATEMENT):
        connection.exec_driver_sql("BEGIN" if options.get(READ_ONLY) else "BEGIN IMMEDIATE")


def make_engine(url: str, *, connections: int | None = None) -> Engine:
    """An engine with the settings the registry relies on for each backend; `connections`:
    how many it keeps open for threads using it at once (a server's), else the default."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    memory = url in ("sqlite://", "sqlite:///:memory:")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", SAWarning)  # a URL option the driver would ignore
            # An in-memory database lives in one connection: share it (`check --file`).
            # A connection given back to a full pool is closed, and the next one opened
            # anew (its pragmas set again): sized to the threads, none is.
            pool = {"pool_size": connections} if connections else {}
            engine = (
                create_engine(url, poolclass=StaticPool) if memory else create_engine(url, **pool)
            )
    except SAWarning as exc:
        raise ArkError(
            N_("the registry database URL has an option the driver does not take: {option}"),
            hint=N_("check --db or {env}; see the URL's form in docs/database.md"),
            args={"option": str(exc).split(";")[0], "env": ENV_URL},
        ) from None
    except (ArgumentError, ValueError):
        raise ArkError(
            N_("the registry database URL is not a database URL"),
            hint=N_("check --db or {env}: write sqlite:///PATH or postgresql://USER@HOST/DB"),
            args={"env": ENV_URL},
        ) from None
    except ImportError as exc:
        raise ArkError(
            N_("the database driver for {scheme} is not installed ({module})"),
            hint=N_("for PostgreSQL: {extra}"),
            args={"scheme": url.split(":", 1)[0], "module": exc.name, "extra": POSTGRES_EXTRA},
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
            try:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except DBAPIError as exc:
                missing = getattr(exc.orig, "sqlstate", None) == UNDEFINED_TABLE or (
                    "no such table" in str(exc.orig)
                )
                if missing:
                    return None
                raise
    except DBAPIError as exc:
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
    # Both in one round trip (no parameters: psycopg sends them as one simple query), where
    # they were two; every value is ours.
    link = connection if isinstance(connection, Connection) else connection.connection()
    link.exec_driver_sql(
        f"SET LOCAL lock_timeout = {round(wait_seconds() * 1000)}; "
        f"SELECT pg_advisory_xact_lock({WRITER_LOCK}, hashtext(current_schema()))"
    )


def busy() -> Conflict:
    """The error for a change that waited longer than `wait_seconds()` for the one before."""
    return Conflict(
        N_(
            "the registry is busy: another change held it for over {seconds} s; nothing was written"
        ),
        hint=N_("run the command again in a moment (or wait longer: {env}=SECONDS)"),
        args={"seconds": wait_seconds(), "env": WAIT_ENV},
    )


def unavailable(exc: DBAPIError, engine: Engine) -> ArkError:
    """The error to show for a database that is busy, damaged or cannot be reached."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "55P03" or "database is locked" in str(orig):
        return busy()
    reason = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    if engine.dialect.name == "sqlite" and reason in NOT_A_DATABASE:
        return ArkError(
            N_("{path} is not a valid registry ({reason})"),
            hint=N_(
                "restore it from a backup, or move it aside and re-create the registry "
                "with `ark apply ark.yaml`"
            ),
            args={"path": engine.url.database, "reason": reason},
        )
    return ArkError(  # the driver's reason, in its own words
        N_("cannot use the registry database: {reason}"),
        hint=N_("check --db or {env} (the URL is {url})"),
        args={"reason": reason, "env": ENV_URL, "url": shown_url(engine.url)},
    )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema; safe to run from several processes at once."""
    from alembic import command
    from alembic.util import CommandError

    try:
        command.upgrade(alembic_config(engine), revision)
    except DBAPIError as exc:
        raise unavailable(exc, engine) from exc
    except CommandError as exc:  # a revision this version of Ark does not have
        raise ArkError(
            N_(
                "the registry's schema is at revision {revision}, which this version of Ark "
                "does not know (its newest is {head}): {reason}"
            ),
            hint=N_("upgrade Ark to the version that last changed this registry"),
            args={"revision": current_revision(engine), "head": SCHEMA_HEAD, "reason": str(exc)},
        ) from None


def ensure_schema(engine: Engine, *, create: bool = True) -> None:
    """Upgrade the database on first use; a no-op costing one query when it is current.

    With `create=False` (a read) a database holding no registry is refused rather than
    given an empty one: a mistyped database name must not answer "nobody" or export an
    empty team over a full one.
    """
    revision = current_revision(engine)
    if revision is None and not create:
        raise no_registry(shown_url(engine.url))
    if revision is None and engine.url.database in (None, "", ":memory:"):
        create_throwaway(engine)
    elif revision != SCHEMA_HEAD:
        upgrade(engine)


def create_throwaway(engine: Engine) -> None:
    """The schema of an in-memory registry (`ark check --file`), made from the models at once.

    It lives as long as the command and is never upgraded, so it needs no history: running
    every migration, Alembic imported, took longer than the check itself. The models and
    the migrations agree (tests/test_migrations.py), and so do the two schemas.
    """
    from ark.models import Base, add_partial_indexes

    add_partial_indexes()
    with engine.begin() as connection:
        Base.metadata.create_all(connection)
        connection.execute(
            text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        )
        connection.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": SCHEMA_HEAD})


def no_registry(where: str) -> ArkError:
    return ArkError(
        N_("no registry in {where}: the database holds no Ark schema"),
        hint=N_(
            "check --db or {env} (a mistyped name?), or create the registry with "
            "`ark apply ark.yaml` (or an empty one with `ark db upgrade`)"
        ),
        args={"where": where, "env": ENV_URL},
    )


def open_engine(
    url: str | None = None,
    *,
    workspace: Path | None = None,
    create: bool = True,
    connections: int | None = None,
) -> Engine:
    """The engine for the registry at `url`, schema ensured (see `ensure_schema`)."""
    url = url or default_url(workspace, create=create)
    engine = make_engine(url, connections=connections)
    if not create and engine.dialect.name == "sqlite":
        path = engine.url.database or ""
        if path not in ("", ":memory:") and not Path(path).exists():
            raise ArkError(
                N_("no registry here: {path} does not exist"),
                hint=N_(
                    "run the command in the team's folder (the one holding ark.yaml), create "
                    "the registry with `ark apply ark.yaml` or `ark demo`, or pass --db URL"
                ),
                args={"path": path},
            )
    ensure_schema(engine, create=create)
    return engine


class WriterQueue:
    """The writers of one process, let in one at a time in the order they came.

    The database serialises writers too, but a SQLite writer that finds the registry locked
    sleeps in steps of up to 100 ms and tries again, so under twenty concurrent edits some
    waited many steps while later ones went first (a cell edit's p95 of 700 ms). Queued here,
    each is woken the moment the one before it ends; the database's own lock still orders
    this process's writers with other processes' (the CLI, other server workers). A writer
    that may share its transaction (`shared_scope`) can be handed the one the writer before
    it left open (`hand_on`), with the turn.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: deque[tuple[threading.Event, bool]] = deque()
        self._held = False
        self.group: _Group | None = None  # the open transaction handed on with the turn

    def acquire(self, timeout: float, *, shares: bool = False) -> bool:
        """Wait up to `timeout` seconds for this writer's turn; False if it did not come.
        A writer that `shares` may be handed an open transaction (`group`) with it."""
        with self._lock:
            if not self._held:
                self._held = True
                return True
            turn = threading.Event()
            self._waiting.append((turn, shares))
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed the turn just as the wait ended
                return True
            self._waiting.remove((turn, shares))
            return False

    @property
    def waiting(self) -> int:
        """How many writers wait for their turn."""
        with self._lock:
            return len(self._waiting)

    def release(self) -> None:
        """Hand the turn to the writer waiting longest, if any."""
        with self._lock:
            if self._waiting:
                self._waiting.popleft()[0].set()  # still held: now by that writer
            else:
                self._held = False

    def hand_on(self, group: _Group) -> bool:
        """Hand the turn and `group`, still open, to the writer waiting longest, if it shares;
        False (the turn kept) if there is none or it does not."""
        with self._lock:
            if not self._waiting or not self._waiting[0][1]:
                return False
            self.group = group
            self._waiting.popleft()[0].set()
            return True


# The most writers in one shared transaction: the first of them waits for all the others.
GROUP_MOST = 32


class _Group:
    """One write transaction handed from writer to writer and ended by the last of them."""

    def __init__(self, engine: Engine) -> None:
        self.session = Session(engine, expire_on_commit=False)
        self.most = 1  # the writers it takes (`shared_scope` counts them)
        self.writers = 0
        self.failed = False  # the first writer's change failed: roll back (nothing else is in)
        self.error: BaseException | None = None  # set: roll back, and tell every writer
        self.ended = threading.Event()
        try:
            self.transaction = self.session.begin()
            # Begun now, not at the first statement: SQLite's BEGIN IMMEDIATE is the
            # writers' lock, and the group is counted once it holds it (`shared_scope`).
            self.session.connection()
            lock_writers(self.session)
        except BaseException:
            self.session.close()
            raise

    def end(self) -> None:
        """Commit what the writers did, or roll back if one of them could not be undone."""
        try:
            if not self.failed and self.error is None:
                self.transaction.commit()
            else:
                self.transaction.rollback()
        except Exception as exc:  # noqa: BLE001 - raised to every writer of the group
            self.error = self.error or exc
        finally:
            self.session.close()
            self.ended.set()


_WRITERS: weakref.WeakKeyDictionary[Engine, WriterQueue] = weakref.WeakKeyDictionary()
_QUEUES_LOCK = threading.Lock()


def writer_queue(engine: Engine) -> WriterQueue:
    """The queue of this process's writers to the registry behind `engine`."""
    queue = _WRITERS.get(engine)
    if queue is None:
        with _QUEUES_LOCK:
            queue = _WRITERS.setdefault(engine, WriterQueue())
    return queue


@contextmanager
def writer_turn(engine: Engine) -> Iterator[None]:
    """This process's turn to write to the registry behind `engine` (see `WriterQueue`)."""
    queue = writer_queue(engine)
    if not queue.acquire(wait_seconds()):
        raise busy()
    try:
        yield
    finally:
        queue.release()


@contextmanager
def session_scope(engine: Engine, *, write: bool = True, single: bool = False) -> Iterator[Session]:
    """One transaction: committed if the block succeeds, rolled back if it raises.

    Writers are serialised (`writer_turn` in this process, `lock_writers` across processes),
    so every change is computed from the state the previous one committed and no update is
    lost. Readers take no lock and see one state
    throughout, even while a change commits: a snapshot (SQLite's WAL gives one to every
    read transaction; PostgreSQL does at REPEATABLE READ). A `single` statement read sees
    one state by itself, so it is sent without a transaction: a BEGIN and a COMMIT spared,
    two round trips to PostgreSQL on the session lookup of every web request.
    """
    if write:
        with _session(engine, engine, writer_turn(engine)) as session:
            lock_writers(session)
            yield session
        return
    with _session(engine, readers(engine)[single]) as session:
        yield session


def readers(engine: Engine) -> tuple[Engine, Engine]:
    """The variants of `engine` that read: in a transaction, and for a single statement
    without one. Made once per engine and kept on it (a variant holds its engine, so a
    weak mapping would never let either go): making one took 20 µs of every web request."""
    made: tuple[Engine, Engine] | None = getattr(engine, "_ark_readers", None)
    if made is None:
        many: dict[str, Any] = {READ_ONLY: True}
        one: dict[str, Any] = {READ_ONLY: True, ONE_STATEMENT: True}
        if engine.dialect.name == "postgresql":
            many["isolation_level"], one["isolation_level"] = "REPEATABLE READ", "AUTOCOMMIT"
        made = (engine.execution_options(**many), engine.execution_options(**one))
        engine._ark_readers = made  # type: ignore[attr-defined]
    return made


@contextmanager
def shared_scope(engine: Engine) -> Iterator[Session]:
    """A change in a write transaction shared with the writers of this process queued
    behind it; returns once it is committed, and raises if it was not.

    The transaction is handed from writer to writer with the turn, each change in a
    savepoint of its own (a refused change undoes only itself), and the last writer commits
    for all of them: under twenty editors at once the begin, the writers' lock and the
    commit (on PostgreSQL, a flush to disk) are paid once per group, not once per edit. A
    group takes the writers waiting once it holds the database's lock and no later one: a
    chain that went on taking newcomers kept the writers' lock from another server
    process's queue for as long as the clients of its own kept coming. Each change still
    sees every change before it, as `session_scope`'s do. Not for a change that rolls
    itself back (a dry run): that would undo the others'.
    """
    queue = writer_queue(engine)
    with _worded(engine):
        if not queue.acquire(wait_seconds(), shares=True):
            raise busy()
        group, queue.group = queue.group, None
        if group is None:
            try:
                group = _Group(engine)
            except BaseException:
                queue.release()
                raise
            # Counted once the group holds the database's lock: the writers who queued while
            # it waited for another process's group to commit are in, later ones are not.
            group.most = min(GROUP_MOST, 1 + queue.waiting)
        group.writers += 1
        savepoint: SessionTransaction | None = None
        try:
            if group.writers > 1:
                savepoint = group.session.begin_nested()
            yield group.session
            if savepoint is not None:
                savepoint.commit()
        except BaseException as exc:
            _undo(group, savepoint, exc)
            raise
        finally:
            ending = group.failed or group.error or group.writers >= group.most
            if ending or not queue.hand_on(group):
                group.end()
                queue.release()
        group.ended.wait()
        if group.error is not None:
            raise group.error


def _undo(group: _Group, savepoint: SessionTransaction | None, exc: BaseException) -> None:
    """Undo a writer's failed change (`exc`): the first writer's by rolling back the whole
    transaction, which holds nothing else yet; a later one's by its savepoint. A savepoint
    that could not be made or undone (the connection lost) fails the whole group."""
    if group.writers == 1:
        group.failed = True
        return
    if savepoint is None:
        group.error = exc
        return
    try:
        savepoint.rollback()
    except Exception as lost:  # noqa: BLE001 - raised to every writer of the group
        group.error = lost


@contextmanager
def _worded(engine: Engine) -> Iterator[None]:
    """Database errors raised inside, worded for a person (`unavailable`); a race on a
    unique rule is left for the registry to word as a conflict."""
    try:
        yield
    except IntegrityError:
        raise
    except DBAPIError as exc:
        raise unavailable(exc, engine) from exc


@contextmanager
def _session(
    engine: Engine, bind: Engine, turn: AbstractContextManager[None] | None = None
) -> Iterator[Session]:
    """One transaction on `bind` (`engine` or its readers' variant), errors worded; inside
    `turn` (a writer's) from its start to its commit or rollback, and no longer: closing the
    session and giving its connection back to the pool happen after the next writer's turn
    has begun."""
    with (
        _worded(engine),
        Session(bind, expire_on_commit=False) as session,
        turn or nullcontext(),
        session.begin(),
    ):
        yield session
