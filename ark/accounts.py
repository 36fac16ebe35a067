"""Accounts of the people who sign in to `ark serve`, and the secrets they sign in with.

Like every other change, an account change goes through a `Registry` and leaves an audit
record; no password, hash or token ever reaches an audit record, an error or a return value
other than the one that hands a new secret to its owner. Passwords are hashed with Argon2
(argon2-cffi); the other secrets (session cookies, API tokens, one-time links) are long and
random, so only their SHA-256 digest is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, exists, select, update

from ark.errors import ArkError, Conflict, NotFound
from ark.i18n import N_
from ark.models import Account, Credential
from ark.registry.base import now
from ark.registry.writer import Registry
from ark.vocabulary import AccountRole

if TYPE_CHECKING:
    from argon2 import PasswordHasher

SESSION = "session"
API = "api"
LINK = "link"  # a password (re)set link for an existing account
SETUP = "setup"  # the first admin's link, on a registry with no accounts
LINK_LIFETIME = dt.timedelta(hours=24)
SESSION_LIFETIME = dt.timedelta(hours=12)
MIN_PASSWORD = 10
USER_LIST = N_("see `ark user list`")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "ark_"


@dataclass(frozen=True)
class AccountInfo:
    """An account as pages, the API and the CLI see it: never its password hash."""

    email: str
    role: AccountRole
    disabled: bool
    has_password: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class TokenInfo:
    """A personal API token without its secret."""

    id: int
    label: str
    created_at: dt.datetime
    revoked: bool


@dataclass(frozen=True)
class LinkInfo:
    """What a one-time link is for: the first admin (no e-mail yet) or an account's password."""

    kind: str
    email: str | None


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _info(row: Account) -> AccountInfo:
    return AccountInfo(
        row.email, row.role, row.disabled, row.password_hash is not None, row.created_at
    )


def _check_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise ArkError(
            N_("{email!r} is not an e-mail address"),
            hint=N_("write it as name@example.com"),
            args={"email": email},
        )
    return email


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ArkError(
            f"the password is too short: it needs at least {MIN_PASSWORD} characters",
            hint="choose a longer one (a few words make a good password)",
        )


# -- accounts ------------------------------------------------------------------------------------


def has_accounts(registry: Registry) -> bool:
    return bool(registry.session.scalar(select(exists().where(Account.id.is_not(None)))))


def accounts(registry: Registry) -> list[AccountInfo]:
    return [_info(a) for a in registry.session.scalars(select(Account).order_by(Account.email))]


def _account(registry: Registry, email: str) -> Account:
    row = registry.session.scalars(select(Account).where(Account.email == email.lower())).first()
    if row is None:
        raise NotFound(N_("no account {email!r}"), hint=USER_LIST, args={"email": email})
    return row


def account(registry: Registry, email: str) -> AccountInfo:
    return _info(_account(registry, email))


def add_account(
    registry: Registry, email: str, role: AccountRole, password: str | None = None
) -> AccountInfo:
    email = _check_email(email)
    if registry.session.scalars(select(Account.id).where(Account.email == email)).first():
        raise Conflict(
            N_("there is already an account {email}"), hint=USER_LIST, args={"email": email}
        )
    if password is not None:
        _check_password(password)
    row = Account(
        email=email,
        role=role,
        password_hash=None if password is None else _hasher().hash(password),
        disabled=False,
        created_at=now(),
    )
    registry.session.add(row)
    registry.audit("add", "account", email, None, {"role": str(role)})
    registry.flush()
    return _info(row)


def set_role(registry: Registry, email: str, role: AccountRole) -> AccountInfo:
    row = _account(registry, email)
    if row.role != role:
        registry.audit("change", "account", row.email, {"role": str(row.role)}, {"role": str(role)})
        row.role = role
        registry.flush()
    return _info(row)


def disable(registry: Registry, email: str) -> AccountInfo:
    """Disable an account and end its sessions, tokens and links at once."""
    row = _account(registry, email)
    if not row.disabled:
        row.disabled = True
        _revoke(registry, Credential.account_id == row.id)
        registry.audit("disable", "account", row.email, {"disabled": False}, {"disabled": True})
        registry.flush()
    return _info(row)


def _revoke(registry: Registry, *where: Any) -> None:
    registry.session.execute(
        update(Credential).where(Credential.revoked_at.is_(None), *where).values(revoked_at=now())
    )


def sign_in(registry: Registry, email: str, password: str) -> AccountInfo | None:
    """The account if the password is its own and it is enabled; None otherwise.

    An unknown e-mail costs one hash as a known one does, so the answer's time does not tell
    which addresses have accounts.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    row = registry.session.scalars(
        select(Account).where(Account.email == email.strip().lower())
    ).first()
    stored = row.password_hash if row is not None and row.password_hash else _dummy_hash()
    try:
        _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled or row.password_hash is None:
        return None
    return _info(row)


@cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


# -- secrets: sessions, API tokens, one-time links ----------------------------------------------


def _issue(
    registry: Registry,
    kind: str,
    account_id: int | None,
    lifetime: dt.timedelta | None,
    label: str = "",
) -> tuple[str, Credential]:
    secret = (TOKEN_PREFIX if kind == API else "") + secrets.token_urlsafe(32)
    stamp = now()
    row = Credential(
        account_id=account_id,
        kind=kind,
        digest=digest(secret),
        label=label,
        created_at=stamp,
        expires_at=stamp + lifetime if lifetime else None,
    )
    registry.session.add(row)
    registry.session.flush()
    return secret, row


def _live(registry: Registry, secret: str, kinds: tuple[str, ...]) -> Credential | None:
    row = registry.session.scalars(
        select(Credential).where(
            Credential.digest == digest(secret),
            Credential.kind.in_(kinds),
            Credential.revoked_at.is_(None),
        )
    ).first()
    if row is None or _expired(row.expires_at):
        return None
    if row.account is not None and row.account.disabled:
        return None
    return row


def _expired(expires_at: dt.datetime | None) -> bool:
    return expires_at is not None and _aware(expires_at) <= now()


def _aware(stamp: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes for what was written in UTC."""
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def issue_setup_link(registry: Registry) -> str:
    """A one-time link that makes its user the first admin; earlier ones stop working."""
    if has_accounts(registry):
        raise Conflict(
            "the registry already has accounts; the first-admin link is only for a new one",
            hint="ask an admin, or run `ark user reset-link EMAIL`",
        )
    _revoke(registry, Credential.kind == SETUP)
    secret, _ = _issue(registry, SETUP, None, LINK_LIFETIME)
    registry.audit("link", "account", "(first admin)", None, {"kind": SETUP})
    return secret


