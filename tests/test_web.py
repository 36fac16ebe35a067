"""`ark serve` over HTTP: every route for every role, first run, sign-in, CSRF, open redirects,
stale edits, hostile input, API tokens. The app runs in-process on the session's backend,
driven by Starlette's test client; accounts are made with the real `ark user` commands.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import html
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from ark_web import reads, writes
from ark_web.app import YOUNG, create_app
from ark_web.auth import CSRF_COOKIE, SESSION_COOKIE
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text

from ark import accounts, audit
from ark.db import open_engine
from ark.models import AuditRecord
from ark.registry.writer import transaction
from tests.conftest import Ark
from tests.test_processes import GOOD, recorded_long_ago, write

PASSWORD = "correct horse battery"
HOSTILE = "<script>alert('x')</script>"
ROLES = ("admin", "lead", "member", "viewer")
PEOPLE = {
    "admin": "admin@acme.test",
    "lead": "ana@acme.test",
    "member": "bruno@acme.test",
    "viewer": "carla@acme.test",
}


@dataclass
class Web:
    """The workspace app on one registry, and clients signed in as its people."""

    ark: Ark
    engine: Engine

    def client(
        self, role: str | None = None, engine: Engine | None = None, **app_options: Any
    ) -> TestClient:
        """A browser on the app (on `engine`, an engine of its own as another server process
        has, else the fixture's), signed in as the person of `role`."""
        app = create_app(engine or self.engine, **app_options)
        client = TestClient(app, follow_redirects=False)
        if role is not None:
            with transaction(self.engine, actor="test") as reg:
                secret = accounts.start_session(reg, PEOPLE[role])
            client.cookies.set(SESSION_COOKIE, secret)
        client.get("/sign-in")  # the first answer hands this browser its CSRF cookie
        return client

    def post(self, client: TestClient, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
        return client.post(path, data={"csrf": client.cookies[CSRF_COOKIE], **data}, **kwargs)

    def audit_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(AuditRecord)) or 0

    def task_of(self, email: str) -> reads.TaskRow:
        rows, _, _ = reads.tasks(self.engine, "mine", email, None, 1)
        return rows[0]

    def offboarding(self, email: str, to: str) -> dict[str, Any]:
        """What the offboarding page's confirming form sends to hand everything to `to`,
        drawn as the page draws it (and, like it, writing nothing)."""
        handover = writes.Handover(to, None, {}, {})
        shown = writes.preview_offboarding(self.engine, "test", email, handover)
        return {
            "to": to,
            "on": shown.offboarding.on.isoformat(),
            "version": shown.version,
            "digest": shown.digest,
        }

    def version(self, entity: str | None, key: str, *, prefix: bool = False) -> int:
        with transaction(self.engine, write=False) as reg:
            return audit.version(reg, entity, key, prefix=prefix)

    def team_version(self) -> int:
        return reads.team_version(self.engine)


def upload(source: str) -> str:
    """The uploaded file as the plan's confirming form carries it."""
    return base64.b64encode(source.encode()).decode()


@pytest.fixture
def web(ark: Ark, team: Path) -> Iterator[Web]:
    """The sample team with tasks, a process, a KPI reading and an account for each role."""
    with sample_web(ark) as made:
        yield made


@contextmanager
def sample_web(ark: Ark) -> Iterator[Web]:
    """The workspace app on the sample team `ark` holds, with what `web` adds to it."""
    ark("tasks", "plan", "--until", (dt.date.today() + dt.timedelta(days=60)).isoformat())
    ark("process", "record", str(write(ark.workspace / "p", "l.md", GOOD.format(slug="listen"))))
    ark("kpi", "record", "followers", "10")
    for role, email in PEOPLE.items():
        ark("user", "add", email, "--role", role)
    ark("user", "add", "spare@acme.test", "--role", "member")
    engine = open_engine(ark.db_url)
    yield Web(ark, engine)
    engine.dispose()


class Tags(HTMLParser):
    """What a browser would run: script elements, event handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")


def live_code(page: str) -> list[str]:
    parser = Tags()
    parser.feed(page)
    return parser.found


def sign_in_with_link(web: Web, client: TestClient, link: str, **fields: str) -> Any:
    path = link[link.index("/link/") :]
    assert client.get(path).status_code == 200
    return web.post(client, path, {"password": PASSWORD, "confirm": PASSWORD, **fields})


# -- the role x route matrix --------------------------------------------------------------------

PAGES = {
    "/": "viewer",
    "/matrix": "viewer",
    "/matrix?department=marketing&q=listen&page=1&columns=1": "viewer",
    "/people": "viewer",
    "/people?q=ana": "viewer",
    "/people/ana@acme.test": "viewer",
    "/people/carla@acme.test/offboard": "lead",
    "/people/ana@acme.test/offboard?to=carla@acme.test&preview=1": "lead",
    "/responsibilities": "viewer",
    "/responsibilities/listening": "viewer",
    "/tasks": "viewer",
    "/tasks?view=overdue": "viewer",
    "/tasks?view=week&responsibility=listening": "viewer",
    "/tasks?view=all": "viewer",
    "/kpis": "viewer",
    "/kpis/followers": "viewer",
    "/processes": "viewer",
    "/processes/listen": "viewer",
    "/tokens": "viewer",
    "/audit": "lead",
    "/audit?actor=tester&entity=assignment&since=2020-01-01&until=2099-01-01": "lead",
    "/audit.csv": "lead",
    "/team-file": "lead",
    "/team-file/ark.yaml": "lead",
    "/accounts": "admin",
    "/jobs": "admin",
}
RANK = {role: len(ROLES) - i for i, role in enumerate(ROLES)}


def allowed(role: str, least: str) -> bool:
    return RANK[role] >= RANK[least]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_its_role_allows(web: Web, role: str) -> None:
    client = web.client(role)
    for path, least in PAGES.items():
        response = client.get(path)
        expected = 200 if allowed(role, least) else 403
        assert response.status_code == expected, (role, path, response.text[:300])


def test_every_page_sends_a_stranger_to_sign_in(web: Web) -> None:
    client = web.client()
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/sign-in?next=/"), path


def writes_for(
    web: Web,
) -> list[tuple[str, Callable[[], dict[str, Any]], set[str], dict[str, Any]]]:
    """Each state-changing form: its path, its fields (read when posted), the roles it lets
    through in this team, and extra request arguments."""
    yaml = web.ark("export").stdout.replace("Carla Vidal", "Carla Vidal Ruiz")
    return [
        (
            "/matrix/cell",
            lambda: {
                "responsibility": "listening",
                "contributor": "carla@acme.test",
                "role": "informed",
                "hours": "0.5",
                "version": web.version("assignment", "listening/carla@acme.test/", prefix=True),
            },
            {"admin", "lead"},
            {},
        ),
        (
            "/people",
            lambda: {
                "email": f"new{web.audit_count()}@acme.test",
                "name": "Nuria Nueva",
                "department": "sales",
                "capacity": "3",
            },
            {"admin", "lead"},
            {},
        ),
        (
            "/people/carla@acme.test",
            lambda: {
                "name": "Carla C.",
                "department": "marketing",
                "capacity": "6",
                "version": web.version("contributor", "carla@acme.test"),
            },
            {"admin", "lead"},
            {},
        ),
        (
            "/tasks/done",
            lambda: {
                "key": web.task_of("bruno@acme.test").key,
                "note": "sent",
                "version": web.task_of("bruno@acme.test").version,
            },
            {"admin", "lead", "member"},
            {},
        ),
        (
            "/kpis/followers",
            lambda: {
                "value": "42",
                "date": "",
                "version": web.version("measurement", "followers/", prefix=True),
            },
            {"admin", "lead", "member"},
            {},
        ),
        (
            "/processes/listen/review",
            lambda: {"version": web.version("process", "listen")},
            {"admin", "lead"},  # the member is not accountable for listening
            {},
        ),
        (
            "/team-file/preview",
            dict,
            {"admin", "lead"},
            {"files": {"file": ("ark.yaml", yaml.encode(), "application/yaml")}},
        ),
        (
            "/team-file/apply",
            lambda: {"source": upload(yaml), "name": "ark.yaml", "version": web.team_version()},
            {"admin", "lead"},
            {},
        ),
        ("/accounts", lambda: {"email": "extra@acme.test", "role": "viewer"}, {"admin"}, {}),
        (
            "/accounts/role",
            lambda: {
                "email": "spare@acme.test",
                "role": "lead",
                "version": web.version("account", "spare@acme.test"),
            },
            {"admin"},
            {},
        ),
        ("/accounts/link", lambda: {"email": "spare@acme.test"}, {"admin"}, {}),
        (
            "/accounts/disable",
            lambda: {
                "email": "spare@acme.test",
                "version": web.version("account", "spare@acme.test"),
            },
            {"admin"},
            {},
        ),
        (
            "/people/carla@acme.test/offboard",
            lambda: web.offboarding("carla@acme.test", to="bruno@acme.test"),
            {"admin", "lead"},
            {},
        ),
        ("/tokens", lambda: {"label": "script"}, set(ROLES), {}),
        ("/tokens/revoke", lambda: {"id": newest_token(web)}, set(ROLES), {}),
        ("/sign-out", dict, set(ROLES), {}),
    ]


def newest_token(web: Web) -> int:
    """The id of the API token made last: the one the client just made on /tokens."""
    with web.engine.connect() as conn:
        return conn.scalar(text("SELECT max(id) FROM credential WHERE kind = 'api'")) or 0


@pytest.mark.parametrize("role", ROLES)
def test_every_form_is_refused_or_done_as_the_role_allows(web: Web, role: str) -> None:
    client = web.client(role)
    for path, fields, roles, extra in writes_for(web):
        before = web.audit_count()
        response = web.post(client, path, fields(), **extra)
        if role in roles:
            assert response.status_code in (200, 303), (role, path, response.text[:400])
            if path != "/team-file/preview":
                assert web.audit_count() > before, (role, path)
        else:
            assert response.status_code == 403, (role, path, response.text[:400])
            assert web.audit_count() == before, (role, path)


def test_an_admin_runs_a_job_now_from_the_jobs_page(web: Web) -> None:
    from ark.jobs.runner import Runner
    from ark.locks import named_lock
    from ark.plugins import hooks
    from tests.automation_helpers import until

    jobs = Runner(web.engine, hooks(), holder="test")
    for role in ("lead", "member", "viewer"):
        assert web.post(web.client(role), "/jobs/plan/run", {}).status_code == 403, role
    stranger = web.post(web.client(), "/jobs/plan/run", {})
    assert stranger.status_code == 303 and stranger.headers["location"].startswith("/sign-in")
    admin = web.client("admin")
    assert admin.post("/jobs/plan/run", data={}).status_code == 403  # no CSRF token
    assert jobs.state("plan").last_start is None
    assert 'action="/jobs/plan/run"' in admin.get("/jobs").text
    answer = web.post(admin, "/jobs/plan/run", {})
    assert answer.status_code == 303 and answer.headers["location"] == "/jobs?started=plan"
    until(lambda: jobs.state("plan").covered is not None)
    page = admin.get(answer.headers["location"]).text
    assert "plan was started in the background" in page and "tasks planned up to" in page
    with named_lock(web.engine, "job:reminders", "ark worker on elsewhere (pid 7)"):
        held = web.post(admin, "/jobs/reminders/run", {})
    assert held.status_code == 409
    assert "reminders is running in ark worker on elsewhere (pid 7) since" in held.text
    assert jobs.state("reminders").last_start is None
    assert web.post(admin, "/jobs/nope/run", {}).status_code == 404
    assert "was started" not in admin.get("/jobs?started=<b>nope</b>").text


def test_a_stranger_can_post_nothing(web: Web) -> None:
    client = web.client()
    before = web.audit_count()
    for path, fields, _, extra in writes_for(web):
        response = web.post(client, path, fields(), **extra)
        assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")
    assert web.audit_count() == before


def test_a_member_marks_only_their_own_tasks_done(web: Web) -> None:
    client = web.client("member")
    theirs = web.task_of("ana@acme.test")
    refused = web.post(
        client, "/tasks/done", {"key": theirs.key, "note": "", "version": theirs.version}
    )
    assert refused.status_code == 403
    mine = web.task_of("bruno@acme.test")
    page = client.get("/tasks?view=mine").text
    assert mine.key in page and "Mark done" in page
    done = web.post(
        client, "/tasks/done", {"key": mine.key, "note": "all good", "version": mine.version}
    )
    assert done.status_code == 303
    assert [t["status"] for t in web.ark.json("tasks", "list") if t["key"] == mine.key] == ["done"]
    log = web.ark.json("process", "show", "listen")
    assert "all good" in str(log)  # a completion made in the browser feeds the process log


def test_a_viewer_sees_no_form_that_changes_anything(web: Web) -> None:
    client = web.client("viewer")
    for path, least in PAGES.items():
        if not allowed("viewer", least) or path == "/tokens":
            continue
        forms = re.findall(r'<form method="post" action="([^"]+)"', client.get(path).text)
        assert set(forms) <= {"/sign-out"}, (path, forms)


# -- first run, sign-in, links -------------------------------------------------------------------


def test_first_run_gives_one_link_that_makes_the_first_admin(ark: Ark, db_url: str) -> None:
    from ark_web.writes import setup_link

    engine = open_engine(db_url)
    web = Web(ark, engine)
    client = web.client()
    assert client.get("/matrix").headers["location"] == "/sign-in?next=/matrix"
    assert "no accounts yet" in client.get("/sign-in").text
    old, link = setup_link(engine), setup_link(engine)
    assert old and link and old != link
    assert client.get(f"/link/{old}").status_code == 404  # a newer link replaces it
    response = sign_in_with_link(web, client, f"/link/{link}", email="boss@acme.test")
    assert response.status_code == 303
    assert "boss@acme.test (admin)" in client.get("/").text
    assert setup_link(engine) is None  # the registry has an account now
    assert web.client().get(f"/link/{link}").status_code == 404  # used up
    assert ark.json("user", "list") == [
        {"email": "boss@acme.test", "role": "admin", "disabled": False, "has_password": True}
    ]
    engine.dispose()


def test_sign_in_with_a_password_from_a_reset_link_and_out_again(web: Web) -> None:
    link = web.ark("user", "reset-link", "bruno@acme.test", "--url", "http://x").stdout.strip()
    assert link.startswith("http://x/link/")
    sign_in_with_link(web, web.client(), link)
    client = web.client()
    wrong = web.post(client, "/sign-in", {"email": "bruno@acme.test", "password": "nope" * 4})
    assert wrong.status_code == 401 and "not right" in wrong.text
    right = web.post(
        client, "/sign-in", {"email": "Bruno@acme.test", "password": PASSWORD, "next": "/tasks"}
    )
    assert (right.status_code, right.headers["location"]) == (303, "/tasks")
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert client.get("/tasks").status_code == 200
    with web.engine.connect() as conn:
        stored = conn.scalar(
            text("SELECT password_hash FROM account WHERE email = 'bruno@acme.test'")
        )
    assert stored.startswith("$argon2id$") and PASSWORD not in stored  # hashed with Argon2
    web.post(client, "/sign-out", {})
    assert client.get("/tasks").status_code == 303
    web.ark("user", "disable", "bruno@acme.test")
    refused = web.post(web.client(), "/sign-in", {"email": "bruno@acme.test", "password": PASSWORD})
    assert refused.status_code == 401


def test_cookies_are_secure_over_https(web: Web) -> None:
    client = TestClient(
        create_app(web.engine), base_url="https://ark.example", follow_redirects=False
    )
    assert "Secure" in client.get("/sign-in").headers["set-cookie"]


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/matrix?department=sales", "/matrix?department=sales"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_no_open_redirect_after_sign_in(web: Web, target: str, lands: str) -> None:
    link = web.ark("user", "reset-link", "ana@acme.test").stdout.strip()
    sign_in_with_link(web, web.client(), link)
    client = web.client()
    response = web.post(
        client, "/sign-in", {"email": "ana@acme.test", "password": PASSWORD, "next": target}
    )
    assert response.headers["location"] == lands


def test_sign_in_attempts_are_rate_limited(web: Web) -> None:
    link = web.ark("user", "reset-link", "ana@acme.test").stdout.strip()
    sign_in_with_link(web, web.client(), link)
    client = web.client(sign_in_limit="3/minute")
    for _ in range(3):
        assert (
            web.post(
                client, "/sign-in", {"email": "ana@acme.test", "password": "x" * 12}
            ).status_code
            == 401
        )
    blocked = web.post(client, "/sign-in", {"email": "ana@acme.test", "password": PASSWORD})
    assert blocked.status_code == 429 and "Too many" in blocked.text


# -- CSRF, stale edits, hostile input --------------------------------------------------------------


def test_a_form_without_this_browsers_csrf_token_changes_nothing(web: Web) -> None:
    client = web.client("admin")
    before = web.audit_count()
    for path, fields, _, extra in writes_for(web):
        data = fields()
        assert client.post(path, data=data, **extra).status_code == 403, path
        assert client.post(path, data={**data, "csrf": "forged"}, **extra).status_code == 403, path
    cross = web.post(client, "/tokens", {"label": "x"}, headers={"origin": "https://evil.example"})
    assert cross.status_code == 403
    assert web.audit_count() == before


def test_two_leads_on_one_cell_one_wins_the_other_is_told(web: Web) -> None:
    web.ark("user", "set-role", "admin@acme.test", "lead")
    first, second = web.client("lead"), web.client("admin")
    seen = web.version("assignment", "listening/bruno@acme.test/", prefix=True)
    cell = {"responsibility": "listening", "contributor": "bruno@acme.test", "role": "responsible"}
    before = web.audit_count()
    won = web.post(first, "/matrix/cell", {**cell, "hours": "3", "version": seen})
    assert won.status_code == 303
    assert web.audit_count() == before + 1  # one change, one audit record
    before = web.audit_count()
    lost = web.post(second, "/matrix/cell", {**cell, "hours": "1", "version": seen})
    assert lost.status_code == 409
    assert "ana@acme.test changed assignment listening/bruno@acme.test/responsible" in lost.text
    assert "nothing was written" in lost.text
    assert web.audit_count() == before
    holders = web.ark.json("who", "listening")["assignments"]
    assert [a["hours"] for a in holders if a["contributor"] == "bruno@acme.test"] == [3]


def test_a_stale_person_edit_is_refused(web: Web) -> None:
    client = web.client("lead")
    seen = web.version("contributor", "carla@acme.test")
    web.ark("apply", str(web.ark.workspace / "ark.yaml"))  # nothing changes: still current
    web.ark.workspace.joinpath("ark.yaml").write_text(
        web.ark("export").stdout.replace("Carla Vidal", "Carla V."), encoding="utf-8"
    )
    web.ark("apply", str(web.ark.workspace / "ark.yaml"))
    edit = {"name": "Carla", "department": "marketing", "capacity": "2", "version": seen}
    response = web.post(client, "/people/carla@acme.test", edit)
    assert (
        response.status_code == 409
        and "tester changed contributor carla@acme.test" in response.text
    )


def test_hostile_text_is_shown_as_text(web: Web) -> None:
    lead = web.client("lead")
    hostile_person = {
        "email": "evil@acme.test",
        "name": HOSTILE,
        "department": "sales",
        "capacity": "2",
        "jira_user": '"><img src=x onerror=alert(1)>',
    }
    assert web.post(lead, "/people", hostile_person).status_code == 303
    evil_process = (
        GOOD.format(slug="evil")
        .replace(
            "Keep it to one page.",
            f"{HOSTILE}\n\n[click](javascript:alert(1)) <img src=x onerror=alert(2)>",
        )
        .replace("title: Weekly listening report", f'title: "{HOSTILE}"')
    )
    web.ark("process", "record", str(write(web.ark.workspace / "q", "e.md", evil_process)))
    task = web.task_of("bruno@acme.test")
    member = web.client("member")
    web.post(member, "/tasks/done", {"key": task.key, "note": HOSTILE, "version": task.version})
    for path in (
        "/people?q=evil",
        "/people/evil@acme.test",
        "/people/evil@acme.test/offboard?preview=1",
        "/people/ana@acme.test/offboard",  # Evil is one of those who could take over
        "/matrix?department=sales",
        "/processes",
        "/processes/evil",
        f"/tasks?view=all&responsibility={task.responsibility}",
        "/audit",
        "/",
    ):
        page = lead.get(path).text
        assert live_code(page) == [], path
    assert "&lt;script&gt;" in lead.get("/people/evil@acme.test").text
    csv = lead.get("/audit.csv").text
    assert HOSTILE in csv  # a download keeps the text as it was typed


def test_an_error_never_shows_a_traceback(web: Web) -> None:
    client = web.client("lead")
    for path in (
        "/people/nobody@acme.test",
        "/responsibilities/nothing",
        "/kpis/nothing",
        "/processes/nothing",
    ):
        response = client.get(path)
        assert response.status_code == 404 and "Traceback" not in response.text, path
    bad = web.post(
        client,
        "/matrix/cell",
        {
            "responsibility": "listening",
            "contributor": "ana@acme.test",
            "role": "boss",
            "version": "x",
        },
    )
    assert bad.status_code == 400 and "version" in bad.text
    upload = web.post(
        client,
        "/team-file/preview",
        {},
        files={"file": ("mine.yaml", b"ark: 1\nstrategy: [", "application/yaml")},
    )
    assert upload.status_code == 400 and "mine.yaml:" in upload.text


# -- the team file, the audit log, accounts ----------------------------------------------------------


def plan(
    web: Web, client: TestClient, raw: bytes, name: str = "ark.yaml"
) -> tuple[Any, dict[str, str]]:
    """The plan of an uploaded file, and what its confirming form sends (no CSRF token)."""
    page = web.post(client, "/team-file/preview", {}, files={"file": (name, raw, "text/yaml")})
    form = page.text[page.text.index('action="/team-file/apply"') :] if page.is_success else ""
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    fields.pop("csrf", None)
    return page, fields


def test_upload_shows_the_plan_then_applies_it_unless_the_team_moved(web: Web) -> None:
    import yaml as pyyaml

    client = web.client("lead")
    team = pyyaml.safe_load(web.ark("export").stdout)
    team["contributors"].append(
        {"email": "dora@acme.test", "name": "Dora", "department": "sales", "capacity": 4}
    )
    for r in team["responsibilities"]:
        r["assignments"] = [a for a in r["assignments"] if a["role"] != "consulted"]
    dumped = pyyaml.safe_dump(team, allow_unicode=True)
    raw = dumped.replace("Carla Vidal", "Carla Vidal Ruiz").encode()
    preview, confirm = plan(web, client, raw)
    assert preview.status_code == 200 and "~ contributor carla@acme.test" in preview.text
    assert "+ contributor dora@acme.test" in preview.text
    assert re.search(r"- assignment [\w-]+/[\w.@-]+/consulted", preview.text), preview.text
    # Someone signs in, and someone makes a token: neither changes the team.
    link = web.ark("user", "reset-link", "bruno@acme.test").stdout.strip()
    sign_in_with_link(web, web.client(), link)
    web.post(web.client("viewer"), "/tokens", {"label": "script"})
    assert web.post(client, "/team-file/apply", confirm).status_code == 303
    assert "Carla Vidal Ruiz" in web.ark("export").stdout

    _, confirm = plan(web, client, raw.replace(b"Carla Vidal Ruiz", b"Carla R."))
    web.ark("kpi", "record", "followers", "11")  # someone changes the team meanwhile
    before = web.audit_count()
    stale = web.post(client, "/team-file/apply", confirm)
    assert stale.status_code == 409
    assert "tester changed measurement followers/" in stale.text
    assert "nothing was written" in stale.text
    assert web.audit_count() == before
    assert "Carla R." not in web.ark("export").stdout
    garbled = web.post(client, "/team-file/apply", {**confirm, "source": "not base64!"})
    assert garbled.status_code == 400 and "upload the file again" in garbled.text
    assert web.audit_count() == before


def test_an_uploaded_file_marks_the_registry_as_saying_what_it_says(web: Web) -> None:
    """As `ark apply` does: the same file applied again is known unchanged at once, and a
    later edit is named as one that file would revert."""
    from ark.drift import file_digest
    from ark.quick import unchanged

    lead = web.client("lead")
    exported = web.ark("export").stdout.replace("Carla Vidal", "Carla Vidal Ruiz")
    raw = ("# edited on Windows\r\n" + exported.replace("\n", "\r\n")).encode()
    _, confirm = plan(web, lead, raw, "../../team.yaml")
    assert confirm["name"] == "team.yaml"
    assert web.post(lead, "/team-file/apply", confirm).status_code == 303
    assert unchanged(web.ark.db_url, file_digest(raw))  # the bytes uploaded, line ends kept
    team = web.ark.workspace / "team.yaml"
    team.write_bytes(raw)
    assert web.ark.json("apply", str(team)) == {
        "dry_run": False,
        "counts": {},
        "changes": [],
        "reverts": [],
    }
    cell = {"responsibility": "listening", "contributor": "carla@acme.test", "role": "informed"}
    seen = web.version("assignment", "listening/carla@acme.test/", prefix=True)
    assert web.post(lead, "/matrix/cell", {**cell, "hours": "", "version": seen}).status_code == 303
    assert not unchanged(web.ark.db_url, file_digest(raw))
    reverts = web.ark.json("apply", str(team), "--dry-run")["reverts"]
    assert [(r["key"], r["edited_by"], r["via"]) for r in reverts] == [
        ("listening/carla@acme.test/informed", "ana@acme.test", "web")
    ]
    again, _ = plan(web, lead, raw)  # uploading it again names the edit it would undo
    assert "It undoes 1 edit(s)" in again.text
    assert re.search(
        r"<li>ends carla@acme.test informed on listening, set by ana@acme.test on "
        r"\d{4}-\d\d-\d\d via web</li>",
        again.text,
    )


def test_the_audit_log_names_the_person_signed_in_and_downloads_as_csv(web: Web) -> None:
    client = web.client("lead")
    web.post(
        client,
        "/kpis/followers",
        {"value": "12", "version": web.version("measurement", "followers/", prefix=True)},
    )
    page = client.get("/audit?actor=ana@acme.test").text
    assert "measurement followers/" in page
    csv = client.get("/audit.csv?entity=measurement")
    assert csv.headers["content-disposition"] == 'attachment; filename="ark-audit.csv"'
    lines = csv.text.splitlines()
    assert lines[0] == "id,at,actor,action,entity,key,before,after"
    assert any(",ana@acme.test,change,measurement," in line for line in lines[1:])
    assert all(line.split(",")[4] == "measurement" for line in lines[1:])

    # By person, entity and date, on the page and in its CSV alike.
    ana = client.get("/audit.csv?actor=ana@acme.test").text.splitlines()[1:]
    assert ana and all(line.split(",")[2] == "ana@acme.test" for line in ana)
    day = dt.datetime.fromisoformat(ana[-1].split(",")[1]).date()
    around = {
        (day, day): True,
        (day - dt.timedelta(days=3), day - dt.timedelta(days=1)): False,
        (day + dt.timedelta(days=1), None): False,
        (None, day): True,
    }
    for (since, until), found in around.items():
        query = f"actor=ana@acme.test&entity=measurement&since={since or ''}&until={until or ''}"
        page = client.get(f"/audit?{query}").text
        assert ("measurement followers/" in page) == found, query
        assert (len(client.get(f"/audit.csv?{query}").text.splitlines()) > 1) == found, query
    for bad in ("/audit?since=31/12/2099", "/audit.csv?until=tomorrow"):
        refused = client.get(bad)
        assert refused.status_code == 400 and "is not a date" in refused.text, bad


def test_user_commands_refuse_bad_input_clearly(web: Web) -> None:
    assert (
        "already an account"
        in web.ark("user", "add", "ana@acme.test", "--role", "lead", code=1).output
    )
    assert "not an e-mail" in web.ark("user", "add", "nobody", "--role", "lead", code=1).output
    assert "no account" in web.ark("user", "set-role", "x@acme.test", "lead", code=1).output
    assert "ana@acme.test is admin" in web.ark("user", "set-role", "ana@acme.test", "admin").output
    listed = web.ark("user", "list").output.splitlines()
    assert [line.split()[:2] for line in listed if line.startswith("ana@")] == [
        ["ana@acme.test", "admin"]
    ]


# -- API tokens and the JSON API -----------------------------------------------------------------------


def test_api_tokens_are_shown_once_stored_hashed_and_revocable(web: Web) -> None:
    page = web.client("member")
    shown = web.post(page, "/tokens", {"label": "my script"})
    secret = re.search(r'<code class="secret">(ark_[^<]+)</code>', shown.text)
    assert secret is not None
    token = secret.group(1)
    assert token not in page.get("/tokens").text
    with web.engine.connect() as conn:
        dump = " ".join(
            str(row)
            for table in ("credential", "audit", "account")
            for row in conn.execute(text(f"SELECT * FROM {table}"))
        )
    assert token not in dump and PASSWORD not in dump
    api = TestClient(create_app(web.engine))
    auth = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me").status_code == 401
    assert api.get("/api/v1/me", headers=auth).json() == {
        "email": "bruno@acme.test",
        "role": "member",
    }
    task = web.task_of("bruno@acme.test")
    done = api.post(
        f"/api/v1/tasks/{task.key}/done",
        json={"note": "via API", "version": task.version},
        headers=auth,
    )
    assert done.status_code == 204
    cell = {
        "responsibility": "listening",
        "contributor": "carla@acme.test",
        "role": "informed",
        "version": 0,
    }
    assert api.post("/api/v1/assignments", json=cell, headers=auth).status_code == 403
    token_id = re.search(r'name="id" value="(\d+)"', page.get("/tokens").text)
    assert token_id is not None
    before = web.audit_count()
    for other in ("viewer", "admin"):  # a token is revoked by its owner only
        theirs = web.post(web.client(other), "/tokens/revoke", {"id": token_id.group(1)})
        assert theirs.status_code == 404 and token not in theirs.text, other
    assert api.get("/api/v1/me", headers=auth).status_code == 200
    assert web.audit_count() == before + 2  # the two sign-ins, nothing else
    web.post(page, "/tokens/revoke", {"id": token_id.group(1)})
    assert api.get("/api/v1/me", headers=auth).status_code == 401


API_READS = (
    "/me",
    "/check",
    "/people",
    "/responsibilities",
    "/responsibilities/listening",
    "/tasks",
    "/kpis",
    "/processes",
    "/processes/listen",
)
# The API's reads for leads only (as the audit log page is).
API_LEAD_READS = (
    "/audit",
    "/audit?actor=tester&entity=assignment&since=2020-01-01&until=2099-01-01&page=1",
)


def test_the_api_reads_and_writes_with_the_same_rules(web: Web) -> None:
    with transaction(web.engine, actor="test") as reg:
        token = accounts.issue_token(reg, "ana@acme.test", "ci")
    api = TestClient(create_app(web.engine))
    auth = {"Authorization": f"Bearer {token}"}
    for path in API_READS:
        assert api.get(f"/api/v1{path}", headers=auth).status_code == 200, path
    schema = api.get("/api/v1/openapi.json").json()
    assert {"/assignments", "/tasks/{key}/done", "/kpis/{slug}/readings", "/people"} <= set(
        schema["paths"]
    )
    seen = web.version("assignment", "listening/carla@acme.test/", prefix=True)
    cell = {
        "responsibility": "listening",
        "contributor": "carla@acme.test",
        "role": "responsible",
        "hours": 1,
        "version": seen,
    }
    assert api.post("/api/v1/assignments", json=cell, headers=auth).status_code == 204
    again = api.post("/api/v1/assignments", json={**cell, "hours": 2}, headers=auth)
    assert again.status_code == 409 and "nothing was written" in again.json()["error"]
    people = api.get("/api/v1/people?q=carla", headers=auth).json()
    assert [(p["email"], p["assigned"]) for p in people] == [("carla@acme.test", 1.0)]


def test_the_web_plugin_holds_no_orm_model() -> None:
    folder = Path(__file__).resolve().parent.parent / "plugins" / "ark_web"
    for path in folder.rglob("*.py"):
        assert "ark.models" not in path.read_text(encoding="utf-8"), path


def test_a_process_shows_its_revisions_and_the_difference_between_two(web: Web) -> None:
    changed = GOOD.format(slug="listen").replace("Keep it to one page.", "Keep it <short>.")
    web.ark("process", "record", str(write(web.ark.workspace / "p", "l.md", changed)), "-m", "v2")
    page = web.client("viewer").get("/processes/listen?old=1&new=2").text
    assert "<td>v2</td>" in page
    assert "-Keep it to one page." in page and "+Keep it &lt;short&gt;." in page
    assert web.client("viewer").get("/processes/listen?old=1&new=9").status_code == 404


def test_a_review_dated_before_the_process_existed_is_refused_in_the_browser(web: Web) -> None:
    recorded_long_ago(web.ark, "listen", on="2024-03-04")
    lead = web.client("lead")
    page = lead.get("/processes/listen").text
    assert 'name="date" min="2024-03-04"' in page  # the form offers no earlier day
    before = web.audit_count()
    fields = {"date": "2024-03-03", "version": web.version("process", "listen")}
    refused = web.post(lead, "/processes/listen/review", fields)
    assert refused.status_code == 400
    assert "process listen was first recorded on 2024-03-04" in refused.text
    assert web.audit_count() == before
    assert web.ark.json("process", "show", "listen")["last_reviewed_on"] is None
    fields["date"] = "2024-05-06"
    assert web.post(lead, "/processes/listen/review", fields).status_code == 303
    assert web.ark.json("process", "show", "listen")["last_reviewed_on"] == "2024-05-06"


def test_a_kpi_is_charted_against_its_target(web: Web) -> None:
    web.ark("kpi", "record", "leads", "40", "--date", "2026-01-01")
    web.ark("kpi", "record", "leads", "90", "--date", "2026-02-01")
    page = web.client("viewer").get("/kpis/leads").text
    assert page.count("<circle") == 2
    assert "2 reading(s) of" in page and "target 300" in page
    # The readings drawn between the baseline's line (0) and the target's (300), to scale.
    levels = dict(
        (label.split()[0], float(y))
        for y, label in re.findall(r'<line [^>]*y1="([\d.]+)".*?<text [^>]*>([^<]+)<', page, re.S)
    )
    dots = [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', page)]
    assert set(levels) == {"baseline", "target"}
    assert levels["target"] < min(dots) <= max(dots) < levels["baseline"]  # SVG's y grows down
    assert dots[1] == pytest.approx(
        levels["baseline"] + (levels["target"] - levels["baseline"]) * 90 / 300, abs=0.2
    )
    # 90 of the way from 0 to 300, as `ark kpis` and the playbook say it.
    listing = web.client("viewer").get("/kpis").text
    assert re.search(r">Qualified leads</a>.*?<td>30%</td>", listing, re.S), listing
    home = web.client("viewer").get("/").text
    assert '<meter min="0" max="100" value="30.0">30%</meter>' in home


def test_the_playbook_is_served_to_signed_in_people_only(web: Web, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "processes").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Playbook home</h1>", encoding="utf-8")
    (site / "processes" / "index.html").write_text("<h1>Our processes</h1>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("top secret", encoding="utf-8")
    for role in ROLES:
        assert "Playbook home" in web.client(role, playbook=site).get("/playbook/").text, role
    viewer = web.client("viewer", playbook=site)
    assert "Our processes" in viewer.get("/playbook/processes/").text
    for sneaky in ("/playbook/%2e%2e/secret.txt", "/playbook/..%2Fsecret.txt", "/playbook/nothing"):
        response = viewer.get(sneaky)
        assert response.status_code == 404 and "top secret" not in response.text, sneaky
    assert web.client(playbook=site).get("/playbook/").status_code == 303
    unbuilt = web.client("viewer").get("/playbook/")
    assert unbuilt.status_code == 404 and "ark playbook build" in unbuilt.text


def test_disabling_an_account_ends_its_sessions_and_a_new_role_applies_at_once(web: Web) -> None:
    member = web.client("member")
    assert member.get("/audit").status_code == 403
    web.ark("user", "set-role", "bruno@acme.test", "lead")
    assert member.get("/audit").status_code == 200
    web.ark("user", "disable", "bruno@acme.test")
    assert member.get("/").status_code == 303


def test_one_time_links_never_reach_the_access_log() -> None:
    import logging

    from ark_web.cli import MaskLinks

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/link/s3cr3t-value?x=1", "1.1", 200),
        None,
    )
    assert MaskLinks().filter(record)
    assert "s3cr3t" not in record.getMessage() and "/link/***" in record.getMessage()


def test_task_views_page_through_mine_this_week_and_overdue(web: Web) -> None:
    web.ark("tasks", "plan", "--from", "2020-01-01", "--until", "2020-01-31")
    member = web.client("member")
    overdue = member.get("/tasks?view=overdue").text
    assert "listening/2020-W01" in overdue and "listening/2099" not in overdue
    week = member.get("/tasks?view=week").text
    assert "2020-W01" not in week
    mine = member.get("/tasks?view=mine&responsibility=kpi-report").text
    assert "kpi-report/" not in mine  # Ana's, not Bruno's
    home = member.get("/").text
    assert "Weekly listening report 2020-W01" in home  # overdue, on the home page
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    this_week = {
        t["title"]
        for t in web.ark.json("tasks", "list")
        if monday.isoformat() <= t["due"] <= (monday + dt.timedelta(days=6)).isoformat()
    }
    assert any(title.startswith("Weekly listening report") for title in this_week)
    shown = home[home.index('id="week"') : home.index('id="overdue"')]
    for title in this_week:  # Bruno's listening report, not Ana's KPI report
        assert (title in shown) == title.startswith("Weekly listening report"), (title, shown)
    web.ark("tasks", "plan", "--from", "2021-01-01", "--until", "2021-12-31")
    pages = member.get("/tasks?view=all&page=2").text
    assert "page 2 of" in pages and 'rel="prev"' in pages


def api_writes(web: Web) -> list[tuple[str, Callable[[], dict[str, Any]], set[str], int]]:
    """Each state-changing API route: its path, its body (read when sent), the roles it lets
    through in this team, and its answer then (a preview answers 200 and writes nothing)."""
    return [
        (
            "/assignments",
            lambda: {
                "responsibility": "listening",
                "contributor": "carla@acme.test",
                "role": "informed",
                "version": web.version("assignment", "listening/carla@acme.test/", prefix=True),
            },
            {"admin", "lead"},
            204,
        ),
        (
            f"/tasks/{web.task_of('bruno@acme.test').key}/done",
            lambda: {"note": "", "version": web.task_of("bruno@acme.test").version},
            {"admin", "lead", "member"},
            204,
        ),
        (
            "/kpis/followers/readings",
            lambda: {"value": 5, "version": web.version("measurement", "followers/", prefix=True)},
            {"admin", "lead", "member"},
            204,
        ),
        (
            "/processes/listen/review",
            lambda: {"version": web.version("process", "listen")},
            {"admin", "lead"},  # the member is not accountable for listening
            204,
        ),
        (
            "/people/carla@acme.test/offboard/preview",
            lambda: {"to": "bruno@acme.test"},
            {"admin", "lead"},
            200,
        ),
        (
            "/people/carla@acme.test/offboard",
            lambda: web.offboarding("carla@acme.test", to="bruno@acme.test"),
            {"admin", "lead"},
            200,
        ),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_the_api_answers_each_role_as_its_role_allows(web: Web, role: str) -> None:
    api, auth = api_as(web, role)
    for path in API_READS:
        assert api.get(f"/api/v1{path}", headers=auth).status_code == 200, (role, path)
    for path in API_LEAD_READS:
        expected = 200 if allowed(role, "lead") else 403
        assert api.get(f"/api/v1{path}", headers=auth).status_code == expected, (role, path)
    for path, body, roles, status in api_writes(web):
        before = web.audit_count()
        response = api.post(f"/api/v1{path}", json=body(), headers=auth)
        expected = status if role in roles else 403
        assert response.status_code == expected, (role, path, response.text)
        wrote = role in roles and not path.endswith("/preview")
        assert (web.audit_count() > before) == wrote, (role, path)


def test_the_api_writes_nothing_for_a_stranger(web: Web) -> None:
    api = TestClient(create_app(web.engine))
    before = web.audit_count()
    for path, body, _, _ in api_writes(web):
        for auth in ({}, {"Authorization": "Bearer ark_forged"}, {"Authorization": "Basic x"}):
            response = api.post(f"/api/v1{path}", json=body(), headers=auth)
            assert response.status_code == 401, (path, auth, response.text)
    for path in API_READS + API_LEAD_READS:
        assert api.get(f"/api/v1{path}").status_code == 401, path
    # A browser's session is no key to the API: a page elsewhere cannot make it call one.
    browser = web.client("admin")
    for path, body, _, _ in api_writes(web):
        assert browser.post(f"/api/v1{path}", json=body()).status_code == 401, path
    assert web.audit_count() == before + 1  # the admin's sign-in, nothing else


# Routes whose answer to each role (or to no one signed in) is proven by the test named.
ELSEWHERE = {
    ("GET", "/sign-in"): "test_sign_in_with_a_password_from_a_reset_link_and_out_again",
    ("POST", "/sign-in"): "test_sign_in_with_a_password_from_a_reset_link_and_out_again",
    ("GET", "/link/{secret}"): "test_first_run_gives_one_link_that_makes_the_first_admin",
    ("POST", "/link/{secret}"): "test_first_run_gives_one_link_that_makes_the_first_admin",
    (
        "GET",
        "/sign-in/oidc",
    ): "test_web_oidc.test_a_person_with_an_account_signs_in_through_the_provider",
    (
        "GET",
        "/sign-in/oidc/callback",
    ): "test_web_oidc.test_a_callback_that_did_not_start_here_is_refused",
    ("POST", "/jobs/{name}/run"): "test_an_admin_runs_a_job_now_from_the_jobs_page",
    (
        "POST",
        "/hooks/{source}",
    ): "test_automation_web.test_a_webhook_without_the_right_secret_changes_nothing",
    ("GET", "/playbook/{path:path}"): "test_the_playbook_is_served_to_signed_in_people_only",
    (
        "GET",
        "/api/v1/openapi.json",
    ): "test_an_api_offboarding_confirmation_without_its_preview_is_refused",
}


def test_the_role_matrix_covers_every_route(web: Web) -> None:
    """Every route of the app, pages and API, is tried for every role by the matrix tests
    above, or named in ELSEWHERE with the test that does: a new route cannot slip through."""
    import importlib

    from ark_web import api, jobs, pages

    tried = {("GET", path.partition("?")[0]) for path in PAGES}
    tried |= {("POST", path) for path, *_ in writes_for(web)}
    tried |= {("GET", "/api/v1" + path.partition("?")[0]) for path in API_READS + API_LEAD_READS}
    tried |= {("POST", "/api/v1" + path) for path, *_ in api_writes(web)}
    routes: list[tuple[Any, str]] = [
        (r, "") for router in (pages.router, jobs.router) for r in router.routes
    ]
    routes += [(r, "/api/v1") for r in api.create_api(web.engine).routes]
    untried = []
    for route, mount in routes:
        for method in sorted(set(route.methods) - {"HEAD"}):
            if (method, mount + route.path) in ELSEWHERE:
                continue
            if not any(
                m == method
                and path.startswith(mount)
                and route.path_regex.match(path[len(mount) :])
                for m, path in tried
            ):
                untried.append(f"{method} {mount}{route.path}")
    assert untried == []
    for test in ELSEWHERE.values():
        module, _, name = test.rpartition(".")
        found = importlib.import_module(f"tests.{module}") if module else globals()
        assert callable(getattr(found, name, None) if module else found.get(name)), test


STALE_HEALTH = "reload in a moment"  # the health shown is not the current one yet


def test_a_change_shows_on_the_next_page_in_every_session_and_worker(web: Web) -> None:
    """Each server process keeps pages per state of the registry: an edit made through one
    shows on the next page another process or another session draws."""
    web.ark("user", "set-role", "admin@acme.test", "lead")
    other = open_engine(web.ark.db_url)  # another worker's: its kept pages are its own
    try:
        editor, colleague, elsewhere = (
            web.client("lead"),
            web.client("admin"),
            web.client("lead", engine=other),
        )
        matrix, key = "/matrix?q=listening", "listening/carla@acme.test/"
        for client in (colleague, elsewhere):
            assert 'title="informed">I 1h' not in client.get(matrix).text
        tasks_before = elsewhere.get("/tasks?view=all").text
        edit = {
            "responsibility": "listening",
            "contributor": "carla@acme.test",
            "role": "informed",
            "hours": "1",
            "version": web.version("assignment", key, prefix=True),
        }
        assert web.post(editor, "/matrix/cell", edit).status_code == 303
        now = web.version("assignment", key, prefix=True)
        for client in (colleague, elsewhere):
            page = client.get(matrix).text
            assert 'title="informed">I 1h' in page and f'value="{now}"' in page
        task = web.task_of("bruno@acme.test")
        assert f'name="key" value="{task.key}"' in tasks_before
        done = {"key": task.key, "note": "", "version": task.version}
        assert web.post(editor, "/tasks/done", done).status_code == 303
        assert f'name="key" value="{task.key}"' not in elsewhere.get("/tasks?view=all").text
    finally:
        other.dispose()


def test_a_kept_page_carries_only_its_own_browser_s_token_and_name(web: Web) -> None:
    """The matrix is kept once for every lead; each gets it with their own CSRF token and
    e-mail, never the first one's, and a member sees no edit form in it."""
    from ark_web.pages import CSRF_MARK, EMAIL_MARK

    web.ark("user", "set-role", "admin@acme.test", "lead")
    first, second, member = web.client("lead"), web.client("admin"), web.client("member")
    pages = {c: c.get("/matrix").text for c in (first, second, member)}
    for client, person in ((first, "ana"), (second, "admin"), (member, "bruno")):
        page = pages[client]
        assert f"{person}@acme.test (" in page
        assert f'name="csrf" value="{client.cookies[CSRF_COOKIE]}"' in page
        assert CSRF_MARK not in page and EMAIL_MARK not in page
    assert first.cookies[CSRF_COOKIE] not in pages[second]
    assert "ana@acme.test (" not in pages[second]
    assert 'action="/matrix/cell"' in pages[second]
    assert 'action="/matrix/cell"' not in pages[member]


def current_home(client: TestClient) -> str:
    """The home page once its health is current: after a change the check is worked out
    again in the background (no time limit: the machine may be slow)."""
    while STALE_HEALTH in (page := str(client.get("/").text)):
        time.sleep(0.02)
    return page


def test_the_home_page_health_follows_every_change(web: Web) -> None:
    viewer = web.client("viewer")
    finding = "listening has no responsible person"
    assert finding not in current_home(viewer)
    web.ark("unassign", "bruno@acme.test", "listening", "--role", "responsible")
    # At once: either the new check, or the last one saying it is from before the change.
    first = viewer.get("/").text
    assert (STALE_HEALTH in first) == (finding not in first)
    assert finding in current_home(viewer)
    web.ark("assign", "carla@acme.test", "listening", "--role", "responsible", "--hours", "1")
    assert finding not in current_home(viewer)


# -- offboarding ----------------------------------------------------------------------------------


def offboarding_page(client: TestClient, email: str, **choices: str) -> tuple[Any, dict[str, str]]:
    """The offboarding page with these choices previewed, and what its confirming form sends."""
    from html import unescape

    page = client.get(f"/people/{email}/offboard", params={**choices, "preview": "1"})
    if page.status_code != 200 or 'method="post" action="/people/' not in page.text:
        return page, {}
    form = page.text[page.text.index('<form method="post" action="/people/') :]
    fields = {k: unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', form)}
    del fields["csrf"]
    return page, fields


def web_edits(web: Web, after: int) -> set[tuple[str, str | None]]:
    with web.engine.connect() as conn:
        rows = conn.execute(
            select(AuditRecord.actor, AuditRecord.via).where(AuditRecord.id > after)
        )
        return {(actor, via) for actor, via in rows}


def test_offboarding_previews_what_moves_then_moves_exactly_that(web: Web) -> None:
    admin, member = web.client("admin"), web.client("member")
    assert "/offboard" not in member.get("/people/ana@acme.test").text
    assert 'href="/people/ana@acme.test/offboard"' in admin.get("/people/ana@acme.test").text
    tasks = [t["key"] for t in web.ark.json("tasks", "list") if t["assignee"] == "ana@acme.test"]
    assert tasks
    before = web.audit_count()
    choices = admin.get("/people/ana@acme.test/offboard").text
    assert all(f'name="accountable:{slug}"' in choices for slug in ("listening", "kpi-report"))
    assert all(f'name="task:{key}"' in choices for key in tasks)
    assert '<option value="carla@acme.test">' in choices
    assert '<option value="ana@acme.test">' not in choices  # nobody takes over from themself

    page, confirm = offboarding_page(
        admin,
        "ana@acme.test",
        to="bruno@acme.test",
        **{"accountable:listening": "carla@acme.test"},
    )
    assert "<td>accountable on listening</td><td>carla@acme.test</td>" in page.text
    assert "<td>accountable on kpi-report</td><td>bruno@acme.test</td>" in page.text
    assert "<td>responsible on kpi-report (2 h a week)</td><td>ended</td>" in page.text
    assert all(f"<td>task {key}</td><td>bruno@acme.test</td>" in page.text for key in tasks)
    found = page.text[page.text.index("would find then") :]
    assert "kpi-report has no responsible" in found, found[:600]  # Ana did the work
    assert "listening" not in found[: found.index("</ul>")]
    assert web.audit_count() == before  # a preview writes nothing

    done = web.post(admin, "/people/ana@acme.test/offboard", confirm)
    assert (done.status_code, done.headers["location"]) == (303, "/people")
    holders = {
        slug: {(a["contributor"], a["role"]) for a in web.ark.json("who", slug)["assignments"]}
        for slug in ("listening", "kpi-report")
    }
    assert ("carla@acme.test", "accountable") in holders["listening"]
    assert ("bruno@acme.test", "accountable") in holders["kpi-report"]
    assert not any(who == "ana@acme.test" for roles in holders.values() for who, _ in roles)
    assigned = {t["key"]: t["assignee"] for t in web.ark.json("tasks", "list")}
    assert {assigned[key] for key in tasks} == {"bruno@acme.test"}
    assert admin.get("/people/ana@acme.test").status_code == 404
    assert web_edits(web, before) == {("admin@acme.test", "web")}
    reverts = web.ark.json("apply", str(web.ark.workspace / "ark.yaml"), "--dry-run")["reverts"]
    assert reverts and all(r["via"] == "web" for r in reverts)  # the team file sees the edit


def test_a_stale_offboarding_preview_is_refused_and_writes_nothing(web: Web) -> None:
    lead = web.client("lead")
    _, confirm = offboarding_page(lead, "bruno@acme.test", to="carla@acme.test")
    web.ark("assign", "bruno@acme.test", "kpi-report", "--role", "informed")
    before = web.audit_count()
    stale = web.post(lead, "/people/bruno@acme.test/offboard", confirm)
    assert stale.status_code == 409
    assert "tester changed assignment kpi-report/bruno@acme.test/informed (add)" in stale.text
    assert "nothing was written" in stale.text
    assert web.audit_count() == before
    assert lead.get("/people/bruno@acme.test").status_code == 200

    page, confirm = offboarding_page(lead, "bruno@acme.test", to="carla@acme.test")
    assert "informed on kpi-report" in page.text
    web.ark("kpi", "record", "followers", "11")  # a change that moves nothing of Bruno's
    assert web.post(lead, "/people/bruno@acme.test/offboard", confirm).status_code == 303
    assert lead.get("/people/bruno@acme.test").status_code == 404


@pytest.mark.parametrize(
    ("choices", "status", "message"),
    [
        ({"to": "nobody@acme.test"}, 404, "no contributor &#39;nobody@acme.test&#39;"),
        ({"to": "ana@acme.test"}, 409, "ana@acme.test is the person leaving"),
        (
            {"to": "bruno@acme.test", "accountable:listening": "ANA@acme.test"},
            409,
            "ANA@acme.test is the person leaving",
        ),
        ({}, 409, "ana@acme.test is accountable for listening, kpi-report and has"),
        (
            {"accountable:listening": "carla@acme.test"},
            409,
            "nobody is named to take kpi-report, kpi-report/",
        ),
        (
            {"to": "bruno@acme.test", "accountable:sales-calls": "carla@acme.test"},
            409,
            "ana@acme.test is not accountable for &#39;sales-calls&#39;",
        ),
        (
            {"to": "bruno@acme.test", "task:no/such": "carla@acme.test"},
            409,
            "ana@acme.test has no open task &#39;no/such&#39;",
        ),
        ({"to": "bruno@acme.test", "on": "31/12/2099"}, 400, "is not a date"),
        ({"to": HOSTILE}, 404, "no contributor &#34;&lt;script&gt;"),
    ],
)
def test_offboarding_refuses_bad_choices_clearly(
    web: Web, choices: dict[str, str], status: int, message: str
) -> None:
    lead = web.client("admin")
    before = web.audit_count()
    page, _ = offboarding_page(lead, "ana@acme.test", **choices)
    assert (page.status_code, message) == (status, message if message in page.text else page.text)
    sent = {**choices, "version": str(web.version(None, "")), "digest": "forged"}
    posted = web.post(lead, "/people/ana@acme.test/offboard", sent)
    assert posted.status_code == status and message in posted.text
    assert HOSTILE not in posted.text
    assert web.audit_count() == before
    assert lead.get("/people/ana@acme.test").status_code == 200


def test_offboarding_hands_nothing_to_someone_gone_or_disabled(web: Web) -> None:
    lead = web.client("admin")
    web.ark("user", "disable", "carla@acme.test")
    page, _ = offboarding_page(lead, "ana@acme.test", to="carla@acme.test")
    assert page.status_code == 409 and "carla@acme.test&#39;s account is disabled" in page.text
    assert 'name="to" list="people" value="carla@acme.test"' in page.text  # kept as typed
    web.ark("person", "offboard", "carla@acme.test", "--yes")
    page, _ = offboarding_page(lead, "ana@acme.test", to="carla@acme.test")
    assert page.status_code == 404 and "no contributor &#39;carla@acme.test&#39;" in page.text
    assert '<option value="carla@acme.test">' not in lead.get("/people/ana@acme.test/offboard").text
    for path in ("/people/carla@acme.test/offboard", "/people/nobody@acme.test/offboard"):
        assert lead.get(path).status_code == 404
        refused = web.post(lead, path, {"to": "bruno@acme.test", "version": "0", "digest": ""})
        assert refused.status_code == 404
    no_version = web.post(lead, "/people/ana@acme.test/offboard", {"to": "bruno@acme.test"})
    assert no_version.status_code == 400 and "no version" in no_version.text


def test_a_browser_edit_is_an_edit_the_team_file_would_revert(web: Web) -> None:
    """Changes made in the browser are marked `via web`, so `ark apply` of a file they are not
    in names them instead of undoing them silently; a file uploaded and applied in the
    browser is an apply, as on the command line, not an edit."""
    lead = web.client("lead")
    team = str(web.ark.workspace / "ark.yaml")
    renamed = web.ark("export").stdout.replace("Carla Vidal", "Carla Vidal Ruiz")
    applied = {"source": upload(renamed), "name": "ark.yaml", "version": web.team_version()}
    assert web.post(lead, "/team-file/apply", applied).status_code == 303
    assert web.ark.json("apply", team, "--dry-run")["reverts"] == []

    cell = {"responsibility": "listening", "contributor": "carla@acme.test", "role": "informed"}
    seen = web.version("assignment", "listening/carla@acme.test/", prefix=True)
    assert web.post(lead, "/matrix/cell", {**cell, "hours": "", "version": seen}).status_code == 303
    reverts = web.ark.json("apply", team, "--dry-run")["reverts"]
    assert [(r["key"], r["edited_by"], r["via"]) for r in reverts] == [
        ("listening/carla@acme.test/informed", "ana@acme.test", "web")
    ]


def test_what_many_requests_ask_for_at_once_is_worked_out_once() -> None:
    """Twenty reloads of the matrix just after an edit: one works it out, the others wait
    for its answer (with `Kept` not letting them, all eight threads here would)."""
    kept, calls, barrier = reads.Kept(), [], threading.Barrier(8)
    state = (1, dt.date(2026, 1, 1))

    def work_out() -> str:
        calls.append(1)
        time.sleep(0.2)  # long enough for the others to ask meanwhile
        return "page"

    answers: list[str] = []

    def ask() -> None:
        barrier.wait()
        answers.append(kept.get("matrix", state, work_out))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["page"] * 8 and len(calls) == 1
    assert kept.get("matrix", (2, dt.date(2026, 1, 1)), lambda: "newer") == "newer"


# -- offboarding through the API ------------------------------------------------------------------


def api_as(web: Web, role: str) -> tuple[TestClient, dict[str, str]]:
    """The API, and the headers that send a personal token of the person with `role`."""
    with transaction(web.engine, actor="test") as reg:
        token = accounts.issue_token(reg, PEOPLE[role], "script")
    return TestClient(create_app(web.engine)), {"Authorization": f"Bearer {token}"}


OFFBOARD_API = "/api/v1/people/ana@acme.test/offboard"


@pytest.mark.parametrize("role", ROLES)
def test_the_api_offboards_as_the_page_does_for_each_role(web: Web, role: str) -> None:
    api, auth = api_as(web, role)
    choices = {"to": "bruno@acme.test", "accountable_to": {"listening": "carla@acme.test"}}
    before = web.audit_count()
    shown = api.post(f"{OFFBOARD_API}/preview", json=choices, headers=auth)
    assert web.audit_count() == before  # a preview writes nothing
    if role in ("member", "viewer"):
        assert shown.status_code == 403 and "needs the lead role" in shown.json()["error"]
        forged = {**choices, "version": web.team_version(), "digest": "x"}
        assert api.post(OFFBOARD_API, json=forged, headers=auth).status_code == 403
        assert web.audit_count() == before
        assert web.client("viewer").get("/people/ana@acme.test").status_code == 200
        return
    assert shown.status_code == 200, shown.text
    preview = shown.json()
    tasks = [t["key"] for t in web.ark.json("tasks", "list") if t["assignee"] == "ana@acme.test"]
    assert {(m["item"], m["to"]) for m in preview["accountable"]} == {
        ("listening", "carla@acme.test"),
        ("kpi-report", "bruno@acme.test"),
    }
    assert {t["item"]: t["to"] for t in preview["tasks"]} == dict.fromkeys(tasks, "bruno@acme.test")
    assert {"responsibility": "kpi-report", "role": "responsible", "hours": 2.0} in preview["ended"]
    assert any("kpi-report has no responsible" in f["message"] for f in preview["findings"])
    _, confirm = offboarding_page(
        web.client("lead"),
        "ana@acme.test",
        to="bruno@acme.test",
        **{"accountable:listening": "carla@acme.test"},
    )
    assert (preview["version"], preview["digest"]) == (int(confirm["version"]), confirm["digest"])
    sent = {**choices, "version": preview["version"], "digest": preview["digest"]}
    newest = web.version(None, "")  # ids, not counts: PostgreSQL's sequence skips some
    done = api.post(OFFBOARD_API, json=sent, headers=auth)
    assert done.status_code == 200, done.text
    assert {k: done.json()[k] for k in ("contributor", "accountable")} == {
        k: preview[k] for k in ("contributor", "accountable")
    }
    assert web_edits(web, newest) == {(PEOPLE[role], "web")}
    assert web.client("viewer").get("/people/ana@acme.test").status_code == 404
    after = web.audit_count()
    assert api.post(OFFBOARD_API, json=sent, headers=auth).status_code == 404
    assert web.audit_count() == after


def test_an_api_offboarding_previewed_before_a_team_change_is_refused(web: Web) -> None:
    api, auth = api_as(web, "lead")
    url = "/api/v1/people/bruno@acme.test/offboard"
    choices = {"to": "carla@acme.test"}
    preview = api.post(f"{url}/preview", json=choices, headers=auth).json()
    web.ark("assign", "bruno@acme.test", "kpi-report", "--role", "informed")
    before = web.audit_count()
    sent = {**choices, "version": preview["version"], "digest": preview["digest"]}
    stale = api.post(url, json=sent, headers=auth)
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert "tester changed assignment kpi-report/bruno@acme.test/informed (add) at " in error
    assert "nothing was written" in error and stale.json()["hint"]
    assert web.audit_count() == before

    # A sign-in, a new token and a revoked one change nothing about the team.
    preview = api.post(f"{url}/preview", json=choices, headers=auth).json()
    link = web.ark("user", "reset-link", "carla@acme.test").stdout.strip()
    sign_in_with_link(web, web.client(), link)
    api_as(web, "viewer")
    web.ark("user", "set-role", "spare@acme.test", "viewer")
    sent = {**choices, "version": preview["version"], "digest": preview["digest"]}
    assert api.post(url, json=sent, headers=auth).status_code == 200
    assert web.client("viewer").get("/people/bruno@acme.test").status_code == 404


def test_an_offboarding_page_previewed_before_a_sign_in_is_still_confirmed(web: Web) -> None:
    lead = web.client("lead")
    _, confirm = offboarding_page(lead, "bruno@acme.test", to="carla@acme.test")
    link = web.ark("user", "reset-link", "carla@acme.test").stdout.strip()
    sign_in_with_link(web, web.client(), link)
    web.post(web.client("member"), "/tokens", {"label": "script"})
    assert web.post(lead, "/people/bruno@acme.test/offboard", confirm).status_code == 303
    assert lead.get("/people/bruno@acme.test").status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("ana@acme.test", {"to": "nobody@acme.test"}, 404, "no contributor 'nobody@acme.test'"),
        ("ana@acme.test", {"to": "ana@acme.test"}, 409, "ana@acme.test is the person leaving"),
        ("ana@acme.test", {}, 409, "ana@acme.test is accountable for listening, kpi-report"),
        (
            "ana@acme.test",
            {"to": "bruno@acme.test", "task_to": {"no/such": "carla@acme.test"}},
            409,
            "ana@acme.test has no open task 'no/such'",
        ),
        ("nobody@acme.test", {"to": "bruno@acme.test"}, 404, "no contributor 'nobody@acme.test'"),
        ("ana@acme.test", {"to": HOSTILE}, 404, f"no contributor {HOSTILE!r}"),
        ("ana@acme.test", {"to": "bruno@acme.test", "on": "31/12/2099"}, 422, "on"),
        ("ana@acme.test", {"to": "bruno@acme.test", "task_to": ["x"]}, 422, "task_to"),
    ],
)
def test_api_offboarding_refuses_bad_input_clearly(
    web: Web, path: str, body: dict[str, Any], status: int, message: str
) -> None:
    api, auth = api_as(web, "admin")
    before = web.audit_count()
    url = f"/api/v1/people/{path}/offboard"
    for answer in (
        api.post(f"{url}/preview", json=body, headers=auth),
        api.post(url, json={**body, "version": web.team_version(), "digest": "x"}, headers=auth),
    ):
        assert answer.status_code == status, answer.text
        if status == 422:  # the field that is wrong, in words and for the script
            assert answer.json()["fields"] == [message], answer.text
            assert f"field {message!r} is not valid" in answer.json()["error"], answer.text
        assert message in answer.json()["error"] and answer.json()["hint"], answer.text
    assert web.audit_count() == before
    assert web.client("viewer").get("/people/ana@acme.test").status_code == 200


