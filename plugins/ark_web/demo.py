"""The demo's accounts: one for each fictitious person, so the workspace can be tried at once."""

from __future__ import annotations

from ark.accounts import accounts, add_account
from ark.demo import DemoContext
from ark.i18n import N_, tr
from ark.plugins import hooks
from ark.registry.writer import transaction
from ark.vocabulary import AccountRole, Role
from ark_web.cli import ACCOUNT_ROLES


def demo_accounts(context: DemoContext) -> None:
    """The first person is admin, whoever is accountable for something a lead, the rest
    members; none has a password yet: each signs in through `ark user reset-link`."""
    with transaction(context.engine, hooks=hooks(), actor="ark demo") as reg:
        known = {a.email for a in accounts(reg)}
        team = reg.team_spec()
        leads = {
            a.contributor
            for r in team.responsibilities
            for a in r.assignments
            if a.role is Role.ACCOUNTABLE
        }
        made: list[tuple[str, AccountRole]] = []
        for index, c in enumerate(team.contributors):
            role = (
                AccountRole.ADMIN
                if index == 0
                else AccountRole.LEAD
                if c.email in leads
                else AccountRole.MEMBER
            )
            if c.email not in known:
                add_account(reg, c.email, role)
            made.append((c.email, role))
    if not made:
        return
    admin = made[0][0]
    counts = {role: sum(r is role for _, r in made) for role in AccountRole}
    context.report(
        N_("accounts:"),
        tr(
            N_(
                "{count} ({roles}); to sign in: cd {workspace} && ark user reset-link {admin} && ark serve"
            ),
            count=len(made),
            roles=", ".join(f"{tr(ACCOUNT_ROLES[role])}: {n}" for role, n in counts.items() if n),
            workspace=context.workspace,
            admin=admin,
        ),
    )
