"""Documented processes: recording revisions, review stamps and completion logs.

A process is kept as the exact text of its file, one revision per change, so an export gives
back the same bytes and a diff between revisions is a plain text diff. The file format itself
belongs to the plugin that reads it (`ark_processes`); the core keeps the text, the parsed
content the plugin hands over (`ProcessDraft.data`) and the bookkeeping around it. Every
change goes through a `Registry`, with an audit record, inside its transaction.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select

from ark.errors import NotFound
from ark.models import Process, ProcessLogEntry, ProcessRevision, Responsibility
from ark.periods import add_months
from ark.service import Registry, now
from ark.vocabulary import Cadence

DEFAULT_REVIEW_MONTHS = 6


@dataclass(frozen=True)
class ProcessDraft:
    """A process file, parsed and validated by its reader, ready to be recorded."""

    slug: str
    title: str
    responsibility: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    review_months: int = DEFAULT_REVIEW_MONTHS


@dataclass(frozen=True)
class Recorded:
    """What recording one draft did: the new revision's number, None when unchanged."""

    slug: str
    revision: int | None
    created: bool


@dataclass(frozen=True)
class ProcessChange:
    """A process recorded, reviewed or given a completion; passed to `ark_process_changed`."""

    action: str  # "recorded" | "reviewed" | "logged"
    slug: str
    responsibility: str
    revision: int
    by: str


@dataclass(frozen=True)
class RevisionInfo:
    """A revision without its text, for histories."""

    number: int
    author: str
    at: dt.datetime
    message: str
    content_hash: str


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- reads -------------------------------------------------------------------------------------


def processes(registry: Registry) -> list[Process]:
    """The current processes, by slug."""
    return list(
        registry.session.scalars(
            select(Process).where(Process.archived.is_(False)).order_by(Process.slug)
        )
    )


def process(registry: Registry, slug: str) -> Process:
    row = registry.session.scalars(
        select(Process).where(Process.slug == slug, Process.archived.is_(False))
    ).first()
    if row is None:
        raise NotFound(f"no process {slug!r} in the registry", hint="see `ark process list`")
    return row


def review_due(row: Process) -> dt.date:
    """When the process must next be reviewed: its interval after the last review (or after
    it was first recorded, if it never was)."""
    since = row.last_reviewed_on or row.created_at.date()
    return add_months(since, row.review_months)


def is_overdue(row: Process, today: dt.date) -> bool:
    return review_due(row) < today


def due_for_review(registry: Registry, until: dt.date) -> list[Process]:
    """Processes whose review falls on or before `until`, soonest first."""
    due = [p for p in processes(registry) if review_due(p) <= until]
    return sorted(due, key=lambda p: (review_due(p), p.slug))


def revision(registry: Registry, slug: str, number: int) -> ProcessRevision:
    row = registry.session.scalars(
        select(ProcessRevision).where(
            ProcessRevision.process_id == process(registry, slug).id,
            ProcessRevision.number == number,
        )
    ).first()
    if row is None:
        raise NotFound(
            f"process {slug!r} has no revision {number}", hint=f"see `ark process history {slug}`"
        )
    return row


def current_texts(registry: Registry) -> dict[str, str]:
    """Each current process's text as last recorded, in one query."""
    rows = registry.session.execute(
        select(Process.slug, ProcessRevision.text)
        .join(ProcessRevision, ProcessRevision.process_id == Process.id)
        .where(Process.archived.is_(False), ProcessRevision.number == Process.revision)
        .order_by(Process.slug)
    )
    return {slug: text for slug, text in rows}


