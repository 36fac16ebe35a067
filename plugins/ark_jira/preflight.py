"""`ark jira check`: everything that could make a sync fail, found before anything is written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ark.errors import ArkError
from ark.registry.results import MirroredTask
from ark_jira.board import Board, status_matches
from ark_jira.transport import JiraRequestError
from ark_jira.users import resolve

if TYPE_CHECKING:
    from ark_jira.sync import Transaction

REQUIRED_FIELDS = ("summary", "description", "assignee", "duedate", "labels")
CHECKED = "jira.checked"


@dataclass(frozen=True)
class Problem:
    what: str
    fix: str


def preflight(
    board: Board, tasks: Sequence[MirroredTask], departments: list[str], users: dict[str, str]
) -> list[Problem]:
    """Every problem at once: connection, project, issue type, fields, users, statuses;
    `users` are the remembered look-ups the sync would use (each is checked to exist)."""
    try:
        board.api.connect()
    except JiraRequestError as exc:
        return [Problem(exc.message, exc.hint)]  # nothing else can be asked
    return setup_problems(board, departments) + _checked(_users, board, tasks, users)


def setup_problems(board: Board, departments: list[str]) -> list[Problem]:
    """The problems that would fail every write: project, issue type, create screen,
    statuses and components (the connection is already known to work)."""
    api, config = board.api, board.api.config
    try:
        project = api.get(f"project/{config.project}")
    except JiraRequestError as exc:
        return [Problem(exc.message, exc.hint)]
    problems: list[Problem] = []
    types = {t["name"]: t for t in project.get("issueTypes", [])}
    issue_type = types.get(config.issue_type)
    if issue_type is None:
        problems.append(
            Problem(
                f"project {config.project} has no issue type {config.issue_type!r}",
                f"set jira.issue_type to one of: {', '.join(types) or 'none'}",
            )
        )
    else:
        problems += _checked(_fields, board, issue_type)
        problems += _checked(_statuses, board, issue_type)
    problems += _components(board, departments, project)
    return problems


def check_before_writing(
    board: Board, transaction: Transaction, departments: list[str], *, save: bool
) -> None:
    """Stop a sync whose set-up would fail every write, before it writes anything.

    The checks cost a few requests, so a pass is remembered (when `save`) for this `jira:`
    section, this server and these departments; any change to them checks again.
    """
    info = board.api.server_info
    seen = json.dumps(
        {
            "section": asdict(board.api.config),
            "server": [info.get(k) for k in ("baseUrl", "deploymentType", "version")],
            "departments": departments,
        },
        sort_keys=True,
        default=str,
    )
    fingerprint = hashlib.sha256(seen.encode()).hexdigest()
    with transaction() as registry:
        if registry.state(CHECKED) == fingerprint:
            return
    problems = setup_problems(board, departments)
    if problems:
        raise SetupError(problems)
    if save:
        with transaction() as registry:
            registry.set_state(CHECKED, fingerprint)


class SetupError(ArkError):
    """Problems `ark jira check` would report, found by a sync before its first write."""

    def __init__(self, problems: list[Problem]) -> None:
        listed = "".join(f"\nproblem: {p.what}\n    fix: {p.fix}" for p in problems)
        super().__init__(
            f"{len(problems)} problem(s) with the Jira set-up; nothing was written{listed}",
            hint="fix them (`ark jira check` lists them too), then run `ark jira sync` again",
        )
        self.problems = problems


def _checked(check: Callable[..., list[Problem]], *args: Any) -> list[Problem]:
    """A check's problems; a request it could not make is one problem, not the end."""
    try:
        return check(*args)
    except JiraRequestError as exc:
        return [Problem(exc.message, exc.hint)]


def _fields(board: Board, issue_type: dict[str, Any]) -> list[Problem]:
    config = board.api.config
    on_screen = _create_screen(board, issue_type)
    wanted = [*REQUIRED_FIELDS, *(["components"] if config.departments == "component" else [])]
    return [
        Problem(
            f"field {name!r} is not on the create screen of {config.issue_type} in {config.project}",
            f"add {name} to the project's create screen (Project settings > Screens)",
        )
        for name in wanted
        if name not in on_screen
    ]


def _create_screen(board: Board, issue_type: dict[str, Any]) -> set[str]:
    """The field ids on the create screen: from the per-issue-type create metadata (Cloud,
    Data Center 8.4 and later), else from the older form that lists every issue type."""
    api, project = board.api, board.api.config.project
    try:
        meta = api.get(f"issue/createmeta/{project}/issuetypes/{issue_type['id']}")
        fields = meta.get("fields", meta.get("values", []))
        return {str(f.get("fieldId") or f.get("key")) for f in fields}
    except JiraRequestError as exc:
        if exc.status != 404:
            raise
    meta = api.get(
        "issue/createmeta",
        {
            "projectKeys": project,
            "issuetypeIds": issue_type["id"],
            "expand": "projects.issuetypes.fields",
        },
    )
    return {
        str(name)
        for p in meta.get("projects", [])
        for t in p.get("issuetypes", [])
        for name in (t.get("fields") or {})
    }


def _components(board: Board, departments: list[str], project: dict[str, Any]) -> list[Problem]:
    config = board.api.config
    if config.departments != "component":
        return []
    existing = {c["name"] for c in project.get("components", [])}
    return [
        Problem(
            f"project {config.project} has no component {name!r} for a department",
            "create the component in Jira, or set jira.departments: label",
        )
        for name in sorted(set(departments) - existing)
    ]


def _users(board: Board, tasks: Sequence[MirroredTask], cache: dict[str, str]) -> list[Problem]:
    problems = []
    overrides = {
        t.assignee: t.assignee_jira_user for t in tasks if t.assignee and t.assignee_jira_user
    }
    for email, user in sorted(overrides.items()):
        if not board.user_exists(user):
            problems.append(
                Problem(
                    f"jira_user {user!r} of {email} is not a Jira user",
                    f"fix jira_user for {email} in the team file's contributors "
                    + ("(an account id)" if board.api.cloud else "(a user name)"),
                )
            )
    people = resolve(board, tasks, cache, verify=True)
    for email, found in sorted(people.unmatched.items()):
        hidden = " (the e-mail may be hidden by the user's privacy settings)" if not found else ""
        problems.append(
            Problem(
                f"{email} matches {found} Jira users{hidden}",
                f"set jira_user for {email} in the team file's contributors",
            )
        )
    return problems


def _statuses(board: Board, issue_type: dict[str, Any]) -> list[Problem]:
    config = board.api.config
    per_type = board.api.get(f"project/{config.project}/statuses")
    statuses: list[dict[str, Any]] = next(
        (
            t["statuses"]
            for t in per_type
            if t.get("id") == issue_type["id"] or t.get("name") == issue_type["name"]
        ),
        [],
    )
    names = ", ".join(s["name"] for s in statuses)
    return [
        Problem(
            f"Ark status {ark!s} maps to {target!r}, which the {config.issue_type} workflow does "
            "not have",
            f"set jira.statuses.{ark} to one of: {names}, or category:new|indeterminate|done",
        )
        for ark, target in config.statuses.items()
        if not any(status_matches(s, target) for s in statuses)
    ]
