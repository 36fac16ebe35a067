"""The board the test server holds: people, one project with its workflow, issues and history.

Issues keep their fields in a plain form (names and user ids rather than REST objects) so tests
can read and compare them directly; `render.py` turns them into Jira's REST shapes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any, Literal

Flavour = Literal["cloud", "datacenter"]

EDITABLE = ("summary", "description", "labels", "duedate", "assignee", "components")
"""Fields a client may set on create and edit (besides project and issue type on create)."""


class JiraInputError(Exception):
    """A request Jira rejects with 400 and an ErrorCollection (field errors and messages)."""

    def __init__(
        self, errors: dict[str, str] | None = None, messages: list[str] | None = None
    ) -> None:
        super().__init__(str(errors or messages))
        self.errors = errors or {}
        self.messages = messages or []


class NotFound(LookupError):
    """Jira answers 404 with this message."""


@dataclass(frozen=True)
class StatusCategory:
    id: int
    key: str
    color: str
    name: str


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    category: StatusCategory


@dataclass(frozen=True)
class Transition:
    id: str
    name: str
    to: Status


TODO_CATEGORY = StatusCategory(2, "new", "blue-gray", "To Do")
DOING_CATEGORY = StatusCategory(4, "indeterminate", "yellow", "In Progress")
DONE_CATEGORY = StatusCategory(3, "done", "green", "Done")
TODO = Status("10000", "To Do", TODO_CATEGORY)
DOING = Status("3", "In Progress", DOING_CATEGORY)
DONE = Status("10001", "Done", DONE_CATEGORY)
STATUSES = (TODO, DOING, DONE)

WORKFLOW: dict[str, tuple[Transition, ...]] = {
    TODO.id: (Transition("11", "Start work", DOING), Transition("31", "Finish", DONE)),
    DOING.id: (Transition("21", "Pause", TODO), Transition("31", "Finish", DONE)),
    DONE.id: (Transition("41", "Reopen", TODO), Transition("51", "Resume", DOING)),
}
"""The project's workflow: transition names differ from the statuses they lead to."""


@dataclass(frozen=True)
class IssueType:
    id: str
    name: str
    description: str


ISSUE_TYPES = (
    IssueType("10001", "Task", "A small, distinct piece of work."),
    IssueType("10002", "Bug", "A problem or error."),
    IssueType("10003", "Story", "A requirement expressed from the perspective of the user."),
)


@dataclass
class User:
    """A Jira account: Cloud knows it by `account_id`, Data Center by `name`."""

    account_id: str
    name: str
    key: str
    email: str
    display_name: str
    active: bool = True


@dataclass(frozen=True)
class Component:
    id: str
    name: str


@dataclass
class Project:
    id: str
    key: str
    name: str
    lead: str
    components: list[Component] = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    """One field's change inside a history entry (from/to ids and display strings)."""

    field: str
    field_id: str
    from_id: str | None
    from_string: str | None
    to_id: str | None
    to_string: str | None


@dataclass
class History:
    id: str
    author: str
    created: dt.datetime
    items: list[Change]


@dataclass
class Comment:
    id: str
    author: str
    body: str
    created: dt.datetime


