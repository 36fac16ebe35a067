"""The JSON API under /api/v1: the same reads, writes and roles as the pages, for scripts.

A request proves who it is with a personal API token (`Authorization: Bearer ark_...`),
never with the browser's cookie, so a page elsewhere cannot make a browser call it: the API
needs no CSRF token. Its OpenAPI description is at /api/v1/openapi.json.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from pydantic import BaseModel, Field

from ark.checks import Finding
from ark.processes import RevisionInfo
from ark.registry.people import Offboarding as Offboarded
from ark.registry.results import AuditEntry
from ark.vocabulary import AccountRole, Role
from ark_web import reads, writes
from ark_web.auth import Forbidden, Visitor, api_role
from ark_web.pages import (
    AUDIT_FILTERS,
    OWN_KPIS,
    OWN_PROCESSES,
    OWN_TASKS,
    AuditFilters,
    may_finish,
    may_record,
    may_review,
)

VIEWER = api_role(AccountRole.VIEWER)
MEMBER = api_role(AccountRole.MEMBER)
LEAD = api_role(AccountRole.LEAD)


@dataclass(frozen=True)
class Me:
    email: str
    role: AccountRole


@dataclass(frozen=True)
class Health:
    errors: int
    findings: list[Finding]


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    department: str
    capacity: float
    assigned: float


@dataclass(frozen=True)
class Holder:
    contributor: str
    role: Role
    hours: float
    since: dt.date | None


@dataclass(frozen=True)
class Responsibility:
    slug: str
    title: str
    department: str | None
    cadence: str
    kpis: list[str]
    accountable: str | None
    people: int
    hours: float


@dataclass(frozen=True)
class ResponsibilityDetail:
    slug: str
    title: str
    description: str
    cadence: str
    kpis: list[str]
    assignments: list[Holder]


@dataclass(frozen=True)
class Task:
    key: str
    title: str
    responsibility: str
    status: str
    assignee: str | None
    due: dt.date | None
    version: int
    jira: str | None
    jira_url: str | None


@dataclass(frozen=True)
class Kpi:
    slug: str
    name: str
    unit: str
    readings: list[tuple[dt.date, float]]
    version: int


class CellEdit(BaseModel):
    """Set a role (with hours) in a cell of the matrix; `end:ROLE` ends one, "" every role."""

    responsibility: str
    contributor: str
    role: str
    hours: float | None = Field(default=None, ge=0, le=80)
    version: int


class Done(BaseModel):
    note: str = ""
    version: int


class Reading(BaseModel):
    value: float
    date: dt.date | None = None
    version: int


@dataclass(frozen=True)
class Process:
    slug: str
    title: str
    responsibility: str
    revision: int
    review_due: dt.date
    overdue: bool
    last_reviewed_on: dt.date | None
    version: int


@dataclass(frozen=True)
class ProcessDetail(Process):
    text: str
    revisions: list[RevisionInfo]


class Review(BaseModel):
    """Confirm a review of the process, on `date` (default: today)."""

    date: dt.date | None = None
    version: int


class Handover(BaseModel):
    """Who takes what from the person leaving: `to` takes every accountable role and open task
    not named in `accountable_to` (responsibility slug: e-mail) or `task_to` (task key:
    e-mail). Their roles end on `on` (default: today)."""

    to: str | None = None
    on: dt.date | None = None
    accountable_to: dict[str, str] = Field(default_factory=dict)
    task_to: dict[str, str] = Field(default_factory=dict)

    def choice(self) -> writes.Handover:
        return writes.Handover(self.to, self.on, self.accountable_to, self.task_to)


class OffboardingConfirmation(Handover):
    """The same choices as the preview, with the `version` and `digest` it answered."""

    version: int
    digest: str


@dataclass(frozen=True)
class EndedRole:
    responsibility: str
    role: Role
    hours: float


@dataclass(frozen=True)
class Moved:
    """An accountable role (`item` is its responsibility) or an open task (its key), and
    who takes it."""

    item: str
    to: str


@dataclass(frozen=True)
class Offboarding:
    contributor: str
    on: dt.date
    ended: list[EndedRole]
    accountable: list[Moved]
    tasks: list[Moved]


@dataclass(frozen=True)
class OffboardingPreview(Offboarding):
    """What offboarding would move, what `ark check` would newly find once it had, and the
    `version` and `digest` the confirmation sends back."""

    findings: list[Finding]
    version: int
    digest: str


def _process(p: reads.ProcessRow) -> Process:
    return Process(
        p.slug,
        p.title,
        p.responsibility,
        p.revision,
        p.review_due,
        p.overdue,
        p.last_reviewed_on,
        p.version,
    )


def _moved(o: Offboarded) -> dict[str, Any]:
    return {
        "contributor": o.contributor,
        "on": o.on,
        "ended": [EndedRole(a.responsibility, Role(a.role), a.hours) for a in o.ended],
        "accountable": [Moved(slug, who) for slug, who in o.handed_over],
        "tasks": [Moved(key, who) for key, who in o.tasks],
    }


def create_api(engine: Any) -> FastAPI:
    from ark_web.app import api_errors

    api = FastAPI(
        title="Ark API",
        version="1",
        description="The Ark registry: read the team and its work, make the changes your role allows.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    api.state.engine = engine
    api_errors(api)

    @api.get("/me")
    def me(who: Visitor = VIEWER) -> Me:
        return Me(who.email, who.account.role)

    @api.get("/check")
    def check(request: Request, who: Visitor = VIEWER) -> Health:
        findings = reads.findings(engine)
        return Health(sum(f.level == "error" for f in findings), findings)

    @api.get("/people")
    def people(
        q: str = "", department: str = "", page: int = 1, who: Visitor = VIEWER
    ) -> list[Person]:
        rows, _ = reads.people(engine, q, department or None, page)
        return [Person(p.email, p.name, p.department, p.capacity, p.assigned) for p in rows]

    @api.get("/responsibilities")
    def responsibilities(
        q: str = "", department: str = "", page: int = 1, who: Visitor = VIEWER
    ) -> list[Responsibility]:
        rows, _, _ = reads.responsibilities(engine, q, department or None, page)
        return [
            Responsibility(
                r.slug,
                r.title,
                r.department,
                r.cadence,
                list(r.kpis),
                r.accountable,
                r.people,
                r.hours,
            )
            for r in rows
        ]

    @api.get("/responsibilities/{slug}")
    def responsibility(slug: str, who: Visitor = VIEWER) -> ResponsibilityDetail:
        data = reads.responsibility(engine, slug)
        r = data.responsibility
        return ResponsibilityDetail(
            r.slug,
            r.title,
            r.description,
            r.cadence,
            list(r.kpis),
            [Holder(a.contributor, Role(a.role), a.hours, a.since) for a in data.current],
        )

    @api.get("/tasks")
    def tasks(
        view: str = "all", responsibility: str = "", page: int = 1, who: Visitor = VIEWER
    ) -> list[Task]:
        rows, _, _ = reads.tasks(engine, view, who.email, responsibility, page)
        return [
            Task(
                t.key,
                t.title,
                t.responsibility,
                str(t.status),
                t.assignee,
                t.due,
                t.version,
                t.jira,
                t.jira_url,
            )
            for t in rows
        ]

    @api.get("/kpis")
    def kpis(who: Visitor = VIEWER) -> list[Kpi]:
        return [
            Kpi(k.slug, k.name, k.unit, list(k.readings), k.version) for k in reads.kpis(engine)
        ]

    @api.post("/assignments", status_code=204)
    def set_cell(edit: CellEdit, who: Visitor = LEAD) -> None:
        writes.set_cell(
            engine,
            who.email,
            edit.responsibility,
            edit.contributor,
            edit.role,
            edit.hours,
            edit.version,
        )

    @api.post("/tasks/{key:path}/done", status_code=204)
    def finish(key: str, done: Done, who: Visitor = MEMBER) -> None:
        if not may_finish(who, reads.task(engine, key).assignee):
            raise Forbidden(OWN_TASKS)
        writes.finish_task(engine, who.email, key, done.note, done.version)

    @api.post("/kpis/{slug}/readings", status_code=204)
    def record(request: Request, slug: str, reading: Reading, who: Visitor = MEMBER) -> None:
        if not may_record(request, who, slug):
            raise Forbidden(OWN_KPIS)
        writes.record_reading(engine, who.email, slug, reading.value, reading.date, reading.version)

    @api.get("/processes")
    def processes(who: Visitor = VIEWER) -> list[Process]:
        return [_process(p) for p in reads.processes(engine)]

    @api.get("/processes/{slug}")
    def process(slug: str, who: Visitor = VIEWER) -> ProcessDetail:
        """The process's current text (Markdown, as recorded) and its revisions, newest
        first."""
        row, text = reads.process_text(engine, slug)
        return ProcessDetail(
            **dataclasses.asdict(_process(row)),
            text=text,
            revisions=reads.revisions(engine, slug),
        )

    @api.post("/processes/{slug}/review", status_code=204)
    def review(request: Request, slug: str, done: Review, who: Visitor = MEMBER) -> None:
        """Confirm a review: a lead any process, a member those of responsibilities they are
        accountable for."""
        row, _ = reads.process_text(engine, slug)
        if not may_review(request, who, row.responsibility):
            raise Forbidden(OWN_PROCESSES)
        writes.review_process(engine, who.email, slug, done.date, done.version)

    @api.get("/audit")
    def audit_log(
        filters: AuditFilters = AUDIT_FILTERS, page: int = 1, who: Visitor = LEAD
    ) -> list[AuditEntry]:
        """The audit log, newest first, a page at a time; filtered by person (`actor`),
        `entity` and dates (`since`, `until`: YYYY-MM-DD) as on the audit log page."""
        rows, _ = reads.audit_log(engine, page=max(page, 1), **filters.query())
        return rows

    @api.post("/people/{email}/offboard/preview")
    def offboarding_preview(
        email: str, handover: Handover, who: Visitor = LEAD
    ) -> OffboardingPreview:
        """What offboarding `email` with these choices would move; nothing is written. Send
        the same choices with the answer's `version` and `digest` to
        `/people/{email}/offboard` to do it."""
        shown = writes.preview_offboarding(engine, who.email, email, handover.choice())
        return OffboardingPreview(
            **_moved(shown.offboarding),
            findings=shown.findings,
            version=shown.version,
            digest=shown.digest,
        )

    @api.post("/people/{email}/offboard")
    def offboard(
        email: str, confirmation: OffboardingConfirmation, who: Visitor = LEAD
    ) -> Offboarding:
        """Offboard `email` in one transaction, only if it moves exactly what the preview
        showed: when the team changed so that it would not, the answer is 409, names who
        changed what and when, and nothing is written."""
        done = writes.offboard(
            engine,
            who.email,
            email,
            confirmation.choice(),
            confirmation.version,
            confirmation.digest,
        )
        return Offboarding(**_moved(done))

    return api
