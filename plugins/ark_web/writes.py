"""Every change made in the browser or through the API: the same `Registry` methods the CLI
uses, in one transaction, under the signed-in person's name, after checking the version the
edit was made from (`ark.audit.expect_version`), so a stale edit writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ark import accounts, audit
from ark.changeset import ChangeSet
from ark.checks import Finding, check_team
from ark.drift import Revert, file_digest, pending_reverts
from ark.errors import ArkError, Conflict, NotFound
from ark.i18n import N_
from ark.plugins import hooks
from ark.registry.assignments import cell_keys
from ark.registry.people import Offboarding
from ark.registry.results import AuditEntry
from ark.registry.writer import Registry, transaction
from ark.spec import ContributorSpec, TeamSpec
from ark.teamfile import parse_team_bytes
from ark.vocabulary import AccountRole, Role, TaskStatus


@contextmanager
def changing(engine: Any, actor: str, via: str = "web", shared: bool = True) -> Iterator[Registry]:
    """A write transaction under `actor`, `shared` with the edits queued behind it (a group
    commit, `ark.db.shared_scope`) unless it rolls itself back; its audit records say the
    change came `via` the web, so a later apply of an older team file names it as an edit it
    would revert."""
    with transaction(engine, hooks=hooks(), actor=actor, via=via, shared=shared) as registry:
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
    role, an empty role ends every role of the cell, and `accountable:replace` hands the
    accountable role over from its holder in one change (`ark assign --replace`)."""
    with changing(engine, actor) as reg:
        audit.expect_version(reg, seen, "assignment", cell_keys(slug, email))
        if not role:
            reg.unassign(email, slug)
        elif role.startswith("end:"):
            reg.unassign(email, slug, _role(role.removeprefix("end:")))
        elif role == TAKE_OVER:
            reg.assign(email, slug, Role.ACCOUNTABLE, hours=hours, replace=True)
        else:
            try:
                reg.assign(email, slug, _role(role), hours=hours)
            except Conflict as exc:  # a second accountable: say how to hand over here
                if _role(role) is not Role.ACCOUNTABLE:
                    raise
                raise Conflict(exc.template, hint=HAND_OVER, args=exc.values) from None


TAKE_OVER = "accountable:replace"  # the matrix's choice to hand the accountable role over
HAND_OVER = N_(
    "choose “A, taking over” in the cell to hand the accountable role over, or end the "
    "holder's A first"
)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ArkError(
            N_("{value!r} is not a RACI role"),
            hint=N_("use one of: {roles}"),
            args={"value": value, "roles": ", ".join(Role)},
        ) from None


