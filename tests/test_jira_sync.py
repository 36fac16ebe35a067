"""`ark jira check` and `ark jira sync` against the Jira test server, Cloud and Data Center."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
import yaml
from sqlalchemy import select

from ark.models import AuditRecord
from tests.conftest import Ark
from tests.jira_server import JiraServer

TOKEN = "s3cret-4f9a7c"
PEOPLE = {
    "ana@acme.test": "Ana García",
    "bruno@acme.test": "Bruno López",
    "carla@acme.test": "Carla Vidal",
}
UNTIL = "2026-12-31"
FROM = "2026-11-23"


def credentials(flavour: str, token: str = TOKEN) -> dict[str, str]:
    if flavour == "cloud":
        return {"ARK_JIRA_EMAIL": "bot@acme.test", "ARK_JIRA_TOKEN": token}
    return {"ARK_JIRA_PAT": token}


def jira_section(server: JiraServer, **options: Any) -> str:
    lines = [f"  {k}: {json.dumps(v)}" for k, v in options.items()]
    return "\n".join(["jira:", f"  server: {server.url}", "  project: ARK", *lines]) + "\n"


def write_team(ark: Ark, server: JiraServer, **options: Any) -> Path:
    path = ark.team_file()
    path.write_text(path.read_text() + jira_section(server, **options))
    return path


def audit(db_url: str) -> list[AuditRecord]:
    engine = sqlalchemy.create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(AuditRecord).order_by(AuditRecord.id)).all()
    finally:
        engine.dispose()
    return [AuditRecord(**row._mapping) for row in rows]


def registry_identity(ark: Ark) -> str:
    """The registry's identity, as `ark export` writes it into the team file."""
    return str(yaml.safe_load(ark("export").output)["registry"])


def one_issue_per_task(server: JiraServer, ark: Ark) -> dict[str, str]:
    """Every open task has exactly one issue carrying its marker; returns task -> issue."""
    from ark_jira.fields import marker

    identity = registry_identity(ark)
    tasks = [t["key"] for t in ark.json("tasks", "list")]
    by_marker: dict[str, list[str]] = {}
    for key, issue in server.issues.items():
        for label in issue.fields.get("labels", []):
            by_marker.setdefault(label, []).append(key)
    found = {t: by_marker.get(marker(identity, t), []) for t in tasks}
    assert all(len(keys) == 1 for keys in found.values()), found
    assert len(server.issues) == len(tasks)
    return {t: keys[0] for t, keys in found.items()}


@dataclass
class Board:
    """A Jira server, the team wired to it, and the `ark` CLI."""

    server: JiraServer
    ark: Ark
    team: Path
    users: dict[str, str]

    def sync(self, *args: str, code: int = 0) -> str:
        return self.ark("jira", "sync", *args, code=code).output

    def summary(self) -> dict[str, Any]:
        result: dict[str, Any] = self.ark.json("jira", "sync")["summary"]
        return result

    def issue_of(self, task: str) -> str:
        return one_issue_per_task(self.server, self.ark)[task]


def make_board(
    ark: Ark, monkeypatch: pytest.MonkeyPatch, server: JiraServer, **options: Any
) -> Board:
    for name, value in credentials(server.flavour).items():
        monkeypatch.setenv(name, value)
    users = {email: server.add_user(email, name) for email, name in PEOPLE.items()}
    for component in ("Marketing", "Sales", "Customer service"):
        server.add_component(component)
    team = write_team(ark, server, **options)
    ark("apply", str(team))
    ark("tasks", "plan", "--from", FROM, "--until", UNTIL)
    return Board(server, ark, team, users)


@pytest.fixture(params=["cloud", "datacenter"])
def board(
    request: pytest.FixtureRequest, ark: Ark, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Board]:
    with JiraServer(flavour=request.param, token=TOKEN) as server:
        yield make_board(ark, monkeypatch, server)


@pytest.fixture
def cloud(ark: Ark, monkeypatch: pytest.MonkeyPatch) -> Iterator[Board]:
    with JiraServer(flavour="cloud", token=TOKEN) as server:
        yield make_board(ark, monkeypatch, server)


def test_check_passes_on_a_ready_board(board: Board) -> None:
    out = board.ark("jira", "check").output
    kind = "Cloud" if board.server.flavour == "cloud" else "Server"
    assert f"0 problems with Jira {kind}" in out
    report = board.ark.json("jira", "check")
    assert report["problems"] == [] and report["deployment"] == kind
    assert board.server.writes == 0


