"""Every change made in the browser or through the API: the same `Registry` methods the CLI
uses, in one transaction, under the signed-in person's name, after checking the version the
edit was made from (`ark.audit.expect_version`), so a stale edit writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ark import accounts, audit
from ark.changeset import ChangeSet
from ark.errors import ArkError, Conflict, NotFound
from ark.plugins import hooks
from ark.registry.writer import Registry, transaction
from ark.spec import ContributorSpec, TeamSpec
from ark.teamfile import parse_team_bytes
from ark.vocabulary import AccountRole, Role, TaskStatus


@contextmanager
def changing(engine: Any, actor: str) -> Iterator[Registry]:
    with transaction(engine, hooks=hooks(), actor=actor) as registry:
        yield registry


def set_cell(
    engine: Any,
    actor: str,
    slug: str,
    email: str,
    role: str,
    hours: float | None,
    seen: int,
) -> None:
    """Set a role (and hours) in the matrix cell of `slug` x `email`; `end:ROLE` ends one
    role, an empty role ends every role of the cell."""
    with changing(engine, actor) as reg:
        audit.expect_version(reg, seen, "assignment", f"{slug}/{email}/", prefix=True)
        if not role:
            reg.unassign(email, slug)
        elif role.startswith("end:"):
            reg.unassign(email, slug, _role(role.removeprefix("end:")))
        else:
            reg.assign(email, slug, _role(role), hours=hours)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ArkError(
            f"{value!r} is not a RACI role", hint=f"use one of: {', '.join(Role)}"
        ) from None


def save_person(engine: Any, actor: str, person: ContributorSpec, seen: int | None) -> ChangeSet:
    """Add a contributor (`seen` None) or change one, as applying the team file would."""
    with changing(engine, actor) as reg:
        team = reg.team_spec()
        known = {c.email: c for c in team.contributors}
        if seen is None and person.email in known:
            raise Conflict(f"{person.email} is already in the team", hint="edit them instead")
        if seen is not None:
            if person.email not in known:
                raise NotFound.contributor(person.email)
            audit.expect_version(reg, seen, "contributor", person.email)
        if person.department not in {d.slug for d in team.departments}:
            raise ArkError(
                f"no department {person.department!r}",
                hint=f"use one of: {', '.join(d.slug for d in team.departments)}",
            )
        merged = tuple(person if c.email == person.email else c for c in team.contributors) + (
            () if person.email in known else (person,)
        )
        return reg.apply(dataclasses.replace(team, contributors=merged))


def finish_task(engine: Any, actor: str, key: str, note: str, seen: int) -> None:
    with changing(engine, actor) as reg:
        audit.expect_version(reg, seen, "task", key)
        reg.set_task_status(key, TaskStatus.DONE, note=note.strip())


def record_reading(
    engine: Any, actor: str, slug: str, value: float, on: dt.date | None, seen: int
) -> None:
    with changing(engine, actor) as reg:
        audit.expect_version(reg, seen, "measurement", f"{slug}/", prefix=True)
        reg.record_kpi(slug, value, on)


def review_process(engine: Any, actor: str, slug: str, on: dt.date | None, seen: int) -> None:
    with changing(engine, actor) as reg:
        audit.expect_version(reg, seen, "process", slug)
        reg.stamp_review(slug, on=on)


def parse_team_file(text: str, name: str) -> TeamSpec:
    """An uploaded team file, validated like one on disk (problems name the upload); it is
    parsed from memory, so no name an upload gives can reach the file system."""
    return parse_team_bytes(text.encode("utf-8", "surrogatepass"), Path(name).name or "ark.yaml")


def team_file_changeset(engine: Any, spec: TeamSpec) -> ChangeSet:
    with transaction(engine, write=False) as reg:
        return reg.changeset(spec)


def apply_team_file(engine: Any, actor: str, spec: TeamSpec, seen: int) -> ChangeSet:
    """Apply an uploaded file, only if nothing changed since its changeset was shown."""
    with changing(engine, actor) as reg:
        audit.expect_version(reg, seen, None)
        return reg.apply(spec)


# -- accounts ------------------------------------------------------------------------------------


def add_account(engine: Any, actor: str, email: str, role: AccountRole) -> None:
    with changing(engine, actor) as reg:
        accounts.add_account(reg, email, role)


def set_role(engine: Any, actor: str, email: str, role: AccountRole, seen: int) -> None:
    with changing(engine, actor) as reg:
        audit.expect_version(reg, seen, "account", email)
        accounts.set_role(reg, email, role)


def disable(engine: Any, actor: str, email: str, seen: int) -> None:
    with changing(engine, actor) as reg:
        audit.expect_version(reg, seen, "account", email)
        accounts.disable(reg, email)


def reset_link(engine: Any, actor: str, email: str) -> str:
    with changing(engine, actor) as reg:
        return accounts.issue_reset_link(reg, email)


def setup_link(engine: Any) -> str | None:
    """The first admin's link when the registry has no account yet, else None."""
    with changing(engine, "ark serve") as reg:
        if accounts.has_accounts(reg):
            return None
        return accounts.issue_setup_link(reg)


def use_link(engine: Any, secret: str, password: str, email: str | None) -> str:
    """Set the password the link is for; returns the new session's secret."""
    with changing(engine, email or "(link)") as reg:
        info = accounts.use_link(reg, secret, password, email)
        reg.actor = info.email
        return accounts.start_session(reg, info.email)


def sign_in(engine: Any, email: str, password: str) -> str | None:
    """A new session's secret, or None when the e-mail and password do not match."""
    with changing(engine, email) as reg:
        info = accounts.sign_in(reg, email, password)
        return None if info is None else accounts.start_session(reg, info.email)


def sign_in_vouched(engine: Any, email: str) -> str | None:
    """A new session for an e-mail the company's identity provider vouched for, if it has an
    enabled account; None otherwise."""
    with changing(engine, email) as reg:
        known = {a.email: a for a in accounts.accounts(reg)}.get(email)
        if known is None or known.disabled:
            return None
        return accounts.start_session(reg, email)


def sign_out(engine: Any, secret: str) -> None:
    with changing(engine, "(session)") as reg:
        accounts.end_session(reg, secret)


def issue_token(engine: Any, actor: str, label: str) -> str:
    with changing(engine, actor) as reg:
        return accounts.issue_token(reg, actor, label)


def revoke_token(engine: Any, actor: str, token_id: int) -> None:
    with changing(engine, actor) as reg:
        accounts.revoke_token(reg, actor, token_id)
