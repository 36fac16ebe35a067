"""Talking to Jira: the `jira` client's authenticated session, with Ark's own retry policy.

The client's built-in retries are switched off (`max_retries=0`) because they re-send a POST
after a connection error, which can duplicate a create. Here, a request that is safe to repeat
is retried on 429 (honouring `Retry-After`), 502/503/504 and connection errors, with jittered
backoff and a bounded total time; a create is retried only on 429 (rejected before any work)
and otherwise reported as an unknown outcome for the sync to reconcile.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import requests.adapters
from jira import JIRA, JIRAError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_random_exponential

from ark.errors import ArkError
from ark_jira.config import Credentials, JiraConfig

TRANSIENT = {429, 502, 503, 504}
REJECTED_UNPROCESSED = {429}


class Transient(Exception):
    """A failure worth retrying; `retry_after` is the server's requested wait, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnknownOutcome(Exception):
    """A write whose response was lost: it may or may not have been carried out."""


class JiraRequestError(ArkError):
    """Jira answered with an error that retrying will not fix."""

    def __init__(self, message: str, *, hint: str = "", status: int = 0, body: Any = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.body = body


def _retry_after(response: requests.Response | None) -> float | None:
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
            except (TypeError, ValueError):
                return None
    if response.status_code != 429:
        return None
    interval = response.headers.get("X-RateLimit-Interval-Seconds")  # Data Center's bucket
    if interval and response.headers.get("X-RateLimit-Remaining") == "0":
        try:
            return max(0.0, float(interval))
        except ValueError:
            return None
    reset = response.headers.get("X-RateLimit-Reset")  # Cloud
    if reset:
        try:
            when = dt.datetime.fromisoformat(reset.replace("Z", "+00:00"))
            return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
        except ValueError:
            return None
    return None


class _Wait:
    """Wait what the server asked for, else jittered exponential backoff."""

    def __init__(self, cap: float) -> None:
        self.backoff = wait_random_exponential(multiplier=0.25, max=cap)
        self.cap = cap

    def __call__(self, state: Any) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Transient) and exc.retry_after is not None:
            return min(exc.retry_after, self.cap * 4)
        return float(self.backoff(state))


class JiraApi:
    """Jira's REST API through the `jira` client's session; counts requests by kind."""

    def __init__(
        self, config: JiraConfig, credentials: Credentials, *, total_retry_seconds: float = 120.0
    ) -> None:
        self.config = config
        self.credentials = credentials
        auth: dict[str, Any] = (
            {"token_auth": credentials.pat}
            if credentials.pat
            else {"basic_auth": (credentials.email, credentials.token)}
        )
        self.client = JIRA(
            server=config.server,
            max_retries=0,
            get_server_info=False,
            timeout=30,
            options={"rest_api_version": "2", "check_update": False},
            **auth,
        )
        # One kept-alive connection per request in flight, so none is opened and dropped.
        pool = requests.adapters.HTTPAdapter(pool_maxsize=config.concurrency, max_retries=0)
        for scheme in ("http://", "https://"):
            self.client._session.mount(scheme, pool)
        self.total_retry_seconds = total_retry_seconds
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.server_info: dict[str, Any] = {}

    @property
    def cloud(self) -> bool:
        return self.server_info.get("deploymentType") == "Cloud"

    def connect(self) -> dict[str, Any]:
        """Read serverInfo: it says Cloud or Data Center, and checks URL and credentials."""
        self.server_info = self.get("serverInfo")
        return self.server_info

    # -- requests -------------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body=body)

    def post(self, path: str, body: Any, *, safe: bool = True) -> Any:
        return self.request("POST", path, body=body, safe=safe)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        safe: bool = True,
    ) -> Any:
        """One REST call, retried when that is safe; the parsed JSON body (or None)."""
        retrying = Retrying(
            retry=retry_if_exception_type(Transient),
            wait=_Wait(cap=8.0),
            stop=stop_after_delay(self.total_retry_seconds) | stop_after_attempt(10),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(method, path, params, body, safe)
        except Transient as exc:
            unreachable = exc.retry_after is None and str(exc).startswith("connection")
            raise JiraRequestError(
                f"Jira kept failing ({exc}) for {method} {path}; gave up after retrying",
                hint=(
                    f"check that jira.server ({self.config.server}) is right and reachable "
                    "from here"
                    if unreachable
                    else "Jira may be overloaded or rate-limiting"
                )
                + "; run again later: a sync carries on where it stopped",
            ) from None
        raise AssertionError("unreachable")

    def _once(
        self, method: str, path: str, params: dict[str, Any] | None, body: Any, safe: bool
    ) -> Any:
        url = self.client._get_url(path)
        with self._lock:
            self.requests[f"{method} {path.split('?')[0]}"] += 1
        try:
            response = self.client._session.request(
                method,
                url,
                params=params,
                data=None if body is None else json.dumps(body),
                headers={"Content-Type": "application/json"},
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            if not safe:
                raise UnknownOutcome(
                    f"{method} {path}: connection lost ({type(exc).__name__})"
                ) from None
            raise Transient(f"connection error ({type(exc).__name__})") from None
        except JIRAError as exc:
            self._raise_for(exc, method, path, safe)
        if not response.content:
            return None
        return response.json()

    def _raise_for(self, exc: JIRAError, method: str, path: str, safe: bool) -> None:
        status = exc.status_code or 0
        response = exc.response
        if status in TRANSIENT and (safe or status in REJECTED_UNPROCESSED):
            raise Transient(f"HTTP {status}", _retry_after(response)) from None
        if (status in TRANSIENT or status >= 500) and not safe:
            raise UnknownOutcome(f"{method} {path}: HTTP {status}") from None
        body: Any = None
        if response is not None:
            try:
                body = response.json()
            except ValueError:
                body = None
        raise JiraRequestError(
            self._scrub(f"Jira answered {status} to {method} {path}: {_messages(body)}"),
            hint=self._hint(status),
            status=status,
            body=body,
        ) from None

    def _hint(self, status: int) -> str:
        server, kind = self.config.server, self.credentials.kind
        if status == 401:
            return (
                f"Jira at {server} refused the {kind}: check it is valid and not expired; "
                "Cloud takes ARK_JIRA_EMAIL + ARK_JIRA_TOKEN, Data Center takes ARK_JIRA_PAT"
            )
        if status == 403:
            return (
                f"the {kind}'s user lacks a permission in project {self.config.project}: it "
                "needs Browse projects, Create issues, Edit issues, Transition issues, "
                "Assign issues"
            )
        if status == 404:
            return (
                f"check the server URL ({server}) and the project key "
                f"({self.config.project}) in the jira: section"
            )
        return "see the message above; fix the jira: section or the board, then run again"

    def _scrub(self, text: str) -> str:
        for secret in self.credentials.secrets():
            text = text.replace(secret, "***")
        return text


def _messages(body: Any) -> str:
    """Jira's error messages (`errorMessages` and per-field `errors`) as one line."""
    if not isinstance(body, dict):
        return "no details"
    parts = list(body.get("errorMessages") or [])
    parts += [f"{k}: {v}" for k, v in (body.get("errors") or {}).items()]
    return "; ".join(parts) or "no details"
