"""The jobs inside the web workspace, served over real HTTP by uvicorn as `ark serve` serves
it: edits a lead makes in the browser reach the board by themselves, batched; a status changed on the board reaches Ark
through Jira's signed webhook; a webhook with a wrong or missing secret changes nothing; a
flood of webhooks is one sync or two; a lost webhook is caught by the scheduled sync; the
admin sees the jobs page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
import requests
import uvicorn
from ark_web.app import create_app
from ark_web.auth import CSRF_COOKIE, SESSION_COOKIE
from sqlalchemy import Engine

from ark import accounts
from ark.db import open_engine
from ark.jobs.runner import Runner
from ark.jobs.wake import SECRET_ENV, WAKE_STATE
from ark.plugins import hooks
from ark.registry.writer import transaction
from tests.automation_helpers import add_sections, automation_section, until
from tests.conftest import Ark, free_port
from tests.jira_server import JiraServer
from tests.test_jira_sync import TOKEN, Board, make_board, one_issue_per_task

SECRET = "whsec-8c1f0e6a2b9d4f37"
SERVER_INFO = ("GET", "/rest/api/2/serverInfo")


@dataclass
class Served:
    board: Board
    engine: Engine
    url: str
    jobs: Runner
    lead: str  # the session cookie of Ana, a lead, signed in before the server started

    def status_in_ark(self, task: str) -> str:
        rows = self.board.ark.json("tasks", "list")
        return str(next(t["status"] for t in rows if t["key"] == task))

    def syncs(self) -> int:
        with self.board.server.lock:
            return self.board.server.requests[SERVER_INFO]

    def synced_after(self, count: int) -> bool:
        state = self.jobs.state("jira-sync")
        return self.syncs() > count and state.running is None and state.covered is not None


@pytest.fixture
def served(ark: Ark, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    """The sample team on a Jira board, synced once, and the workspace serving it with its
    jobs in-process; the board sends its webhooks to the workspace."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    with JiraServer(flavour="cloud", token=TOKEN) as server:
        board = make_board(ark, monkeypatch, server)
        add_sections(ark, board.team, automation_section(debounce_seconds=0.2))
        ark("user", "add", "ana@acme.test", "--role", "lead")
        engine = open_engine(ark.db_url)
        with transaction(engine, actor="test") as registry:
            lead = accounts.start_session(registry, "ana@acme.test")
        for job in ("plan", "jira-sync", "reminders", "digest", "prune-sent"):  # none is due
            ark("jobs", "run", job)
        port = free_port()
        config = uvicorn.Config(
            create_app(engine, run_jobs=True, playbook=ark.workspace / "playbook" / "site"),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
        web = uvicorn.Server(config)
        thread = threading.Thread(target=web.run, daemon=True)
        thread.start()
        until(lambda: web.started)
        url = f"http://127.0.0.1:{port}"
        server.webhooks.url, server.webhooks.secret = f"{url}/hooks/jira", SECRET
        yield Served(board, engine, url, Runner(engine, hooks(), holder="test"), lead)
        web.should_exit = True
        thread.join()
        engine.dispose()


def test_a_status_changed_on_the_board_reaches_ark_through_the_webhook(served: Served) -> None:
    board = served.board
    key = board.issue_of("listening/2026-W49")
    board.server.set_status(key, "Done", by=board.users["ana@acme.test"])
    assert board.server.webhooks.answers == [202]
    until(lambda: served.status_in_ark("listening/2026-W49") == "done")


class CellForms(HTMLParser):
    """The fields of each matrix cell's form on a page, as a browser would post them."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and values.get("action") == "/matrix/cell":
            self.forms.append({})
        elif tag == "input" and values.get("type") == "hidden" and self.forms:
            self.forms[-1][values["name"]] = values.get("value", "")

    def cell(self, slug: str, email: str) -> dict[str, str]:
        return next(
            f for f in self.forms if (f["responsibility"], f["contributor"]) == (slug, email)
        )


def test_edits_in_the_browser_reach_the_board_by_themselves_batched(served: Served) -> None:
    board, server = served.board, served.board.server
    browser = requests.Session()
    browser.cookies.set(SESSION_COOKIE, served.lead)
    page = browser.get(f"{served.url}/matrix?q=listening", timeout=30)
    assert page.status_code == 200 and browser.cookies.get(CSRF_COOKIE)
    open_tasks = [
        (t["key"], board.issue_of(t["key"]))
        for t in board.ark.json("tasks", "list")
        if t["key"].startswith("listening/") and t["status"] != "done"
    ]
    bruno, carla = board.users["bruno@acme.test"], board.users["carla@acme.test"]
    assert {server.issues[issue].fields["assignee"] for _, issue in open_tasks} == {bruno}
    syncs = served.syncs()
    # Carla takes the reports over in six clicks; Bruno, with more hours, keeps the tasks
    # until the last click ends his role, so only a sync after it moves them on the board.
    edits = [("carla@acme.test", "responsible", str(hours)) for hours in (0.5, 1, 1.25, 1.5, 1.75)]
    edits.append(("bruno@acme.test", "end:responsible", ""))
    for email, role, hours in edits:
        fields = CellForms(page.text).cell("listening", email)
        page = browser.post(
            f"{served.url}/matrix/cell", data={**fields, "role": role, "hours": hours}, timeout=30
        )
        assert page.status_code == 200 and page.url.startswith(f"{served.url}/matrix")
    theirs = board.ark.json("tasks", "list", "--assignee", "carla@acme.test", "--status", "todo")
    assert sorted(t["key"] for t in theirs) == sorted(key for key, _ in open_tasks)
    until(lambda: all(server.issues[issue].fields["assignee"] == carla for _, issue in open_tasks))
    until(lambda: served.synced_after(syncs))
    assert served.syncs() - syncs <= 2  # not one sync per click
    by_ana = board.ark.json("log", "--by", "ana@acme.test", "--entity", "assignment")
    assert by_ana["total"] == len(edits)


def test_a_webhook_without_the_right_secret_changes_nothing(served: Served) -> None:
    board, server = served.board, served.board.server
    before, syncs = (
        (board.ark("log", "--json").output, board.ark.json("tasks", "list")),
        served.syncs(),
    )
    body = b'{"webhookEvent": "jira:issue_updated"}'
    for headers in (
        {},
        {"X-Hub-Signature": "sha256=" + "0" * 64},
        {"Authorization": "Bearer not-" + SECRET},
        {"Authorization": SECRET},
    ):
        answer = requests.post(f"{served.url}/hooks/jira", data=body, headers=headers, timeout=30)
        assert answer.status_code == 401 and SECRET not in answer.text
    server.webhooks.secret = "whsec-not-the-one-ark-has"
    server.set_status(board.issue_of("listening/2026-W49"), "Done")
    assert server.webhooks.answers == [401]
    with transaction(served.engine, write=False) as registry:
        assert registry.state(WAKE_STATE) is None
    assert (board.ark("log", "--json").output, board.ark.json("tasks", "list")) == before
    assert served.syncs() == syncs
    assert served.status_in_ark("listening/2026-W49") == "todo"


def test_a_flood_of_webhooks_is_one_sync_or_two(served: Served) -> None:
    board, server = served.board, served.board.server
    key = board.issue_of("listening/2026-W49")
    syncs = served.syncs()
    for _ in range(25):
        server.set_status(key, "In Progress")
        server.set_status(key, "To Do")
    server.set_status(key, "Done")
    assert server.webhooks.answers == [202] * 51
    until(lambda: served.status_in_ark("listening/2026-W49") == "done")
    until(lambda: served.synced_after(syncs))
    assert served.syncs() - syncs <= 2


def test_a_lost_webhook_is_caught_by_the_scheduled_sync(served: Served) -> None:
    board, server = served.board, served.board.server
    server.webhooks.lose = 1
    server.set_status(board.issue_of("kpi-report/2026-12"), "Done")
    assert server.webhooks.answers == []
    assert served.status_in_ark("kpi-report/2026-12") == "todo"
    assert "pulled back 1" in board.ark("jobs", "run", "jira-sync").output
    assert served.status_in_ark("kpi-report/2026-12") == "done"
    one_issue_per_task(server, board.ark)


def test_the_admin_sees_the_jobs_page(served: Served) -> None:
    ark = served.board.ark
    ark("user", "add", "admin@acme.test", "--role", "admin")
    pages = {}
    for email in ("admin@acme.test", "ana@acme.test"):
        with transaction(served.engine, actor="test") as registry:
            secret = accounts.start_session(registry, email)
        pages[email] = requests.get(
            f"{served.url}/jobs",
            cookies={SESSION_COOKIE: secret},
            allow_redirects=False,
            timeout=30,
        )
    page = pages["admin@acme.test"]
    assert page.status_code == 200
    assert "jira-sync" in page.text and "pulled back 0" in page.text
    assert "not sent: no channel (set notify.smtp_host)" in page.text
    assert "reminders" in page.text and TOKEN not in page.text
    assert pages["ana@acme.test"].status_code == 403


def test_the_playbook_is_rebuilt_after_a_change_and_served_to_people_signed_in(
    served: Served,
) -> None:
    ark = served.board.ark
    ark("user", "add", "carla@acme.test", "--role", "viewer")
    with transaction(served.engine, actor="test") as registry:
        cookies = {SESSION_COOKIE: accounts.start_session(registry, "carla@acme.test")}
    ark("person", "move", "ana@acme.test", "sales")  # a team change (an account is not one)
    until(lambda: served.jobs.state("playbook").covered is not None)

    def get(path: str, cookies: dict[str, str] | None = None) -> requests.Response:
        return requests.get(
            f"{served.url}{path}", cookies=cookies, allow_redirects=False, timeout=30
        )

    home = get("/playbook/", cookies=cookies)
    assert home.status_code == 200 and "Acme social media strategy" in home.text
    assert get("/playbook/").headers["location"].startswith("/sign-in")
    assert get("/playbook/%2e%2e/%2e%2e/ark.yaml", cookies=cookies).status_code == 404
    assert get("/playbook/no-such-page.html", cookies=cookies).status_code == 404