def histories(
    registry: Registry, rows: Iterable[Process] | None = None
) -> dict[str, list[RevisionInfo]]:
    """Each process's revisions (newest first, without their text), in one query."""
    query = (
        select(
            Process.slug,
            ProcessRevision.number,
            ProcessRevision.author,
            ProcessRevision.at,
            ProcessRevision.message,
            ProcessRevision.content_hash,
        )
        .join(Process, Process.id == ProcessRevision.process_id)
        .order_by(Process.slug, ProcessRevision.number.desc())
    )
    if rows is not None:
        query = query.where(ProcessRevision.process_id.in_([p.id for p in rows]))
    out: dict[str, list[RevisionInfo]] = defaultdict(list)
    for slug, number, author, at, message, digest in registry.session.execute(query):
        out[slug].append(RevisionInfo(number, author, at, message, digest))
    return out


def completions(
    registry: Registry, rows: Iterable[Process] | None = None, *, limit: int | None = None
) -> dict[str, list[ProcessLogEntry]]:
    """Each process's log, newest first (at most `limit` entries each), in one query."""
    rank = (
        func.row_number()
        .over(
            partition_by=ProcessLogEntry.process_id,
            order_by=(ProcessLogEntry.date.desc(), ProcessLogEntry.id.desc()),
        )
        .label("rank")
    )
    ranked = select(ProcessLogEntry.id, rank)
    if rows is not None:
        ranked = ranked.where(ProcessLogEntry.process_id.in_([p.id for p in rows]))
    sub = ranked.subquery()
    query = (
        select(Process.slug, ProcessLogEntry)
        .join(sub, sub.c.id == ProcessLogEntry.id)
        .join(Process, Process.id == ProcessLogEntry.process_id)
        .order_by(Process.slug, sub.c.rank)
    )
    if limit is not None:
        query = query.where(sub.c.rank <= limit)
    out: dict[str, list[ProcessLogEntry]] = defaultdict(list)
    for slug, entry in registry.session.execute(query):
        out[slug].append(entry)
    return out


def unified_diff(registry: Registry, slug: str, old: int, new: int) -> str:
    """The text difference between two revisions of a process, as a unified diff."""
    before, after = revision(registry, slug, old), revision(registry, slug, new)
    return "".join(
        difflib.unified_diff(
            before.text.splitlines(keepends=True),
            after.text.splitlines(keepends=True),
            fromfile=f"{slug}@{old}",
            tofile=f"{slug}@{new}",
        )
    )


def recurring_without_process(registry: Registry) -> list[Responsibility]:
    """Recurring responsibilities that no current process documents."""
    documented = select(Process.responsibility_id).where(Process.archived.is_(False))
    return list(
        registry.session.scalars(
            select(Responsibility)
            .where(
                Responsibility.archived.is_(False),
                Responsibility.cadence != Cadence.NONE,
                Responsibility.id.not_in(documented),
            )
            .order_by(Responsibility.slug)
        )
    )


# -- writes ------------------------------------------------------------------------------------


def _view(
    title: str, responsibility: str, revision: int, digest: str, review_months: int
) -> dict[str, Any]:
    """A process as its audit records show it."""
    return {
        "title": title,
        "responsibility": responsibility,
        "revision": revision,
        "hash": digest,
        "review_months": review_months,
    }


