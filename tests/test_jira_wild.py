"""The Jira plugin against the Jiras out there: each set-up met in the wild as a variant of
the test server, secrets in every encoding kept out of every output, pages that are not JSON,
hosts that do not answer, and set-up problems found before anything is written."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from ark_jira.board import Board as JiraBoard
from ark_jira.config import Credentials, JiraConfig
from ark_jira.fields import marker
from ark_jira.scrub import Scrubber
from ark_jira.transport import JiraApi

from tests.conftest import Ark
from tests.jira_server import ECHO, VARIANTS, JiraServer
from tests.test_jira_sync import (  # noqa: F401 - fixtures shared with this module
    TOKEN,
    Board,
    audit,
    board,
    cloud,
    credentials,
    make_board,
    one_issue_per_task,
    registry_identity,
    write_team,
)


@pytest.fixture(params=list(VARIANTS))
def variant(
    request: pytest.FixtureRequest, ark: Ark, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Board]:
    flavour, switches = VARIANTS[request.param]
    with JiraServer(flavour=flavour, token=TOKEN, **switches) as server:
        yield make_board(ark, monkeypatch, server)


def test_the_whole_sync_works_against_every_variant(variant: Board) -> None:
    server = variant.server
    assert "0 problems with Jira" in variant.ark("jira", "check").output
    assert "plan: create 8," in variant.sync("--dry-run")
    variant.ark("tasks", "set", "listening/2026-W48", "in-progress")
    result = variant.ark.json("jira", "sync")
    summary = result["summary"]
    assert summary["created"] == 8 and summary["transitioned"] == 1 and not summary["failed"]
    issues = one_issue_per_task(server, variant.ark)
    if not server.bulk:
        assert any("bulk create refused by the server (HTTP 405)" in n for n in summary["notes"])
    if not server.post_search:
        assert "search by POST refused by the server: searched by GET" in summary["notes"]
    assert server.issues[issues["listening/2026-W48"]].status.category.key == "indeterminate"

    server.set_status(issues["kpi-report/2026-11"], "Done", by=variant.users["ana@acme.test"])
    server.edit(issues["listening/2026-W50"], {"summary": "Edited on the board"})
    again = variant.summary()
    assert again["pulled"] == 1 and again["updated"] == 1 and again["conflicts"] == 1
    assert [t["key"] for t in variant.ark.json("tasks", "list", "--status", "done")] == [
        "kpi-report/2026-11"
    ]
    server.reset_counters()
    noop = variant.summary()
    assert noop["unchanged"] == 8 and server.writes == 0
    assert sum(server.requests.values()) <= 1 + 5
    one_issue_per_task(server, variant.ark)


def test_lost_creates_are_found_by_batched_searches_whose_urls_stay_short(
    ark: Ark, monkeypatch: pytest.MonkeyPatch
) -> None:
    flavour, switches = VARIANTS["datacenter behind a proxy dropping long URLs, GET search"]
    with JiraServer(flavour=flavour, token=TOKEN, **switches) as server:
        make_board(ark, monkeypatch, server)
        board = JiraBoard(JiraApi(JiraConfig(server.url, "ARK"), Credentials(pat=TOKEN)))
        board.api.connect()
        markers = [marker("0123456789abcdef", f"task/{n}") for n in range(300)]
        assert list(board.by_markers(markers)) == []
        searches = server.requests[("GET", "/rest/api/2/search")]
        assert searches >= 4 and board.search_by_get  # split, and by GET after one refusal
        assert server.requests[("POST", "/rest/api/2/search")] == 1


def test_a_status_moved_on_both_sides_shows_the_conflict_line(board: Board) -> None:  # noqa: F811
    board.sync()
    key = board.issue_of("kpi-report/2026-11")
    board.ark("tasks", "set", "kpi-report/2026-11", "in-progress")
    board.server.set_status(key, "Done")
    out = board.sync("--dry-run")
    assert f"< pull {key}: Jira status 'Done' -> Ark task kpi-report/2026-11 done" in out
    assert (
        "    ! conflict on status: moved in Jira to 'Done', Ark has 'in-progress'; jira wins" in out
    )
    summary = board.summary()
    assert summary["pulled"] == 1 and summary["conflicts"] == 1
    assert any(
        a.action == "conflict"
        and a.entity_key == "kpi-report/2026-11"
        and a.after is not None
        and a.after["field"] == "status"
        for a in audit(board.ark.db_url)
    )


def test_a_bulk_answer_failing_every_issue_the_same_way_falls_back_to_single_creates(
    ark: Ark, monkeypatch: pytest.MonkeyPatch
) -> None:
    with JiraServer(flavour="cloud", token=TOKEN, bulk=False, bulk_refusal=400) as server:
        board = make_board(ark, monkeypatch, server)
        out = board.sync()
        assert "created 8," in out and "failed 0" in out
        assert "note: bulk create refused by the server (Bulk operations are disabled.)" in out
        assert server.requests[("POST", "/rest/api/2/issue/bulk")] == 1
        one_issue_per_task(server, ark)


# -- secrets ---------------------------------------------------------------------------------

EMAIL = "bot@acme.test"
SPECIAL = "t0k+en/with=ch&rs~"  # differs raw, base64-paired and URL-encoded


def forms(email: str | None, token: str) -> list[str]:
    """Every encoding of the credential a request may carry, and a server may echo."""
    found = [token, quote(token, safe=""), quote_plus(token, safe=""), f"Bearer {token}"]
    if email:
        pair = f"{email}:{token}".encode()
        for encoded in (base64.b64encode(pair).decode(), base64.urlsafe_b64encode(pair).decode()):
            found += [encoded, encoded.rstrip("="), quote(encoded, safe=""), f"Basic {encoded}"]
        found += [quote(f"{email}:{token}", safe="")]
    return found


@pytest.mark.parametrize("email", [EMAIL, None])
def test_the_scrubber_masks_every_form_of_a_credential(email: str | None) -> None:
    scrub = Scrubber(Credentials(email=email, token=SPECIAL) if email else Credentials(pat=SPECIAL))
    for form in forms(email, SPECIAL):
        text = scrub(f"header was {form}, lower-case {form.lower()} in the body")
        assert SPECIAL not in text and form not in text, form
        assert "***" in text
    assert scrub("Authorization: Basic c29tZW9uZTplbHNl") == "Authorization: Basic ***"


@pytest.mark.parametrize("flavour", ["cloud", "datacenter"])
def test_a_server_echoing_the_credentials_never_gets_them_printed(
    ark: Ark, monkeypatch: pytest.MonkeyPatch, flavour: str
) -> None:
    with JiraServer(flavour=flavour, token=SPECIAL, email=EMAIL) as server:
        board = make_board(ark, monkeypatch, server)
        for name, value in credentials(flavour, SPECIAL).items():
            monkeypatch.setenv(name, value)
        board.sync()
        page = f"<html><head><title>Denied</title></head><body>{ECHO}</body></html>"
        outputs = []
        for command in (("check",), ("sync",), ("sync", "--json"), ("sync", "--dry-run")):
            server.fail_with_page("GET", r"/serverInfo$", 401, page)
            outputs.append(ark("jira", *command, code=1).output)
        for command in (("sync", "--json"), ("sync",)):
            server.fail_with_page("POST", r"/search", 400, f"bad request {ECHO}")
            outputs.append(ark("jira", *command, code=1).output)
    text = "\n".join(outputs)
    assert "Authorization: Bearer ***" in text or "Authorization: Basic ***" in text
    for form in forms(EMAIL if flavour == "cloud" else None, SPECIAL):
        assert form not in text, form
    assert "Traceback" not in text


# -- answers that are not Jira's JSON --------------------------------------------------------


def test_a_login_page_in_place_of_jira_says_what_was_received_and_what_to_check(
    ark: Ark, monkeypatch: pytest.MonkeyPatch
) -> None:
    with JiraServer(flavour="cloud", token=TOKEN, login_page=True) as server:
        make_board(ark, monkeypatch, server)
        for command in (("check",), ("sync",), ("sync", "--dry-run")):
            out = ark("jira", *command, code=1).output
            assert "answered 200 (text/html)" in out, out
            assert "HTML page titled 'Log in - Acme single sign-on'" in out
            assert "single sign-on" in out and "jira.server" in out
            assert "Traceback" not in out
        result = ark("jira", "sync", "--json", code=1)
        error = json.loads(result.stdout)["error"]
        assert "HTML page titled" in error["message"] and error["exit_code"] == 1
        assert server.writes == 0


def test_an_error_that_is_not_json_shows_its_status_and_a_short_excerpt(cloud: Board) -> None:  # noqa: F811
    body = "<html><body><h1>Internal failure</h1><p>" + "x" * 500 + "</p></body></html>"
    cloud.server.fail_with_page("GET", r"/project/ARK$", 500, body)
    out = cloud.ark("jira", "check", code=1).output
    assert "Jira answered 500 to GET project/ARK: 'Internal failure xxx" in out
    assert "no details" not in out and "<h1>" not in out
    line = next(x for x in out.splitlines() if "answered 500" in x)
    assert len(line) < 400


def test_sync_json_prints_a_json_error_on_a_fatal_error(cloud: Board) -> None:  # noqa: F811
    cloud.server.fail("GET", r"/serverInfo$", 403)
    result = cloud.ark("jira", "sync", "--json", code=1)
    error = json.loads(result.stdout)["error"]
    assert "403" in error["message"] and "Create issues" in error["hint"]
    assert error["exit_code"] == 1 and error["problems"] == []


# -- time-outs -------------------------------------------------------------------------------


@pytest.fixture
def silent_host() -> Iterator[str]:
    """A host that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


