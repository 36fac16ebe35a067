"""Reading and writing the board: search (Cloud and Data Center), users, transitions, creates."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ark.i18n import N_, message
from ark_jira.fields import issue_number
from ark_jira.transport import JiraApi, JiraRequestError, UnknownOutcome

PAGE = 100
BULK_LIMIT = 50
# Answers that say "this server does not take this form of the request" (not "it is wrong").
REFUSED = {404, 405, 501}
# Characters of listed values in one JQL, so a search by GET keeps its URL within what
# servers and proxies accept (about 2 KB with the rest of the URL).
JQL_LIST_LIMIT = 1500
SEARCH_FIELDS = [
    "summary",
    "description",
    "assignee",
    "duedate",
    "labels",
    "components",
    "status",
    "updated",
]


class BulkRefused(Exception):
    """The server does not take bulk create; the message says how it refused."""


@dataclass(frozen=True)
class Created:
    """Outcome of one element of a create: its issue key, or why it failed."""

    index: int
    key: str | None
    error: str = ""
    fields: tuple[str, ...] = ()
    """The fields Jira's error names (e.g. `assignee` for a user that does not exist)."""


class Board:
    def __init__(self, api: JiraApi) -> None:
        self.api = api
        self.project = api.config.project
        self.search_by_get = False
        self.fetch_one_by_one = False

    def search(
        self, jql: str, fields: list[str], *, expand: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every issue matching `jql`: Cloud pages by token, Data Center by offset."""
        body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": PAGE}
        if expand:
            body["expand"] = expand
        if self.api.cloud:
            while True:
                page = self._search_page("search/jql", body)
                yield from page.get("issues", [])
                token = page.get("nextPageToken")
                if not token or page.get("isLast", False):
                    return
                body["nextPageToken"] = token
        else:
            start = 0
            while True:
                page = self._search_page("search", {**body, "startAt": start})
                issues = page.get("issues", [])
                yield from issues
                start += len(issues)
                if not issues or start >= page.get("total", 0):
                    return

    def _search_page(self, path: str, body: dict[str, Any]) -> Any:
        """One page of search by POST, or by GET once a server (or a proxy in front of it)
        refused the POST form: the choice is kept for the rest of the run."""
        if not self.search_by_get:
            # Data Center's POST form takes `expand` as a list, Cloud's as text.
            listed = "expand" in body and not self.api.cloud
            post = {**body, "expand": [body["expand"]]} if listed else body
            try:
                return self.api.post(path, post)
            except JiraRequestError as exc:
                if exc.status not in REFUSED:
                    raise
                self.search_by_get = True
        query = {k: ",".join(v) if isinstance(v, list) else v for k, v in body.items()}
        return self.api.get(path, query)

    def managed(self, label: str) -> Iterator[dict[str, Any]]:
        yield from self.search(
            f"project = {self.project} AND labels = {label} ORDER BY key ASC", SEARCH_FIELDS
        )

    def by_markers(self, markers: list[str]) -> Iterator[dict[str, Any]]:
        for listed in bounded_lists(markers):
            yield from self.search(
                f"project = {self.project} AND labels in ({listed}) ORDER BY key ASC", ["labels"]
            )

    def with_changelog(self, keys: list[str]) -> Iterator[dict[str, Any]]:
        for listed in bounded_lists(keys):
            yield from self.search(f"key in ({listed})", ["status"], expand="changelog")

    def highest_number(self) -> int:
        """The highest issue number search sees in the project (it may lag behind)."""
        jql = f"project = {self.project} ORDER BY key DESC"
        path = "search/jql" if self.api.cloud else "search"
        page = self._search_page(path, {"jql": jql, "fields": ["labels"], "maxResults": 1})
        issues = page.get("issues", [])
        return issue_number(issues[0]["key"]) if issues else 0

    def get(self, key: str, fields: Iterable[str] = ("labels",)) -> dict[str, Any] | None:
        try:
            issue: dict[str, Any] = self.api.get(f"issue/{key}", {"fields": ",".join(fields)})
        except JiraRequestError as exc:
            if exc.status == 404:
                return None
            raise
        return issue

    def read_many(self, keys: list[str]) -> list[dict[str, Any]]:
        """The issues of `keys` that exist (with their labels), read by key rather than
        through search, so none is hidden by search lag: Cloud's bulk fetch, 100 keys a
        request; elsewhere (or where bulk fetch is refused) reads by key, many in flight."""
        if self.api.cloud and not self.fetch_one_by_one:
            try:
                return [
                    issue
                    for start in range(0, len(keys), PAGE)
                    for issue in self.api.post(
                        "issue/bulkfetch",
                        {"issueIdsOrKeys": keys[start : start + PAGE], "fields": ["labels"]},
                    ).get("issues", [])
                ]
            except JiraRequestError as exc:
                if exc.status not in REFUSED:
                    raise
                self.fetch_one_by_one = True
        with ThreadPoolExecutor(self.api.config.concurrency) as pool:
            return [issue for issue in pool.map(self.get, keys) if issue is not None]

    def find_user(self, email: str) -> list[str]:
        """Jira users whose e-mail is `email`: accountIds on Cloud, user names on Data Center."""
        if self.api.cloud:
            found = self.api.get("user/search", {"query": email})
            return [u["accountId"] for u in found if _same_email(u, email)]
        found = self.api.get("user/search", {"username": email})
        return [u["name"] for u in found if _same_email(u, email) or u.get("name") == email]

    def user_exists(self, user: str) -> bool:
        """Whether `user` (an accountId on Cloud, a user name on Data Center) exists and is
        active (a deactivated account cannot be assigned issues)."""
        try:
            found = self.api.get("user", {"accountId" if self.api.cloud else "username": user})
        except JiraRequestError as exc:
            if exc.status == 404:
                return False
            raise
        return bool(found.get("active", True))

    def create_one(self, fields: dict[str, Any]) -> Created:
        """Create one issue; raises `UnknownOutcome` on a lost answer."""
        try:
            created = self.api.post("issue", {"fields": fields}, safe=False)
        except JiraRequestError as exc:
            return Created(0, None, exc.message, exc.fields)
        return Created(0, created["key"])

    def create_bulk(self, fields: list[dict[str, Any]]) -> list[Created]:
        """Create issues in one request. Raises `BulkRefused` when the server does not take
        bulk create (it lacks the endpoint, or fails every issue with one error about no
        field), `UnknownOutcome` on a lost answer."""
        try:
            answer = self.api.post(
                "issue/bulk", {"issueUpdates": [{"fields": f} for f in fields]}, safe=False
            )
        except JiraRequestError as exc:
            if exc.status in REFUSED:
                raise BulkRefused(f"HTTP {exc.status}") from None
            if not isinstance(exc.body, dict) or not isinstance(exc.body.get("errors"), list):
                raise
            answer = exc.body  # every element failed: Jira answers 400 with the same shape
        failed = {e["failedElementNumber"]: e.get("elementErrors", {}) for e in answer["errors"]}
        if len(failed) == len(fields):
            reasons = {
                "" if e.get("errors") else "; ".join(e.get("errorMessages") or ())
                for e in failed.values()
            }
            if len(reasons) == 1 and "" not in reasons:
                # One error about no field, for every issue: the request itself was refused.
                raise BulkRefused(self.api.scrub(reasons.pop()))
        keys = iter(answer.get("issues", []))
        out = []
        for index in range(len(fields)):
            if index in failed:
                details = failed[index]
                errors = details.get("errors") or {}
                reason = "; ".join(
                    [*details.get("errorMessages", []), *(f"{k}: {v}" for k, v in errors.items())]
                )
                out.append(
                    Created(index, None, self.api.scrub(reason or "rejected"), tuple(errors))
                )
            else:
                out.append(Created(index, next(keys)["key"]))
        return out

    def edit(self, key: str, fields: dict[str, Any]) -> None:
        self.api.put(f"issue/{key}", {"fields": fields})

    def transition_to(self, key: str, target: str) -> str:
        """Move `key` to the status `target` names (a status name or `category:KEY`).

        A transition is not safe to re-send blindly (the second one may not exist from the new
        status), so a lost answer is settled by reading the issue's status instead.
        """
        transitions = self.api.get(f"issue/{key}/transitions")["transitions"]
        for t in transitions:
            if status_matches(t["to"], target):
                body = {"transition": {"id": t["id"]}}
                try:
                    self.api.post(f"issue/{key}/transitions", body, safe=False)
                except UnknownOutcome:
                    now = self.status(key)
                    if now is None or not status_matches(now, target):
                        raise
                return str(t["to"]["name"])
        current = self.status(key)
        if current is not None and status_matches(current, target):
            return str(current["name"])
        reachable = ", ".join(t["to"]["name"] for t in transitions)
        raise JiraRequestError(
            N_(
                "{key}: no transition reaches {target!r} from its current status (reachable: {reachable})"
            ),
            hint=N_("map the Ark status to a status this workflow reaches in jira.statuses"),
            args={
                "key": self.api.scrub(key),
                "target": self.api.scrub(target),
                "reachable": self.api.scrub(reachable) if reachable else message(N_("none")),
            },
        )

    def status(self, key: str) -> dict[str, Any] | None:
        issue = self.get(key, ("status",))
        return None if issue is None else dict(issue["fields"]["status"])


def status_matches(status: dict[str, Any], target: str) -> bool:
    """Whether a Jira status is what the mapping `target` names (name or `category:KEY`)."""
    if target.startswith("category:"):
        return bool((status.get("statusCategory") or {}).get("key") == target.split(":", 1)[1])
    return bool(str(status.get("name", "")).casefold() == target.casefold())


def bounded_lists(values: list[str]) -> Iterator[str]:
    """`values` as comma-separated lists for `in (...)` clauses, each short enough for a URL."""
    chunk: list[str] = []
    size = 0
    for value in values:
        if chunk and size + len(value) + 2 > JQL_LIST_LIMIT:
            yield ", ".join(chunk)
            chunk, size = [], 0
        chunk.append(value)
        size += len(value) + 2
    if chunk:
        yield ", ".join(chunk)


def _same_email(user: dict[str, Any], email: str) -> bool:
    return str(user.get("emailAddress", "")).casefold() == email.casefold()
