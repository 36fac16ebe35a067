"""Reading and writing the board: search (Cloud and Data Center), users, transitions, creates."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ark_jira.fields import issue_number
from ark_jira.transport import JiraApi, JiraRequestError, UnknownOutcome

PAGE = 100
BULK_LIMIT = 50
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


@dataclass(frozen=True)
class Created:
    """Outcome of one element of a create: its issue key, or why it failed."""

    index: int
    key: str | None
    error: str = ""


class Board:
    def __init__(self, api: JiraApi) -> None:
        self.api = api
        self.project = api.config.project
        self._transitions: dict[str, list[dict[str, Any]]] = {}

    def search(
        self, jql: str, fields: list[str], *, expand: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every issue matching `jql`: Cloud pages by token, Data Center by offset."""
        body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": PAGE}
        if self.api.cloud:
            if expand:
                body["expand"] = expand
            while True:
                page = self.api.post("search/jql", body)
                yield from page.get("issues", [])
                token = page.get("nextPageToken")
                if not token or page.get("isLast", False):
                    return
                body["nextPageToken"] = token
        else:
            if expand:
                body["expand"] = [expand]
            start = 0
            while True:
                page = self.api.post("search", {**body, "startAt": start})
                issues = page.get("issues", [])
                yield from issues
                start += len(issues)
                if not issues or start >= page.get("total", 0):
                    return

    def managed(self, label: str) -> Iterator[dict[str, Any]]:
        yield from self.search(
            f"project = {self.project} AND labels = {label} ORDER BY key ASC", SEARCH_FIELDS
        )

    def by_markers(self, markers: list[str]) -> Iterator[dict[str, Any]]:
        for start in range(0, len(markers), BULK_LIMIT):
            chunk = ", ".join(markers[start : start + BULK_LIMIT])
            yield from self.search(
                f"project = {self.project} AND labels in ({chunk}) ORDER BY key ASC", ["labels"]
            )

    def with_changelog(self, keys: list[str]) -> Iterator[dict[str, Any]]:
        for start in range(0, len(keys), PAGE):
            chunk = ", ".join(keys[start : start + PAGE])
            yield from self.search(f"key in ({chunk})", ["status"], expand="changelog")

    def highest_number(self) -> int:
        """The highest issue number search sees in the project (it may lag behind)."""
        body = {"jql": f"project = {self.project} ORDER BY key DESC", "fields": ["labels"]}
        path = "search/jql" if self.api.cloud else "search"
        issues = self.api.post(path, {**body, "maxResults": 1}).get("issues", [])
        return issue_number(issues[0]["key"]) if issues else 0

    def get(self, key: str, fields: Iterable[str] = ("labels",)) -> dict[str, Any] | None:
        try:
            issue: dict[str, Any] = self.api.get(f"issue/{key}", {"fields": ",".join(fields)})
        except JiraRequestError as exc:
            if exc.status == 404:
                return None
            raise
        return issue

    def find_user(self, email: str) -> list[str]:
        """Jira users whose e-mail is `email`: accountIds on Cloud, user names on Data Center."""
        if self.api.cloud:
            found = self.api.get("user/search", {"query": email})
            return [u["accountId"] for u in found if _same_email(u, email)]
        found = self.api.get("user/search", {"username": email})
        return [u["name"] for u in found if _same_email(u, email) or u.get("name") == email]

    def user_exists(self, user: str) -> bool:
        """Whether `user` (an accountId on Cloud, a user name on Data Center) exists."""
        try:
            self.api.get("user", {"accountId" if self.api.cloud else "username": user})
        except JiraRequestError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def create(self, fields: list[dict[str, Any]], bulk: bool) -> list[Created]:
        """Create issues, in one request when `bulk`; raises `UnknownOutcome` on a lost answer."""
        if not bulk:
            (one,) = fields
            try:
                created = self.api.post("issue", {"fields": one}, safe=False)
            except JiraRequestError as exc:
                return [Created(0, None, str(exc.message))]
            return [Created(0, created["key"])]
        answer = self.api.post(
            "issue/bulk", {"issueUpdates": [{"fields": f} for f in fields]}, safe=False
        )
        failed = {e["failedElementNumber"]: e for e in answer.get("errors", [])}
        keys = iter(answer.get("issues", []))
        out = []
        for index in range(len(fields)):
            if index in failed:
                details = failed[index].get("elementErrors", {})
                reason = "; ".join(
                    [
                        *details.get("errorMessages", []),
                        *(f"{k}: {v}" for k, v in details.get("errors", {}).items()),
                    ]
                )
                out.append(Created(index, None, reason or "rejected"))
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
        reachable = ", ".join(t["to"]["name"] for t in transitions) or "none"
        raise JiraRequestError(
            f"{key}: no transition reaches {target!r} from its current status "
            f"(reachable: {reachable})",
            hint="map the Ark status to a status this workflow reaches in jira.statuses",
        )

    def status(self, key: str) -> dict[str, Any] | None:
        issue = self.get(key, ("status",))
        return None if issue is None else dict(issue["fields"]["status"])


def status_matches(status: dict[str, Any], target: str) -> bool:
    """Whether a Jira status is what the mapping `target` names (name or `category:KEY`)."""
    if target.startswith("category:"):
        return bool((status.get("statusCategory") or {}).get("key") == target.split(":", 1)[1])
    return bool(str(status.get("name", "")).casefold() == target.casefold())


def _same_email(user: dict[str, Any], email: str) -> bool:
    return str(user.get("emailAddress", "")).casefold() == email.casefold()