def test_an_api_offboarding_confirmation_without_its_preview_is_refused(web: Web) -> None:
    api, auth = api_as(web, "lead")
    before = web.audit_count()
    bare = api.post(OFFBOARD_API, json={"to": "bruno@acme.test"}, headers=auth)
    assert bare.status_code == 422
    assert set(bare.json()["fields"]) == {"version", "digest"}
    assert "missing fields 'version', 'digest'" in bare.json()["error"]
    forged = {"to": "bruno@acme.test", "version": web.team_version(), "digest": "forged"}
    refused = api.post(OFFBOARD_API, json=forged, headers=auth)
    assert refused.status_code == 409 and "other things than the preview showed" in refused.text
    assert api.post(OFFBOARD_API, json=forged).status_code == 401
    assert web.audit_count() == before
    schema = api.get("/api/v1/openapi.json").json()
    for path in ("/people/{email}/offboard/preview", "/people/{email}/offboard"):
        described = " ".join(schema["paths"][path]["post"]["description"].split())
        assert "nothing is written" in described, path
    confirm = " ".join(schema["paths"]["/people/{email}/offboard"]["post"]["description"].split())
    assert "409" in confirm and "names who changed what" in confirm


def test_the_apis_own_refusals_answer_as_every_other_refusal(web: Web) -> None:
    """A path no route serves, a method the route does not take and a request FastAPI
    finds no valid input in answer `{"error", "hint"}` as the registry's refusals do, the
    last naming the fields to fix, in words and as a list; nothing is written."""
    api, auth = api_as(web, "lead")
    before = web.audit_count()
    nowhere = api.get("/api/v1/nowhere", headers=auth)
    assert nowhere.status_code == 404
    assert nowhere.json()["error"] == "the API has no route /api/v1/nowhere"
    assert "/api/v1/openapi.json" in nowhere.json()["hint"]
    method = api.get("/api/v1/assignments", headers=auth)
    assert (method.status_code, method.headers["allow"]) == (405, "POST")
    assert method.json()["error"] == "/api/v1/assignments takes no GET"
    cell = {"responsibility": "listening", "hours": "many", "version": "v1"}
    bad = api.post("/api/v1/assignments", json=cell, headers=auth)
    assert bad.status_code == 422
    assert bad.json()["fields"] == ["contributor", "role", "hours", "version"]
    assert bad.json()["error"] == (
        "missing fields 'contributor', 'role'; fields 'hours', 'version' are not valid"
    )
    assert "/api/v1/openapi.json" in bad.json()["hint"]
    as_json = {**auth, "Content-Type": "application/json"}
    for answer, said in (
        (api.get("/api/v1/people?page=first", headers=auth), "field 'page' is not valid"),
        (api.post("/api/v1/assignments", content=b"{", headers=as_json), "field 'body' is not"),
        (api.post("/api/v1/assignments", json=[cell], headers=auth), "field 'body' is not"),
        (api.post("/api/v1/assignments", headers=auth), "missing field 'body'"),
    ):
        assert answer.status_code == 422 and said in answer.json()["error"], answer.text
        assert answer.json()["fields"] == [said.split("'")[1]], answer.text
    assert web.audit_count() == before
    page = web.client("viewer").get("/nowhere")
    assert page.status_code == 404 and "there is no page /nowhere" in page.text