@dataclass
class Issue:
    """An issue as the board holds it.

    `fields` holds summary, description, labels, duedate (ISO date), assignee (user id),
    components (names) and issuetype (name); the status is kept apart, as Jira does.
    """

    id: str
    key: str
    project: str
    fields: dict[str, Any]
    status: Status
    reporter: str
    created: dt.datetime
    updated: dt.datetime
    indexed_at: float
    """Monotonic time from which search finds the issue (creation plus the search lag)."""
    changelog: list[History] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Board:
    """All state of one server; callers hold `JiraServer.lock` around every use."""

    def __init__(self, flavour: Flavour, project: str, bot_email: str) -> None:
        self.flavour = flavour
        self.version: tuple[int, int, int] | None = None
        """What serverInfo says (None: the flavour's current version)."""
        self.users: list[User] = []
        self.issues: dict[str, Issue] = {}
        self._by_id: dict[str, Issue] = {}
        self._ids = itertools.count(10001)
        self._user_numbers = itertools.count(1)
        self.bot = self.add_user(bot_email, "Ark Automation")
        self.project = Project("10000", project, f"{project} board", self.bot)
        self._next_number = 1
        self.search_lag = 0.0

    # People -------------------------------------------------------------------------------

    def user_id(self, user: User) -> str:
        return user.account_id if self.flavour == "cloud" else user.name

    def add_user(self, email: str, display_name: str) -> str:
        number = next(self._user_numbers)
        name = email.split("@", 1)[0].lower()
        if any(u.name == name for u in self.users):
            name = f"{name}{number}"
        user = User(
            account_id=f"712020:{number:08x}-0000-4000-8000-{number:012x}",
            name=name,
            key=f"JIRAUSER{10000 + number}",
            email=email,
            display_name=display_name,
        )
        self.users.append(user)
        return self.user_id(user)

    def user(self, user_id: str) -> User:
        for user in self.users:
            if self.user_id(user) == user_id:
                return user
        raise NotFound(f"User '{user_id}' does not exist.")

    def find_user(self, reference: Any) -> User | None:
        """The user a REST user reference ({"accountId"}, {"name"}...) points at, if any."""
        if not isinstance(reference, dict):
            return None
        for user in self.users:
            if not user.active:
                continue
            if self.flavour == "cloud":
                wanted = reference.get("accountId", reference.get("id"))
                if wanted == user.account_id:
                    return user
            elif reference.get("name", reference.get("key")) in (user.name, user.key):
                return user
        return None

    def search_users(self, term: str, account_id: str | None = None) -> list[User]:
        """Users whose e-mail, name or a word of the display name starts with `term`.

        On Cloud an exact accountId matches too (the `jira` client's assign_issue looks
        people up that way); `account_id` narrows to that one account.
        """
        term = term.lower().strip()
        found = []
        for user in self.users:
            if account_id is not None and user.account_id != account_id:
                continue
            words = [user.email.lower(), *user.display_name.lower().split()]
            words.append(user.display_name.lower())
            if self.flavour == "datacenter":
                words.append(user.name)
            exact = self.flavour == "cloud" and term == user.account_id
            if exact or any(word.startswith(term) for word in words):
                found.append(user)
        return found

    # Project ------------------------------------------------------------------------------

    def add_component(self, name: str) -> Component:
        component = Component(str(10100 + len(self.project.components)), name)
        self.project.components.append(component)
        return component

    def check_project(self, key_or_id: str) -> Project:
        if key_or_id in (self.project.key, self.project.id):
            return self.project
        raise NotFound(f"No project could be found with key '{key_or_id}'.")

    def issue_type(self, reference: Any) -> IssueType:
        for issue_type in ISSUE_TYPES:
            if isinstance(reference, dict) and (
                reference.get("id") == issue_type.id or reference.get("name") == issue_type.name
            ):
                return issue_type
            if reference in (issue_type.id, issue_type.name):
                return issue_type
        raise JiraInputError({"issuetype": "Specify a valid issue type"})

    # Issues -------------------------------------------------------------------------------

    def issue(self, key_or_id: str) -> Issue:
        issue = self.issues.get(key_or_id.upper()) or self._by_id.get(key_or_id)
        if issue is None:
            raise NotFound("Issue does not exist or you do not have permission to see it.")
        return issue

    def create(self, payload: Any, author: str) -> Issue:
        """Validate a create request like Jira does and add the issue."""
        if not isinstance(payload, dict) or not isinstance(payload.get("fields"), dict):
            raise JiraInputError(messages=["Can not deserialize the issue: 'fields' is required."])
        raw = dict(payload["fields"])
        errors: dict[str, str] = {}
        project_ref = raw.pop("project", None)
        project_key = None
        if isinstance(project_ref, dict):
            project_key = project_ref.get("key") or project_ref.get("id")
        if project_key not in (self.project.key, self.project.id):
            errors["project"] = "Specify a valid project ID or key"
        try:
            issue_type = self.issue_type(raw.pop("issuetype", None))
        except JiraInputError as error:
            errors.update(error.errors)
        fields: dict[str, Any] = {
            "summary": "",
            "description": None,
            "labels": [],
            "duedate": None,
            "assignee": None,
            "components": [],
        }
        try:
            fields.update(self.convert(raw))
        except JiraInputError as error:
            errors.update(error.errors)
        if not errors and not str(fields["summary"]).strip():
            errors["summary"] = "You must specify a summary of the issue."
        if errors:
            raise JiraInputError(errors)
        fields["issuetype"] = issue_type.name
        number = self._next_number
        self._next_number += 1
        moment = now()
        issue = Issue(
            id=str(next(self._ids)),
            key=f"{self.project.key}-{number}",
            project=self.project.key,
            fields=fields,
            status=TODO,
            reporter=author,
            created=moment,
            updated=moment,
            indexed_at=time.monotonic() + self.search_lag,
        )
        self.issues[issue.key] = issue
        self._by_id[issue.id] = issue
        return issue

    def edit(self, issue: Issue, payload: Any, author: str) -> bool:
        """Apply a PUT /issue body ("fields" and "update" operations); True if anything changed."""
        if not isinstance(payload, dict):
            raise JiraInputError(messages=["Can not deserialize the request body."])
        raw = payload.get("fields") or {}
        updates = payload.get("update") or {}
        if not isinstance(raw, dict) or not isinstance(updates, dict):
            raise JiraInputError(messages=["'fields' and 'update' must be objects."])
        errors = {
            name: "Field can not be set in both 'fields' and 'update'."
            for name in updates
            if name in raw
        }
        if errors:
            raise JiraInputError(errors)
        new = self.convert(raw)
        for name, operations in updates.items():
            new.update(self.convert({name: self._apply_operations(issue, name, operations)}))
        return self.change(issue, new, author)

    def _apply_operations(self, issue: Issue, name: str, operations: Any) -> Any:
        """The REST value that results from `update` operations (set/add/remove) on a field."""
        if name not in EDITABLE:
            raise JiraInputError({name: self._unknown(name)})
        if not isinstance(operations, list):
            raise JiraInputError({name: "Operations must be a list."})
        current = issue.fields[name]
        value: Any = (
            list(current)
            if name == "labels"
            else [{"name": c} for c in current]
            if name == "components"
            else None
        )
        for operation in operations:
            if not isinstance(operation, dict) or len(operation) != 1:
                raise JiraInputError({name: "Each operation must have one verb."})
            ((verb, argument),) = operation.items()
            if verb == "set":
                value = argument
            elif verb in ("add", "remove") and isinstance(value, list):
                if name == "components":
                    names = {c.get("name") for c in value}
                    target = self._component(argument).name
                    if verb == "add" and target not in names:
                        value.append({"name": target})
                    if verb == "remove":
                        value = [c for c in value if c.get("name") != target]
                elif verb == "add" and argument not in value:
                    value.append(argument)
                elif verb == "remove" and argument in value:
                    value.remove(argument)
            else:
                raise JiraInputError({name: f"Operation '{verb}' is not supported for this field."})
        return value

    @staticmethod
    def _unknown(name: str) -> str:
        return f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."

    def _component(self, reference: Any) -> Component:
        for component in self.project.components:
            if isinstance(reference, dict) and (
                reference.get("id") == component.id or reference.get("name") == component.name
            ):
                return component
        raise JiraInputError(
            {"components": f"Component with id or name '{_describe(reference)}' does not exist."}
        )

    def convert(self, raw: dict[str, Any]) -> dict[str, Any]:
        """REST field values -> the board's plain form, collecting every error at once."""
        errors: dict[str, str] = {}
        plain: dict[str, Any] = {}
        for name, value in raw.items():
            try:
                plain[name] = self._convert_one(name, value)
            except JiraInputError as error:
                errors.update(error.errors)
        if errors:
            raise JiraInputError(errors)
        return plain

    def _convert_one(self, name: str, value: Any) -> Any:
        if name not in EDITABLE:
            raise JiraInputError({name: self._unknown(name)})
        if name == "summary":
            if not isinstance(value, str) or not value.strip():
                raise JiraInputError({name: "You must specify a summary of the issue."})
            if "\n" in value or "\r" in value:
                raise JiraInputError(
                    {name: "The summary is invalid because it contains newline characters."}
                )
            if len(value) > 255:
                raise JiraInputError({name: "Summary must be less than 255 characters."})
            return value
        if name == "description":
            if value is not None and not isinstance(value, str):
                raise JiraInputError({name: "Operation value must be a string"})
            return value or None
        if name == "labels":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise JiraInputError({name: "Labels must be a list of strings."})
            for label in value:
                if not label or any(c.isspace() for c in label):
                    raise JiraInputError(
                        {name: f"The label '{label}' contains spaces which is invalid."}
                    )
            return list(dict.fromkeys(value))
        if name == "duedate":
            if value is None or value == "":
                return None
            if not isinstance(value, str) or not _DATE.match(value):
                raise JiraInputError({name: "Error parsing date string: " + _describe(value)})
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise JiraInputError({name: "Error parsing date string: " + value}) from None
            return value
        if name == "assignee":
            if value is None:
                return None
            user = self.find_user(value)
            if user is None:
                if self.flavour == "datacenter" and isinstance(value, dict) and "name" in value:
                    raise JiraInputError({name: f"User '{value['name']}' does not exist."})
                raise JiraInputError({name: "Specify a valid value for assignee"})
            return self.user_id(user)
        # components
        if not isinstance(value, list):
            raise JiraInputError({name: "Components must be a list."})
        return list(dict.fromkeys(self._component(v).name for v in value))

    def change(self, issue: Issue, new: dict[str, Any], author: str) -> bool:
        """Set plain field values, recording one history entry; True if anything changed."""
        items = [
            self._describe_change(name, issue.fields[name], value)
            for name, value in new.items()
            if issue.fields[name] != value
        ]
        if not items:
            return False
        issue.fields.update(new)
        self._record(issue, author, items)
        return True

    def move(self, issue: Issue, status: Status, author: str) -> None:
        if status == issue.status:
            return
        change = Change(
            "status", "status", issue.status.id, issue.status.name, status.id, status.name
        )
        issue.status = status
        self._record(issue, author, [change])

    def add_comment(self, issue: Issue, body: str, author: str) -> Comment:
        comment = Comment(str(next(self._ids)), author, body, now())
        issue.comments.append(comment)
        issue.updated = comment.created
        return comment

    def _record(self, issue: Issue, author: str, items: list[Change]) -> None:
        moment = now()
        issue.changelog.append(History(str(next(self._ids)), author, moment, items))
        issue.updated = moment

    def _describe_change(self, name: str, old: Any, new: Any) -> Change:
        if name == "assignee":
            return Change(
                "assignee",
                "assignee",
                old,
                self.user(old).display_name if old else None,
                new,
                self.user(new).display_name if new else None,
            )
        if name == "labels":
            return Change("labels", "labels", None, " ".join(old), None, " ".join(new))
        if name == "components":
            return Change("Component", "components", None, ", ".join(old), None, ", ".join(new))
        if name == "duedate":
            return Change(
                "duedate",
                "duedate",
                old,
                f"{old} 00:00:00.0" if old else None,
                new,
                f"{new} 00:00:00.0" if new else None,
            )
        return Change(name, name, None, old, None, new)

    def status_named(self, name: str) -> Status:
        for status in STATUSES:
            if status.name.lower() == name.lower():
                return status
        raise NotFound(f"No status named '{name}' in the workflow.")


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("id") or value.get("name") or value)
    return str(value)