def test_check_reports_every_problem_with_its_fix(
    ark: Ark, monkeypatch: pytest.MonkeyPatch
) -> None:
    with JiraServer(flavour="cloud", token=TOKEN) as server:
        for name, value in credentials("cloud").items():
            monkeypatch.setenv(name, value)
        server.add_user("ana@acme.test", "Ana García")  # Bruno has no Jira account
        team = write_team(ark, server, issue_type="Epic", statuses={"done": "Shipped"})
        ark("apply", str(team))
        ark("tasks", "plan", "--from", FROM, "--until", UNTIL)
        out = ark("jira", "check", code=1).output
        assert "project ARK has no issue type 'Epic'" in out
        assert "set jira.issue_type to one of:" in out
        assert "no component 'Marketing'" in out and "jira.departments: label" in out
        assert "bruno@acme.test matches 0 Jira users" in out and "set jira_user" in out
        team.write_text(team.read_text().replace('issue_type: "Epic"', 'issue_type: "Task"'))
        ark("apply", str(team))
        out = ark("jira", "check", code=1).output
        assert "Ark status done maps to 'Shipped'" in out and "set jira.statuses.done" in out
        assert server.writes == 0
        # In the strategy's language, as `ark jira sync` says them before writing.
        team.write_text(team.read_text().replace("strategy:\n", "strategy:\n  lang: it\n", 1))
        ark("apply", str(team))
        out = ark("jira", "check", code=1).output
        assert "lo stato Ark done corrisponde a 'Shipped', che il flusso di Task non ha" in out
        assert "problema:" in out and "soluzione: imposta jira.statuses.done" in out
        refused = ark("jira", "sync", code=1).output
        assert "problemi con la configurazione di Jira; non è stato scritto nulla" in refused
        assert server.writes == 0


def test_dry_run_writes_nothing_then_sync_creates_one_issue_per_task(board: Board) -> None:
    registry = list(_dump(board.ark.db_url))
    out = board.sync("--dry-run")
    assert list(_dump(board.ark.db_url)) == registry
    assert (
        "+ create listening/2026-W48: 'Weekly listening report 2026-W48' -> bruno@acme.test" in out
    )
    assert (
        "plan: create 8, adopt 0, update 0, transition 0, pull 0, unchanged 0, conflicts 0" in out
    )
    assert board.server.writes == 0 and not board.server.issues
    plan = board.ark.json("jira", "sync", "--dry-run")
    assert plan["dry_run"] and plan["counts"]["create"] == 8
    assert {c["task"] for c in plan["create"]} == {
        t["key"] for t in board.ark.json("tasks", "list")
    }

    out = board.sync()
    assert (
        "created 8, adopted 0, updated 0, transitioned 0, pulled back 0, unchanged 0, failed 0"
        in out
    )
    issues = one_issue_per_task(board.server, board.ark)
    fields = board.server.issues[issues["listening/2026-W48"]].fields
    assert fields["summary"] == "Weekly listening report 2026-W48"
    assert fields["assignee"] == board.users["bruno@acme.test"]
    assert fields["duedate"] == "2026-11-29"
    assert fields["components"] == ["Marketing"]
    assert "ark" in fields["labels"]

    board.server.reset_counters()
    again = board.summary()
    assert again["unchanged"] == 8 and again["created"] == again["updated"] == 0
    assert board.server.writes == 0
    assert sum(board.server.requests.values()) <= 1 + 5


@pytest.mark.parametrize(
    ("lang", "create", "plan"),
    [
        (
            "es",
            "+ crear listening/2026-W48: 'Weekly listening report 2026-W48' -> bruno@acme.test, "
            "para el ",
            "plan: crear 8, adoptar 0",
        ),
        (
            "it",
            "+ creare listening/2026-W48: 'Weekly listening report 2026-W48' -> "
            "bruno@acme.test, entro il ",
            "piano: creare 8, adottare 0",
        ),
    ],
)
def test_the_plan_speaks_the_strategys_language(
    cloud: Board, lang: str, create: str, plan: str
) -> None:
    text = cloud.team.read_text(encoding="utf-8")
    cloud.team.write_text(
        text.replace(
            "  business_type: commercial\n", f"  business_type: commercial\n  lang: {lang}\n"
        ),
        encoding="utf-8",
    )
    cloud.ark("apply", str(cloud.team))
    out = cloud.sync("--dry-run")
    assert create in out and plan in out
    assert " due " not in out and "create " not in out
    machines = cloud.ark.json("jira", "sync", "--dry-run")  # keys stay English
    assert machines["dry_run"] is True and machines["counts"]["create"] == 8


