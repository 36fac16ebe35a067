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
from collections.abc import Mapping
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
from ark.i18n import N_, Message, message
from ark_jira.config import Credentials, JiraConfig
from ark_jira.scrub import Scrubber

TRANSIENT = {429, 502, 503, 504}
REJECTED_UNPROCESSED = {429}
CONNECTION_ATTEMPTS = 2
EXCERPT = 200


class Transient(Exception):
    """A failure worth retrying; `retry_after` is the server's requested wait, if any;
    `problem` says what went wrong, in the language of whoever shows it."""

    def __init__(
        self, problem: Message | str, retry_after: float | None = None, *, connection: bool = False
    ) -> None:
        super().__init__(str(problem))
        self.problem = problem
        self.retry_after = retry_after
        self.connection = connection


class UnknownOutcome(Exception):
    """A write whose response was lost: it may or may not have been carried out; `reason`
    says how, in the language of whoever shows it."""

    def __init__(self, reason: Message) -> None:
        super().__init__(str(reason))
        self.reason = reason


# Jira's failures as the user reads them: catalogue templates, written in the command's
# language when shown; every value put in them has passed the credentials scrubber.
KEPT_FAILING = N_(
    "Jira at {server} kept failing ({problem}) for {method} {path}; gave up after retrying"
)
UNREACHABLE = N_(
    "check that jira.server ({server}) is right and reachable from here (a VPN, a proxy); "
    "raise jira.connect_timeout or jira.read_timeout if the network or Jira is slow; run "
    "again later: a sync carries on where it stopped"
)
OVERLOADED = N_(
    "Jira may be overloaded or rate-limiting; run again later: a sync carries on where it stopped"
)
NOT_SENT = N_("could not send {method} {path} to Jira: {problem}")
CHECK_SERVER = N_("check jira.server ({server}) in the jira: section")
ANSWERED = N_("Jira answered {status} to {method} {path}: {details}")
CONNECTION_LOST = N_("{method} {path}: connection lost ({problem})")
NOT_JSON = N_(
    "Jira at {server} answered {status} ({content_type}) to {method} {path} with {what}, not "
    "Jira's JSON"
)
HTML_PAGE = N_("an HTML page titled {title!r}")
OTHER_BODY = N_("{content_type}: {excerpt}")
LOGIN_PAGE = N_(
    "a login or single sign-on page, or a proxy, answered instead of Jira's REST API: check "
    "that jira.server is Jira's base URL (with its context path, such as /jira), that the API "
    "can be reached without a browser login from here, and that the credentials are an API "
    "token or personal access token"
)
REFUSED_CREDENTIALS = N_(
    "Jira at {server} refused the {kind}: check it is valid and not expired; Cloud takes "
    "ARK_JIRA_EMAIL + ARK_JIRA_TOKEN, Data Center takes ARK_JIRA_PAT"
)
NO_PERMISSION = N_(
    "the {kind}'s user lacks a permission in project {project}: it needs Browse projects, "
    "Create issues, Edit issues, Transition issues, Assign issues"
)
NOT_THERE = N_(
    "check the server URL ({server}) and the project key ({project}) in the jira: section"
)
SEE_ABOVE = N_("see the message above; fix the jira: section or the board, then run again")
NO_DETAILS = N_("no details")
EMPTY_BODY = N_("an empty body")


