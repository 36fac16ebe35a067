"""The server-rendered pages: each reads through `reads`, writes through `writes`, and names the
least role it needs; every form posts back with the CSRF token and the version it was drawn
from, and answers with a redirect (post, redirect, get) so a reload never sends it twice.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import datetime as dt
import io
import secrets
from collections.abc import Hashable, Iterator
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from markupsafe import Markup, escape
from starlette.datastructures import FormData, ImmutableMultiDict

from ark.errors import ArkError, NotFound
from ark.i18n import AUDIT_ENTITIES, N_, Message, message, tr
from ark.spec import ContributorSpec
from ark.vocabulary import AccountRole
from ark_web import reads, writes
from ark_web.auth import (
    SESSION_COOKIE,
    Forbidden,
    Visitor,
    checked_form,
    engine,
    page_role,
    safe_next,
)

router = APIRouter()
VIEWER = page_role(AccountRole.VIEWER)
MEMBER = page_role(AccountRole.MEMBER)
LEAD = page_role(AccountRole.LEAD)
ADMIN = page_role(AccountRole.ADMIN)
FORM = Depends(checked_form)


def render(
    request: Request, template: str, who: Visitor | None, status: int = 200, **context: Any
) -> HTMLResponse:
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request,
        template,
        {
            "me": who,
            "csrf": request.state.csrf,
            "AccountRole": AccountRole,
            "can_finish": lambda t: who is not None and may_finish(who, t.assignee),
            **context,
        },
        status_code=status,
    )
    return response


# What stands for the per-browser parts of a kept page (`render_kept`) until it is sent: letters
# and digits, which escaping and URL quoting leave as they are, unguessable by page content.
CSRF_MARK = "arkcsrf" + secrets.token_hex(16)
EMAIL_MARK = "arkemail" + secrets.token_hex(16)


def render_kept(
    request: Request,
    template: str,
    who: Visitor,
    key: Hashable,
    state: reads.State,
    *,
    personal: bool = False,
    **context: Any,
) -> HTMLResponse:
    """`render` for a page drawn from the registry at `state` that shows the same to everyone
    of one role (to one person if `personal`), kept per state, role, language and then person
    (drawing the matrix's 300 cells' forms took a third of its time, a task list's rows a
    fifth). It is kept with marks for what differs by browser, the CSRF token and the
    signed-in e-mail, put in when sent: a kept page never carries another browser's token,
    nor, unless `personal`, anything of the person it was first drawn for."""
    from ark.i18n import speaking

    def draw() -> str:
        shown = who if personal else Visitor(dataclasses.replace(who.account, email=EMAIL_MARK))
        return bytes(render(request, template, shown, csrf=CSRF_MARK, **context).body).decode()

    person = who.email if personal else None
    key = (template, key, who.account.role, speaking(), person)
    page = reads.kept(engine(request), key, state, draw)
    mine = page.replace(CSRF_MARK, request.state.csrf).replace(EMAIL_MARK, escape(who.email))
    return HTMLResponse(mine)


def problem(request: Request, message: str, status: int) -> HTMLResponse:
    return render(request, "problem.html", None, status, message=message)


def back(to: str) -> RedirectResponse:
    return RedirectResponse(to, status_code=303)


def text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name, default)
    return value if isinstance(value, str) else default


# The forms' fields as their messages name them.
FIELDS = {
    "capacity": N_("capacity"),
    "hours": N_("hours"),
    "value": N_("value"),
    "date": N_("date"),
    "since": N_("since"),
    "until": N_("until"),
    "on": N_("the last day"),
}


def field_name(name: str) -> Message:
    return message(FIELDS[name])


def number(form: FormData, name: str, *, required: bool = False) -> float | None:
    """A number as typed in the page's language ("1,5" in Spanish) or as a machine writes it."""
    from ark_web.language import parse_number

    value = text(form, name).strip()
    if not value:
        if required:
            raise ArkError(
                N_("{name} is missing"), hint=N_("fill in {name}"), args={"name": field_name(name)}
            )
        return None
    found = parse_number(value)
    if found is None:
        raise ArkError(
            N_("{name} {value!r} is not a number"),
            hint=N_("write a number, as {whole} or {decimal}"),
            args={"name": field_name(name), "value": value, "whole": 2, "decimal": 1.5},
        )
    return found