def test_status_comes_back_from_jira_with_who_and_when(board: Board) -> None:
    board.sync()
    key = board.issue_of("kpi-report/2026-11")
    board.server.set_status(key, "Done", by=board.users["ana@acme.test"])
    out = board.sync("--dry-run")
    assert f"< pull {key}: Jira status 'Done' -> Ark task kpi-report/2026-11 done" in out
    summary = board.summary()
    assert summary["pulled"] == 1 and summary["updated"] == 0
    done = board.ark.json("tasks", "list", "--status", "done")
    assert [t["key"] for t in done] == ["kpi-report/2026-11"]
    change = [
        a
        for a in audit(board.ark.db_url)
        if a.entity_key == "kpi-report/2026-11" and a.action == "change"
    ][-1]
    assert change.actor == "jira:ana@acme.test"
    assert change.after is not None and change.after["status"] == "done"
    moved = board.server.issues[key].changelog[-1].created
    at = change.at if change.at.tzinfo else change.at.replace(tzinfo=dt.UTC)
    assert abs((moved - at).total_seconds()) < 0.001
    assert board.summary()["pulled"] == 0  # pulled once only


def test_a_status_set_in_ark_becomes_a_transition(board: Board) -> None:
    board.ark("tasks", "set", "listening/2026-W48", "in-progress")
    assert ", then to category:indeterminate" in board.sync("--dry-run")
    assert "created 8, adopted 0, updated 0, transitioned 1," in board.sync()
    started = board.server.issues[board.issue_of("listening/2026-W48")]
    assert started.status.category.key == "indeterminate"
    board.ark("tasks", "set", "listening/2026-W49", "in-progress")
    key = board.issue_of("listening/2026-W49")
    assert "> transition" in board.sync("--dry-run")
    assert board.summary()["transitioned"] == 1
    assert board.server.issues[key].status.category.key == "indeterminate"
    assert board.summary()["transitioned"] == 0


def test_a_planning_field_edited_in_jira_is_a_conflict_ark_wins_by_default(board: Board) -> None:
    board.sync()
    key = board.issue_of("listening/2026-W50")
    board.server.edit(key, {"summary": "Edited on the board"}, by=board.users["carla@acme.test"])
    out = board.sync("--dry-run")
    assert (
        "! conflict on summary: edited in Jira to 'Edited on the board', Ark has "
        "'Weekly listening report 2026-W50'; ark wins (Jira's value is overwritten)"
    ) in out
    summary = board.summary()
    assert summary["conflicts"] == 1 and summary["updated"] == 1
    assert board.server.issues[key].fields["summary"] == "Weekly listening report 2026-W50"
    assert any(
        a.action == "conflict" and a.entity_key == "listening/2026-W50"
        for a in audit(board.ark.db_url)
    )


def test_with_conflicts_jira_the_board_keeps_its_edit(cloud: Board) -> None:
    cloud.team.write_text(cloud.team.read_text() + '  conflicts: "jira"\n')
    cloud.ark("apply", str(cloud.team))
    cloud.sync()
    key = cloud.issue_of("listening/2026-W50")
    cloud.server.edit(key, {"duedate": "2026-12-24"})
    assert "jira wins (Jira's is kept)" in cloud.sync("--dry-run")
    cloud.sync()
    assert cloud.server.issues[key].fields["duedate"] == "2026-12-24"
    cloud.server.reset_counters()
    assert cloud.summary()["updated"] == 0 and cloud.server.writes == 0


def test_a_reassignment_in_ark_reassigns_the_open_issues(board: Board) -> None:
    board.sync()
    done = board.issue_of("listening/2026-W48")
    board.ark("tasks", "set", "listening/2026-W48", "done")
    board.sync()
    board.ark("assign", "carla@acme.test", "listening", "--role", "responsible", "--hours", "3")
    out = board.sync("--dry-run")
    assert "assignee:" in out
    summary = board.summary()
    assert summary["updated"] == 5
    carla = board.users["carla@acme.test"]
    for task, key in one_issue_per_task(board.server, board.ark).items():
        if task.startswith("listening/") and key != done:
            assert board.server.issues[key].fields["assignee"] == carla, task
    assert board.server.issues[done].fields["assignee"] == board.users["bruno@acme.test"]


