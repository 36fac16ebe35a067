"""The background jobs inside `ark serve`: run in-process (the default, one server on SQLite),
Jira's webhooks at `POST /hooks/jira`, and the admin's jobs page.

The jobs start and stop with the app (its lifespan); `ark serve --no-jobs` leaves them to
`ark worker` processes, and the webhooks still reach those through the registry.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ark.errors import ArkError
from ark.vocabulary import AccountRole
from ark_web.auth import Visitor, page_role

router = APIRouter()
log = logging.getLogger("ark.jobs")
ADMIN = page_role(AccountRole.ADMIN)


def lifespan(engine: Any, run_jobs: bool) -> Callable[[FastAPI], Any]:
    """Start the jobs' scheduler with the app when `run_jobs`; always a webhook waker."""

    @asynccontextmanager
    async def span(app: FastAPI) -> AsyncIterator[None]:
        from ark.jobs.runner import Runner
        from ark.jobs.scheduler import Scheduler
        from ark.jobs.wake import Waker
        from ark.locks import whoami
        from ark.plugins import hooks

        scheduler = None
        if run_jobs:
            scheduler = Scheduler(Runner(engine, hooks(), holder=whoami("ark serve")))
            try:
                await run_in_threadpool(scheduler.start)
            except ArkError as exc:  # a bad automation: section must not stop the workspace
                log.error("the background jobs do not run: %s", exc)
                scheduler = None
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
        return JSONResponse({"error": exc.message}, status_code=401)
    if not authentic(key, body, request.headers):
        return JSONResponse({"error": "missing or wrong webhook secret"}, status_code=401)
    woken = await run_in_threadpool(request.app.state.waker.wake, source)
    if not woken:
        return JSONResponse({"error": f"no job follows {source!r} webhooks"}, status_code=404)
    return JSONResponse({"woken": woken}, status_code=202)


@router.get("/jobs")
def jobs_page(request: Request, who: Visitor = ADMIN) -> HTMLResponse:
    from ark.jobs.runner import Runner
    from ark.plugins import hooks
    from ark_web.pages import render

    rows = Runner(request.app.state.engine, hooks(), holder="ark serve").listing()
    return render(request, "jobs.html", who, rows=rows)
