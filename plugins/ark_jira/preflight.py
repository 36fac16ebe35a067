"""`ark jira check`: everything that could make a sync fail, found before anything is written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ark.errors import FIX, ArkError
from ark.i18n import N_, Nn_, tr
from ark.registry.results import MirroredTask
from ark_jira.board import Board, status_matches
from ark_jira.transport import JiraRequestError
from ark_jira.users import resolve

if TYPE_CHECKING:
    from ark_jira.sync import Transaction

REQUIRED_FIELDS = ("summary", "description", "assignee", "duedate", "labels")
CHECKED = "jira.checked"
PROBLEM = N_("problem:")


@dataclass(frozen=True)
class Problem:
    """One thing that would make a sync fail, and its fix, in the command's language."""

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
                tr(
                    N_("project {project} has no issue type {type}"),
                    project=config.project,
                    type=repr(config.issue_type),
                ),
                tr(N_("set jira.issue_type to one of: {types}"), types=", ".join(types) or "-"),
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
        listed = "".join(f"\n{tr(PROBLEM)} {p.what}\n    {tr(FIX)} {p.fix}" for p in problems)
        super().__init__(
            Nn_(
                "{count} problem with the Jira set-up; nothing was written{listed}",
                "{count} problems with the Jira set-up; nothing was written{listed}",
            ),
            hint=N_("fix them (`ark jira check` lists them too), then run `ark jira sync` again"),
            args={"count": len(problems), "listed": listed},
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
            tr(
                N_("field {name} is not on the create screen of {type} in {project}"),
                name=repr(name),
                type=config.issue_type,
                project=config.project,
            ),
            tr(
                N_("add {name} to the project's create screen (Project settings > Screens)"),
                name=name,
            ),
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
            tr(
                N_("project {project} has no component {name} for a department"),
                project=config.project,
                name=repr(name),
            ),
            tr(N_("create the component in Jira, or set jira.departments: label")),
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
                    tr(
                        N_("jira_user {user} of {email} is not a Jira user"),
                        user=repr(user),
                        email=email,
                    ),
                    tr(
                        N_(
                            "fix jira_user for {email} in the team file's contributors (an account id)"
                        )
                        if board.api.cloud
                        else N_(
                            "fix jira_user for {email} in the team file's contributors (a user name)"
                        ),
                        email=email,
                    ),
                )
            )
    people = resolve(board, tasks, cache, verify=True)
    for email, found in sorted(people.unmatched.items()):
        problems.append(
            Problem(
                tr(
                    N_("{email} matches {count} Jira users")
                    if found
                    else N_(
                        "{email} matches {count} Jira users (the e-mail may be hidden by the "
                        "user's privacy settings)"
                    ),
                    email=email,
                    count=found,
                ),
                tr(N_("set jira_user for {email} in the team file's contributors"), email=email),
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
            tr(
                N_("Ark status {status} maps to {target}, which the {type} workflow does not have"),
                status=str(ark),
                target=repr(target),
                type=config.issue_type,
            ),
            tr(
                N_(
                    "set jira.statuses.{status} to one of: {names}, or category:new|indeterminate|done"
                ),
                status=str(ark),
                names=names,
            ),
        )
        for ark, target in config.statuses.items()
        if not any(status_matches(s, target) for s in statuses)
    ]
