"""The ASGI application of `ark serve`: pages, the JSON API under /api/v1, static files.

FastAPI (on Starlette) gives the pages and the API one routing and dependency system, so the
role each route needs is a declared dependency checked on every request, and the API's
OpenAPI description is generated from the same typed routes it serves.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ark.errors import ArkError, Conflict, NotFound
from ark.i18n import N_, Nn_, say, tr
from ark.located import MISSING_FIELDS, counted_list
from ark_web.auth import CSRF_COOKIE, Forbidden, SignInRequired, new_csrf
from ark_web.language import learnt

HERE = Path(__file__).parent
# No inline script or style, nothing from another origin: the pages work on an intranet.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


# Requests a server process works on at once (the pages are plain functions, run in threads).
# Python runs one thread at a time, so more pages at once only share the same cores in
# smaller slices; but an edit waiting for the writers' turn holds a thread while it waits,
# and a group commit takes the edits waiting when it starts: with eight, a worker's ninth and
# tenth editors missed every other group and waited for two (a p95 twice the p50 under
# twenty editors on two workers). The engine keeps a connection open for each, and for the
# jobs and the home page's background check (CONNECTIONS), so none is closed and opened
# again between requests: four workers keep 64 open, within PostgreSQL's default 100.
THREADS = 12
CONNECTIONS = THREADS + 4


def templates() -> Jinja2Templates:
    """Jinja2 with autoescape on for every template (Starlette's default, made explicit).

    The templates ship with the package, so each is compiled once per process and its file is
    not looked at again on every page (`auto_reload` off). Their words are the catalogue's, in
    the request's language (`ark_web.language`).
    """
    import jinja2

    from ark_web.language import install

    loader = jinja2.FileSystemLoader(HERE / "templates")
    env = jinja2.Environment(loader=loader, autoescape=True, auto_reload=False)
    install(env)
    return Jinja2Templates(env=env)


class Guard:
    """Gives each browser a CSRF token and every answer the security headers.

    A plain ASGI middleware: Starlette's `BaseHTTPMiddleware` would run every request through
    an extra task and a re-streamed body, a cost paid on every page.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = Request(scope).cookies.get(CSRF_COOKIE)
        token = cookie or new_csrf()
        scope.setdefault("state", {})["csrf"] = token

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not cookie:
                    carrier = Response()
                    carrier.set_cookie(
                        CSRF_COOKIE,
                        token,
                        httponly=True,
                        samesite="strict",
                        secure=scope.get("scheme") == "https",
                    )
                    headers.append("set-cookie", carrier.headers["set-cookie"])
                headers.setdefault("Content-Security-Policy", POLICY)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Frame-Options"] = "DENY"
                headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, guarded)


def status_of(exc: ArkError) -> int:
    if isinstance(exc, NotFound):
        return 404
    return 409 if isinstance(exc, Conflict) else 400


def create_app(
    engine: Any,
    *,
    sign_in_limit: str = "5/minute",
    playbook: Path | None = None,
    run_jobs: bool = False,
) -> FastAPI:
    """The workspace for the registry behind `engine`; `playbook` is the built playbook's
    site folder, served to signed-in people at /playbook/; with `run_jobs`, the background
    jobs run in this process while it serves."""
    from limits import parse
    from limits.storage import MemoryStorage
    from limits.strategies import MovingWindowRateLimiter

    from ark_web import api, jobs, pages
    from ark_web.language import Speaking

    app = FastAPI(
        title="Ark",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan(engine, jobs.lifespan(engine, run_jobs)),
    )
    app.state.engine = engine
    app.state.templates = templates()
    app.state.limiter = MovingWindowRateLimiter(MemoryStorage())
    app.state.sign_in_limit = parse(sign_in_limit)
    app.state.playbook = playbook
    app.include_router(pages.router)
    app.include_router(jobs.router)
    app.mount("/api/v1", api.create_api(engine))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    app.add_middleware(Guard)
    app.add_middleware(Speaking)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, _exc: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        await learnt()
        return pages.problem(request, exc.message, 403)

    @app.exception_handler(ArkError)
    async def refused(request: Request, exc: ArkError) -> Response:
        await learnt()
        return pages.problem(request, str(exc), status_of(exc))

    @app.exception_handler(404)
    async def no_page(request: Request, _exc: HTTPException) -> Response:
        await learnt()
        said = tr(N_("there is no page {path}"), path=request.url.path)
        return pages.problem(request, said, 404)

    return app