def test_an_admin_makes_a_sign_in_link_in_the_browser_that_works_once(web: Web) -> None:
    admin = web.client("admin")
    accounts_page = admin.get("/accounts").text
    assert 'action="/accounts/link"' in accounts_page
    shown = web.post(admin, "/accounts/link", {"email": "spare@acme.test"})
    assert shown.status_code == 200 and "shown this once" in shown.text
    found = re.search(r'<code class="secret">(http://testserver/link/[^<]+)</code>', shown.text)
    assert found is not None
    link = found.group(1)
    secret = link.rsplit("/", 1)[1]
    for path in ("/accounts", "/audit", "/audit.csv"):
        assert secret not in admin.get(path).text, path
    spare = web.client()
    assert sign_in_with_link(web, spare, link).status_code == 303
    assert "spare@acme.test (member)" in spare.get("/").text
    assert web.client().get(link[link.index("/link/") :]).status_code == 404  # used up
    again = web.post(web.client(), "/sign-in", {"email": "spare@acme.test", "password": PASSWORD})
    assert again.status_code == 303
    unknown = web.post(admin, "/accounts/link", {"email": "nobody@acme.test"})
    assert unknown.status_code == 404 and "no account" in unknown.text


def test_the_demo_makes_an_account_for_each_person_and_says_how_to_sign_in(
    demo: Callable[[str], Any],
) -> None:
    made = demo("en")
    admin = re.search(
        r"to sign in: cd (\S+) && ark user reset-link (\S+) && ark serve", made.output
    )
    assert admin is not None, made.output
    assert Path(admin.group(1)) == made.workspace
    listed = Ark(made.workspace, made.db_url).json("user", "list")
    engine = open_engine(made.db_url)
    with transaction(engine, write=False) as reg:
        team = reg.team_spec()
    engine.dispose()
    leads = {
        a.contributor
        for r in team.responsibilities
        for a in r.assignments
        if a.role == "accountable"
    }
    # A contributor's account is their contributor e-mail; none has a password yet.
    assert {a["email"] for a in listed} == {c.email for c in team.contributors}
    roles = {a["email"]: a["role"] for a in listed}
    assert roles[admin.group(2)] == "admin" and admin.group(2) == team.contributors[0].email
    assert all(roles[e] == "lead" for e in leads if e != admin.group(2))
    assert all(roles[c.email] == "member" for c in team.contributors[1:] if c.email not in leads)
    assert not any(a["has_password"] for a in listed)


