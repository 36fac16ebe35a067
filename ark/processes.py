"""Documented processes: reading revisions, review dates and completion logs.

A process is kept as the exact text of its file, one revision per change, so an export gives
back the same bytes and a diff between revisions is a plain text diff. The file format itself
belongs to the plugin that reads it (`ark_processes`); the core keeps the text, the parsed
content the plugin hands over (`ProcessDraft.data`) and the bookkeeping around it. Every
change goes through the `Registry` (`ark.registry.processes`), with an audit record, inside
its transaction; this module reads.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from ark.errors import NotFound
from ark.i18n import N_
from ark.models import Process, ProcessLogEntry, ProcessRevision
from ark.periods import add_months
from ark.registry.processes import DEFAULT_REVIEW_MONTHS, ProcessDraft, Recorded, content_hash
from ark.registry.results import ProcessRow, ResponsibilityRow
from ark.registry.writer import Registry
from ark.vocabulary import Cadence


@dataclass(frozen=True)
class Completion:
    """A completed task in a process's log: which, when, who, and the outcome note."""

    task_key: str
    date: dt.date
    who: str
    note: str


@dataclass(frozen=True)
class RevisionInfo:
    """A revision without its text, for histories."""

    number: int
    author: str
    at: dt.datetime
    message: str
    content_hash: str


@dataclass(frozen=True)
class Revision(RevisionInfo):
    """A revision with its text, byte for byte as recorded."""

    text: str


__all__ = ["DEFAULT_REVIEW_MONTHS", "ProcessDraft", "Recorded", "content_hash"]


# -- reads -------------------------------------------------------------------------------------


def processes(registry: Registry) -> list[ProcessRow]:
    """The current processes, by slug."""
    return list(registry.read.processes().items)


def process(registry: Registry, slug: str) -> ProcessRow:
    """One current process, or a clear error."""
    found = registry.read.processes(slug=slug).items
    if not found:
        raise NotFound.of("process", slug, "ark process list")
    return found[0]


def review_due(row: ProcessRow) -> dt.date:
    """When the process must next be reviewed: its interval after the last review (or after
    it was first recorded, if it never was)."""
    since = row.last_reviewed_on or row.created_at.date()
    return add_months(since, row.review_months)


def is_overdue(row: ProcessRow, today: dt.date) -> bool:
    return review_due(row) < today


def due_for_review(registry: Registry, until: dt.date) -> list[ProcessRow]:
    """Processes whose review falls on or before `until`, soonest first."""
    due = [p for p in processes(registry) if review_due(p) <= until]
    return sorted(due, key=lambda p: (review_due(p), p.slug))


def revision(registry: Registry, slug: str, number: int) -> Revision:
    row = registry.session.scalars(
        select(ProcessRevision).where(
            ProcessRevision.process_id == registry.process(slug).id,
            ProcessRevision.number == number,
        )
    ).first()
    if row is None:
        raise NotFound(
            N_("process {slug!r} has no revision {number}"),
            hint=N_("see `ark process history {slug}`"),
            args={"slug": slug, "number": str(number)},
        )
    return Revision(row.number, row.author, row.at, row.message, row.content_hash, row.text)


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
    registry: Registry, slugs: Iterable[str] | None = None
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
    if slugs is not None:
        query = query.where(Process.slug.in_(list(slugs)))
    out: dict[str, list[RevisionInfo]] = defaultdict(list)
    for slug, number, author, at, message, digest in registry.session.execute(query):
        out[slug].append(RevisionInfo(number, author, at, message, digest))
    return out


def completions(
    registry: Registry, slugs: Iterable[str] | None = None, *, limit: int | None = None
) -> dict[str, list[Completion]]:
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
    if slugs is not None:
        wanted = select(Process.id).where(Process.slug.in_(list(slugs)))
        ranked = ranked.where(ProcessLogEntry.process_id.in_(wanted.scalar_subquery()))
    sub = ranked.subquery()
    query = (
        select(Process.slug, ProcessLogEntry)
        .join(sub, sub.c.id == ProcessLogEntry.id)
        .join(Process, Process.id == ProcessLogEntry.process_id)
        .order_by(Process.slug, sub.c.rank)
    )
    if limit is not None:
        query = query.where(sub.c.rank <= limit)
    out: dict[str, list[Completion]] = defaultdict(list)
    for slug, e in registry.session.execute(query):
        out[slug].append(Completion(e.task_key, e.date, e.who, e.note))
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


def recurring_without_process(registry: Registry) -> list[ResponsibilityRow]:
    """Recurring responsibilities that no current process documents."""
    documented = {p.responsibility for p in processes(registry)}
    return [
        r
        for r in registry.read.responsibilities().items
        if r.cadence != Cadence.NONE and r.slug not in documented
    ]