def lifespan(engine: Any, jobs: Callable[[FastAPI], Any]) -> Callable[[FastAPI], Any]:
    """The jobs' lifespan, the threads answering requests set to THREADS first and the home
    page's check started in the background, so the first visitor finds it done; then the
    garbage collector is set for serving (`collecting_for_a_server`)."""

    @asynccontextmanager
    async def span(app: FastAPI) -> AsyncIterator[None]:
        from anyio import to_thread

        from ark_web.reads import start_checking

        to_thread.current_default_thread_limiter().total_tokens = THREADS
        start_checking(engine)
        async with jobs(app):
            with collecting_for_a_server():
                yield

    return span


# Container objects allocated (net) between two young collections; Python's default is 700.
YOUNG = 20_000


@contextmanager
def collecting_for_a_server() -> Iterator[None]:
    """The garbage collector set for a server process, and set back when it stops.

    What the server holds from its start to its end (modules, mappings, routes) is frozen out
    of the collector's full passes: walking it all stopped every thread for 30 to 100 ms a few
    times a minute under twenty editors. And it collects the young generation every 20,000
    allocations, not every 700: a request makes thousands of objects that live until it
    ends, and the default caught those in flight and carried them into the older
    generations, whose passes then stopped the server for 30 ms. Under twenty editors the
    collector took 0.35 ms of each request with the default and 0.1 ms with this, in young
    passes of about 5 ms."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG, 50, 50)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def from_environment() -> FastAPI:
    """The app for `uvicorn --factory ark_web.app:from_environment` (several workers): the
    registry is `ARK_DATABASE_URL`, else the workspace's SQLite file."""
    from ark.db import open_engine
    from ark.workspace import find_workspace

    site = find_workspace() / "playbook" / "site"
    engine = open_engine(os.environ.get("ARK_DATABASE_URL"), connections=CONNECTIONS)
    return create_app(engine, playbook=site)


def api_errors(app: FastAPI) -> None:
    """JSON answers for refused API requests, with the message a person can act on."""

    @app.exception_handler(SignInRequired)
    async def unauthorised(_request: Request, _exc: SignInRequired) -> Response:
        await learnt()
        return JSONResponse(
            {"error": tr(N_("a valid API token is needed: send Authorization: Bearer TOKEN"))},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.exception_handler(Forbidden)
    async def forbidden(_request: Request, exc: Forbidden) -> Response:
        await learnt()
        return JSONResponse({"error": exc.message}, status_code=403)

    @app.exception_handler(ArkError)
    async def refused(_request: Request, exc: ArkError) -> Response:
        await learnt()
        return JSONResponse({"error": exc.message, "hint": exc.hint}, status_code=status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def unreadable(_request: Request, exc: RequestValidationError) -> Response:
        await learnt()
        return JSONResponse(invalid_input(exc.errors()), status_code=422)

    # The router's own refusals: no route at that path, or none taking that method there.
    @app.exception_handler(404)
    async def no_route(request: Request, _exc: HTTPException) -> Response:
        await learnt()
        said = tr(N_("the API has no route {path}"), path=request.url.path)
        return JSONResponse({"error": said, "hint": tr(ROUTES)}, status_code=404)

    @app.exception_handler(405)
    async def wrong_method(request: Request, exc: HTTPException) -> Response:
        await learnt()
        said = tr(N_("{path} takes no {method}"), path=request.url.path, method=request.method)
        return JSONResponse(
            {"error": said, "hint": tr(ROUTES)}, status_code=405, headers=exc.headers
        )


ROUTES = N_("see what each route takes in the API's description, /api/v1/openapi.json")
INVALID_FIELDS = Nn_("field {fields} is not valid", "fields {fields} are not valid")


def invalid_input(errors: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """FastAPI's validation errors in the house shape and the request's language, naming
    the fields a script must fix (in words, and listed in `fields` for the script itself);
    FastAPI's own explanations are English only."""
    missing = list(dict.fromkeys(field_of(e) for e in errors if e["type"] == "missing"))
    wrong = list(dict.fromkeys(field_of(e) for e in errors if e["type"] != "missing"))
    said = [
        say(counted_list(template, names))
        for template, names in ((MISSING_FIELDS, missing), (INVALID_FIELDS, wrong))
        if names
    ]
    return {"error": "; ".join(said), "hint": tr(ROUTES), "fields": [*missing, *wrong]}


def field_of(error: Mapping[str, Any]) -> str:
    """What a validation error is about, as the request names it: a body's field
    (`hours`, `task_to.x`), a query or path parameter (`page`), or the body itself when it
    is missing, no JSON (FastAPI gives the position after it) or not an object."""
    where, *path = error["loc"]
    if error["type"] == "json_invalid" or not path:
        return str(where)
    return ".".join(map(str, path))
