"""The playbook inside the workspace: `/playbook/` serves the site the `playbook` job last
built (in `playbook/site` of the workspace), to anyone signed in, so the served playbook is
the one rebuilt after the latest change."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse, Response

from ark.errors import NotFound
from ark.vocabulary import AccountRole
from ark_web.auth import Visitor, page_role

router = APIRouter()
VIEWER = page_role(AccountRole.VIEWER)
# MkDocs Material inlines a few small scripts and styles of its own; the pages it wraps are
# sanitised by the playbook before they are built, and nothing is loaded from elsewhere.
POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
)


@router.get("/playbook")
def playbook_home(who: Visitor = VIEWER) -> Response:
    return RedirectResponse("/playbook/", status_code=307)


@router.get("/playbook/{path:path}")
def playbook_file(path: str, who: Visitor = VIEWER) -> Response:
    from ark_playbook.export import SITE

    from ark.workspace import find_workspace

    site = (find_workspace() / "playbook" / SITE).resolve()
    target = (site / path).resolve()
    if target.is_dir():
        target = target / "index.html"
    if not target.is_relative_to(site) or not target.is_file():
        raise NotFound(
            f"no page {path!r} in the playbook",
            hint="the playbook job builds it after the registry changes; see /jobs",
        )
    response = FileResponse(target)
    response.headers["Content-Security-Policy"] = POLICY
    return response
