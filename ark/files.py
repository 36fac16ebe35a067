"""The regular files Ark reads and writes: bounded reads and atomic writes.

A write goes to a temporary file in the target's folder, is flushed to disk and renamed over
the target, so a full disk, a size limit or a kill leaves the old file whole. A read refuses
anything that is not a regular file once symlinks are followed (`stat()` says 0 bytes for
`/dev/zero` or a pipe, so a size check alone reads forever) and never reads past its limit.
Every reader and writer of files (the team file, process files, playbook pages,
`mkdocs.yml`) goes through here, plugins included.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import suppress
from functools import cache
from pathlib import Path

from ark.errors import ArkError
from ark.i18n import N_, Message, message

MiB = 1024 * 1024


class UnreadableFile(ArkError):
    """A file that cannot be read as asked: missing, not a regular file, or too large.

    `reason` and `fix` are kept apart so a reader of located files can show them at the
    file's first position, like any other problem.
    """

    def __init__(self, path: Path, reason: Message, fix: Message) -> None:
        super().__init__(N_("{path}: {reason}"), hint=fix, args={"path": path, "reason": reason})
        self.path, self.reason, self.fix = path, reason, fix


def size_text(limit: int) -> str:
    """A limit in the unit people use for it: `1 MiB`, `64 KiB`, `100 bytes`."""
    for unit, name in ((MiB, "MiB"), (1024, "KiB")):
        if limit >= unit and limit % unit == 0:
            return f"{limit // unit} {name}"
    return f"{limit} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return N_("a folder")
    if stat.S_ISFIFO(mode):
        return N_("a pipe")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return N_("a device")
    if stat.S_ISSOCK(mode):
        return N_("a socket")
    return N_("something other than a regular file")


# What a reader expects to find, by the names its callers give.
WHATS = {
    "file": N_("a file"),
    "team file": N_("a team file"),
    "CSV file": N_("a CSV file"),
    "process file": N_("a process file"),
}
NAME_A_FILE = N_("name a regular file, or check the path")


def _not_a_file(path: Path, mode: int, what: str) -> UnreadableFile:
    return UnreadableFile(
        path,
        message(N_("is {kind}, not {what}"), kind=message(_kind(mode)), what=message(WHATS[what])),
        message(NAME_A_FILE),
    )


def _unreadable(path: Path, exc: OSError) -> UnreadableFile:
    # The operating system's reason, in its own words.
    reason = message(N_("cannot read the file: {reason}"), reason=exc.strerror or str(exc))
    return UnreadableFile(path, reason, message(NAME_A_FILE))


def read_bounded(path: Path, limit: int, *, what: str = "file") -> bytes:
    """The bytes of the regular file at `path` (symlinks followed), at most `limit` of them;
    `what` (a key of `WHATS`) is what a person expects it to be."""
    try:
        before = os.stat(path)
        if not stat.S_ISREG(before.st_mode):
            raise _not_a_file(path, before.st_mode, what)
        # O_NONBLOCK: a pipe put in place after the check above does not hang the open.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _unreadable(path, exc) from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise _not_a_file(path, mode, what)
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise _unreadable(path, exc) from None
    if len(data) > limit:
        raise UnreadableFile(
            path,
            message(N_("the file is over the {limit} limit"), limit=size_text(limit)),
            message(N_("a file this large is almost certainly not the one meant; check the path")),
        )
    return data


def holds(path: Path, data: bytes) -> bool:
    """Whether `path` is a regular file holding exactly `data` (read no further than that)."""
    try:
        return read_bounded(path, len(data)) == data
    except UnreadableFile:
        return False


@cache
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> bool:
    """Put `data` in the file at `path`, whole or not at all; False when it already held it.

    The folder is created if needed. On failure (a full disk, a read-only folder, a name too
    long) the old file is untouched, no temporary file is left and the error says so.
    """
    if holds(path, data):
        return False
    temp: str | None = None
    existed = False
    try:
        target = path.resolve() if path.is_symlink() else path
        existed = target.exists()
        if target.exists() and not target.is_file():
            raise OSError(0, "it exists and is not a regular file")
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
        fd, temp = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name[:40]}.", suffix=".tmp"
        )
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
        temp = None
        _sync_folder(target.parent)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ArkError(  # the operating system's reason, in its words
            N_("cannot write {path}: {reason}; the old file is untouched")
            if existed
            else N_("cannot write {path}: {reason}; nothing was written"),
            hint=N_("free some disk space, or check the path and its folder's permissions"),
            args={"path": path, "reason": reason},
        ) from None
    finally:
        if temp is not None:
            with suppress(OSError):
                os.unlink(temp)
    return True


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a no-op where folders cannot be opened)."""
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
