"""The background jobs inside `ark serve`: run in-process (the default, one server on SQLite),
Jira's webhooks at `POST /hooks/jira`, and the admin's jobs page, whose "Run now" buttons
run a job in this process's background (an admin need not wait for a Jira sync).

The jobs start and stop with the app (its lifespan); with `--workers N` the scheduler runs
once, in the process that supervises the workers, never in the workers (a "Run now" runs in
the worker that took the click, under the job's lock); `ark serve --no-jobs` leaves them to
`ark worker` processes. Webhooks reach whichever process runs them through the registry.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from ark.errors import ArkError, Conflict
from ark.i18n import N_, tr
from ark_web.auth import Visitor
from ark_web.language import learnt
from ark_web.pages import ADMIN, FORM, back, render

if TYPE_CHECKING:
    from ark.jobs.scheduler import Scheduler

router = APIRouter()
log = logging.getLogger("ark.jobs")


def start_jobs(engine: Any) -> Scheduler | None:
    """The jobs' scheduler of `ark serve`, started; None when the team's automation section
    stops it (logged: a bad section must not stop the workspace)."""
    from ark.jobs.runner import Runner
    from ark.jobs.scheduler import Scheduler
    from ark.locks import whoami
    from ark.plugins import hooks

    scheduler = Scheduler(Runner(engine, hooks(), holder=whoami("ark serve")))
    try:
        scheduler.start()
    except ArkError as exc:
        log.error("the background jobs do not run: %s", exc)
        return None
    return scheduler


def lifespan(engine: Any, run_jobs: bool) -> Callable[[FastAPI], Any]:
    """Start the jobs' scheduler with the app when `run_jobs`; always a webhook waker."""

    @asynccontextmanager
    async def span(app: FastAPI) -> AsyncIterator[None]:
        from ark.jobs.wake import Waker
        from ark.plugins import hooks

        scheduler = await run_in_threadpool(start_jobs, engine) if run_jobs else None
        app.state.waker = Waker(engine, hooks(), scheduler)
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown()

    return span


@router.post("/hooks/{source}")
async def webhook(request: Request, source: str) -> Response:
    """A webhook (Jira's): authentic ones wake the jobs that follow `source`; others change
    nothing and get 401."""
    from ark.jobs.wake import authentic, secret

    body = await request.body()
    try:
        key = secret()
    except ArkError as exc:
        await learnt()
        return JSONResponse({"error": exc.message}, status_code=401)
    if not authentic(key, body, request.headers):
        await learnt()
        return JSONResponse({"error": tr(N_("missing or wrong webhook secret"))}, status_code=401)
    woken = await run_in_threadpool(request.app.state.waker.wake, source)
    if not woken:
        await learnt()
        error = tr(N_("no job follows {source!r} webhooks"), source=source)
        return JSONResponse({"error": error}, status_code=404)
    return JSONResponse({"woken": woken}, status_code=202)


@router.get("/jobs")
def jobs_page(request: Request, who: Visitor = ADMIN, started: str = "") -> HTMLResponse:
    from ark.jobs.runner import Runner
    from ark.plugins import hooks

    rows = Runner(request.app.state.engine, hooks(), holder="ark serve").listing()
    known = started if started in {row["name"] for row in rows} else ""
    return render(request, "jobs.html", who, rows=rows, started=known)


@router.post("/jobs/{name}/run")
def run_now(request: Request, name: str, who: Visitor = ADMIN, _form: FormData = FORM) -> Response:
    """Run job `name` now, in this process's background under the job's lock, as `ark jobs
    run` would; the jobs page shows its result once it is done."""
    from ark.jobs.runner import Runner
    from ark.locks import whoami
    from ark.plugins import hooks

    runner = Runner(request.app.state.engine, hooks(), holder=whoami(f"{who.email} via ark serve"))
    held = runner.start(name)
    if held is not None:
        raise Conflict(
            N_("{job} is running in {where}; it was not started again"),
            hint=N_("refresh the jobs page to see when that run ends"),
            args={"job": name, "where": held},
        )
    return back(f"/jobs?started={quote(name)}")
