"""The board's state in Jira's REST v2 shapes (see the OpenAPI spec's component schemas)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tests.jira_server.state import (
    EDITABLE,
    ISSUE_TYPES,
    STATUSES,
    WORKFLOW,
    Board,
    Comment,
    Component,
    History,
    Issue,
    IssueType,
    Status,
    User,
)


@dataclass(frozen=True)
class FieldDef:
    id: str
    name: str
    schema: dict[str, str]
    operations: tuple[str, ...] = ()
    required: bool = False
    orderable: bool = True


FIELDS = (
    FieldDef("summary", "Summary", {"type": "string", "system": "summary"}, ("set",), True),
    FieldDef("issuetype", "Issue Type", {"type": "issuetype", "system": "issuetype"}, (), True),
    FieldDef("project", "Project", {"type": "project", "system": "project"}, ("set",), True),
    FieldDef("description", "Description", {"type": "string", "system": "description"}, ("set",)),
    FieldDef(
        "labels",
        "Labels",
        {"type": "array", "items": "string", "system": "labels"},
        ("add", "set", "remove"),
    ),
    FieldDef("duedate", "Due date", {"type": "date", "system": "duedate"}, ("set",)),
    FieldDef("assignee", "Assignee", {"type": "user", "system": "assignee"}, ("set",)),
    FieldDef(
        "components",
        "Component/s",
        {"type": "array", "items": "component", "system": "components"},
        ("add", "set", "remove"),
    ),
    FieldDef("reporter", "Reporter", {"type": "user", "system": "reporter"}, orderable=False),
    FieldDef("status", "Status", {"type": "status", "system": "status"}, orderable=False),
    FieldDef("created", "Created", {"type": "datetime", "system": "created"}, orderable=False),
    FieldDef("updated", "Updated", {"type": "datetime", "system": "updated"}, orderable=False),
    FieldDef(
        "comment",
        "Comment",
        {"type": "comments-page", "system": "comment"},
        ("add", "edit", "remove"),
        orderable=False,
    ),
)
ISSUE_FIELDS = (
    "summary",
    "description",
    "labels",
    "duedate",
    "assignee",
    "reporter",
    "creator",
    "components",
    "issuetype",
    "project",
    "status",
    "statuscategorychangedate",
    "resolution",
    "created",
    "updated",
    "comment",
)
"""Every field an issue answer can carry; `fields=*all` returns them all."""
CREATE_SCREEN = ("summary", "issuetype", "project", *EDITABLE[1:])
_CLAUSES = {"components": ["component"], "issuetype": ["issuetype", "type"]}


def timestamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


class Renderer:
    """Renders for one server: knows its base URL and flavour."""

    def __init__(self, board: Board, base: str) -> None:
        self.board = board
        self.base = base
        self.api = f"{base}/rest/api/2"

    def avatars(self, kind: str, ident: str) -> dict[str, str]:
        return {
            f"{n}x{n}": f"{self.base}/secure/{kind}avatar?size={n}&id={ident}"
            for n in (16, 24, 32, 48)
        }

    def server_info(self) -> dict[str, Any]:
        cloud = self.board.flavour == "cloud"
        numbers = list(self.board.version or ((1001, 0, 0) if cloud else (9, 12, 15)))
        return {
            "baseUrl": self.base,
            "displayUrl": self.base,
            "version": ".".join(map(str, numbers)) + ("-SNAPSHOT" if cloud else ""),
            "versionNumbers": numbers,
            "deploymentType": "Cloud" if cloud else "Server",
            "buildNumber": 100282 if cloud else 9120015,
            "buildDate": "2026-11-20T00:00:00.000+0000",
            "serverTime": timestamp(dt.datetime.now(dt.UTC)),
            "scmInfo": "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c",
            "serverTitle": "Jira",
        }

    def user(self, user: User) -> dict[str, Any]:
        common = {
            "emailAddress": user.email,
            "avatarUrls": self.avatars("user", user.key),
            "displayName": user.display_name,
            "active": user.active,
            "timeZone": "Etc/UTC",
        }
        if self.board.flavour == "cloud":
            return {
                "self": f"{self.api}/user?accountId={user.account_id}",
                "accountId": user.account_id,
                "accountType": "atlassian",
                **common,
            }
        return {
            "self": f"{self.api}/user?username={user.name}",
            "key": user.key,
            "name": user.name,
            **common,
        }

    def user_by_id(self, user_id: str | None) -> dict[str, Any] | None:
        return None if user_id is None else self.user(self.board.user(user_id))

    def component(self, component: Component) -> dict[str, Any]:
        return {
            "self": f"{self.api}/component/{component.id}",
            "id": component.id,
            "name": component.name,
        }

    def project_component(self, component: Component) -> dict[str, Any]:
        project = self.board.project
        return {
            **self.component(component),
            "assigneeType": "PROJECT_DEFAULT",
            "realAssigneeType": "PROJECT_DEFAULT",
            "isAssigneeTypeValid": False,
            "project": project.key,
            "projectId": int(project.id),
        }

    def issue_type(self, issue_type: IssueType) -> dict[str, Any]:
        return {
            "self": f"{self.api}/issuetype/{issue_type.id}",
            "id": issue_type.id,
            "description": issue_type.description,
            "iconUrl": f"{self.base}/images/icons/issuetypes/{issue_type.name.lower()}.svg",
            "name": issue_type.name,
            "subtask": False,
            "avatarId": 10318,
            "hierarchyLevel": 0,
        }

    def status(self, status: Status) -> dict[str, Any]:
        category = status.category
        return {
            "self": f"{self.api}/status/{status.id}",
            "description": "",
            "iconUrl": f"{self.base}/images/icons/statuses/generic.png",
            "name": status.name,
            "id": status.id,
            "statusCategory": {
                "self": f"{self.api}/statuscategory/{category.id}",
                "id": category.id,
                "key": category.key,
                "colorName": category.color,
                "name": category.name,
            },
        }

    def project_brief(self) -> dict[str, Any]:
        project = self.board.project
        return {
            "self": f"{self.api}/project/{project.id}",
            "id": project.id,
            "key": project.key,
            "name": project.name,
            "projectTypeKey": "software",
            "simplified": False,
            "avatarUrls": self.avatars("project", project.id),
        }

    def project(self) -> dict[str, Any]:
        project = self.board.project
        return {
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            **self.project_brief(),
            "description": "",
            "lead": self.user_by_id(project.lead),
            "components": [self.project_component(c) for c in project.components],
            "issueTypes": [self.issue_type(t) for t in ISSUE_TYPES],
            "assigneeType": "UNASSIGNED",
            "versions": [],
            "roles": {},
            "style": "classic",
            "isPrivate": False,
            "properties": {},
        }

    def project_statuses(self) -> list[dict[str, Any]]:
        return [
            {
                "self": f"{self.api}/issuetype/{t.id}",
                "id": t.id,
                "name": t.name,
                "subtask": False,
                "statuses": [self.status(s) for s in STATUSES],
            }
            for t in ISSUE_TYPES
        ]

    def field(self, definition: FieldDef) -> dict[str, Any]:
        return {
            "id": definition.id,
            "key": definition.id,
            "name": definition.name,
            "custom": False,
            "orderable": definition.orderable,
            "navigable": True,
            "searchable": True,
            "clauseNames": _CLAUSES.get(definition.id, [definition.id]),
            "schema": definition.schema,
        }

    def field_meta(self, definition: FieldDef, *, with_id: bool) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "required": definition.required,
            "schema": definition.schema,
            "name": definition.name,
            "key": definition.id,
            "hasDefaultValue": False,
            "operations": list(definition.operations),
        }
        if with_id:
            meta["fieldId"] = definition.id
        if definition.id == "components":
            meta["allowedValues"] = [self.component(c) for c in self.board.project.components]
        elif definition.id == "issuetype":
            meta["allowedValues"] = [self.issue_type(t) for t in ISSUE_TYPES]
        elif definition.id == "project":
            meta["allowedValues"] = [self.project_brief()]
        elif definition.id == "assignee":
            meta["autoCompleteUrl"] = (
                f"{self.api}/user/assignable/search?project={self.board.project.key}&query="
            )
        return meta

    def create_screen(self, *, with_id: bool) -> list[dict[str, Any]]:
        return [self.field_meta(f, with_id=with_id) for f in FIELDS if f.id in CREATE_SCREEN]

    def createmeta(self, expand_fields: bool, type_ids: set[str]) -> dict[str, Any]:
        issue_types = []
        for issue_type in ISSUE_TYPES:
            if type_ids and issue_type.id not in type_ids:
                continue
            entry: dict[str, Any] = self.issue_type(issue_type)
            if expand_fields:
                entry["fields"] = {f["key"]: f for f in self.create_screen(with_id=False)}
            issue_types.append(entry)
        brief = self.project_brief()
        project = {k: brief[k] for k in ("self", "id", "key", "name", "avatarUrls")}
        return {
            "expand": "projects",
            "projects": [{**project, "issuetypes": issue_types}],
        }

    def issue(self, issue: Issue, wanted: set[str] | None, expand: set[str]) -> dict[str, Any]:
        """An IssueBean; `wanted` None means every field."""
        every: dict[str, Any] = {
            "summary": issue.fields["summary"],
            "description": issue.fields["description"],
            "labels": issue.fields["labels"],
            "duedate": issue.fields["duedate"],
            "assignee": self.user_by_id(issue.fields["assignee"]),
            "reporter": self.user_by_id(issue.reporter),
            "creator": self.user_by_id(issue.reporter),
            "components": [
                self.component(c)
                for name in issue.fields["components"]
                for c in self.board.project.components
                if c.name == name
            ],
            "issuetype": self.issue_type(self.board.issue_type(issue.fields["issuetype"])),
            "project": self.project_brief(),
            "status": self.status(issue.status),
            "statuscategorychangedate": timestamp(issue.created),
            "resolution": None,
            "created": timestamp(issue.created),
            "updated": timestamp(issue.updated),
            "comment": self.comments(issue),
        }
        body: dict[str, Any] = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            "id": issue.id,
            "self": f"{self.api}/issue/{issue.id}",
            "key": issue.key,
        }
        if wanted is None or wanted:
            body["fields"] = {k: v for k, v in every.items() if wanted is None or k in wanted}
        if "changelog" in expand:
            histories = [self.history(h) for h in issue.changelog]
            body["changelog"] = {
                "startAt": 0,
                "maxResults": len(histories),
                "total": len(histories),
                "histories": histories,
            }
        if "transitions" in expand:
            body["transitions"] = self.transitions(issue)
        return body

    def history(self, history: History) -> dict[str, Any]:
        return {
            "id": history.id,
            "author": self.user_by_id(history.author),
            "created": timestamp(history.created),
            "items": [
                {
                    key: value
                    for key, value in (
                        ("field", c.field),
                        ("fieldtype", "jira"),
                        ("fieldId", c.field_id),
                        ("from", c.from_id),
                        ("fromString", c.from_string),
                        ("to", c.to_id),
                        ("toString", c.to_string),
                    )
                    # The spec declares these strings, not nullable: empty ones are left out.
                    if value is not None
                }
                for c in history.items
            ],
        }

    def comment(self, issue: Issue, comment: Comment) -> dict[str, Any]:
        author = self.user_by_id(comment.author)
        return {
            "self": f"{self.api}/issue/{issue.id}/comment/{comment.id}",
            "id": comment.id,
            "author": author,
            "body": comment.body,
            "updateAuthor": author,
            "created": timestamp(comment.created),
            "updated": timestamp(comment.created),
            "jsdPublic": True,
        }

    def comments(self, issue: Issue) -> dict[str, Any]:
        return {
            "comments": [self.comment(issue, c) for c in issue.comments],
            "maxResults": len(issue.comments),
            "total": len(issue.comments),
            "startAt": 0,
        }

    def transitions(self, issue: Issue) -> list[dict[str, Any]]:
        return [
            {
                "id": t.id,
                "name": t.name,
                "to": self.status(t.to),
                "hasScreen": False,
                "isGlobal": False,
                "isInitial": False,
                "isAvailable": True,
                "isConditional": False,
                "isLooped": False,
            }
            for t in WORKFLOW[issue.status.id]
        ]
