"""The REST endpoints: routing, request parsing and the handlers that read and change the board."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.jira_server import jql
from tests.jira_server.render import FIELDS, ISSUE_FIELDS, Renderer
from tests.jira_server.state import (
    ISSUE_TYPES,
    WORKFLOW,
    Board,
    Issue,
    JiraInputError,
    NotFound,
)

BULK_LIMIT = 50
CLOUD_PAGE_LIMIT = 100
DATACENTER_PAGE_LIMIT = 1000


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    actor: str
    """Id of the authenticated user."""
    params: dict[str, str] = field(default_factory=dict)
    """Path parameters, e.g. issueIdOrKey."""

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def number(self, name: str, default: int) -> int:
        """A non-negative integer option (startAt, maxResults); 400 when it is not one."""
        value = self.option(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if number < 0:
            raise JiraInputError(
                messages=[f"'{name}' must be a non-negative integer, not '{value}'."]
            )
        return number

    def option(self, name: str) -> Any:
        """A search option from the query string (GET) or the JSON body (POST)."""
        if self.method == "POST":
            return self.body.get(name) if isinstance(self.body, dict) else None
        values = self.query.get(name)
        if not values:
            return None
        return values if name in ("fields", "reconcileIssues") else values[0]


@dataclass
class Response:
    status: int
    body: Any = None
    """JSON, or `Page` for a body that is not JSON."""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    """A body that is not Jira's JSON: what a proxy, a login page or an echo sends."""

    text: str
    content_type: str = "text/html;charset=UTF-8"


def raw_html(title: str, text: str = "") -> Page:
    return Page(
        f"<!DOCTYPE html>\n<html><head><title>{title}</title></head>"
        f"<body><h1>{title}</h1><p>{text}</p></body></html>\n"
    )


class Gone(Exception):
    """An endpoint the flavour no longer offers (Cloud's old search)."""


Handler = Callable[["Api", Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str]
    writes: bool
    """True when a successful call changes the board (searches by POST do not)."""


ROUTES: list[Route] = []


def route(method: str, template: str, *, writes: bool = False) -> Callable[[Handler], Handler]:
    pattern = re.compile(
        "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
    )

    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, template, handler, pattern, writes))
        return handler

    return register


def canonical(path: str) -> str:
    """The path with `/rest/api/latest/` (which some client calls use) spelled as v2."""
    return re.sub(r"^/rest/api/latest/", "/rest/api/2/", path)