class JiraRequestError(ArkError):
    """Jira answered with an error that retrying will not fix."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | Message = "",
        args: Mapping[str, Any] | None = None,
        status: int = 0,
        body: Any = None,
    ) -> None:
        super().__init__(message, hint=hint, args=args)
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
            raise self.error(
                KEPT_FAILING,
                UNREACHABLE if exc.connection else OVERLOADED,
                problem=exc.problem,
                method=method,
                path=path,
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
                    message(
                        CONNECTION_LOST,
                        method=method,
                        path=self.scrub(path),
                        problem=type(exc).__name__,
                    )
                ) from None
            raise Transient(_connection_problem(exc, self.timeout), connection=True) from None
        except requests.RequestException as exc:
            raise self.error(
                NOT_SENT, CHECK_SERVER, method=method, path=path, problem=type(exc).__name__
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
            raise UnknownOutcome(
                message(
                    N_("{method} {path}: HTTP {status}"),
                    method=method,
                    path=self.scrub(path),
                    status=str(status),
                )
            )
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        details = _messages(body) if isinstance(body, dict) else self._excerpt(response)
        raise self.error(
            ANSWERED,
            self._hint(status),
            status=status,
            body=body,
            method=method,
            path=path,
            details=details,
        )

    def _not_json(self, response: requests.Response, method: str, path: str) -> JiraRequestError:
        """An answer that is not Jira's JSON: most often a single sign-on or login page, or a
        proxy's page, served in Jira's place."""
        kind = response.headers.get("Content-Type", "no content type").split(";")[0]
        title = _title(response.text)
        what = (
            message(HTML_PAGE, title=self.scrub(title))
            if title
            else message(OTHER_BODY, content_type=self.scrub(kind), excerpt=self._excerpt(response))
        )
        return self.error(
            NOT_JSON,
            LOGIN_PAGE,
            status=response.status_code,
            content_type=kind,
            method=method,
            path=path,
            what=what,
        )

    def error(
        self,
        template: str,
        hint: str,
        *,
        status: int = 0,
        body: Any = None,
        **values: str | Message,
    ) -> JiraRequestError:
        """A failure worded by the catalogue (`template` and `hint`, with `values`, the
        server, the project, the kind of credential and the HTTP status among them), every
        text value through the credentials scrubber first: a server may echo a secret
        anywhere in what it answers, and a path or a URL can carry one too."""
        args: dict[str, Any] = {
            "server": self.config.server,
            "project": self.config.project,
            "kind": message(self.credentials.kind),
            "status": str(status),  # a code, not a number to write as the language does
            **values,
        }
        scrubbed = {k: self.scrub(v) if isinstance(v, str) else v for k, v in args.items()}
        return JiraRequestError(template, hint=hint, args=scrubbed, status=status, body=body)

    def _excerpt(self, response: requests.Response) -> str | Message:
        """A short, one-line, credential-free excerpt of a body that is not Jira's JSON,
        scrubbed before it is cut: a credential cut in two would be left half shown."""
        text = re.sub(r"<[^>]*>", " ", response.text)
        text = self.scrub(" ".join(html.unescape(text).split()))
        if not text:
            return message(EMPTY_BODY)
        return repr(text[:EXCERPT] + ("..." if len(text) > EXCERPT else ""))

    def _hint(self, status: int) -> str:
        return {401: REFUSED_CREDENTIALS, 403: NO_PERMISSION, 404: NOT_THERE}.get(status, SEE_ABOVE)


def _connection_problem(exc: Exception, timeout: tuple[float, float]) -> Message:
    if isinstance(exc, requests.ConnectTimeout):
        return message(N_("no connection within {seconds} s"), seconds=timeout[0])
    if isinstance(exc, requests.ReadTimeout):
        return message(N_("no answer within {seconds} s"), seconds=timeout[1])
    return message(N_("connection error ({problem})"), problem=type(exc).__name__)


def _title(text: str) -> str:
    found = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    return " ".join(html.unescape(found.group(1)).split())[:80] if found else ""


def _messages(body: dict[str, Any]) -> str | Message:
    """Jira's error messages (`errorMessages` and per-field `errors`) as one line, in Jira's
    own words."""
    parts = list(body.get("errorMessages") or [])
    errors = body.get("errors")  # per field; bulk create's answer lists issues here instead
    if isinstance(errors, dict):
        parts += [f"{k}: {v}" for k, v in errors.items()]
    return "; ".join(parts) or message(NO_DETAILS)
