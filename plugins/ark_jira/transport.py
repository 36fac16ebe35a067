"""Talking to Jira: one `requests` session, with Ark's own retry policy and timeouts.

This is the one place Ark speaks HTTP to Jira with `requests` directly, on purpose: the
`jira` client's public API has no way to keep many requests in flight on one connection pool,
to choose between the GET and POST forms of search, or to switch off its re-sending of a POST
after a connection error (which can duplicate a create). Here, a request that is safe to
repeat is retried on 429 (honouring `Retry-After`), 502/503/504 and connection errors, with
jittered backoff and a bounded total time (a host that does not answer is given up after two
attempts); a create is retried only on 429 (rejected before any work) and otherwise reported
as an unknown outcome for the sync to reconcile. Every text built from an answer goes through
the credentials scrubber, and an answer that is not Jira's JSON (a login page, a proxy's
error page) is described rather than parsed.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import threading
from collections import Counter
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import requests.adapters
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
)
from tenacity.stop import stop_base
from tenacity.wait import wait_random_exponential

from ark.errors import ArkError
from ark_jira.config import Credentials, JiraConfig
from ark_jira.scrub import Scrubber

TRANSIENT = {429, 502, 503, 504}
REJECTED_UNPROCESSED = {429}
CONNECTION_ATTEMPTS = 2
EXCERPT = 200


class Transient(Exception):
    """A failure worth retrying; `retry_after` is the server's requested wait, if any."""

    def __init__(
        self, message: str, retry_after: float | None = None, *, connection: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.connection = connection


class UnknownOutcome(Exception):
    """A write whose response was lost: it may or may not have been carried out."""


class JiraRequestError(ArkError):
    """Jira answered with an error that retrying will not fix."""

    def __init__(self, message: str, *, hint: str = "", status: int = 0, body: Any = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.body = body

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields Jira's answer names in its per-field `errors`."""
        errors = self.body.get("errors") if isinstance(self.body, dict) else None
        return tuple(errors) if isinstance(errors, dict) else ()


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


class _ConnectionGivenUp(stop_base):
    """A host that does not connect or answer is tried twice, not for minutes."""

    def __call__(self, retry_state: RetryCallState) -> bool:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome else None
        return (
            isinstance(exc, Transient)
            and exc.connection
            and retry_state.attempt_number >= CONNECTION_ATTEMPTS
        )


class JiraApi:
    """Jira's REST API (v2) through one pooled session; counts requests by kind."""

    def __init__(
        self, config: JiraConfig, credentials: Credentials, *, total_retry_seconds: float = 120.0
    ) -> None:
        self.config = config
        self.credentials = credentials
        self.scrub = Scrubber(credentials)
        self.base = f"{config.server}/rest/api/2/"
        self.session = requests.Session()
        if credentials.pat:
            self.session.headers["Authorization"] = f"Bearer {credentials.pat}"
        else:
            self.session.auth = (str(credentials.email), str(credentials.token))
        self.session.headers["Accept"] = "application/json"
        # One kept-alive connection per request in flight, so none is opened and dropped.
        pool = requests.adapters.HTTPAdapter(pool_maxsize=config.concurrency, max_retries=0)
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, pool)
        self.timeout = (config.connect_timeout, config.read_timeout)
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
            stop=stop_after_delay(self.total_retry_seconds)
            | stop_after_attempt(10)
            | _ConnectionGivenUp(),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(method, path, params, body, safe)
        except Transient as exc:
            raise JiraRequestError(
                f"Jira at {self.config.server} kept failing ({exc}) for {method} {path}; "
                "gave up after retrying",
                hint=(
                    f"check that jira.server ({self.config.server}) is right and reachable "
                    "from here (a VPN, a proxy); raise jira.connect_timeout or "
                    "jira.read_timeout if the network or Jira is slow"
                    if exc.connection
                    else "Jira may be overloaded or rate-limiting"
                )
                + "; run again later: a sync carries on where it stopped",
            ) from None
        raise AssertionError("unreachable")

    def _once(
        self, method: str, path: str, params: dict[str, Any] | None, body: Any, safe: bool
    ) -> Any:
        with self._lock:
            self.requests[f"{method} {path.split('?')[0]}"] += 1
        try:
            response = self.session.request(
                method,
                self.base + path,
                params=params,
                data=None if body is None else json.dumps(body),
                headers=None if body is None else {"Content-Type": "application/json"},
                timeout=self.timeout,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            if not safe:
                raise UnknownOutcome(
                    f"{method} {path}: connection lost ({type(exc).__name__})"
                ) from None
            raise Transient(_connection_problem(exc, self.timeout), connection=True) from None
        except requests.RequestException as exc:
            raise JiraRequestError(
                self.scrub(f"could not send {method} {path} to Jira: {type(exc).__name__}"),
                hint=f"check jira.server ({self.config.server}) in the jira: section",
            ) from None
        if response.status_code >= 400:
            self._raise_for(response, method, path, safe)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise self._not_json(response, method, path) from None

    def _raise_for(self, response: requests.Response, method: str, path: str, safe: bool) -> None:
        status = response.status_code
        if status in TRANSIENT and (safe or status in REJECTED_UNPROCESSED):
            raise Transient(f"HTTP {status}", _retry_after(response))
        if (status in TRANSIENT or status >= 500) and not safe:
            raise UnknownOutcome(f"{method} {path}: HTTP {status}")
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        details = _messages(body) if isinstance(body, dict) else self._excerpt(response)
        raise JiraRequestError(
            self.scrub(f"Jira answered {status} to {method} {path}: {details}"),
            hint=self._hint(status),
            status=status,
            body=body,
        )

    def _not_json(self, response: requests.Response, method: str, path: str) -> JiraRequestError:
        """An answer that is not Jira's JSON: most often a single sign-on or login page, or a
        proxy's page, served in Jira's place."""
        kind = response.headers.get("Content-Type", "no content type").split(";")[0]
        title = _title(response.text)
        what = f"an HTML page titled {title!r}" if title else f"{kind}: {self._excerpt(response)}"
        return JiraRequestError(
            self.scrub(
                f"Jira at {self.config.server} answered {response.status_code} ({kind}) to "
                f"{method} {path} with {what}, not Jira's JSON"
            ),
            hint=(
                "a login or single sign-on page, or a proxy, answered instead of Jira's REST "
                "API: check that jira.server is Jira's base URL (with its context path, such as "
                "/jira), that the API can be reached without a browser login from here, and "
                "that the credentials are an API token or personal access token"
            ),
            status=response.status_code,
        )

    def _excerpt(self, response: requests.Response) -> str:
        """A short, one-line, credential-free excerpt of a body that is not Jira's JSON."""
        text = re.sub(r"<[^>]*>", " ", response.text)
        text = " ".join(html.unescape(text).split())
        if not text:
            return "an empty body"
        cut = text[:EXCERPT] + ("..." if len(text) > EXCERPT else "")
        return repr(self.scrub(cut))

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


def _connection_problem(exc: Exception, timeout: tuple[float, float]) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return f"no connection within {timeout[0]:g} s"
    if isinstance(exc, requests.ReadTimeout):
        return f"no answer within {timeout[1]:g} s"
    return f"connection error ({type(exc).__name__})"


def _title(text: str) -> str:
    found = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    return " ".join(html.unescape(found.group(1)).split())[:80] if found else ""


def _messages(body: dict[str, Any]) -> str:
    """Jira's error messages (`errorMessages` and per-field `errors`) as one line."""
    parts = list(body.get("errorMessages") or [])
    errors = body.get("errors")  # per field; bulk create's answer lists issues here instead
    if isinstance(errors, dict):
        parts += [f"{k}: {v}" for k, v in errors.items()]
    return "; ".join(parts) or "no details"