def test_a_lost_create_answer_is_adopted_not_duplicated_even_when_search_lags(board: Board) -> None:
    board.server.search_lag = 30.0
    board.server.drop_after_commit("POST", r"/issue/bulk$")
    out = board.sync()
    assert "created 0, adopted 8," in out and "failed 0" in out
    one_issue_per_task(board.server, board.ark)
    assert (
        sum(
            v
            for (m, p), v in board.server.requests.items()
            if m == "POST" and p.endswith("/issue/bulk")
        )
        == 1
    )


def test_a_rebuilt_registry_adopts_the_issues_already_on_the_board(
    board: Board, tmp_path: Path
) -> None:
    board.sync()
    before = one_issue_per_task(board.server, board.ark)
    key = before["kpi-report/2026-11"]
    board.server.set_status(key, "Done")
    exported = tmp_path / "exported.yaml"
    board.ark("export", str(exported))
    fresh = Ark(board.ark.workspace, f"sqlite:///{tmp_path / 'rebuilt.db'}")
    fresh("apply", str(exported))
    fresh("tasks", "plan", "--from", FROM, "--until", UNTIL)
    assert f"= adopt {key} (kpi-report/2026-11)" in fresh("jira", "sync", "--dry-run").output
    board.server.reset_counters()
    summary = fresh.json("jira", "sync")["summary"]
    assert summary["adopted"] == 8 and summary["created"] == 0 and summary["pulled"] == 1
    assert one_issue_per_task(board.server, fresh) == before
    assert [t["key"] for t in fresh.json("tasks", "list", "--status", "done")] == [
        "kpi-report/2026-11"
    ]


def test_without_bulk_create_single_creates_are_sent_and_a_lost_one_is_adopted(
    board: Board,
) -> None:
    board.server.bulk = False
    board.server.search_lag = 30.0
    board.server.drop_after_commit("POST", r"/issue$", times=2)
    summary = board.summary()
    assert summary["created"] + summary["adopted"] == 8 and summary["adopted"] == 2
    one_issue_per_task(board.server, board.ark)


def test_an_issue_jira_rejects_fails_with_its_reason_and_the_rest_are_created(
    cloud: Board,
) -> None:
    text = cloud.team.read_text()
    cloud.team.write_text(
        text.replace(
            "  - email: ana@acme.test\n", "  - email: ana@acme.test\n    jira_user: nobody-42\n"
        )
    )
    cloud.ark("apply", str(cloud.team))
    out = cloud.ark("jira", "check", code=1).output
    assert "jira_user 'nobody-42' of ana@acme.test is not a Jira user" in out
    out = cloud.sync(code=1)
    assert "created 6," in out and "failed 2" in out
    assert "failed: kpi-report/2026-11:" in out and "assignee" in out
    assert "2 tasks could not be synced" in out, out
    cloud.team.write_text(text)
    cloud.ark("apply", str(cloud.team))
    assert cloud.summary()["created"] == 2
    one_issue_per_task(cloud.server, cloud.ark)


def test_rate_limits_and_gateway_errors_are_retried(cloud: Board) -> None:
    cloud.server.fail("POST", r"/search", 429, retry_after=0.2)
    cloud.server.fail("GET", r"/user/search", 503, times=2)
    cloud.server.fail("POST", r"/search", 502)
    cloud.server.fail("POST", r"/issue/bulk$", 429, retry_after=0.1)
    started = time.monotonic()
    summary = cloud.summary()
    assert time.monotonic() - started >= 0.3  # the waits Retry-After asked for
    assert summary["created"] == 8 and summary["failed"] == []
    one_issue_per_task(cloud.server, cloud.ark)


def test_a_create_answered_with_a_server_error_is_reconciled_not_resent(cloud: Board) -> None:
    cloud.server.fail("POST", r"/issue/bulk$", 504)
    summary = cloud.summary()
    assert summary["created"] == 8
    one_issue_per_task(cloud.server, cloud.ark)


