"""`ark jira check`: everything that could make a sync fail, found before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ark_jira.board import Board, status_matches
from ark_jira.fields import TaskRow
from ark_jira.transport import JiraRequestError

REQUIRED_FIELDS = ("summary", "description", "assignee", "duedate", "labels")


@dataclass(frozen=True)
class Problem:
    what: str
    fix: str


def preflight(board: Board, tasks: list[TaskRow], departments: list[str]) -> list[Problem]:
    """Every problem at once: connection, project, issue type, fields, users, statuses."""
    api, config = board.api, board.api.config
    try:
        api.connect()
    except JiraRequestError as exc:
        return [Problem(exc.message, exc.hint)]
    problems: list[Problem] = []
    try:
        project = api.get(f"project/{config.project}")
    except JiraRequestError as exc:
        return [Problem(exc.message, exc.hint)]
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
        problems += _fields(board, issue_type)
        problems += _statuses(board, issue_type)
    problems += _components(board, departments, project)
    problems += _users(board, tasks)
    return problems


def _fields(board: Board, issue_type: dict[str, Any]) -> list[Problem]:
    config = board.api.config
    meta = board.api.get(f"issue/createmeta/{config.project}/issuetypes/{issue_type['id']}")
    on_screen = {
        f.get("fieldId") or f.get("key") for f in meta.get("fields", meta.get("values", []))
    }
    wanted = [*REQUIRED_FIELDS, *(["components"] if config.departments == "component" else [])]
    return [
        Problem(
            f"field {name!r} is not on the create screen of {config.issue_type} in {config.project}",
            f"add {name} to the project's create screen (Project settings > Screens)",
        )
        for name in wanted
        if name not in on_screen
    ]


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


def _users(board: Board, tasks: list[TaskRow]) -> list[Problem]:
    problems = []
    overrides = {t.assignee: t.assignee_jira for t in tasks if t.assignee and t.assignee_jira}
    for email, user in sorted(overrides.items()):
        if not board.user_exists(user):
            problems.append(
                Problem(
                    f"jira_user {user!r} of {email} is not a Jira user",
                    f"fix jira_user for {email} in the team file's contributors "
                    + ("(an account id)" if board.api.cloud else "(a user name)"),
                )
            )
    for email in sorted({t.assignee for t in tasks if t.assignee} - set(overrides)):
        found = board.find_user(email)
        if len(found) != 1:
            problems.append(
                Problem(
                    f"{email} matches {len(found)} Jira users"
                    + (
                        " (the e-mail may be hidden by the user's privacy settings)"
                        if not found
                        else ""
                    ),
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