SCALED_PAGES = (
    "/",
    "/matrix",
    "/matrix?department=dep-1",
    "/people",
    "/people/person7@bench.test",
    "/responsibilities",
    "/responsibilities/resp-3",
    "/tasks?view=all",
    "/tasks?view=week",
    "/kpis",
    "/audit",
)


def test_a_page_sends_as_many_statements_for_a_big_team_as_for_a_small_one(
    new_db: Callable[[], str], tmp_path: Path
) -> None:
    """The pages read a page of the team in a fixed number of statements (no statement per
    person or responsibility), and the matrix of a team too big to show at once is filtered
    and paged, by rows and by columns of people."""
    from ark_web.reads import PEOPLE_PER_PAGE, ROWS_PER_PAGE

    from bench.registry import Size, counting, team_yaml

    counts: dict[int, dict[str, int]] = {}
    for size in (Size(30, 3, 12, 60), Size(150, 5, 60, 300)):
        ark = Ark(tmp_path / str(size.contributors), new_db())
        ark.workspace.mkdir()
        team = ark.workspace / "ark.yaml"
        team.write_text(team_yaml(size), encoding="utf-8")
        ark("apply", str(team))
        ark("tasks", "plan", "--until", (dt.date.today() + dt.timedelta(days=30)).isoformat())
        ark("user", "add", "person7@bench.test", "--role", "lead")
        engine = open_engine(ark.db_url)
        with transaction(engine, actor="test") as reg:
            secret = accounts.start_session(reg, "person7@bench.test")
        client = TestClient(create_app(engine), cookies={SESSION_COOKIE: secret})
        counts[size.contributors] = {}
        current_home(client)  # the health worked out in the background first: not counted
        for path in SCALED_PAGES:
            assert client.get(path).status_code == 200, path  # and its checks now kept
            with counting() as sent:
                assert client.get(path).status_code == 200, path
            counts[size.contributors][path] = sent[0]
        if size.contributors == 150:
            first = client.get("/matrix").text
            assert first.count('<tr id="r-') == ROWS_PER_PAGE and "page 1 of 3" in first
            last = client.get("/matrix?page=3").text
            assert last.count('<tr id="r-') == 60 - 2 * ROWS_PER_PAGE
            people = [
                set(re.findall(r'<th scope="col"[^>]*><a href="/people/([^"]+)"', page))
                for page in (first, client.get("/matrix?columns=2").text)
            ]
            assert [len(p) for p in people] == [PEOPLE_PER_PAGE] * 2 and not people[0] & people[1]
            one = client.get("/matrix?department=dep-1").text
            rows = [int(r) for r in re.findall(r'<tr id="r-resp-(\d+)"', one)]
            assert len(rows) == 60 // 5 and all(r % 5 == 1 for r in rows)
            assert "page 1 of 3" in one  # the department's 30 people, 12 a page
        engine.dispose()
    assert all(counts[30].values()) and counts[150] == counts[30]