def resolve(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    path = canonical(path)
    for candidate in ROUTES:
        if candidate.method == method and (match := candidate.pattern.match(path)):
            return candidate, match.groupdict()
    return None


def error(status: int, messages: list[str], errors: dict[str, str] | None = None) -> Response:
    return Response(status, {"errorMessages": messages, "errors": errors or {}})


class Api:
    """Handlers over one board; the caller holds the server's lock while one runs."""

    def __init__(self, board: Board, renderer: Renderer) -> None:
        self.board = board
        self.render = renderer
        self.bulk = True
        self.bulk_refusal = 404
        self.typed_createmeta = True

    @property
    def cloud(self) -> bool:
        return self.board.flavour == "cloud"

    # Server and people --------------------------------------------------------------------

    @route("GET", "/rest/api/2/serverInfo")
    def server_info(self, request: Request) -> Response:
        return Response(200, self.render.server_info())

    @route("GET", "/rest/auth/1/session")
    def session(self, request: Request) -> Response:
        user = self.board.user(request.actor)
        return Response(
            200, {"self": f"{self.render.api}/user?username={user.name}", "name": user.name}
        )

    @route("GET", "/rest/api/2/myself")
    def myself(self, request: Request) -> Response:
        return Response(200, self.render.user_by_id(request.actor))

    @route("GET", "/rest/api/2/user")
    def user(self, request: Request) -> Response:
        wanted = (
            request.arg("accountId")
            if self.cloud
            else request.arg("username") or request.arg("key")
        )
        for user in self.board.users:
            if wanted in (user.account_id if self.cloud else None, user.name, user.key):
                return Response(200, self.render.user(user))
        return error(
            404,
            [
                f"The user with the id '{wanted}' does not exist."
                if self.cloud
                else f"The user named '{wanted}' does not exist"
            ],
        )

    @route("GET", "/rest/api/2/user/search")
    def user_search(self, request: Request) -> Response:
        return self._user_search(request)

    @route("GET", "/rest/api/2/user/assignable/search")
    def assignable_search(self, request: Request) -> Response:
        project = request.arg("project")
        if project is not None:
            self.board.check_project(project)
        return self._user_search(request)

    def _user_search(self, request: Request) -> Response:
        # Cloud dropped `username` (GDPR); Data Center searches by it.
        term = request.arg("query") if self.cloud else request.arg("username")
        account = request.arg("accountId") if self.cloud else None
        if not term and not account:
            parameter = "query" if self.cloud else "username"
            return error(400, [f"The '{parameter}' query parameter is required."])
        start = request.number("startAt", 0)
        limit = min(request.number("maxResults", 50), 1000)
        users = [u for u in self.board.search_users(term or "", account) if u.active]
        return Response(200, [self.render.user(u) for u in users[start : start + limit]])

    # Project metadata ---------------------------------------------------------------------

    @route("GET", "/rest/api/2/project/{projectIdOrKey}")
    def project(self, request: Request) -> Response:
        self.board.check_project(request.params["projectIdOrKey"])
        return Response(200, self.render.project())

    @route("GET", "/rest/api/2/project/{projectIdOrKey}/components")
    def components(self, request: Request) -> Response:
        project = self.board.check_project(request.params["projectIdOrKey"])
        return Response(200, [self.render.project_component(c) for c in project.components])

    @route("GET", "/rest/api/2/project/{projectIdOrKey}/statuses")
    def statuses(self, request: Request) -> Response:
        self.board.check_project(request.params["projectIdOrKey"])
        return Response(200, self.render.project_statuses())

    @route("GET", "/rest/api/2/issuetype")
    def issue_types(self, request: Request) -> Response:
        return Response(200, [self.render.issue_type(t) for t in ISSUE_TYPES])

    @route("GET", "/rest/api/2/field")
    def fields(self, request: Request) -> Response:
        return Response(200, [self.render.field(f) for f in FIELDS])

    @route("GET", "/rest/api/2/issue/createmeta")
    def createmeta(self, request: Request) -> Response:
        if not self.cloud and self.typed_createmeta:
            # Removed in Data Center 9.0 in favour of the per-project endpoints below.
            return error(404, ["null for uri: " + self.render.api + "/issue/createmeta"])
        keys = {k for v in request.query.get("projectKeys", []) for k in v.split(",")}
        types = {k for v in request.query.get("issuetypeIds", []) for k in v.split(",")}
        expand = "projects.issuetypes.fields" in (request.arg("expand") or "")
        body = self.render.createmeta(expand, types)
        if keys and self.board.project.key not in keys and self.board.project.id not in keys:
            body["projects"] = []
        return Response(200, body)

    @route("GET", "/rest/api/2/issue/createmeta/{projectIdOrKey}/issuetypes")
    def createmeta_issue_types(self, request: Request) -> Response:
        if not self.typed_createmeta:
            return error(404, ["null for uri: " + self.render.api + request.path[11:]])
        self.board.check_project(request.params["projectIdOrKey"])
        types = [self.render.issue_type(t) for t in ISSUE_TYPES]
        return self._page(request, types, "issueTypes" if self.cloud else "values")

    @route("GET", "/rest/api/2/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}")
    def createmeta_fields(self, request: Request) -> Response:
        if not self.typed_createmeta:  # Data Center before 8.4
            return error(404, ["null for uri: " + self.render.api + request.path[11:]])
        self.board.check_project(request.params["projectIdOrKey"])
        self.board.issue_type(request.params["issueTypeId"])
        screen = self.render.create_screen(with_id=True)
        return self._page(request, screen, "fields" if self.cloud else "values")

    def _page(self, request: Request, items: list[Any], key: str) -> Response:
        start = request.number("startAt", 0)
        limit = request.number("maxResults", 50)
        page = items[start : start + limit]
        body: dict[str, Any] = {
            "startAt": start,
            "maxResults": limit,
            "total": len(items),
            key: page,
        }
        if not self.cloud:
            body["isLast"] = start + len(page) >= len(items)
        return Response(200, body)

    # Search -------------------------------------------------------------------------------

    @route("GET", "/rest/api/2/search")
    @route("POST", "/rest/api/2/search")
    def search(self, request: Request) -> Response:
        """Data Center's offset-paged search; Cloud removed it in 2025."""
        if self.cloud:
            raise Gone()
        start = request.number("startAt", 0)
        limit = min(request.number("maxResults", 50), DATACENTER_PAGE_LIMIT)
        found = self._found(request)
        page = found[start : start + limit]
        body = {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": limit,
            "total": len(found),
            "issues": self._render_found(request, page, "*navigable"),
        }
        return Response(200, body)

    @route("GET", "/rest/api/2/search/jql")
    @route("POST", "/rest/api/2/search/jql")
    def search_jql(self, request: Request) -> Response:
        """Cloud's token-paged search: no total, and ids only unless fields are asked for."""
        if not self.cloud:
            return error(404, ["null for uri: " + self.render.api + "/search/jql"])
        text = str(request.option("jql") or "")
        token = request.option("nextPageToken")
        start = _read_token(token, text) if token else 0
        limit = min(request.number("maxResults", 50), CLOUD_PAGE_LIMIT)
        found = self._found(request)
        page = found[start : start + limit]
        body: dict[str, Any] = {"issues": self._render_found(request, page, "id")}
        if start + limit < len(found):
            body["nextPageToken"] = _make_token(start + limit, text)
        body["isLast"] = "nextPageToken" not in body
        return Response(200, body)

    def _found(self, request: Request) -> list[Issue]:
        """Matching issues the index has caught up with, plus any the client asks to reconcile.

        `reconcileIssues` (Cloud) lists issue ids to read consistently despite the lag.
        """
        query = jql.parse(str(request.option("jql") or ""), self.board)
        reconcile = {str(i) for i in _listed(request.option("reconcileIssues"))}
        moment = time.monotonic()
        visible = [
            issue
            for issue in self.board.issues.values()
            if (issue.indexed_at <= moment or issue.id in reconcile) and query.matches(issue)
        ]
        return query.sort(visible)

    def _render_found(self, request: Request, issues: list[Issue], default: str) -> list[Any]:
        wanted = _wanted_fields(request.option("fields"), default)
        expand = _expand(request.option("expand"))
        return [self.render.issue(i, wanted, expand) for i in issues]

    # Issues -------------------------------------------------------------------------------

    @route("POST", "/rest/api/2/issue", writes=True)
    def create(self, request: Request) -> Response:
        issue = self.board.create(request.body, request.actor)
        return Response(201, self._created(issue))

    def _created(self, issue: Issue) -> dict[str, str]:
        return {"id": issue.id, "key": issue.key, "self": f"{self.render.api}/issue/{issue.id}"}

    @route("POST", "/rest/api/2/issue/bulk", writes=True)
    def bulk_create(self, request: Request) -> Response:
        if not self.bulk:
            if self.bulk_refusal == 405:
                return Response(405, raw_html("405 Method Not Allowed"))
            if self.bulk_refusal == 400:  # a gateway refusing it, one error for every issue
                updates = request.body.get("issueUpdates") or []
                refused = {"errorMessages": ["Bulk operations are disabled."], "errors": {}}
                failed = [
                    {"status": 400, "elementErrors": refused, "failedElementNumber": n}
                    for n in range(len(updates))
                ]
                return Response(400, {"issues": [], "errors": failed})
            return error(self.bulk_refusal, ["null for uri: " + self.render.api + "/issue/bulk"])
        updates = request.body.get("issueUpdates") if isinstance(request.body, dict) else None
        if not isinstance(updates, list) or not updates:
            raise JiraInputError(
                messages=["The request must contain 'issueUpdates', a list of issues to create."]
            )
        if len(updates) > BULK_LIMIT:
            raise JiraInputError(
                messages=[
                    f"Too many issues: {len(updates)}. Bulk create accepts at most {BULK_LIMIT} issues."
                ]
            )
        created, failed = [], []
        for number, payload in enumerate(updates):
            try:
                created.append(self._created(self.board.create(payload, request.actor)))
            except JiraInputError as problem:
                failed.append(
                    {
                        "status": 400,
                        "elementErrors": {
                            "errorMessages": problem.messages,
                            "errors": problem.errors,
                        },
                        "failedElementNumber": number,
                    }
                )
        return Response(201 if created else 400, {"issues": created, "errors": failed})

    @route("POST", "/rest/api/2/issue/bulkfetch")
    def bulk_fetch(self, request: Request) -> Response:
        """Cloud's read of up to 100 issues by key: not through search, so it never lags.
        Keys that name no issue are left out of the answer."""
        if not self.cloud:
            return error(404, ["null for uri: " + self.render.api + "/issue/bulkfetch"])
        body = request.body if isinstance(request.body, dict) else {}
        wanted = body.get("issueIdsOrKeys")
        if not isinstance(wanted, list) or not wanted:
            raise JiraInputError(messages=["'issueIdsOrKeys' must list the issues to fetch."])
        if len(wanted) > CLOUD_PAGE_LIMIT:
            raise JiraInputError(messages=[f"At most {CLOUD_PAGE_LIMIT} issues can be fetched."])
        found = []
        for ident in dict.fromkeys(str(w) for w in wanted):
            try:
                found.append(self.board.issue(ident))
            except NotFound:
                continue
        found.sort(key=lambda i: int(i.id))
        fields = _wanted_fields(body.get("fields"), "*navigable")
        issues = [self.render.issue(i, fields, _expand(body.get("expand"))) for i in found]
        return Response(200, {"issues": issues, "issueErrors": []})

    @route("GET", "/rest/api/2/issue/{issueIdOrKey}")
    def get_issue(self, request: Request) -> Response:
        issue = self.board.issue(request.params["issueIdOrKey"])
        wanted = _wanted_fields(request.query.get("fields"), "*all")
        return Response(200, self.render.issue(issue, wanted, _expand(request.arg("expand"))))

    @route("PUT", "/rest/api/2/issue/{issueIdOrKey}", writes=True)
    def edit(self, request: Request) -> Response:
        issue = self.board.issue(request.params["issueIdOrKey"])
        self.board.edit(issue, request.body, request.actor)
        return Response(204)

    @route("PUT", "/rest/api/2/issue/{issueIdOrKey}/assignee", writes=True)
    def assign(self, request: Request) -> Response:
        issue = self.board.issue(request.params["issueIdOrKey"])
        key = "accountId" if self.cloud else "name"
        reference = request.body
        if not isinstance(reference, dict) or key not in reference:
            raise JiraInputError(
                {"assignee": f'Give the user as {{"{key}": ...}}, or null to unassign.'}
            )
        if reference[key] in (None, "-1"):
            self.board.change(issue, {"assignee": None}, request.actor)
        else:
            self.board.edit(issue, {"fields": {"assignee": reference}}, request.actor)
        return Response(204)

    @route("GET", "/rest/api/2/issue/{issueIdOrKey}/transitions")
    def transitions(self, request: Request) -> Response:
        issue = self.board.issue(request.params["issueIdOrKey"])
        return Response(
            200, {"expand": "transitions", "transitions": self.render.transitions(issue)}
        )

    @route("POST", "/rest/api/2/issue/{issueIdOrKey}/transitions", writes=True)
    def transition(self, request: Request) -> Response:
        issue = self.board.issue(request.params["issueIdOrKey"])
        body = request.body if isinstance(request.body, dict) else {}
        wanted = body.get("transition") or {}
        ident = str(wanted.get("id", "")) if isinstance(wanted, dict) else ""
        chosen = next((t for t in WORKFLOW[issue.status.id] if t.id == ident), None)
        if chosen is None:
            raise JiraInputError(messages=[f"Transition id '{ident}' is not valid for this issue."])
        update = dict(body.get("update") or {})
        comments = update.pop("comment", [])
        if body.get("fields") or update:
            self.board.edit(issue, {"fields": body.get("fields"), "update": update}, request.actor)
        for operation in comments:
            text = operation.get("add", {}).get("body") if isinstance(operation, dict) else None
            self.board.add_comment(issue, str(text or ""), request.actor)
        self.board.move(issue, chosen.to, request.actor)
        return Response(204)

    @route("GET", "/rest/api/2/issue/{issueIdOrKey}/comment")
    def comments(self, request: Request) -> Response:
        issue = self.board.issue(request.params["issueIdOrKey"])
        return Response(200, self.render.comments(issue))

    @route("POST", "/rest/api/2/issue/{issueIdOrKey}/comment", writes=True)
    def add_comment(self, request: Request) -> Response:
        issue = self.board.issue(request.params["issueIdOrKey"])
        body = request.body.get("body") if isinstance(request.body, dict) else None
        if not isinstance(body, str) or not body.strip():
            raise JiraInputError({"comment": "Comment body can not be empty!"})
        comment = self.board.add_comment(issue, body, request.actor)
        return Response(201, self.render.comment(issue, comment))

    @route("GET", "/rest/api/2/issue/{issueIdOrKey}/changelog")
    def changelog(self, request: Request) -> Response:
        issue = self.board.issue(request.params["issueIdOrKey"])
        start = request.number("startAt", 0)
        limit = min(request.number("maxResults", 100), 100)
        page = issue.changelog[start : start + limit]
        return Response(
            200,
            {
                "self": f"{self.render.api}/issue/{issue.key}/changelog?startAt={start}&maxResults={limit}",
                "startAt": start,
                "maxResults": limit,
                "total": len(issue.changelog),
                "isLast": start + len(page) >= len(issue.changelog),
                "values": [self.render.history(h) for h in page],
            },
        )

    def dispatch(self, handler: Handler, request: Request) -> Response:
        """Run a handler, turning the board's exceptions into Jira's error answers."""
        try:
            return handler(self, request)
        except JiraInputError as problem:
            return error(400, problem.messages, problem.errors)
        except NotFound as missing:
            return error(404, [str(missing)])
        except Gone:
            return error(
                410,
                [
                    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
                    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
                ],
            )


def _wanted_fields(value: Any, default: str) -> set[str] | None:
    """The `fields` parameter as a set of field ids; None means all of them."""
    if value is None:
        value = [default]
    if isinstance(value, str):
        value = [value]
    names = [n.strip() for v in value for n in str(v).split(",") if n.strip()]
    every = set(ISSUE_FIELDS)
    wanted: set[str] = set()
    for name in names:
        if name == "*all":
            wanted |= every
        elif name == "*navigable":
            wanted |= every - {"comment"}
        elif not name.startswith("-"):
            wanted.add(name)
    wanted -= {n[1:] for n in names if n.startswith("-")}
    return None if wanted >= every else wanted & every


def _listed(value: Any) -> list[str]:
    """A list parameter given as repeated values, comma-separated text or a JSON list."""
    if value is None:
        return []
    parts = value if isinstance(value, list) else [value]
    return [p.strip() for part in parts for p in str(part).split(",") if p.strip()]


def _expand(value: Any) -> set[str]:
    return set(_listed(value))


def _make_token(offset: int, text: str) -> str:
    raw = json.dumps({"offset": offset, "query": hashlib.sha1(text.encode()).hexdigest()[:12]})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _read_token(token: Any, text: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        if data["query"] != hashlib.sha1(text.encode()).hexdigest()[:12]:
            raise ValueError("the token belongs to another query")
        return int(data["offset"])
    except (ValueError, KeyError, TypeError):
        raise JiraInputError(messages=["Invalid nextPageToken."]) from None
