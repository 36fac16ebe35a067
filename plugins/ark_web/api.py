"""The JSON API under /api/v1: the same reads, writes and roles as the pages, for scripts.

A request proves who it is with a personal API token (`Authorization: Bearer ark_...`),
never with the browser's cookie, so a page elsewhere cannot make a browser call it: the API
needs no CSRF token. Its OpenAPI description is at /api/v1/openapi.json.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from pydantic import BaseModel, Field

from ark.checks import Finding
from ark.vocabulary import AccountRole, Role
from ark_web import reads, writes
from ark_web.auth import Forbidden, Visitor, api_role
from ark_web.pages import may_finish

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
            raise Forbidden("a member can mark only their own tasks done")
        writes.finish_task(engine, who.email, key, done.note, done.version)

    @api.post("/kpis/{slug}/readings", status_code=204)
    def record(slug: str, reading: Reading, who: Visitor = MEMBER) -> None:
        if not who.can(AccountRole.LEAD) and slug not in reads.standing(engine, who.email).kpis:
            raise Forbidden("a member can record readings only of KPIs their responsibilities move")
        writes.record_reading(engine, who.email, slug, reading.value, reading.date, reading.version)

    return api