@pytest.fixture
def unreachable_host() -> Iterator[str]:
    """A host whose connection queue is full: a new connection is never accepted."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    held = socket.create_connection(address)  # fills the queue of a zero backlog
    try:
        yield f"http://127.0.0.1:{address[1]}"
    finally:
        held.close()
        listener.close()


def test_a_host_that_does_not_connect_is_given_up_after_the_connect_timeout(
    ark: Ark, monkeypatch: pytest.MonkeyPatch, unreachable_host: str
) -> None:
    for name, value in credentials("cloud").items():
        monkeypatch.setenv(name, value)
    team = ark.team_file()
    team.write_text(
        team.read_text() + f"jira:\n  server: {unreachable_host}\n  project: ARK\n"
        "  connect_timeout: 0.3\n"
    )
    ark("apply", str(team))
    result = ark("jira", "sync", "--json", code=1)
    error = json.loads(result.stdout)["error"]
    assert "no connection within 0.3 s" in error["message"]
    assert "jira.connect_timeout" in error["hint"] and "reachable" in error["hint"]


def test_a_host_that_does_not_answer_is_given_up_after_the_read_timeout(
    ark: Ark, monkeypatch: pytest.MonkeyPatch, silent_host: str
) -> None:
    for name, value in credentials("cloud").items():
        monkeypatch.setenv(name, value)
    team = ark.team_file()
    team.write_text(
        team.read_text()
        + f"jira:\n  server: {silent_host}\n  project: ARK\n  read_timeout: 0.2\n"
        + "  connect_timeout: 0.5\n"
    )
    ark("apply", str(team))
    out = ark("jira", "check", code=1).output
    assert "no answer within 0.2 s" in out and "jira.read_timeout" in out


# -- set-up checks before the first write ------------------------------------------------------


def test_sync_stops_before_writing_when_the_set_up_would_fail_every_write(
    ark: Ark, monkeypatch: pytest.MonkeyPatch
) -> None:
    with JiraServer(flavour="datacenter", token=TOKEN) as server:
        board = make_board(ark, monkeypatch, server)
        text = board.team.read_text()
        board.team.write_text(
            text.replace("  project: ARK\n", '  project: ARK\n  statuses: {"done": "Shipped"}\n')
        )
        ark("apply", str(board.team))
        records = len(audit(ark.db_url))
        for _ in range(2):
            out = ark("jira", "sync", code=1).output
            assert "Ark status done maps to 'Shipped'" in out and "nothing was written" in out
        assert server.writes == 0 and len(audit(ark.db_url)) == records
        board.team.write_text(
            text.replace("  project: ARK\n", '  project: OPS\n  issue_type: "Epic"\n')
        )
        ark("apply", str(board.team))
        out = ark("jira", "sync", code=1).output
        assert "404" in out and "project key (OPS)" in out and server.writes == 0
        board.team.write_text(text)
        ark("apply", str(board.team))
        assert "created 8," in ark("jira", "sync").output
        server.reset_counters()
        board.summary()
        assert server.requests[("GET", "/rest/api/2/project/{projectIdOrKey}")] == 0  # cached


def test_check_without_per_issue_type_create_metadata_reports_every_problem(
    ark: Ark, monkeypatch: pytest.MonkeyPatch
) -> None:
    with JiraServer(flavour="datacenter", token=TOKEN, typed_createmeta=False) as server:
        for name, value in credentials("datacenter").items():
            monkeypatch.setenv(name, value)
        team = write_team(ark, server, statuses={"done": "Shipped"})
        ark("apply", str(team))
        ark("tasks", "plan", "--from", "2026-11-23", "--until", "2026-12-31")
        out = ark("jira", "check", code=1).output
        assert "Ark status done maps to 'Shipped'" in out
        assert "no component 'Marketing'" in out and "matches 0 Jira users" in out
        assert "createmeta" not in out and "project key" not in out


# -- people ------------------------------------------------------------------------------------


def remembered_users(db_url: str) -> dict[str, str]:
    from ark_jira.users import CACHE

    from ark.db import open_engine
    from ark.registry.writer import transaction

    engine = open_engine(db_url)
    try:
        with transaction(engine, write=False) as registry:
            saved = registry.state(CACHE) or {}
    finally:
        engine.dispose()
    return dict(saved.get("users") or {})


def test_the_demo_never_remembers_a_guessed_jira_user(ark: Ark, tmp_path: Path) -> None:
    out = ark("demo", str(tmp_path / "demo")).output
    assert "+ create" in out  # the plan, with guessed assignees, was shown
    assert remembered_users(ark.db_url) == {}


def test_a_remembered_user_jira_no_longer_has_is_forgotten_and_looked_up_again(
    board: Board,  # noqa: F811
) -> None:
    board.sync()
    old = board.users["bruno@acme.test"]
    assert remembered_users(board.ark.db_url)["bruno@acme.test"] == old
    board.server.deactivate_user(old)
    new = board.server.add_user("bruno@acme.test", "Bruno López")
    board.ark("tasks", "plan", "--from", "2026-11-23", "--until", "2027-01-10")
    assert "0 problems" in board.ark("jira", "check").output  # check sees the new account
    out = board.sync(code=1)
    assert "note: Jira says the remembered user of bruno@acme.test does not exist" in out
    assert "bruno@acme.test" not in remembered_users(board.ark.db_url)
    summary = board.summary()
    assert summary["created"] > 0 and not summary["failed"]
    assert remembered_users(board.ark.db_url)["bruno@acme.test"] == new
    for task, key in one_issue_per_task(board.server, board.ark).items():
        if task.startswith("listening/") and board.server.issues[key].status.name != "Done":
            assert board.server.issues[key].fields["assignee"] == new, task


def test_a_jira_user_set_in_the_team_file_replaces_the_remembered_look_up(cloud: Board) -> None:  # noqa: F811
    cloud.sync()
    assert "ana@acme.test" in remembered_users(cloud.ark.db_url)
    text = cloud.team.read_text()
    ana = cloud.users["ana@acme.test"]
    cloud.team.write_text(
        text.replace(
            "  - email: ana@acme.test\n", f"  - email: ana@acme.test\n    jira_user: {ana}\n"
        )
    )
    cloud.ark("apply", str(cloud.team))
    cloud.sync()
    assert "ana@acme.test" not in remembered_users(cloud.ark.db_url)
    cloud.team.write_text(text)
    cloud.ark("apply", str(cloud.team))
    cloud.server.reset_counters()
    cloud.sync()
    assert cloud.server.requests[("GET", "/rest/api/2/user/search")] == 1  # looked up afresh
    assert remembered_users(cloud.ark.db_url)["ana@acme.test"] == ana


def test_recovering_a_lost_batch_reads_its_issues_in_batches(board: Board) -> None:  # noqa: F811
    board.ark("tasks", "plan", "--from", "2026-11-23", "--until", "2027-12-31")
    board.server.search_lag = 30.0  # search does not see the new issues
    board.server.drop_after_commit("POST", r"/issue/bulk$")
    summary = board.summary()
    assert summary["adopted"] == 50 and summary["failed"] == []
    one_issue_per_task(board.server, board.ark)
    reads = board.server.requests[("GET", "/rest/api/2/issue/{issueIdOrKey}")]
    fetches = board.server.requests[("POST", "/rest/api/2/issue/bulkfetch")]
    if board.server.flavour == "cloud":
        assert fetches == 1 and reads == 0
    else:  # Data Center has no bulk fetch: reads by key, many in flight
        assert fetches == 0 and reads == 50 + 3


# -- two registries on one project -----------------------------------------------------------


def test_two_registries_on_one_project_only_ever_adopt_their_own_issues(
    board: Board,  # noqa: F811
    new_db: Callable[[], str],
    tmp_path: Path,
) -> None:
    board.sync()
    first = one_issue_per_task(board.server, board.ark)
    other = Ark(board.ark.workspace, new_db())
    other("apply", str(board.team))  # the same template: the same task keys
    other("tasks", "plan", "--from", "2026-11-23", "--until", "2026-12-31")
    assert registry_identity(other) != registry_identity(board.ark)
    plan = other.json("jira", "sync", "--dry-run")
    assert plan["counts"]["create"] == 8 and plan["counts"]["adopt"] == 0
    assert other.json("jira", "sync")["summary"]["created"] == 8
    assert len(board.server.issues) == 16
    board.server.reset_counters()
    assert board.summary()["unchanged"] == 8 and board.server.writes == 0
    assert other.json("jira", "sync")["summary"]["unchanged"] == 8
    assert board.server.writes == 0

    exported = tmp_path / "other.yaml"
    other("export", str(exported))
    restored = Ark(board.ark.workspace, new_db())
    restored("apply", str(exported))
    restored("tasks", "plan", "--from", "2026-11-23", "--until", "2026-12-31")
    summary = restored.json("jira", "sync")["summary"]
    assert summary["adopted"] == 8 and summary["created"] == 0
    identity = registry_identity(restored)
    assert identity == registry_identity(other)
    mine = {marker(identity, t["key"]) for t in restored.json("tasks", "list")}
    carrying = {k for k, i in board.server.issues.items() if mine & set(i.fields["labels"])}
    assert carrying == set(board.server.issues) - set(first.values())

    out = board.ark("apply", str(exported), code=1).output
    assert "names another registry than this one" in out and "registry:" in out


def test_the_scrubber_leaves_prose_about_authentication_alone() -> None:
    scrub = Scrubber(Credentials(email=EMAIL, token=SPECIAL))
    text = "Basic authentication is disabled; use a Bearer token"
    assert scrub(text) == text


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "es",
            (
                "Jira respondió 404 a GET project/ARK: 'gone GET",
                "revisa la URL del servidor ({server}) y la clave del proyecto (ARK) en la "
                "sección jira:",
                "Jira respondió 403 a GET project/ARK:",
                "al usuario del token de API le falta un permiso en el proyecto ARK",
            ),
        ),
        (
            "it",
            (
                "Jira ha risposto 404 a GET project/ARK: 'gone GET",
                "controlla l'URL del server ({server}) e la chiave del progetto (ARK) nella "
                "sezione jira:",
                "Jira ha risposto 403 a GET project/ARK:",
                "all'utente del token API manca un permesso nel progetto ARK",
            ),
        ),
    ],
)
def test_jiras_refusals_speak_the_strategys_language_and_keep_its_secrets(
    ark: Ark, monkeypatch: pytest.MonkeyPatch, lang: str, said: tuple[str, ...]
) -> None:
    """Jira's answer is quoted in Jira's words; what Ark says around it (and the hint) is in
    the strategy's language, with the credentials a server echoes masked as before."""
    with JiraServer(flavour="cloud", token=SPECIAL, email=EMAIL) as server:
        board = make_board(ark, monkeypatch, server)
        for name, value in credentials("cloud", SPECIAL).items():
            monkeypatch.setenv(name, value)
        text = board.team.read_text(encoding="utf-8").replace(
            "  business_type: commercial\n", f"  business_type: commercial\n  lang: {lang}\n"
        )
        board.team.write_text(text, encoding="utf-8")
        ark("apply", str(board.team))
        server.fail_with_page(
            "GET", r"/project/ARK$", 404, f"<html><body>gone {ECHO}</body></html>"
        )
        out = ark("jira", "check", code=1).output
        server.fail("GET", r"/project/ARK$", 403)
        out += ark("jira", "check", code=1).output
    for sentence in said:
        assert sentence.format(server=server.url) in out, out
    assert "Jira answered" not in out and "check the server URL" not in out
    assert "Authorization: Basic ***" in out
    for form in forms(EMAIL, SPECIAL):
        assert form not in out, form
    assert SPECIAL[:6] not in out  # nor a part of one, cut off where the excerpt ends
