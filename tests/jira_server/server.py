"""`JiraServer`: the board served over real HTTP on 127.0.0.1, with faults, lag and counters."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from tests.jira_server.app import Api, Page, Request, Response, canonical, error, raw_html, resolve
from tests.jira_server.render import Renderer
from tests.jira_server.state import Board, Flavour, Issue, JiraInputError
from tests.jira_server.webhooks import Webhooks

UNAUTHORIZED = "You are not authenticated. Authentication required to perform this operation."
ECHO = "{echo}"
# Set-ups Ark must work with, beyond the two flavours as they are today: name -> (flavour,
# switches). `login page` is not here: no sync can get past one.
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "cloud": ("cloud", {}),
    "datacenter": ("datacenter", {}),
    "datacenter, POST search refused": ("datacenter", {"post_search": False}),
    "cloud, bulk create refused (405)": ("cloud", {"bulk": False, "bulk_refusal": 405}),
    "cloud, no per-issue-type create metadata": ("cloud", {"typed_createmeta": False}),
    "datacenter 8.3": ("datacenter", {"version": (8, 3, 5), "typed_createmeta": False}),
    "datacenter behind a proxy dropping long URLs, GET search": (
        "datacenter",
        {"post_search": False, "max_url": 2048},
    ),
}


@dataclass
class _Fault:
    method: str
    path: re.Pattern[str]
    remaining: int
    status: int = 0
    retry_after: float | None = None
    drop: bool = False
    page: Page | None = None
    """A body that is not JSON; `ECHO` in it becomes what the request carried."""

    def matches(self, method: str, path: str) -> bool:
        return self.remaining > 0 and self.method == method.upper() and bool(self.path.search(path))


class JiraServer:
    """A stateful Jira (Cloud or Data Center) for tests, driven by the real `jira` client.

    Use as a context manager: the HTTP server runs in a background thread while inside it.
    `requests` counts every request by (method, route template); `writes` counts successful
    requests that write (creates, edits, transitions, assignments, comments — a no-op edit
    included, since the client still sent a write), never searches.
    """

    def __init__(
        self,
        flavour: str = "cloud",
        project: str = "ARK",
        bulk: bool = True,
        latency: float = 0.0,
        email: str = "bot@acme.test",
        token: str = "s3cret",
        *,
        bulk_refusal: int = 404,
        post_search: bool = True,
        typed_createmeta: bool = True,
        version: tuple[int, int, int] | None = None,
        max_url: int = 0,
        login_page: bool = False,
    ) -> None:
        if flavour not in ("cloud", "datacenter"):
            raise ValueError(f"flavour must be 'cloud' or 'datacenter', not {flavour!r}")
        self.flavour: Flavour = "cloud" if flavour == "cloud" else "datacenter"
        self.lock = threading.RLock()
        self._board = Board(self.flavour, project, email)
        self._api = Api(self._board, Renderer(self._board, "http://127.0.0.1"))
        self._api.bulk = bulk
        self._api.bulk_refusal = bulk_refusal
        self._api.typed_createmeta = typed_createmeta
        self._board.version = version
        self.post_search = post_search
        """False: POST search answers 405, as behind some gateways; GET still works."""
        self.max_url = max_url
        """Above 0: a proxy that drops requests whose URL is longer (answers 414)."""
        self.login_page = login_page
        """True: a single sign-on page answers every request with 200 and HTML."""
        self._email = email
        self._token = token
        self.latency = latency
        self.requests: Counter[tuple[str, str]] = Counter()
        self.writes = 0
        self._faults: list[_Fault] = []
        self.webhooks = Webhooks()
        """Set `webhooks.url` (and `.secret`) to have people's changes POSTed there."""
        self._http: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> JiraServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        handler = type("BoundHandler", (_Handler,), {"jira": self})
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._http.daemon_threads = True
        port = self._http.server_address[1]
        self._api.render = Renderer(self._board, f"http://127.0.0.1:{port}")
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None

    @property
    def url(self) -> str:
        return self._api.render.base

    # Switches -----------------------------------------------------------------------------

    @property
    def bulk(self) -> bool:
        return self._api.bulk

    @bulk.setter
    def bulk(self, value: bool) -> None:
        self._api.bulk = value

    @property
    def search_lag(self) -> float:
        return self._board.search_lag

    @search_lag.setter
    def search_lag(self, seconds: float) -> None:
        """Issues created from now on are found by search only `seconds` after creation."""
        self._board.search_lag = seconds

    def fail(
        self,
        method: str,
        path_regex: str,
        status: int,
        times: int = 1,
        retry_after: float | None = None,
    ) -> None:
        """The next `times` requests matching answer `status` without doing anything.

        `path_regex` is searched in the request path (no query string; `/rest/api/latest/`
        reads as `/rest/api/2/`). A 429 carries Retry-After (`retry_after`, else 1 second)
        and the flavour's rate-limit headers.
        """
        with self.lock:
            self._faults.append(
                _Fault(method.upper(), re.compile(path_regex), times, status, retry_after)
            )

    def fail_with_page(
        self, method: str, path_regex: str, status: int, text: str, times: int = 1
    ) -> None:
        """Like `fail`, with a body that is not JSON (`text`, served as text/html); `ECHO` in
        it becomes what the request carried: the request line and its Authorization header,
        and the credentials URL-encoded, as a debugging proxy may echo them."""
        with self.lock:
            fault = _Fault(method.upper(), re.compile(path_regex), times, status)
            fault.page = Page(text)
            self._faults.append(fault)

    def drop_after_commit(self, method: str, path_regex: str, times: int = 1) -> None:
        """The next `times` matching requests are carried out, then the connection is closed
        without an answer: the client cannot tell whether the write happened."""
        with self.lock:
            self._faults.append(_Fault(method.upper(), re.compile(path_regex), times, drop=True))

    def reset_counters(self) -> None:
        with self.lock:
            self.requests.clear()
            self.writes = 0

    # The board, as people in Jira change it -----------------------------------------------

    @property
    def issues(self) -> dict[str, Issue]:
        return self._board.issues

    @property
    def bot(self) -> str:
        """Id of the account the credentials belong to."""
        return self._board.bot

    def add_user(self, email: str, display_name: str) -> str:
        """Add a person; returns the accountId (Cloud) or user name (Data Center)."""
        with self.lock:
            return self._board.add_user(email, display_name)

    def deactivate_user(self, user_id: str) -> None:
        """A person's account is deactivated: issues keep it, nobody can be assigned to it,
        and search no longer finds it."""
        with self.lock:
            self._board.user(user_id).active = False

    def add_component(self, name: str) -> None:
        with self.lock:
            self._board.add_component(name)

    def set_status(self, key: str, status_name: str, by: str | None = None) -> None:
        """A person moves the issue on the board (history records who and when)."""
        with self.lock:
            issue = self._board.issue(key)
            author = self._person(by)
            before = issue.status.name
            self._board.move(issue, self._board.status_named(status_name), author)
            fields = {"status": {"id": issue.status.id, "name": issue.status.name}}
        item = {"field": "status", "fromString": before, "toString": status_name}
        self.webhooks.issue_updated({"id": issue.id, "key": key, "fields": fields}, [item])

    def edit(self, key: str, fields: dict[str, Any], by: str | None = None) -> None:
        """A person edits fields in Jira; `fields` uses the plain form of `Issue.fields`."""
        with self.lock:
            issue = self._board.issue(key)
            author = self._person(by)
            rest = {name: self._as_rest(name, value) for name, value in fields.items()}
            try:
                self._board.change(issue, self._board.convert(rest), author)
            except JiraInputError as problem:
                raise ValueError(
                    f"cannot edit {key}: {problem.errors or problem.messages}"
                ) from None

    def _person(self, by: str | None) -> str:
        if by is None:
            return self._board.bot
        self._board.user(by)
        return by

    def _as_rest(self, name: str, value: Any) -> Any:
        if name == "assignee" and value is not None:
            return {"accountId" if self.flavour == "cloud" else "name": value}
        if name == "components":
            return [{"name": n} for n in value]
        return value

    # Serving ------------------------------------------------------------------------------

    def _authenticate(self, header: str | None, path: str) -> str | None:
        """The authenticated user's id; "" for anonymous serverInfo; None to refuse."""
        if header is None:
            return "" if path.endswith("/serverInfo") else None
        scheme, _, credentials = header.partition(" ")
        if self.flavour == "cloud" and scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
            if decoded == f"{self._email}:{self._token}":
                return self._board.bot
        if (
            self.flavour == "datacenter"
            and scheme.lower() == "bearer"
            and credentials == self._token
        ):
            return self._board.bot
        return None

    def _fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.matches(method, path):
                fault.remaining -= 1
                return fault
        return None

    def handle(self, method: str, target: str, header: str | None, raw: bytes) -> Response | None:
        """Answer one request; None means drop the connection without an answer."""
        if self.latency:
            time.sleep(self.latency)
        parts = urlsplit(target)
        path = canonical(parts.path)
        found = resolve(method, path)
        with self.lock:
            self.requests[(method, found[0].template if found else path)] += 1
            if self.login_page:
                return Response(200, raw_html("Log in - Acme single sign-on", "Username"))
            if self.max_url and len(target) > self.max_url:
                return Response(414, raw_html("414 Request-URI Too Large"))
            actor = self._authenticate(header, path)
            if actor is None:
                return error(401, [UNAUTHORIZED])
            fault = self._fault(method, path)
            if fault is not None and fault.page is not None:
                return Response(
                    fault.status, Page(self._echo(fault.page.text, method, target, header))
                )
            if fault is not None and not fault.drop:
                return self._fault_response(fault)
            if method == "POST" and not self.post_search and path.endswith(("/search", "/jql")):
                return Response(405, raw_html("405 Method Not Allowed"))
            if found is None:
                return error(404, [f"null for uri: {self.url}{path}"])
            route, params = found
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                return error(400, ["Unexpected character in the request body: it is not JSON."])
            request = Request(method, path, parse_qs(parts.query), body, actor, params)
            try:
                response = self._api.dispatch(route.handler, request)
            except Exception as crash:  # noqa: BLE001 - a bug here must reach the test as a 500
                return error(500, [f"Test server error: {crash!r}"])
            if route.writes and 200 <= response.status < 300:
                self.writes += 1
            return None if fault is not None else response

    def _echo(self, text: str, method: str, target: str, header: str | None) -> str:
        _, _, credentials = (header or "").partition(" ")
        try:
            decoded = base64.b64decode(credentials).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = credentials
        echo = (
            f"{method} {target} Authorization: {header} "
            f"X-Original-Credentials: {quote(decoded, safe='')} raw={decoded}"
        )
        return text.replace(ECHO, echo)

    def _fault_response(self, fault: _Fault) -> Response:
        response = error(fault.status, [f"Injected failure {fault.status}."])
        if fault.status == 429:
            response = error(429, ["Rate limit exceeded."])
            wait = fault.retry_after if fault.retry_after is not None else 1
            response.headers["Retry-After"] = str(int(wait) if float(wait).is_integer() else wait)
            if self.flavour == "cloud":
                reset = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait)
                response.headers.update(
                    {
                        "X-RateLimit-Limit": "350",
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": reset.isoformat(timespec="milliseconds").replace(
                            "+00:00", "Z"
                        ),
                        "X-RateLimit-NearLimit": "true",
                        "RateLimit-Reason": "jira-quota-tenant-based",
                    }
                )
            else:
                response.headers.update(
                    {
                        "X-RateLimit-Limit": "100",
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-FillRate": "10",
                        "X-RateLimit-Interval-Seconds": "1",
                    }
                )
        return response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    jira: JiraServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        response = self.jira.handle(self.command, self.path, self.headers.get("Authorization"), raw)
        if response is None:
            self.close_connection = True
            return
        page = response.body if isinstance(response.body, Page) else None
        if page is not None:
            payload = page.text.encode()
        else:
            payload = b"" if response.body is None else json.dumps(response.body).encode()
        self.send_response(response.status)
        if payload:
            kind = page.content_type if page else "application/json;charset=UTF-8"
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests read counters, not access logs."""
