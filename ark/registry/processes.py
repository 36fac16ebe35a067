"""Processes as the registry writes them: revisions of their text, review stamps and the
log of completed tasks, each with an audit record and an `ark_process_changed` event."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select

from ark.errors import ArkError
from ark.i18n import N_
from ark.models import Process, ProcessLogEntry, ProcessRevision, Responsibility
from ark.registry.base import RegistryBase, now
from ark.registry.events import ProcessChange

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


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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


def _day(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


class Processes(RegistryBase):
    """Recording, reviewing and logging processes."""

    def process(self, slug: str) -> Process:
        row: Process = self._one(Process, Process.slug, slug, "process", "ark process list")
        return row

    def record_processes(self, drafts: Sequence[ProcessDraft], message: str = "") -> list[Recorded]:
        """Record each draft as a new revision of its process, unless its text is unchanged.

        Runs inside the caller's transaction: one draft that fails leaves none recorded. New
        processes and all revisions are written in bulk, so a folder of a thousand files costs
        a handful of statements.
        """
        stamp, session = now(), self.session
        existing = {
            p.slug: p
            for p in session.scalars(
                select(Process).where(Process.slug.in_([d.slug for d in drafts]))
            )
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
            responsibility = owners.get(draft.responsibility) or self.responsibility(
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
                fresh.append(
                    {"slug": draft.slug, "created_at": stamp, "revision": number, **values}
                )
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
                        "author": self.actor,
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
            self.audit(
                "add" if before is None else "change",
                "process",
                draft.slug,
                before,
                {**after, "message": message},
                at=stamp,
            )
        self.flush()
        for draft, number, _, _ in changed:
            self.emit(
                ProcessChange("recorded", draft.slug, draft.responsibility, number, self.actor)
            )
        return out

    def stamp_review(
        self, slug: str, *, by: str | None = None, on: dt.date | None = None
    ) -> Process:
        """Record that the process was reviewed and still holds (its text is not touched); a
        review dated before the process was first recorded is refused, as nothing was there to
        read."""
        row = self.process(slug)
        day, created = on or self.today, row.created_at.date()
        if day < created:
            raise ArkError(
                N_(
                    "process {slug} was first recorded on {created}: a review on {day} cannot "
                    "come before it"
                ),
                hint=N_("give the day of the review, {created} or later"),
                args={"slug": slug, "created": created.isoformat(), "day": day.isoformat()},
            )
        before = {"by": row.last_reviewed_by, "on": _day(row.last_reviewed_on)}
        row.last_reviewed_by, row.last_reviewed_on = by or self.actor, day
        after = {"by": row.last_reviewed_by, "on": _day(row.last_reviewed_on)}
        self.audit("review", "process", slug, before, after, actor=by)
        self.flush()
        self.emit(
            ProcessChange(
                "reviewed", slug, row.responsibility.slug, row.revision, row.last_reviewed_by
            )
        )
        return row

    def archive_process(self, slug: str) -> Process:
        """Take a process out of the playbook and the checks (one recorded by mistake, say);
        its revisions stay, and recording its file again brings it back."""
        row = self.process(slug)
        row.archived = True
        self.audit("remove", "process", slug, {"revision": row.revision}, None)
        self.flush()
        self.emit(
            ProcessChange("archived", slug, row.responsibility.slug, row.revision, self.actor)
        )
        return row

    def log_completion(
        self, responsibility: str, task_key: str, on: dt.date, who: str, note: str
    ) -> list[ProcessLogEntry]:
        """Add a completed task to the log of every current process of its responsibility."""
        rows = self.session.scalars(
            select(Process)
            .join(Responsibility, Responsibility.id == Process.responsibility_id)
            .where(Responsibility.slug == responsibility, Process.archived.is_(False))
            .order_by(Process.slug)
        )
        entries = []
        for row in rows:
            entry = ProcessLogEntry(
                process_id=row.id, task_key=task_key, date=on, who=who, note=note
            )
            self.session.add(entry)
            self.audit(
                "log",
                "process",
                row.slug,
                None,
                {"task": task_key, "date": on.isoformat(), "who": who, "note": note},
                actor=who,
            )
            entries.append(entry)
            self.emit(ProcessChange("logged", row.slug, responsibility, row.revision, who))
        return entries