def test_the_session_and_language_are_read_outside_a_transaction(web: Web) -> None:
    """Every request looks up its session, and a page the strategy's language: each is one
    statement, sent with no BEGIN and COMMIT around it (two round trips to PostgreSQL each),
    where the page's own reads share a snapshot; an edit answered with a redirect does not
    read the language at all."""
    from sqlalchemy import event

    def in_transaction(raw: Any) -> bool:
        if hasattr(raw, "in_transaction"):  # sqlite3
            return bool(raw.in_transaction)
        from psycopg.pq import TransactionStatus

        return bool(raw.info.transaction_status != TransactionStatus.IDLE)

    sent: list[tuple[str, bool]] = []

    def after(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        kind = next((k for k in ("credential", "setting", "audit") if f"FROM {k}" in statement), "")
        if kind:
            sent.append((kind, in_transaction(connection.connection.dbapi_connection)))

    lead = web.client("lead")
    lead.get("/matrix")  # worked out and kept
    seen = web.version("assignment", "listening/carla@acme.test/", prefix=True)
    event.listen(web.engine, "after_cursor_execute", after)
    try:
        assert lead.get("/matrix").status_code == 200
        page = list(sent)
        sent.clear()
        cell = {"responsibility": "listening", "contributor": "carla@acme.test"}
        edit = web.post(lead, "/matrix/cell", {**cell, "role": "informed", "version": seen})
        assert edit.status_code == 303, edit.text
    finally:
        event.remove(web.engine, "after_cursor_execute", after)
    assert page == [("credential", False), ("audit", True), ("setting", False)]
    assert sent[0] == ("credential", False) and ("setting", False) not in sent
    assert all(inside for kind, inside in sent[1:])  # the edit's own, in its transaction


def test_the_matrix_and_home_show_each_rule_break_until_it_is_fixed(web: Web) -> None:
    """A row without an accountable and a person over capacity are marked in the matrix at
    a glance; the home page lists each with a link to where it is fixed; both go once fixed.
    A second accountable is refused by the registry itself, as on the command line."""
    lead = web.client("lead")
    row = re.compile(r'<tr id="r-listening">.*?</tr>', re.S)
    carla_head = re.compile(r'<th scope="col" class="([^"]*)"><a href="/people/carla@acme.test"')

    def set_cell(email: str, role: str, hours: str = "", status: int = 303) -> str:
        seen = web.version("assignment", f"listening/{email}/", prefix=True)
        cell = {"responsibility": "listening", "contributor": email, "role": role}
        sent = web.post(lead, "/matrix/cell", {**cell, "hours": hours, "version": seen})
        assert sent.status_code == status, sent.text
        return str(sent.text)

    def matrix() -> tuple[str, str]:
        page = lead.get("/matrix").text
        found, head = row.search(page), carla_head.search(page)
        assert found is not None and head is not None
        return found.group(0), head.group(1)

    assert 'data-code="no-accountable"' not in matrix()[0] and matrix()[1] == ""
    refused = set_cell("carla@acme.test", "accountable", status=409)
    assert "listening already has an accountable person: ana@acme.test" in refused
    assert "A, taking over" in refused and "--replace" not in refused  # a hint for the page
    set_cell("carla@acme.test", "responsible", "6")  # 6 h a week over Carla's 5
    set_cell("ana@acme.test", "end:accountable")
    cells, head = matrix()
    assert 'data-code="no-accountable"' in cells and head == "over"
    web.ark("tasks", "plan", "--from", "2020-01-01", "--until", "2020-01-31")  # overdue now
    home = current_home(lead)
    links = set(re.findall(r'— <a href="([^"]+)">fix it</a>', home))
    assert {
        "/matrix?q=listening",
        "/people/carla@acme.test",
        "/tasks?view=overdue&amp;responsibility=listening",
        "/matrix",  # nobody carries a component of the strategy
    } <= links, links
    for link in links:  # each leads to a page where it is fixed
        assert lead.get(html.unescape(link)).status_code == 200, link
    overdue = lead.get("/tasks?view=overdue&responsibility=listening").text
    assert "listening/2020-W01" in overdue
    set_cell("carla@acme.test", "accountable", "2")  # the strategy's minimum
    set_cell("carla@acme.test", "end:responsible")
    cells, head = matrix()
    assert 'data-code="no-accountable"' not in cells and head == ""
    home = current_home(lead)
    links = set(re.findall(r'— <a href="([^"]+)">fix it</a>', home))
    assert not links & {"/matrix?q=listening", "/people/carla@acme.test"}, links


def test_a_task_on_the_jira_board_shows_its_key_linked_to_the_issue(web: Web) -> None:
    """The Jira plugin says where its issues are (`ark_issue_links`): the task lists and the
    API link each task's key there; a key is quoted into the link and escaped as text."""
    team = web.ark.workspace / "ark.yaml"
    jira = "jira:\n  server: https://jira.acme.test/\n  project: ARK\n"
    team.write_text(team.read_text(encoding="utf-8") + jira, encoding="utf-8")
    web.ark("apply", str(team))
    mine, other = web.task_of("bruno@acme.test"), web.task_of("ana@acme.test")
    viewer = web.client("viewer")
    assert "jira.acme.test" not in viewer.get("/tasks?view=all").text  # nothing linked yet
    with transaction(web.engine, actor="test") as reg:  # as the Jira sync records its issues
        reg.link_task(mine.key, "jira", "ARK-7", {})
        reg.link_task(other.key, "jira", 'ARK-8"><b>x', {})
    page = viewer.get("/tasks?view=all").text
    assert '<a href="https://jira.acme.test/browse/ARK-7">ARK-7</a>' in page
    assert (
        '<a href="https://jira.acme.test/browse/ARK-8%22%3E%3Cb%3Ex">ARK-8&#34;&gt;&lt;b&gt;x</a>'
        in page
    )
    mine_page = web.client("member").get("/tasks?view=mine").text
    assert '<a href="https://jira.acme.test/browse/ARK-7">ARK-7</a>' in mine_page
    api, auth = api_as(web, "viewer")
    tasks = {t["key"]: t for t in api.get("/api/v1/tasks", headers=auth).json()}
    assert (tasks[mine.key]["jira"], tasks[mine.key]["jira_url"]) == (
        "ARK-7",
        "https://jira.acme.test/browse/ARK-7",
    )


def test_the_home_page_lists_processes_due_for_review_until_one_is_confirmed(web: Web) -> None:
    recorded_long_ago(web.ark, "listen", on="2019-06-03")
    lead = web.client("lead")
    fields = {"date": "2020-01-06", "version": web.version("process", "listen")}
    assert web.post(lead, "/processes/listen/review", fields).status_code == 303
    due = re.compile(
        r'<a href="/processes/listen">[^<]+</a>: review was due [A-Z][a-z]{2} \d{1,2}, \d{4}'
    )
    assert due.search(web.client("viewer").get("/").text)
    member = web.client("member")  # Bruno is not accountable for listening: he cannot confirm
    assert 'action="/processes/listen/review"' not in member.get("/processes/listen").text
    today = {"date": "", "version": web.version("process", "listen")}
    assert web.post(member, "/processes/listen/review", today).status_code == 403
    assert web.post(lead, "/processes/listen/review", today).status_code == 303
    assert not due.search(web.client("viewer").get("/").text)
    assert "/processes/listen" not in web.client("viewer").get("/").text.split('id="reviews"')[1]


def test_a_responsibility_shows_who_holds_it_now_and_who_held_it_before(web: Web) -> None:
    web.ark("unassign", "bruno@acme.test", "listening", "--role", "responsible")
    web.ark("assign", "carla@acme.test", "listening", "--role", "responsible", "--hours", "1")
    page = web.client("viewer").get("/responsibilities/listening").text
    now = page[page.index("Who holds it now") : page.index("<h2>History")]
    assert "responsible: <a" in now and "carla@acme.test" in now and "bruno@acme.test" not in now
    history = page[page.index("<h2>History") : page.index("<h2>Processes")]
    carla = re.search(
        r"<td>([A-Z][a-z]{2} \d{1,2}, \d{4})</td><td>now</td><td>responsible</td><td>carla", history
    )
    bruno = re.search(
        r"<td>[A-Z][a-z]{2} \d{1,2}, \d{4}</td><td>([A-Z][a-z]{2} \d{1,2}, \d{4})</td>"
        r"<td>responsible</td><td>bruno",
        history,
    )
    assert carla is not None and bruno is not None
    assert bruno.group(1) == carla.group(1)  # Bruno's role ended the day Carla's began


class References(HTMLParser):
    """Every address a page makes the browser load or go to (src, href, action, srcset)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v or "" for k, v in attrs if k in ("src", "href", "action", "srcset")]


def test_no_page_loads_anything_from_another_site(web: Web) -> None:
    """Offline: every page and its stylesheet come from this server, so the workspace works
    on an intranet, and the Content Security Policy forbids anything else."""
    admin = web.client("admin")
    for path in [*PAGES, "/sign-in", "/static/ark.css"]:
        response = admin.get(path)
        assert response.status_code == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        if response.headers["content-type"].startswith("text/html"):
            parser = References()
            parser.feed(response.text)
            outside = [
                ref
                for ref in parser.found
                if not ref.startswith(("/", "?", "#")) or ref[:2] == "//"
            ]
            assert outside == [], path
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", response.text), path
        assert "@import" not in response.text, path
    static = Path(__file__).resolve().parent.parent / "plugins" / "ark_web" / "static"
    for file in static.rglob("*.*"):  # our own: no vendored, minified library
        content = file.read_text(encoding="utf-8")
        assert not content.startswith("/*!") and "sourceMappingURL" not in content, file


def test_ark_serve_and_the_company_set_up_in_the_docs_use_options_it_has(ark: Ark) -> None:
    """`ark serve` listens on 127.0.0.1:8000 unless told, takes --db like every command; each
    `ark serve` line of docs/web.md (the shell and the systemd unit) uses only its options."""
    helped = ark("serve", "--help").output
    assert re.search(r"--host TEXT\s+Address to listen on\.\s+\[default: 127\.0\.0\.1\]", helped)
    assert re.search(r"--port INTEGER\s+Port to listen on\.\s+\[default: 8000\]", helped)
    options = set(re.findall(r"^\s+(?:-\w, )?(--[\w-]+)", helped, re.M)) | {"--no-jobs"}
    assert {"--db", "--workers"} <= options
    docs = (Path(__file__).resolve().parent.parent / "docs" / "web.md").read_text("utf-8")
    lines = re.findall(r"\bark serve\b([^\n`]*)", docs)
    used = {option for line in lines for option in re.findall(r"(--[\w-]+)", line)}
    assert used and used <= options, used - options
    assert (
        "ExecStart=/opt/ark/.venv/bin/ark serve" in docs
        and "proxy_set_header X-Forwarded-Proto" in docs
    )


def test_a_member_records_and_reviews_only_for_the_responsibilities_they_hold(web: Web) -> None:
    """Bruno (member, responsible for listening) records followers, not leads; Ana, made a
    member, confirms the review of listening's process, which she is accountable for."""
    bruno = web.client("member")
    assert 'action="/kpis/leads"' not in bruno.get("/kpis/leads").text
    assert 'action="/kpis/followers"' in bruno.get("/kpis/followers").text
    api, auth = api_as(web, "member")
    before = web.audit_count()
    leads = {"value": "5", "version": web.version("measurement", "leads/", prefix=True)}
    refused = web.post(bruno, "/kpis/leads", leads)
    assert refused.status_code == 403 and "only of KPIs their responsibilities move" in refused.text
    by_api = api.post("/api/v1/kpis/leads/readings", json={**leads, "value": 5}, headers=auth)
    assert by_api.status_code == 403
    assert web.audit_count() == before
    assert (
        web.post(
            bruno,
            "/kpis/followers",
            {**leads, "version": web.version("measurement", "followers/", prefix=True)},
        ).status_code
        == 303
    )

    web.ark("user", "set-role", "ana@acme.test", "member")
    ana = web.client("lead")  # Ana's session; her role is member now
    page = ana.get("/processes/listen").text
    assert "ana@acme.test (member)" in page and 'action="/processes/listen/review"' in page
    review = {"date": "", "version": web.version("process", "listen")}
    assert web.post(ana, "/processes/listen/review", review).status_code == 303
    assert web.ark.json("process", "show", "listen")["last_reviewed_on"] is not None
    assert web.post(ana, "/matrix/cell", {"responsibility": "listening"}).status_code == 403


def test_every_versioned_form_sent_again_from_its_stale_view_is_refused(web: Web) -> None:
    """Each edit form carries the version it was drawn from: sent a second time (its view now
    stale, the first send having changed the thing), it is refused with who changed what,
    and nothing is written. Offboarding and uploads have their own tests above."""
    admin = web.client("admin")
    tried = []
    for path, fields, _, extra in writes_for(web):
        data = fields()
        if "version" not in data or path in (
            "/team-file/apply",
            "/people/carla@acme.test/offboard",
        ):
            continue
        assert web.post(admin, path, data, **extra).status_code in (200, 303), path
        before = web.audit_count()
        again = web.post(admin, path, data, **extra)
        assert again.status_code == 409, (path, again.text[:300])
        assert "admin@acme.test changed" in again.text and "nothing was written" in again.text, path
        assert web.audit_count() == before, path
        tried.append(path)
    assert len(tried) == 7, tried


def test_hostile_names_in_an_uploaded_team_file_are_shown_as_text(web: Web) -> None:
    """A KPI, a responsibility and a department named with markup, uploaded in the browser:
    the plan, the matrix, the lists and the KPI's chart show the text, run nothing."""
    import yaml as pyyaml

    team = pyyaml.safe_load(web.ark("export").stdout)
    team["kpis"][0]["name"] = HOSTILE
    team["responsibilities"][0]["title"] = '"><img src=x onerror=alert(1)>'
    team["departments"][0]["name"] = "<svg onload=alert(2)>"
    lead = web.client("lead")
    shown, confirm = plan(web, lead, pyyaml.safe_dump(team, allow_unicode=True).encode())
    assert shown.status_code == 200 and live_code(shown.text) == []
    assert "&lt;script&gt;" in shown.text
    assert web.post(lead, "/team-file/apply", confirm).status_code == 303
    web.ark("kpi", "record", "followers", "12")
    for path in (
        "/",
        "/matrix",
        "/responsibilities",
        "/responsibilities/listening",
        "/kpis",
        "/kpis/followers",
        "/people",
        "/tasks?view=all",
        "/audit",
    ):
        page = lead.get(path)
        assert page.status_code == 200 and live_code(page.text) == [], path
    assert "&lt;script&gt;" in lead.get("/kpis/followers").text


def test_the_api_reads_processes_and_the_audit_log_and_confirms_a_review(web: Web) -> None:
    changed = GOOD.format(slug="listen").replace("Keep it to one page.", "Keep it short.")
    web.ark("process", "record", str(write(web.ark.workspace / "p", "l.md", changed)), "-m", "v2")
    api, auth = api_as(web, "lead")
    listen = api.get("/api/v1/processes/listen", headers=auth).json()
    assert "Keep it short." in listen["text"] and listen["revision"] == 2
    assert [r["number"] for r in listen["revisions"]] == [2, 1]
    assert listen["revisions"][0]["message"] == "v2"
    assert api.get("/api/v1/processes/nothing", headers=auth).status_code == 404
    sent = {"date": None, "version": listen["version"]}
    assert api.post("/api/v1/processes/listen/review", json=sent, headers=auth).status_code == 204
    stale = api.post("/api/v1/processes/listen/review", json=sent, headers=auth)
    assert (
        stale.status_code == 409 and "ana@acme.test changed process listen" in stale.json()["error"]
    )
    assert web.ark.json("process", "show", "listen")["last_reviewed_on"] is not None

    log = api.get("/api/v1/audit?actor=ana@acme.test&entity=process", headers=auth).json()
    assert [(e["actor"], e["entity"], e["key"]) for e in log] == [
        ("ana@acme.test", "process", "listen")
    ]
    later = api.get("/api/v1/audit?entity=process&since=2999-01-01", headers=auth).json()
    assert later == []
    bad = api.get("/api/v1/audit?since=31/12/2099", headers=auth)
    assert bad.status_code == 400 and "is not a date" in bad.json()["error"]


def test_a_lead_hands_the_accountable_role_over_in_one_cell(web: Web) -> None:
    lead = web.client("lead")
    assert '<option value="accountable:replace">' in lead.get("/matrix?q=listening").text
    seen = web.version("assignment", "listening/carla@acme.test/", prefix=True)
    cell = {"responsibility": "listening", "contributor": "carla@acme.test"}
    before = web.audit_count()
    taken = web.post(
        lead, "/matrix/cell", {**cell, "role": "accountable:replace", "hours": "1", "version": seen}
    )
    assert taken.status_code == 303
    assert web.audit_count() == before + 2  # Ana's role ended, Carla's begun, at once
    holders = web.ark.json("who", "listening")["assignments"]
    assert [a["contributor"] for a in holders if a["role"] == "accountable"] == ["carla@acme.test"]
    assert "listening has no accountable" not in current_home(lead)


def test_a_serving_app_sets_the_garbage_collector_for_serving_and_back(web: Web) -> None:
    """While the workspace serves, what it started with is frozen out of the collector's
    full passes and young garbage is collected less often; when it stops both are as they
    were (a test process, or a program embedding the app, goes on after it)."""
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    with web.client("lead") as client:
        assert gc.get_threshold()[0] == YOUNG != threshold[0]
        assert gc.get_freeze_count() > frozen
        assert client.get("/").status_code == 200
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == frozen
