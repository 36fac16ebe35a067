"""Who is asking, and may they: sessions, API tokens, roles, CSRF and the sign-in rate limit.

Every page and API route names the least role it needs as a dependency, so the check happens
on the server for every request, whatever the page showed. A browser session is an opaque
random cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) whose digest the registry keeps, so
disabling an account ends its sessions at once; no signing key exists to leak.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.datastructures import FormData

from ark.accounts import API, SESSION, AccountInfo
from ark.i18n import N_, message, tr
from ark.vocabulary import AccountRole
from ark_web import reads
from ark_web.cli import ACCOUNT_ROLES

SESSION_COOKIE = "ark_session"
CSRF_COOKIE = "ark_csrf"
CSRF_FIELD = "csrf"
RANK = {
    AccountRole.VIEWER: 0,
    AccountRole.MEMBER: 1,
    AccountRole.LEAD: 2,
    AccountRole.ADMIN: 3,
}


@dataclass(frozen=True)
class Visitor:
    account: AccountInfo

    @property
    def email(self) -> str:
        return self.account.email

    def can(self, role: AccountRole) -> bool:
        return RANK[self.account.role] >= RANK[role]


class SignInRequired(Exception):
    """No valid session: pages send the browser to the sign-in page, the API answers 401."""


class Forbidden(Exception):
    """Signed in, but the role (or the form's CSRF token) does not allow this request."""

    def __init__(self, message: str = N_("your role does not allow this"), **args: Any) -> None:
        """`message` is a catalogue template, written in the request's language when the
        refusal is shown (the handler learns the language first, off the event loop)."""
        super().__init__(message)
        self.template, self.values = message, args

    @property
    def message(self) -> str:
        return tr(self.template, **self.values)


def engine(request: Request) -> Any:
    return request.app.state.engine


def visitor(request: Request) -> Visitor:
    secret = request.cookies.get(SESSION_COOKIE)
    info = reads.identify(engine(request), secret, SESSION) if secret else None
    if info is None:
        raise SignInRequired()
    return Visitor(info)


def token_visitor(request: Request) -> Visitor:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    info = (
        reads.identify(engine(request), secret.strip(), API)
        if scheme.lower() == "bearer" and secret.strip()
        else None
    )
    if info is None:
        raise SignInRequired()
    return Visitor(info)


def _at_least(role: AccountRole, who: Callable[[Request], Visitor]) -> Any:
    # A coroutine, though it waits for nothing: FastAPI would run a plain function in its
    # thread pool, one more hand-over per request.
    async def check(person: Visitor = Depends(who)) -> Visitor:
        if not person.can(role):
            raise Forbidden(
                N_("this needs the {role} role; you are {current}"),
                role=message(ACCOUNT_ROLES[role]),
                current=message(ACCOUNT_ROLES[person.account.role]),
            )
        return person

    return Depends(check)


def page_role(role: AccountRole) -> Any:
    """A page dependency: the signed-in visitor, if their role is at least `role`."""
    return _at_least(role, visitor)


def api_role(role: AccountRole) -> Any:
    """An API dependency: the token's owner, if their role is at least `role`."""
    return _at_least(role, token_visitor)


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (set as a cookie by the middleware when it has none)."""
    token: str = request.state.csrf
    return token


def new_csrf() -> str:
    return secrets.token_urlsafe(32)


async def checked_form(request: Request) -> FormData:
    """The posted form, if it carries this browser's CSRF token and comes from this site.

    Every state-changing page route takes its form through here.
    """
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise Forbidden(N_("the form was sent from another site; nothing was changed"))
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not isinstance(sent, str) or not cookie or not hmac.compare_digest(sent, cookie):
        raise Forbidden(
            N_("the form has expired (no valid CSRF token); reload the page and try again")
        )
    return form


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only, never another site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return "/"
    return target