def version(form: FormData) -> int:
    try:
        return int(text(form, "version"))
    except ValueError:
        raise ArkError(
            N_("the form carries no version"), hint=N_("reload the page and try again")
        ) from None


def day(value: str, name: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ArkError(
            N_("{name} {value!r} is not a date"),
            hint=N_("write YYYY-MM-DD"),
            args={"name": field_name(name), "value": value},
        ) from None


# -- signing in ---------------------------------------------------------------------------------


def _session_cookie(request: Request, response: Response, secret: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> HTMLResponse:
    from ark_web.oidc import provider_of

    return render(
        request,
        "sign_in.html",
        None,
        next=safe_next(next),
        first_run=not reads.has_accounts(engine(request)),
        provider=provider_of(reads.web_section(engine(request))),
    )


@router.post("/sign-in")
def sign_in(request: Request, form: FormData = FORM) -> Response:
    email, password = text(form, "email").strip().lower(), text(form, "password")
    target = safe_next(text(form, "next"))
    limiter, limit = request.app.state.limiter, request.app.state.sign_in_limit
    client = request.client.host if request.client else "?"
    if not (limiter.test(limit, "email", email) and limiter.test(limit, "client", client)):
        return render(
            request,
            "sign_in.html",
            None,
            429,
            next=target,
            error=tr(N_("Too many sign-in attempts: wait a minute and try again.")),
        )
    secret = writes.sign_in(engine(request), email, password)
    if secret is None:
        limiter.hit(limit, "email", email)
        limiter.hit(limit, "client", client)
        return render(
            request,
            "sign_in.html",
            None,
            401,
            next=target,
            error=tr(N_("The e-mail or the password is not right.")),
        )
    response = back(target)
    _session_cookie(request, response, secret)
    return response


def _provider(request: Request) -> Any:
    from ark_web.oidc import provider_of

    found = provider_of(reads.web_section(engine(request)))
    if found is None:
        raise NotFound(
            N_("signing in through a company provider is not set up"),
            hint=N_("an admin names it in the team file's web.oidc section"),
        )
    return found


@router.get("/sign-in/oidc")
def oidc_start(request: Request, next: str = "/") -> Response:
    from ark_web import oidc

    callback = str(request.url_for("oidc_callback"))
    target, cookie = oidc.start(_provider(request), callback, safe_next(next))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        oidc.COOKIE,
        cookie,
        max_age=600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/sign-in/oidc/callback")
def oidc_callback(request: Request, code: str = "", state: str = "") -> Response:
    from ark_web import oidc

    callback = str(request.url_for("oidc_callback"))
    cookie = request.cookies.get(oidc.COOKIE, "")
    email, target = oidc.finish(_provider(request), callback, code, state, cookie)
    secret = writes.sign_in_vouched(engine(request), email)
    if secret is None:
        raise Forbidden(
            N_("{email} has no account here (or it is disabled); ask an admin"), email=email
        )
    response = back(safe_next(target))
    response.delete_cookie(oidc.COOKIE)
    _session_cookie(request, response, secret)
    return response


@router.post("/sign-out")
def sign_out(request: Request, form: FormData = FORM) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        writes.sign_out(engine(request), secret)
    response = back("/sign-in")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/link/{secret}")
def link_page(request: Request, secret: str) -> HTMLResponse:
    info = reads.link(engine(request), secret)
    if info is None:
        return problem(
            request,
            tr(
                N_(
                    "This sign-in link does not work: it was used, replaced or has expired. "
                    "Ask an admin for a new one."
                )
            ),
            404,
        )
    return render(request, "link.html", None, info=info, secret=secret)


@router.post("/link/{secret}")
def use_link(request: Request, secret: str, form: FormData = FORM) -> Response:
    info = reads.link(engine(request), secret)
    email = text(form, "email").strip().lower() if info and info.email is None else None
    password = text(form, "password")
    if password != text(form, "confirm"):
        raise ArkError(N_("the two passwords differ"), hint=N_("type the same password twice"))
    session = writes.use_link(engine(request), secret, password, email)
    response = back("/")
    _session_cookie(request, response, session)
    return response


# -- home ---------------------------------------------------------------------------------------


# Where each finding of `ark check` is fixed in the workspace, by its code. A finding about
# the strategy or its objectives is fixed in the team file, as is any code a plugin adds.
TEAM_FILE = "/team-file"
FIX_AT = {
    "no-accountable": "/matrix?q={}",
    "many-accountable": "/matrix?q={}",
    "no-responsible": "/matrix?q={}",
    "component-uncarried": "/matrix",
    "department-missing": "/matrix?department={}",
    "over-capacity": "/people/{}",
    "under-minimum": "/people/{}",
    "placeholder": "/people/{}",
    "overdue-tasks": "/tasks?view=overdue&responsibility={}",
    "overdue-evaluation": "/tasks?view=overdue&responsibility={}",
    "never-measured": "/kpis",
    "off-track": "/kpis",
    "process-missing": "/responsibilities/{}",
    "process-overdue": "/processes/{}",
    "process-unowned": "/processes/{}",
    "step-role-unheld": "/processes/{}",
    "process-markup": "/processes/{}",
    "no-usage-policy": "/processes",
}


def fix_link(code: str, subject: str) -> str:
    return FIX_AT.get(code, TEAM_FILE).format(quote(subject, safe="@"))


@router.get("/")
def home(request: Request, who: Visitor = VIEWER) -> HTMLResponse:
    data = reads.home(engine(request), who.email)
    return render(request, "home.html", who, data=data, fix_link=fix_link)


# -- the matrix ---------------------------------------------------------------------------------


@router.get("/matrix")
def matrix(
    request: Request,
    who: Visitor = VIEWER,
    department: str = "",
    q: str = "",
    page: int = 1,
    columns: int = 1,
) -> HTMLResponse:
    data = reads.matrix(engine(request), department or None, q, page, columns)
    return render_kept(
        request,
        "matrix.html",
        who,
        ("matrix", data.department, data.query, data.rows.number, data.columns.number),
        data.state,
        m=data,
        editable=who.can(AccountRole.LEAD),
        take_over=writes.TAKE_OVER,
    )


@router.post("/matrix/cell")
def set_cell(request: Request, who: Visitor = LEAD, form: FormData = FORM) -> Response:
    slug, email = text(form, "responsibility"), text(form, "contributor")
    writes.set_cell(
        engine(request),
        who.email,
        slug,
        email,
        text(form, "role"),
        number(form, "hours"),
        version(form),
    )
    return back(safe_next(text(form, "back")) if text(form, "back") else "/matrix")


# -- people -------------------------------------------------------------------------------------


@router.get("/people")
def people(
    request: Request, who: Visitor = VIEWER, q: str = "", department: str = "", page: int = 1
) -> HTMLResponse:
    rows, window = reads.people(engine(request), q, department or None, page)
    return render(
        request,
        "people.html",
        who,
        rows=rows,
        page=window,
        q=q,
        department=department,
        departments=reads.departments(engine(request)),
    )


def _person(form: FormData, email: str) -> ContributorSpec:
    capacity = number(form, "capacity", required=True)
    assert capacity is not None
    if not 0 <= capacity <= 80:
        raise ArkError(
            N_("capacity {capacity} is out of range"),
            hint=N_("give {low} to {high} hours a week"),
            args={"capacity": capacity, "low": 0, "high": 80},
        )
    name = text(form, "name").strip()
    if not name:
        raise ArkError(N_("the name is missing"), hint=N_("fill in the name"))
    jira = text(form, "jira_user").strip() or None
    return ContributorSpec(email.strip().lower(), name, text(form, "department"), capacity, jira)


@router.post("/people")
def add_person(request: Request, who: Visitor = LEAD, form: FormData = FORM) -> Response:
    spec = _person(form, text(form, "email"))
    writes.save_person(engine(request), who.email, spec, None)
    return back(f"/people/{spec.email}")


@router.get("/people/{email}")
def person(request: Request, email: str, who: Visitor = VIEWER) -> HTMLResponse:
    data = reads.person(engine(request), email)
    return render(request, "person.html", who, p=data, editable=who.can(AccountRole.LEAD))


@router.post("/people/{email}")
def edit_person(
    request: Request, email: str, who: Visitor = LEAD, form: FormData = FORM
) -> Response:
    spec = _person(form, email)
    writes.save_person(engine(request), who.email, spec, version(form))
    return back(f"/people/{spec.email}")


# -- offboarding -------------------------------------------------------------------------------


def _handover(fields: ImmutableMultiDict[str, Any]) -> writes.Handover:
    """The takers chosen on the offboarding page (query or form): `to` for everything, and
    `accountable:SLUG` or `task:KEY` fields for one item each (blank: `to` takes it)."""

    def field(name: str) -> str:
        value = fields.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def named(prefix: str) -> dict[str, str]:
        chosen = {key.removeprefix(prefix): field(key) for key in fields if key.startswith(prefix)}
        return {item: who for item, who in chosen.items() if who}

    return writes.Handover(
        field("to") or None, day(field("on"), "on"), named("accountable:"), named("task:")
    )


@router.get("/people/{email}/offboard")
def offboarding(
    request: Request, email: str, who: Visitor = LEAD, preview: str = ""
) -> HTMLResponse:
    """The choices, and once asked for, the preview of what moves; the preview is drawn and
    rolled back, so looking at it changes nothing. A choice the registry refuses is shown
    above the choices, kept as typed, to be put right."""
    from ark_web.app import status_of

    data = reads.leaving(engine(request), email)
    handover, shown, error, status = writes.Handover(None, None, {}, {}), None, None, 200
    try:
        handover = _handover(request.query_params)
        if preview:
            shown = writes.preview_offboarding(
                engine(request), who.email, data.person.email, handover
            )
    except ArkError as exc:
        error, status = exc, status_of(exc)
    return render(
        request,
        "offboard.html",
        who,
        status,
        p=data,
        handover=handover,
        error=error,
        shown=shown,
        preview=shown.offboarding if shown else None,
        digest=shown.digest if shown else "",
    )


@router.post("/people/{email}/offboard")
def offboard(request: Request, email: str, who: Visitor = LEAD, form: FormData = FORM) -> Response:
    writes.offboard(
        engine(request),
        who.email,
        email,
        _handover(form),
        version(form),
        text(form, "digest"),
    )
    return back("/people")


# -- responsibilities ---------------------------------------------------------------------------


@router.get("/responsibilities")
def responsibilities(
    request: Request, who: Visitor = VIEWER, q: str = "", department: str = "", page: int = 1
) -> HTMLResponse:
    rows, window, problems = reads.responsibilities(engine(request), q, department or None, page)
    return render(
        request,
        "responsibilities.html",
        who,
        rows=rows,
        page=window,
        problems=problems,
        q=q,
        department=department,
        departments=reads.departments(engine(request)),
    )


@router.get("/responsibilities/{slug}")
def responsibility(request: Request, slug: str, who: Visitor = VIEWER) -> HTMLResponse:
    data = reads.responsibility(engine(request), slug)
    return render(request, "responsibility.html", who, r=data)


# -- tasks --------------------------------------------------------------------------------------

VIEWS = ("mine", "week", "overdue", "all")


@router.get("/tasks")
def tasks(
    request: Request,
    who: Visitor = VIEWER,
    view: str = "mine",
    responsibility: str = "",
    page: int = 1,
) -> HTMLResponse:
    view = view if view in VIEWS else "mine"
    rows, window, state = reads.tasks(engine(request), view, who.email, responsibility, page)
    return render_kept(
        request,
        "tasks.html",
        who,
        ("tasks", view, responsibility, window.number),
        state,
        # Whose tasks, and which a member may mark done, differ by person.
        personal=view == "mine" or not who.can(AccountRole.LEAD),
        rows=rows,
        page=window,
        view=view,
        views=VIEWS,
        responsibility=responsibility,
    )


OWN_TASKS = N_("a member can mark only their own tasks done")
OWN_KPIS = N_("a member can record readings only of KPIs their responsibilities move")
OWN_PROCESSES = N_(
    "a member can confirm only processes of responsibilities they are accountable for"
)


def may_finish(who: Visitor, assignee: str | None) -> bool:
    return who.can(AccountRole.LEAD) or (who.can(AccountRole.MEMBER) and assignee == who.email)


@router.post("/tasks/done")
def finish_task(request: Request, who: Visitor = MEMBER, form: FormData = FORM) -> Response:
    key = text(form, "key")
    if not may_finish(who, reads.task(engine(request), key).assignee):
        raise Forbidden(OWN_TASKS)
    writes.finish_task(engine(request), who.email, key, text(form, "note"), version(form))
    return back(safe_next(text(form, "back")) if text(form, "back") else "/tasks")


# -- KPIs ---------------------------------------------------------------------------------------


@router.get("/kpis")
def kpis(request: Request, who: Visitor = VIEWER) -> HTMLResponse:
    return render(request, "kpis.html", who, rows=reads.kpi_progress(engine(request)))


@router.get("/kpis/{slug}")
def kpi(request: Request, slug: str, who: Visitor = VIEWER) -> HTMLResponse:
    from ark_web.charts import kpi_chart

    row = reads.kpis(engine(request), slug)[0]
    return render(
        request,
        "kpi.html",
        who,
        k=row,
        chart=kpi_chart(row),
        editable=may_record(request, who, slug),
        today=dt.date.today(),
    )


def may_record(request: Request, who: Visitor, slug: str) -> bool:
    if who.can(AccountRole.LEAD):
        return True
    return who.can(AccountRole.MEMBER) and slug in reads.standing(engine(request), who.email).kpis


@router.post("/kpis/{slug}")
def record_reading(
    request: Request, slug: str, who: Visitor = MEMBER, form: FormData = FORM
) -> Response:
    if not may_record(request, who, slug):
        raise Forbidden(OWN_KPIS)
    value = number(form, "value", required=True)
    assert value is not None
    writes.record_reading(
        engine(request), who.email, slug, value, day(text(form, "date"), "date"), version(form)
    )
    return back(f"/kpis/{slug}")


# -- processes ----------------------------------------------------------------------------------


@router.get("/processes")
def processes(request: Request, who: Visitor = VIEWER) -> HTMLResponse:
    return render(request, "processes.html", who, rows=reads.processes(engine(request)))


def process_html(source: str) -> Markup:
    """A process's Markdown as HTML, through the sanitiser the playbook uses first."""
    import markdown
    import nh3

    from ark.sanitize import sanitize_page, split_front_matter

    _, body = split_front_matter(sanitize_page(source))
    rendered = markdown.markdown(body, extensions=["tables", "fenced_code"])
    return Markup(nh3.clean(rendered))  # cleaned by nh3 just above


@router.get("/processes/{slug}")
def process(
    request: Request, slug: str, who: Visitor = VIEWER, old: int = 0, new: int = 0
) -> HTMLResponse:
    row, source = reads.process_text(engine(request), slug)
    diff = reads.process_diff(engine(request), slug, old, new) if old and new else None
    return render(
        request,
        "process.html",
        who,
        p=row,
        body=process_html(source),
        revisions=reads.revisions(engine(request), slug),
        diff=diff,
        old=old,
        new=new,
        editable=may_review(request, who, row.responsibility),
    )


def may_review(request: Request, who: Visitor, responsibility: str) -> bool:
    if who.can(AccountRole.LEAD):
        return True
    return who.can(AccountRole.MEMBER) and (
        responsibility in reads.standing(engine(request), who.email).accountable
    )


@router.post("/processes/{slug}/review")
def review(request: Request, slug: str, who: Visitor = MEMBER, form: FormData = FORM) -> Response:
    row, _ = reads.process_text(engine(request), slug)
    if not may_review(request, who, row.responsibility):
        raise Forbidden(OWN_PROCESSES)
    on = day(text(form, "date"), "date")
    writes.review_process(engine(request), who.email, slug, on, version(form))
    return back(f"/processes/{slug}")


# -- audit log ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AuditFilters:
    """The audit log's filters as typed in the page's form; the page and its CSV share them."""

    actor: str = ""
    entity: str = ""
    since: str = ""
    until: str = ""

    def query(self) -> dict[str, Any]:
        return {
            "actor": self.actor.strip() or None,
            "entity": self.entity.strip() or None,
            "since": day(self.since, "since"),
            "until": day(self.until, "until"),
        }


AUDIT_FILTERS = Depends(AuditFilters)


@router.get("/audit")
def audit_log(
    request: Request, who: Visitor = LEAD, filters: AuditFilters = AUDIT_FILTERS, page: int = 1
) -> HTMLResponse:
    from ark_web.language import label

    rows, window = reads.audit_log(engine(request), page=page, **filters.query())
    # Every kind of thing the log names, by its name in the language; one a link asks for
    # that the list lacks (a hand-made link's) is listed too, so the form shows the filter on.
    entities = sorted({*AUDIT_ENTITIES, filters.entity} - {""}, key=label)
    return render(
        request,
        "audit.html",
        who,
        rows=rows,
        page=window,
        filters=dataclasses.asdict(filters),
        entities=entities,
    )


@router.get("/audit.csv")
def audit_csv(
    request: Request, who: Visitor = LEAD, filters: AuditFilters = AUDIT_FILTERS
) -> Response:
    rows, _ = reads.audit_log(engine(request), page=None, **filters.query())

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        out = csv.writer(buffer)
        out.writerow(["id", "at", "actor", "action", "entity", "key", "before", "after"])
        for r in rows:
            out.writerow(
                [
                    r.id,
                    r.at.isoformat(),
                    r.actor,
                    r.action,
                    r.entity,
                    r.key,
                    _cell(r.before),
                    _cell(r.after),
                ]
            )
        yield buffer.getvalue()

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ark-audit.csv"'},
    )


def _cell(value: Any) -> str:
    """A JSON cell that a spreadsheet will not run as a formula."""
    import json

    out = "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "'" + out if out[:1] in ("=", "+", "-", "@") else out


# -- the team file ------------------------------------------------------------------------------


@router.get("/team-file")
def team_file(request: Request, who: Visitor = LEAD) -> HTMLResponse:
    return render(request, "team_file.html", who)


@router.get("/team-file/ark.yaml")
def download(request: Request, who: Visitor = LEAD) -> Response:
    from ark.export import dump_team

    return Response(
        dump_team(reads.team(engine(request))),
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ark.yaml"'},
    )


@router.post("/team-file/preview")
async def preview(request: Request, who: Visitor = LEAD, form: FormData = FORM) -> HTMLResponse:
    """The plan of an uploaded file; its confirming form carries the file's bytes (base64,
    so no browser rewrites its line ends) and the team's version the plan was drawn from."""
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise ArkError(N_("no file was uploaded"), hint=N_("choose an ark.yaml to upload"))
    raw = await upload.read()
    name = writes.upload_name(upload.filename or "ark.yaml")
    version = reads.team_version(engine(request))
    spec = writes.parse_team_file(raw, name)
    plan = writes.team_file_plan(engine(request), spec)
    return render(
        request,
        "team_preview.html",
        who,
        changeset=plan.changeset,
        reverts=plan.reverts,
        source=base64.b64encode(raw).decode("ascii"),
        name=name,
        version=version,
    )


@router.post("/team-file/apply")
def apply(request: Request, who: Visitor = LEAD, form: FormData = FORM) -> Response:
    try:
        raw = base64.b64decode(text(form, "source"), validate=True)
    except ValueError:
        raise ArkError(
            N_("the form does not carry the uploaded file"), hint=N_("upload the file again")
        ) from None
    writes.apply_team_file(engine(request), who.email, raw, text(form, "name"), version(form))
    return back("/")


# -- accounts and tokens --------------------------------------------------------------------------


@router.get("/accounts")
def accounts(request: Request, who: Visitor = ADMIN) -> HTMLResponse:
    rows = reads.account_list(engine(request))
    versions = reads.account_versions(engine(request))
    return render(
        request, "accounts.html", who, rows=rows, versions=versions, roles=list(AccountRole)
    )


def _account_role(form: FormData) -> AccountRole:
    try:
        return AccountRole(text(form, "role"))
    except ValueError:
        raise ArkError(
            N_("not a role"), hint=N_("use one of: {roles}"), args={"roles": ", ".join(AccountRole)}
        ) from None


@router.post("/accounts")
def add_account(request: Request, who: Visitor = ADMIN, form: FormData = FORM) -> Response:
    writes.add_account(engine(request), who.email, text(form, "email"), _account_role(form))
    return back("/accounts")


@router.post("/accounts/role")
def set_role(request: Request, who: Visitor = ADMIN, form: FormData = FORM) -> Response:
    writes.set_role(
        engine(request), who.email, text(form, "email"), _account_role(form), version(form)
    )
    return back("/accounts")


@router.post("/accounts/disable")
def disable(request: Request, who: Visitor = ADMIN, form: FormData = FORM) -> Response:
    writes.disable(engine(request), who.email, text(form, "email"), version(form))
    return back("/accounts")


@router.post("/accounts/link")
def reset_link(request: Request, who: Visitor = ADMIN, form: FormData = FORM) -> HTMLResponse:
    email = text(form, "email")
    secret = writes.reset_link(engine(request), who.email, email)
    url = str(request.url_for("link_page", secret=secret))
    what = tr(N_("A sign-in link for {email}"), email=email)
    return render(request, "secret.html", who, what=what, secret=url)


@router.get("/tokens")
def tokens(request: Request, who: Visitor = VIEWER) -> HTMLResponse:
    return render(request, "tokens.html", who, rows=reads.tokens(engine(request), who.email))


@router.post("/tokens")
def issue_token(request: Request, who: Visitor = VIEWER, form: FormData = FORM) -> HTMLResponse:
    secret = writes.issue_token(engine(request), who.email, text(form, "label"))
    return render(request, "secret.html", who, what=tr(N_("Your new API token")), secret=secret)


@router.post("/tokens/revoke")
def revoke_token(request: Request, who: Visitor = VIEWER, form: FormData = FORM) -> Response:
    try:
        token_id = int(text(form, "id"))
    except ValueError:
        raise ArkError(N_("no token id"), hint=N_("use the revoke button of a token")) from None
    writes.revoke_token(engine(request), who.email, token_id)
    return back("/tokens")


# -- the playbook -------------------------------------------------------------------------------

# The playbook's theme runs inline scripts of its own; its text is sanitised when exported.
PLAYBOOK_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
)


@router.get("/playbook/{path:path}")
def playbook(request: Request, path: str, who: Visitor = VIEWER) -> Response:
    """The built playbook, to signed-in people only (`ark playbook build` makes it)."""
    from pathlib import Path

    from fastapi.responses import FileResponse

    site: Path | None = request.app.state.playbook
    if site is None or not (site / "index.html").is_file():
        raise NotFound(
            N_("the playbook has not been built"),
            hint=N_("run `ark playbook build` in the workspace"),
        )
    root = site.resolve()
    target = (root / path).resolve()
    if target.is_dir():
        target = target / "index.html"
    if not target.is_relative_to(root) or not target.is_file():
        raise NotFound(
            N_("the playbook has no page {path!r}"),
            hint=N_("start from /playbook/"),
            args={"path": path},
        )
    return FileResponse(target, headers={"Content-Security-Policy": PLAYBOOK_POLICY})