def test_creates_that_keep_failing_are_reported_and_the_next_run_carries_on(
    cloud: Board,
) -> None:
    cloud.server.fail("POST", r"/issue/bulk$", 503, times=3)
    out = cloud.sync(code=1)
    assert "failed 8" in out and "Jira kept dropping the answer to its create" in out
    assert not cloud.server.issues
    assert cloud.summary()["created"] == 8
    one_issue_per_task(cloud.server, cloud.ark)


@pytest.mark.parametrize("flavour", ["cloud", "datacenter"])
def test_refused_credentials_are_named_and_never_printed_or_stored(
    ark: Ark, monkeypatch: pytest.MonkeyPatch, flavour: str
) -> None:
    with JiraServer(flavour=flavour, token=TOKEN) as server:
        board = make_board(ark, monkeypatch, server)
        board.sync()
        wrong = "wr0ng-" + TOKEN
        for name, value in credentials(flavour, wrong).items():
            monkeypatch.setenv(name, value)
        outputs = [ark("jira", "check", code=1).output, ark("jira", "sync", code=1).output]
        kind = "API token" if flavour == "cloud" else "personal access token"
        for out in outputs:
            assert "401" in out and f"refused the {kind}" in out
            assert wrong not in out and TOKEN not in out
        for name, value in credentials(flavour).items():
            monkeypatch.setenv(name, value)
        server.fail("GET", r"/serverInfo", 403)
        out = ark("jira", "sync", code=1).output
        assert "403" in out and "Create issues" in out
        outputs.append(out)
        outputs.append(ark("export").output)
    dump = "\n".join(_dump(ark.db_url))
    assert TOKEN not in dump and wrong not in dump and TOKEN not in "".join(outputs)
    assert "jira.users" in dump  # the dump did read the plugin's state


def test_an_unknown_project_says_what_to_check(ark: Ark, monkeypatch: pytest.MonkeyPatch) -> None:
    with JiraServer(flavour="datacenter", token=TOKEN, project="OPS") as server:
        make_board(ark, monkeypatch, server)
        out = ark("jira", "check", code=1).output
        assert "404" in out and "project key (ARK)" in out


def _dump(db_url: str) -> Iterator[str]:
    engine = sqlalchemy.create_engine(db_url)
    try:
        with engine.connect() as conn:
            for table in sorted(sqlalchemy.inspect(conn).get_table_names()):
                for row in conn.exec_driver_sql(f"SELECT * FROM {table}"):
                    yield repr(tuple(row))
    finally:
        engine.dispose()


def test_the_playbook_lists_each_task_with_its_issue(cloud: Board) -> None:
    from ark.db import open_engine
    from ark.plugins import hooks
    from ark.registry.writer import transaction

    def pages(lang: str) -> dict[str, str]:
        found: dict[str, str] = {}
        engine = open_engine(cloud.ark.db_url)
        try:
            with transaction(engine, hooks=hooks(), write=False) as registry:
                hooks().ark_playbook_pages(registry=registry, lang=lang, register=found.__setitem__)
        finally:
            engine.dispose()
        return found

    assert "jira/board.md" not in pages("en")  # nothing on the board yet
    cloud.sync()
    key = cloud.issue_of("listening/2026-W48")
    page = pages("es")["jira/board.md"]
    assert "# Tablero de Jira" in page
    assert (
        f"| Weekly listening report 2026-W48 (`listening/2026-W48`) | "
        f"[{key}]({cloud.server.url}/browse/{key}) | todo |"
    ) in page


def test_the_calendars_draft_tasks_go_to_the_board(cloud: Board) -> None:
    """Each department's monthly piece becomes a task on Ark, and so an issue on the board,
    assigned to the department's contributor and due on the draft's deadline."""
    cloud.sync()
    plan = cloud.ark.json("calendar", "plan", "--month", "2026-12", "--responsibility", "listening")
    drafts = {t["key"]: t for t in plan["tasks"]}
    assert len(drafts) == 3
    out = cloud.sync()
    assert "created 3," in out
    issues = one_issue_per_task(cloud.server, cloud.ark)
    sales = cloud.server.issues[issues["calendar/2026-12/sales"]].fields
    assert sales["summary"] == drafts["calendar/2026-12/sales"]["title"]
    assert sales["assignee"] == cloud.users["bruno@acme.test"]
    assert sales["duedate"] == drafts["calendar/2026-12/sales"]["due"]