def issue_reset_link(registry: Registry, email: str) -> str:
    """A one-time link for the account to set its password; earlier ones stop working."""
    row = _account(registry, email)
    if row.disabled:
        raise Conflict(
            N_("the account {email} is disabled"),
            hint=N_("an admin must enable it"),
            args={"email": row.email},
        )
    _revoke(registry, Credential.kind == LINK, Credential.account_id == row.id)
    secret, _ = _issue(registry, LINK, row.id, LINK_LIFETIME)
    registry.audit("link", "account", row.email, None, {"kind": LINK})
    return secret


def peek_link(registry: Registry, secret: str) -> LinkInfo | None:
    """What a link is for, if it still works (it is not used up by looking)."""
    row = _live(registry, secret, (SETUP, LINK))
    if row is None:
        return None
    return LinkInfo(row.kind, row.account.email if row.account else None)


def use_link(
    registry: Registry, secret: str, password: str, email: str | None = None
) -> AccountInfo:
    """Set the password the link is for (creating the first admin for a setup link)."""
    row = _live(registry, secret, (SETUP, LINK))
    if row is None:
        raise Conflict(
            "this sign-in link does not work: it was used, replaced or has expired",
            hint="ask an admin for a new one (`ark user reset-link EMAIL`)",
        )
    _check_password(password)
    row.revoked_at = now()
    if row.kind == SETUP:
        if email is None:
            raise ArkError("the first admin needs an e-mail address", hint="fill in the e-mail")
        if has_accounts(registry):
            raise Conflict("someone else became the first admin", hint="sign in instead")
        return add_account(registry, email, AccountRole.ADMIN, password)
    assert row.account is not None
    row.account.password_hash = _hasher().hash(password)
    registry.audit("password", "account", row.account.email, None, {"password": "set"})
    registry.flush()
    return _info(row.account)


def start_session(registry: Registry, email: str) -> str:
    """A new browser session's secret (the cookie); the sign-in is an audit record."""
    row = _account(registry, email)
    secret, _ = _issue(registry, SESSION, row.id, SESSION_LIFETIME)
    registry.audit("sign-in", "account", row.email, None, None, actor=row.email)
    return secret


def end_session(registry: Registry, secret: str) -> None:
    row = _live(registry, secret, (SESSION,))
    if row is not None:
        row.revoked_at = now()
        assert row.account is not None
        email = row.account.email
        registry.audit("sign-out", "account", email, None, None, actor=email)


IDENTIFY = (
    select(
        Account.email,
        Account.role,
        Account.disabled,
        Account.password_hash.is_not(None),
        Account.created_at,
        Credential.expires_at,
    )
    .join(Account, Credential.account_id == Account.id)
    .where(
        Credential.digest == bindparam("digest"),
        Credential.kind == bindparam("kind"),
        Credential.revoked_at.is_(None),
    )
)


def identify(registry: Registry, secret: str, kind: str) -> AccountInfo | None:
    """The enabled account a live session cookie or API token belongs to, else None.

    Asked on every request of the web workspace, so it reads the few columns it needs in one
    statement built once, loading no ORM objects (what `_live` does took a sixth of a page's
    time, and building the statement anew cost more than running it).
    """
    row = registry.columns(IDENTIFY, {"digest": digest(secret), "kind": kind}).first()
    if row is None or row.disabled or _expired(row.expires_at):
        return None
    return AccountInfo(*tuple(row)[:5])


def issue_token(registry: Registry, email: str, label: str) -> str:
    """A personal API token; the secret is returned once and stored only as a digest."""
    row = _account(registry, email)
    label = label.strip()[:200] or "token"
    secret, credential = _issue(registry, API, row.id, None, label)
    registry.audit("add", "token", f"{row.email}/{credential.id}", None, {"label": label})
    return secret


def tokens(registry: Registry, email: str) -> list[TokenInfo]:
    row = _account(registry, email)
    return [
        TokenInfo(c.id, c.label, c.created_at, c.revoked_at is not None)
        for c in registry.session.scalars(
            select(Credential)
            .where(Credential.account_id == row.id, Credential.kind == API)
            .order_by(Credential.id)
        )
    ]


def revoke_token(registry: Registry, email: str, token_id: int) -> None:
    row = _account(registry, email)
    credential = registry.session.scalars(
        select(Credential).where(
            Credential.id == token_id, Credential.account_id == row.id, Credential.kind == API
        )
    ).first()
    if credential is None:
        raise NotFound(f"{row.email} has no API token {token_id}", hint="see your tokens page")
    if credential.revoked_at is None:
        credential.revoked_at = now()
        registry.audit(
            "revoke", "token", f"{row.email}/{token_id}", {"label": credential.label}, None
        )
