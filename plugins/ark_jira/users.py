"""Contributors' Jira users: their `jira_user`, else the one account Jira finds for their e-mail.

Look-ups are remembered in the registry, per server, and only when Jira answered with exactly
one account: a guess (a plan made with no server, as `ark demo` does) is never stored. An
entry is forgotten when the contributor gets a `jira_user` of their own and when Jira says the
remembered user does not exist. `ark jira check` and `ark jira sync` resolve people through
`resolve`, so they agree on who is unmatched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ark.i18n import N_, tr
from ark.registry.results import MirroredTask

if TYPE_CHECKING:
    from ark.registry.writer import Registry
    from ark_jira.board import Board

CACHE = "jira.users"


@dataclass
class People:
    """Who each contributor with tasks is on Jira, and who could not be matched."""

    users: dict[str, str] = field(default_factory=dict)
    unmatched: dict[str, int] = field(default_factory=dict)
    """E-mail -> how many accounts Jira found for it (0, or more than one)."""
    cache: dict[str, str] = field(default_factory=dict)
    """What to remember: look-ups Jira answered, for contributors with no `jira_user`."""

    def problem(self, email: str) -> str:
        found = self.unmatched[email]
        return tr(
            N_(
                "{email}: {count} Jira users with this e-mail; its issues are left unassigned "
                "until you set jira_user for this contributor in the team file"
            ),
            email=email,
            count=found,
        )


def remembered(registry: Registry, server: str) -> dict[str, str]:
    """The look-ups remembered for `server` (those for another server do not count)."""
    saved: Any = registry.state(CACHE)
    if isinstance(saved, dict) and saved.get("server") == server:
        return dict(saved.get("users") or {})
    return {}


def remember(registry: Registry, server: str, users: dict[str, str]) -> None:
    registry.set_state(CACHE, {"server": server, "users": users})


def resolve(
    board: Board, tasks: Sequence[MirroredTask], cache: dict[str, str], *, verify: bool = False
) -> People:
    """Each assignee's Jira user: `jira_user`, else the cache, else a look-up by e-mail.

    With `verify`, a remembered user is first checked to still exist (what `ark jira check`
    does; the sync instead forgets one when a write says it does not exist).
    """
    people = People()
    for task in tasks:
        email = task.assignee
        if email is None or email in people.users or email in people.unmatched:
            continue
        if task.assignee_jira_user:
            people.users[email] = task.assignee_jira_user
            continue
        known = cache.get(email)
        if known is not None and (not verify or board.user_exists(known)):
            people.users[email] = people.cache[email] = known
            continue
        found = board.find_user(email)
        if len(found) == 1:
            people.users[email] = people.cache[email] = found[0]
        else:
            people.unmatched[email] = len(found)
    return people