def record(registry: Registry, drafts: Sequence[ProcessDraft], message: str = "") -> list[Recorded]:
    """Record each draft as a new revision of its process, unless its text is unchanged.

    Runs inside the caller's transaction: one draft that fails leaves none recorded. New
    processes and all revisions are written in bulk, so a folder of a thousand files costs
    a handful of statements.
    """
    stamp, session = now(), registry.session
    existing = {
        p.slug: p
        for p in session.scalars(select(Process).where(Process.slug.in_([d.slug for d in drafts])))
    }
    owners = {
        r.slug: r
        for r in session.scalars(
            select(Responsibility).where(
                Responsibility.slug.in_({d.responsibility for d in drafts}),
                Responsibility.archived.is_(False),
            )
        )
    }
    fresh: list[dict[str, Any]] = []
    changed: list[tuple[ProcessDraft, int, str, dict[str, Any] | None]] = []
    out: list[Recorded] = []
    for draft in drafts:
        digest = content_hash(draft.text)
        row = existing.get(draft.slug)
        if row is not None and row.content_hash == digest and not row.archived:
            out.append(Recorded(draft.slug, None, created=False))
            continue
        responsibility = owners.get(draft.responsibility) or registry.responsibility(
            draft.responsibility
        )
        values = {
            "title": draft.title,
            "responsibility_id": responsibility.id,
            "review_months": draft.review_months,
            "data": draft.data,
            "content_hash": digest,
            "changed_at": stamp,
            "archived": False,
        }
        if row is None:
            number, before = 1, None
            fresh.append({"slug": draft.slug, "created_at": stamp, "revision": number, **values})
        else:
            number = row.revision + 1
            before = _view(
                row.title,
                row.responsibility.slug,
                row.revision,
                row.content_hash,
                row.review_months,
            )
            for key, value in {**values, "revision": number}.items():
                setattr(row, key, value)
        changed.append((draft, number, digest, before))
        out.append(Recorded(draft.slug, number, created=before is None))
    ids = {slug: row.id for slug, row in existing.items()}
    if fresh:
        ids.update(
            (slug, pid)
            for pid, slug in session.execute(
                insert(Process).returning(Process.id, Process.slug),
                fresh,
            )
        )
    session.flush()
    if changed:
        session.execute(
            insert(ProcessRevision),
            [
                {
                    "process_id": ids[draft.slug],
                    "number": number,
                    "author": registry.actor,
                    "at": stamp,
                    "message": message,
                    "text": draft.text,
                    "content_hash": digest,
                }
                for draft, number, digest, _ in changed
            ],
        )
    for draft, number, digest, before in changed:
        after = _view(draft.title, draft.responsibility, number, digest, draft.review_months)
        registry.audit(
            "add" if before is None else "change",
            "process",
            draft.slug,
            before,
            {**after, "message": message},
            at=stamp,
        )
    registry.flush()
    for draft, number, _, _ in changed:
        _changed(registry, "recorded", draft.slug, draft.responsibility, number, registry.actor)
    return out


def _changed(
    registry: Registry, action: str, slug: str, responsibility: str, revision: int, by: str
) -> None:
    change = ProcessChange(action, slug, responsibility, revision, by)
    registry.emit("ark_process_changed", change=change)


def stamp_review(
    registry: Registry, slug: str, *, by: str | None = None, on: dt.date | None = None
) -> Process:
    """Record that the process was reviewed and still holds (its text is not touched)."""
    row = process(registry, slug)
    before = {"by": row.last_reviewed_by, "on": _iso(row.last_reviewed_on)}
    row.last_reviewed_by, row.last_reviewed_on = by or registry.actor, on or registry.today
    after = {"by": row.last_reviewed_by, "on": _iso(row.last_reviewed_on)}
    registry.audit("review", "process", slug, before, after, actor=by)
    registry.flush()
    _changed(
        registry, "reviewed", slug, row.responsibility.slug, row.revision, row.last_reviewed_by
    )
    return row


def log_completion(
    registry: Registry, responsibility: str, task_key: str, on: dt.date, who: str, note: str
) -> list[ProcessLogEntry]:
    """Add a completed task to the log of every current process of its responsibility."""
    rows = registry.session.scalars(
        select(Process)
        .join(Responsibility, Responsibility.id == Process.responsibility_id)
        .where(Responsibility.slug == responsibility, Process.archived.is_(False))
        .order_by(Process.slug)
    )
    entries = []
    for row in rows:
        entry = ProcessLogEntry(process_id=row.id, task_key=task_key, date=on, who=who, note=note)
        registry.session.add(entry)
        registry.audit(
            "log",
            "process",
            row.slug,
            None,
            {"task": task_key, "date": on.isoformat(), "who": who, "note": note},
            actor=who,
        )
        entries.append(entry)
        _changed(registry, "logged", row.slug, responsibility, row.revision, who)
    return entries


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
