"""Named locks shared by every process using one registry: one Jira sync at a time, one run
of a background job at a time, whichever machine runs it.

PostgreSQL holds them as session advisory locks (keyed by the schema, so registries in
different schemas never wait for each other); the server drops them when the holder's
connection dies, so a killed process never leaves one behind. SQLite, whose users all share
one machine, holds them as file locks beside the database file, which the kernel drops with
the process. Who holds a lock is written to the registry's state once it is taken, so a
process that has to wait can say for whom.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, text

# The first key of every named advisory lock; the writers' lock uses another (ark.db).
NAMED_LOCK = 0x41524C  # "ARL"
HOLDER_STATE = "lock."
_memory: dict[tuple[int, str], threading.Lock] = {}
_memory_guard = threading.Lock()


def whoami(role: str) -> str:
    """How a process names itself as a lock holder: what it is, where, and its process id."""
    return f"{role} on {socket.gethostname()} (pid {os.getpid()})"


def _lock_file(engine: Engine, name: str) -> str | None:
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return f"{database}-{name.replace(':', '-')}.lock"


@contextmanager
def _sqlite_lock(engine: Engine, name: str, blocking: bool) -> Iterator[bool]:
    path = _lock_file(engine, name)
    if path is None:  # an in-memory registry lives in this process only
        with _memory_guard:
            lock = _memory.setdefault((id(engine), name), threading.Lock())
        taken = lock.acquire(blocking=blocking)
        try:
            yield taken
        finally:
            if taken:
                lock.release()
        return
    from filelock import FileLock, Timeout

    file_lock = FileLock(path, thread_local=False, is_singleton=False)
    try:
        file_lock.acquire(timeout=-1 if blocking else 0)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        file_lock.release()


@contextmanager
def _postgres_lock(engine: Engine, name: str, blocking: bool) -> Iterator[bool]:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        key = {"key": NAMED_LOCK, "name": name}
        function = "pg_advisory_lock" if blocking else "pg_try_advisory_lock"
        taken = conn.execute(
            text(
                f"SELECT {function}(CAST(:key AS integer), "
                "hashtext(current_schema() || ':' || :name))"
            ),
            key,
        ).scalar()
        taken = True if blocking else bool(taken)
        try:
            yield taken
        finally:
            if taken:
                conn.execute(
                    text(
                        "SELECT pg_advisory_unlock(CAST(:key AS integer), "
                        "hashtext(current_schema() || ':' || :name))"
                    ),
                    key,
                )


def _held(engine: Engine, name: str, blocking: bool) -> Any:
    if engine.dialect.name == "postgresql":
        return _postgres_lock(engine, name, blocking)
    return _sqlite_lock(engine, name, blocking)


def _write_holder(engine: Engine, name: str, holder: str) -> None:
    from ark.registry.writer import transaction

    with transaction(engine, actor=holder) as registry:
        since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        registry.set_state(HOLDER_STATE + name, {"holder": holder, "since": since})


def holder(engine: Engine, name: str) -> str:
    """Who took the lock `name` last, and since when (as they wrote it)."""
    from ark.registry.writer import transaction

    with transaction(engine, write=False) as registry:
        found = registry.state(HOLDER_STATE + name)
    if not found:
        return "another process"
    return f"{found['holder']} since {found['since']}"


@contextmanager
def named_lock(
    engine: Engine,
    name: str,
    holder_name: str,
    *,
    wait: bool = True,
    waiting: Callable[[str], None] | None = None,
) -> Iterator[bool]:
    """Hold the lock `name` on this registry for the block; yields whether it was taken.

    Without `wait`, a held lock yields False at once. With it, `waiting` (if given) is told
    who holds the lock before the wait begins.
    """
    with _held(engine, name, blocking=False) as taken:
        if taken:
            _write_holder(engine, name, holder_name)
            yield True
            return
    if not wait:
        yield False
        return
    if waiting is not None:
        waiting(holder(engine, name))
    with _held(engine, name, blocking=True):
        _write_holder(engine, name, holder_name)
        yield True