def save_person(engine: Any, actor: str, person: ContributorSpec, seen: int | None) -> ChangeSet:
    """Add a contributor (`seen` None) or change one, as applying the team file would."""
    with changing(engine, actor) as reg:
        team = reg.team_spec()
        known = {c.email: c for c in team.contributors}
        if seen is None and person.email in known:
            raise Conflict(
                N_("{email} is already in the team"),
                hint=N_("edit them instead"),
                args={"email": person.email},
            )
        if seen is not None:
            if person.email not in known:
                raise NotFound.contributor(person.email)
            audit.expect_version(reg, seen, "contributor", person.email)
        if person.department not in {d.slug for d in team.departments}:
            raise ArkError(
                N_("no department {department!r}"),
                hint=N_("use one of: {departments}"),
                args={
                    "department": person.department,
                    "departments": ", ".join(d.slug for d in team.departments),
                },
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


@dataclasses.dataclass(frozen=True)
class Handover:
    """Who takes what from a person who leaves, as chosen on the offboarding page: `to`
    takes every accountable role and open task not named in the two maps."""

    to: str | None
    on: dt.date | None
    accountable_to: dict[str, str]
    task_to: dict[str, str]


def _offboard(reg: Registry, email: str, handover: Handover) -> Offboarding:
    return reg.offboard(
        email,
        handover.to,
        handover.on,
        accountable_to=handover.accountable_to,
        task_to=handover.task_to,
    )


@dataclasses.dataclass(frozen=True)
class OffboardingPreview:
    """What offboarding would move, what `ark check` would newly find once it had (a taker
    over capacity, say), and the team's version it was drawn from."""

    offboarding: Offboarding
    findings: list[Finding]
    version: int

    @property
    def digest(self) -> str:
        return digest_of(self.offboarding)


def digest_of(offboarding: Offboarding) -> str:
    """What an offboarding moves, in a few characters a preview's confirmation carries back."""
    shown = json.dumps(dataclasses.asdict(offboarding), default=str, sort_keys=True)
    return hashlib.sha256(shown.encode()).hexdigest()


def preview_offboarding(
    engine: Any, actor: str, email: str, handover: Handover
) -> OffboardingPreview:
    """Offboard and roll back, as `ark person offboard --dry-run` does: nothing is written.
    The findings are those `ark check` would report after it and not now (read first,
    outside this transaction, which holds the writers' lock). The version is the team's
    (`ark.audit.team_version`): a sign-in or a new token does not make the preview stale."""
    from ark_web.reads import findings

    before = findings(engine)
    with changing(engine, actor, shared=False) as reg:
        seen = audit.team_version(reg)
        preview = _offboard(reg, email, handover)
        after = check_team(reg, hooks())
        reg.rollback()
    return OffboardingPreview(preview, [f for f in after if f not in before], seen)


def offboard(
    engine: Any, actor: str, email: str, handover: Handover, seen: int, digest: str
) -> Offboarding:
    """Offboard `email` in one transaction, only if it moves exactly what the preview (drawn
    at team version `seen`, summed up by `digest`) showed; otherwise nothing is written and
    the refusal names the latest change that made the preview stale."""
    with changing(engine, actor) as reg:
        since = audit.changes_since(reg, seen)
        done = _offboard(reg, email, handover)
        if digest_of(done) != digest:
            concerned = [e for e in since if _concerns(e, done)]
            if concerned:
                raise audit.StaleEdit(concerned[-1])
            raise Conflict(
                N_(
                    "offboarding {email} would now move other things than the preview showed; "
                    "nothing was written"
                ),
                hint=N_("open the offboarding page again and check the new preview"),
                args={"email": done.contributor},
            )
    return done


def _concerns(entry: AuditEntry, o: Offboarding) -> bool:
    """Whether a change touches what offboarding `o` moves: the person leaving, a taker,
    a responsibility they held, or one of their tasks."""
    takers = {who for _, who in (*o.handed_over, *o.tasks)}
    if entry.entity == "contributor":
        return entry.key in {o.contributor, *takers}
    if entry.entity == "assignment":
        slug, email, *_ = entry.key.split("/")
        return email == o.contributor or slug in {a.responsibility for a in o.ended}
    if entry.entity == "task":
        holders = {(side or {}).get("assignee") for side in (entry.before, entry.after)}
        return entry.key in {key for key, _ in o.tasks} or o.contributor in holders
    return False


def parse_team_file(raw: bytes, name: str) -> TeamSpec:
    """An uploaded team file, validated like one on disk (problems name the upload); it is
    parsed from memory, so no name an upload gives can reach the file system."""
    return parse_team_bytes(raw, upload_name(name))


def upload_name(name: str) -> str:
    """The name an upload is called by in messages: its last part, never a path."""
    return Path(name).name or "ark.yaml"


@dataclasses.dataclass(frozen=True)
class TeamFilePlan:
    """What applying an uploaded file changes, and which of those changes undo edits made
    since a team file was last applied or exported, named as `ark apply` names them."""

    changeset: ChangeSet
    reverts: list[Revert]


def team_file_plan(engine: Any, spec: TeamSpec) -> TeamFilePlan:
    with transaction(engine, write=False) as reg:
        changeset = reg.changeset(spec)
        return TeamFilePlan(changeset, pending_reverts(reg, changeset))


def apply_team_file(engine: Any, actor: str, raw: bytes, name: str, seen: int) -> ChangeSet:
    """Apply an uploaded file, only if the team did not change since its changeset was shown
    at team version `seen`, and mark the registry as saying what that file says, as `ark
    apply` does: applying the same file again changes nothing, and later edits are named as
    edits that file would revert."""
    spec = parse_team_file(raw, name)
    with changing(engine, actor, via="apply") as reg:
        audit.expect_team_version(reg, seen)
        done = reg.apply(spec)
        reg.mark_file(file_digest(raw))
        return done


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
