"""The Jira test server, driven by the real `jira` client in both flavours."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from jira import JIRA, JIRAError
from jsonschema import ValidationError

from tests.jira_server import JiraServer, spec
from tests.jira_server.app import resolve
from tests.jira_server.render import ISSUE_FIELDS
from tests.jira_server.state import Flavour

EMAIL = "bot@acme.test"
TOKEN = "s3cret"


def client(server: JiraServer, token: str = TOKEN, **options: Any) -> JIRA:
    if server.flavour == "cloud":
        return JIRA(server.url, basic_auth=(EMAIL, token), **options)
    return JIRA(server.url, token_auth=token, **options)


def raw_auth(server: JiraServer) -> dict[str, Any]:
    """Keyword arguments for `requests` that authenticate like the client does."""
    if server.flavour == "cloud":
        return {"auth": (EMAIL, TOKEN)}
    return {"headers": {"Authorization": f"Bearer {TOKEN}"}}


def answer_of(error: JIRAError) -> requests.Response:
    assert error.response is not None
    return error.response


def user_ref(server: JiraServer, user_id: str) -> dict[str, str]:
    return {"accountId" if server.flavour == "cloud" else "name": user_id}


@pytest.fixture(params=["cloud", "datacenter"])
def server(request: pytest.FixtureRequest) -> Iterator[JiraServer]:
    flavour: Flavour = request.param
    with JiraServer(flavour=flavour, email=EMAIL, token=TOKEN) as running:
        running.add_component("Design")
        running.add_component("Legal")
        yield running


@pytest.fixture
def jira(server: JiraServer) -> JIRA:
    return client(server, max_retries=0)


def new_issue(jira: JIRA, summary: str = "Draft the brief", **fields: Any) -> str:
    issue = jira.create_issue(
        fields={
            "project": {"key": "ARK"},
            "issuetype": {"name": "Task"},
            "summary": summary,
            **fields,
        }
    )
    return str(issue.key)


# Identity and metadata ----------------------------------------------------------------------


def test_server_info_tells_cloud_from_data_center(server: JiraServer, jira: JIRA) -> None:
    info = jira.server_info()
    assert jira._is_cloud == (server.flavour == "cloud")
    assert info["deploymentType"] == ("Cloud" if server.flavour == "cloud" else "Server")
    assert info["baseUrl"] == server.url


def test_myself_is_the_token_owner(server: JiraServer, jira: JIRA) -> None:
    me = jira.myself()
    assert me["emailAddress"] == EMAIL
    if server.flavour == "cloud":
        assert me["accountId"] == server.bot and "name" not in me
    else:
        assert me["name"] == server.bot == "bot" and "accountId" not in me


def test_user_search_finds_people_by_email_in_each_flavour(server: JiraServer, jira: JIRA) -> None:
    alice = server.add_user("alice@acme.test", "Alice Liddell")
    server.add_user("alan@acme.test", "Alan Turing")
    if server.flavour == "cloud":
        found = jira.search_users(query="alice@acme.test")
        assert [u.accountId for u in found] == [alice]
        assert len(jira.search_users(query="al")) == 2
    else:
        found = jira.search_users(user="alice@acme.test")
        assert [u.name for u in found] == [alice] == ["alice"]
        assert len(jira.search_users(user="al")) == 2
    assert found[0].displayName == "Alice Liddell"
    assert jira.search_users(query="nobody", user="nobody") == []


def test_user_search_uses_the_flavours_parameter(server: JiraServer) -> None:
    server.add_user("alice@acme.test", "Alice Liddell")
    wrong = "username" if server.flavour == "cloud" else "query"
    answer = requests.get(
        f"{server.url}/rest/api/2/user/search", params={wrong: "alice"}, **raw_auth(server)
    )
    assert answer.status_code == 400


def test_project_lists_issue_types_and_components(jira: JIRA) -> None:
    project = jira.project("ARK")
    assert [t.name for t in project.issueTypes] == ["Task", "Bug", "Story"]
    assert [c.name for c in jira.project_components("ARK")] == ["Design", "Legal"]
    assert [c.name for c in project.components] == ["Design", "Legal"]


def test_unknown_project_is_404(jira: JIRA) -> None:
    with pytest.raises(JIRAError) as raised:
        jira.project("NOPE")
    assert raised.value.status_code == 404
    assert "NOPE" in str(raised.value.text)


def test_fields_cover_what_the_plugin_maps(jira: JIRA) -> None:
    names = {f["id"]: f for f in jira.fields()}
    for wanted in ("summary", "description", "labels", "duedate", "assignee", "components"):
        assert wanted in names
    assert names["labels"]["schema"] == {"type": "array", "items": "string", "system": "labels"}
    assert "component" in names["components"]["clauseNames"]


def test_createmeta_follows_what_the_client_calls(server: JiraServer, jira: JIRA) -> None:
    if server.flavour == "cloud":
        meta = jira.createmeta(projectKeys="ARK", expand="projects.issuetypes.fields")
        task = meta["projects"][0]["issuetypes"][0]
        fields = task["fields"]
        assert task["name"] == "Task"
        assert fields["summary"]["required"] is True
        assert [v["name"] for v in fields["components"]["allowedValues"]] == ["Design", "Legal"]
    else:
        with pytest.raises(JIRAError):
            jira.createmeta(projectKeys="ARK")  # gone from Data Center 9
        types = jira.project_issue_types("ARK")
        assert [t.name for t in types] == ["Task", "Bug", "Story"]
        fields = {f.fieldId: f for f in jira.project_issue_fields("ARK", types[0].id)}
        assert fields["summary"].required is True
        assert "reporter" not in fields
    meta_path = "/rest/api/2/issue/createmeta/ARK/issuetypes/10001"
    answer = requests.get(server.url + meta_path, **raw_auth(server)).json()
    listed = answer["fields" if server.flavour == "cloud" else "values"]
    assert {f["fieldId"] for f in listed} >= {"labels", "duedate", "assignee"}


# Creating and editing -----------------------------------------------------------------------


def test_create_stores_fields_and_starts_in_to_do(server: JiraServer, jira: JIRA) -> None:
    alice = server.add_user("alice@acme.test", "Alice Liddell")
    key = new_issue(
        jira,
        description="Why and what",
        labels=["ark", "ark-task-7"],
        duedate="2026-12-01",
        assignee=user_ref(server, alice),
        components=[{"name": "Design"}],
    )
    stored = server.issues[key]
    assert key == "ARK-1"
    assert stored.fields == {
        "summary": "Draft the brief",
        "description": "Why and what",
        "labels": ["ark", "ark-task-7"],
        "duedate": "2026-12-01",
        "assignee": alice,
        "components": ["Design"],
        "issuetype": "Task",
    }
    assert stored.status.name == "To Do"
    fetched = jira.issue(key)
    assert fetched.raw["fields"]["assignee"]["displayName"] == "Alice Liddell"
    assert fetched.fields.status.statusCategory.key == "new"
    assert fetched.fields.duedate == "2026-12-01"
    assert [c.name for c in fetched.fields.components] == ["Design"]


def test_create_rejects_what_jira_rejects_with_field_errors(server: JiraServer, jira: JIRA) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"customfield_99": "x"}, "customfield_99"),
        ({"assignee": user_ref(server, "ghost")}, "assignee"),
        ({"labels": ["has space"]}, "labels"),
        ({"duedate": "1 December"}, "duedate"),
        ({"components": [{"name": "Nope"}]}, "components"),
        ({"summary": ""}, "summary"),
    ]
    for extra, field in cases:
        with pytest.raises(JIRAError) as raised:
            new_issue(jira, **extra)
        assert raised.value.status_code == 400
        assert field in answer_of(raised.value).json()["errors"]
    assert server.issues == {}
    assert server.writes == 0


def test_bulk_create_reports_errors_per_element(server: JiraServer, jira: JIRA) -> None:
    issues = [
        {"project": {"key": "ARK"}, "issuetype": {"name": "Task"}, "summary": f"Task {n}"}
        for n in range(3)
    ]
    issues[1]["bogus"] = "x"
    result = jira.create_issues(issues, prefetch=False)
    assert [r["status"] for r in result] == ["Success", "Error", "Success"]
    assert "bogus" in result[1]["error"]
    assert sorted(server.issues) == ["ARK-1", "ARK-2"]
    assert server.requests[("POST", "/rest/api/2/issue/bulk")] == 1
    assert server.writes == 1


def test_bulk_create_all_failing_is_400_and_over_fifty_is_refused(server: JiraServer) -> None:
    url = f"{server.url}/rest/api/2/issue/bulk"
    bad = {"fields": {"project": {"key": "ARK"}, "issuetype": {"id": "10001"}}}
    answer = requests.post(url, json={"issueUpdates": [bad, bad]}, **raw_auth(server))
    assert answer.status_code == 400
    assert [e["failedElementNumber"] for e in answer.json()["errors"]] == [0, 1]
    good = {"fields": {**bad["fields"], "summary": "ok"}}
    answer = requests.post(url, json={"issueUpdates": [good] * 51}, **raw_auth(server))
    assert answer.status_code == 400
    assert "50" in answer.json()["errorMessages"][0]
    assert server.issues == {}
    answer = requests.post(url, json={"issueUpdates": [good] * 50}, **raw_auth(server))
    assert answer.status_code == 201
    assert len(answer.json()["issues"]) == len(server.issues) == 50


def test_bulk_switched_off_answers_404(server: JiraServer, jira: JIRA) -> None:
    server.bulk = False
    fields = {"project": {"key": "ARK"}, "issuetype": {"name": "Task"}, "summary": "x"}
    with pytest.raises(JIRAError) as raised:
        jira.create_issues([fields], prefetch=False)
    assert raised.value.status_code == 404
    assert server.issues == {}
    server.bulk = True
    assert jira.create_issues([fields], prefetch=False)[0]["status"] == "Success"


def test_edit_records_history_and_update_operations(server: JiraServer, jira: JIRA) -> None:
    key = new_issue(jira, labels=["ark"])
    before = server.issues[key].updated
    time.sleep(0.002)
    jira.issue(key).update(fields={"summary": "Draft the brief v2", "duedate": "2026-12-24"})
    jira.issue(key).update(update={"labels": [{"add": "urgent"}, {"remove": "ark"}]})
    stored = server.issues[key]
    assert stored.fields["summary"] == "Draft the brief v2"
    assert stored.fields["labels"] == ["urgent"]
    assert stored.updated > before
    changes = [[item.field for item in h.items] for h in stored.changelog]
    assert changes == [["summary", "duedate"], ["labels"]]
    assert stored.changelog[0].author == server.bot
    with pytest.raises(JIRAError) as raised:
        jira.issue(key).update(fields={"reporter": user_ref(server, server.bot)})
    assert "reporter" in answer_of(raised.value).json()["errors"]


def test_a_noop_edit_changes_nothing_but_counts_as_a_write(server: JiraServer, jira: JIRA) -> None:
    key = new_issue(jira)
    server.reset_counters()
    jira.issue(key).update(fields={"summary": "Draft the brief"})
    assert server.issues[key].changelog == []
    assert server.writes == 1


def test_assignee_endpoint_and_unassign(server: JiraServer, jira: JIRA) -> None:
    alice = server.add_user("alice@acme.test", "Alice Liddell")
    key = new_issue(jira)
    jira.assign_issue(key, alice)
    assert server.issues[key].fields["assignee"] == alice
    jira.assign_issue(key, None)
    assert server.issues[key].fields["assignee"] is None
    assert [h.items[0].to_string for h in server.issues[key].changelog] == ["Alice Liddell", None]


def test_workflow_transitions_by_id_with_names_unlike_statuses(
    server: JiraServer, jira: JIRA
) -> None:
    key = new_issue(jira)
    offered = {t["name"]: t["to"]["name"] for t in jira.transitions(key)}
    assert offered == {"Start work": "In Progress", "Finish": "Done"}
    start = next(t["id"] for t in jira.transitions(key) if t["name"] == "Start work")
    jira.transition_issue(key, start)
    assert server.issues[key].status.name == "In Progress"
    jira.transition_issue(key, "Finish", comment="Shipped")
    assert server.issues[key].status.category.key == "done"
    assert [c.body for c in jira.comments(key)] == ["Shipped"]
    with pytest.raises(JIRAError) as raised:
        jira.transition_issue(key, start)  # not offered from Done
    assert raised.value.status_code == 400
    jira.transition_issue(key, "Reopen")
    assert server.issues[key].status.name == "To Do"


def test_people_change_the_board_with_author_and_time(server: JiraServer, jira: JIRA) -> None:
    bob = server.add_user("bob@acme.test", "Bob Builder")
    key = new_issue(jira, labels=["ark"])
    server.set_status(key, "Done", by=bob)
    server.edit(key, {"summary": "Renamed in Jira", "labels": ["ark", "x"]}, by=bob)
    issue = jira.issue(key, expand="changelog")
    assert issue.fields.status.name == "Done"
    histories = issue.changelog.histories
    assert [h.items[0].field for h in histories] == ["status", "summary"]
    author = histories[0].author
    assert (author.accountId if server.flavour == "cloud" else author.name) == bob
    assert histories[0].items[0].toString == "Done"
    with pytest.raises(ValueError, match="assignee"):
        server.edit(key, {"assignee": "ghost"})


def test_comments_round_trip(server: JiraServer, jira: JIRA) -> None:
    key = new_issue(jira)
    jira.add_comment(key, "First")
    jira.add_comment(key, "Second")
    assert [c.body for c in jira.comments(key)] == ["First", "Second"]
    assert [c.body for c in server.issues[key].comments] == ["First", "Second"]
    assert jira.issue(key).raw["fields"]["comment"]["total"] == 2


# Search -------------------------------------------------------------------------------------


def seed(jira: JIRA, count: int) -> list[str]:
    issues = [
        {
            "project": {"key": "ARK"},
            "issuetype": {"name": "Task"},
            "summary": f"Task {n}",
            "labels": ["ark", f"ark-task-{n}"] if n % 2 == 0 else ["other"],
        }
        for n in range(count)
    ]
    return [r["issue"].key for r in jira.create_issues(issues, prefetch=False)]


def search(jira: JIRA, query: str, **options: Any) -> list[str]:
    return [i.key for i in jira.search_issues(query, maxResults=False, **options)]


def test_jql_subset(server: JiraServer, jira: JIRA) -> None:
    keys = seed(jira, 6)
    server.set_status(keys[1], "Done")
    server.set_status(keys[2], "In Progress")
    assert search(jira, "project = ARK ORDER BY key ASC") == keys
    assert search(jira, "project = ARK ORDER BY key DESC") == keys[::-1]
    assert search(jira, "labels = ark ORDER BY key") == keys[0::2]
    assert search(jira, "labels in (ark-task-2, ark-task-4) ORDER BY key") == [keys[2], keys[4]]
    assert search(jira, f"key in ({keys[0]}, {keys[5]}) ORDER BY key") == [keys[0], keys[5]]
    assert search(jira, 'status = "Done"') == [keys[1]]
    assert (
        search(jira, "statusCategory = Done OR statusCategory = indeterminate ORDER BY key")
        == keys[1:3]
    )
    assert search(jira, "project = ARK AND NOT (labels = ark OR status = Done) ORDER BY key") == [
        keys[3],
        keys[5],
    ]
    assert search(jira, "project = ARK AND labels is EMPTY") == []
    assert search(jira, "project = ARK AND updated >= -5m ORDER BY key") == keys
    assert search(jira, 'updated >= "2999-01-01 00:00"') == []
    assert (
        search(jira, 'project = ARK AND updated >= "2000/01/01" ORDER BY updated DESC')[0]
        == keys[2]
    )
    for bad in ("project = ", "nosuchfield = 1", "project = ARK ORDER BY nonsense"):
        with pytest.raises(JIRAError) as raised:
            search(jira, bad)
        assert raised.value.status_code == 400


def test_jql_people_components_and_text(server: JiraServer, jira: JIRA) -> None:
    alice = server.add_user("alice@acme.test", "Alice Liddell")
    first = new_issue(jira, "Weekly report", components=[{"name": "Design"}])
    second = new_issue(jira, "Legal review", assignee=user_ref(server, alice))
    third = new_issue(jira, "Mine", assignee=user_ref(server, server.bot))
    assert search(jira, f'assignee = "{alice}"') == [second]
    assert search(jira, "assignee = currentUser()") == [third]
    assert search(jira, "assignee is EMPTY") == [first]
    assert search(jira, "component = Design") == [first]
    assert search(jira, 'summary ~ "report"') == [first]
    assert search(jira, "project = ARK") == [third, second, first]  # newest first by default
    assert search(jira, f"key > {first} ORDER BY key") == [second, third]


def test_bad_paging_numbers_are_400(server: JiraServer) -> None:
    path = "/rest/api/2/search/jql" if server.flavour == "cloud" else "/rest/api/2/search"
    params = {"jql": "project = ARK", "maxResults": "lots"}
    answer = requests.get(server.url + path, params=params, **raw_auth(server))
    assert answer.status_code == 400
    assert "maxResults" in answer.json()["errorMessages"][0]


def test_updated_is_compared_with_the_moment_a_person_changed_it(
    server: JiraServer, jira: JIRA
) -> None:
    keys = seed(jira, 2)
    issue = server.issues[keys[0]]
    since = issue.updated.strftime("%Y-%m-%d %H:%M")
    server.set_status(keys[1], "Done")
    found = search(jira, f'project = ARK AND updated >= "{since}" ORDER BY key')
    assert keys[1] in found


def test_search_honours_fields_and_changelog_expansion(server: JiraServer, jira: JIRA) -> None:
    keys = seed(jira, 1)
    server.set_status(keys[0], "Done")
    found = jira.search_issues("project = ARK", fields="labels,status", expand="changelog")
    raw = found[0].raw
    assert set(raw["fields"]) == {"labels", "status"}
    assert raw["changelog"]["histories"][0]["items"][0]["toString"] == "Done"
    every = jira.search_issues("project = ARK", fields="*all")[0].raw["fields"]
    assert set(every) == set(ISSUE_FIELDS)


def test_cloud_pages_with_tokens_and_no_total() -> None:
    with JiraServer(flavour="cloud") as server:
        jira = client(server)
        keys = seed(jira, 7)
        first = jira.enhanced_search_issues("project = ARK ORDER BY key", maxResults=3, fields="id")
        assert [i.key for i in first] == keys[:3]
        assert first.nextPageToken  # ResultList fills `total` with the page size itself
        second = jira.enhanced_search_issues(
            "project = ARK ORDER BY key", nextPageToken=first.nextPageToken, maxResults=3
        )
        assert [i.key for i in second] == keys[3:6]
        server.reset_counters()
        assert search(jira, "project = ARK ORDER BY key") == keys
        assert server.requests[("GET", "/rest/api/2/search/jql")] == 1
        posted = jira.enhanced_search_issues("project = ARK", maxResults=False, use_post=True)
        assert len(posted) == 7
        assert server.requests[("POST", "/rest/api/2/search/jql")] == 1
        answer = requests.get(
            f"{server.url}/rest/api/2/search/jql",
            params={"jql": "project = ARK", "maxResults": "5"},
            auth=(EMAIL, TOKEN),
        ).json()
        assert "total" not in answer and answer["isLast"] is False
        assert "fields" not in answer["issues"][0]  # Cloud returns ids only by default
        wrong = requests.get(
            f"{server.url}/rest/api/2/search/jql",
            params={"jql": "labels = ark", "nextPageToken": answer["nextPageToken"]},
            auth=(EMAIL, TOKEN),
        )
        assert wrong.status_code == 400


def test_cloud_has_removed_the_old_search() -> None:
    with JiraServer(flavour="cloud") as server:
        for method in ("GET", "POST"):
            answer = requests.request(
                method,
                f"{server.url}/rest/api/2/search",
                params={"jql": "project = ARK"},
                json={"jql": "project = ARK"},
                auth=(EMAIL, TOKEN),
            )
            assert answer.status_code == 410
            assert "/search/jql" in answer.json()["errorMessages"][0]


def test_data_center_pages_with_start_at_and_total() -> None:
    with JiraServer(flavour="datacenter") as server:
        jira = client(server)
        keys = seed(jira, 7)
        page = jira.search_issues("project = ARK ORDER BY key", startAt=3, maxResults=3)
        assert [i.key for i in page] == keys[3:6]
        assert page.total == 7
        server.reset_counters()
        assert search(jira, "project = ARK ORDER BY key") == keys
        posted = jira.search_issues("project = ARK ORDER BY key", maxResults=False, use_post=True)
        assert [i.key for i in posted] == keys
        assert server.requests[("POST", "/rest/api/2/search")] == 1
        missing = requests.get(
            f"{server.url}/rest/api/2/search/jql",
            params={"jql": "project = ARK"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert missing.status_code == 404


def test_search_lags_behind_creates(server: JiraServer, jira: JIRA) -> None:
    server.search_lag = 0.3
    key = new_issue(jira)
    assert search(jira, "project = ARK") == []
    assert jira.issue(key).key == key  # a direct read sees it at once
    while not (found := search(jira, "project = ARK")):  # the lag passes: awaited, not slept
        time.sleep(0.01)
    assert found == [key]


def test_cloud_search_reconciles_named_issues_despite_the_lag() -> None:
    with JiraServer(flavour="cloud") as server:
        jira = client(server)
        server.search_lag = 60.0
        created = jira.create_issue(
            fields={"project": {"key": "ARK"}, "issuetype": {"name": "Task"}, "summary": "x"},
            prefetch=False,
        )
        assert search(jira, "project = ARK") == []
        found = jira.enhanced_search_issues("project = ARK", reconcileIssues=[int(created.id)])
        assert [i.key for i in found] == [created.key]


# Authentication and faults ------------------------------------------------------------------


def test_bad_or_missing_credentials_are_401_without_secrets(server: JiraServer) -> None:
    with pytest.raises(JIRAError) as raised:
        client(server, token="wrong", max_retries=0).myself()
    assert raised.value.status_code == 401
    assert "wrong" not in answer_of(raised.value).text and TOKEN not in answer_of(raised.value).text
    anonymous = requests.get(f"{server.url}/rest/api/2/myself")
    assert anonymous.status_code == 401
    assert anonymous.json()["errorMessages"]
    assert requests.get(f"{server.url}/rest/api/2/serverInfo").status_code == 200
    other = (
        {"auth": (EMAIL, TOKEN)}
        if server.flavour == "datacenter"
        else {"headers": {"Authorization": f"Bearer {TOKEN}"}}
    )
    assert requests.get(f"{server.url}/rest/api/2/myself", **other).status_code == 401


def test_rate_limit_answers_429_with_retry_headers(server: JiraServer) -> None:
    server.fail("POST", r"/issue$", 429, retry_after=7)
    fields = {"fields": {"project": {"key": "ARK"}, "issuetype": {"name": "Task"}, "summary": "x"}}
    url = f"{server.url}/rest/api/2/issue"
    limited = requests.post(url, json=fields, **raw_auth(server))
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    if server.flavour == "cloud":
        assert limited.headers["X-RateLimit-Reset"].endswith("Z")
    else:
        assert limited.headers["X-RateLimit-FillRate"]
    assert server.issues == {}
    assert requests.post(url, json=fields, **raw_auth(server)).status_code == 201
    assert server.requests[("POST", "/rest/api/2/issue")] == 2
    assert server.writes == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_do_nothing(server: JiraServer, jira: JIRA, status: int) -> None:
    server.fail("POST", r"/rest/api/2/issue$", status, times=2)
    for _ in range(2):
        with pytest.raises(JIRAError) as raised:
            new_issue(jira)
        assert raised.value.status_code == status
    assert server.issues == {}
    assert new_issue(jira) == "ARK-1"


def test_faults_match_latest_paths_as_v2(server: JiraServer, jira: JIRA) -> None:
    alice = server.add_user("alice@acme.test", "Alice Liddell")
    key = new_issue(jira)
    server.fail("PUT", r"^/rest/api/2/issue/[^/]+/assignee$", 502)
    with pytest.raises(JIRAError) as raised:
        jira.assign_issue(key, alice)  # the client calls /rest/api/latest/...
    assert raised.value.status_code == 502
    assert server.issues[key].fields["assignee"] is None
    assert server.requests[("PUT", "/rest/api/2/issue/{issueIdOrKey}/assignee")] == 1


def test_dropped_connection_after_commit_still_created_the_issue(
    server: JiraServer, jira: JIRA
) -> None:
    server.drop_after_commit("POST", r"/issue/bulk$")
    fields = {"project": {"key": "ARK"}, "issuetype": {"name": "Task"}, "summary": "Lost answer"}
    with pytest.raises(requests.ConnectionError):
        jira.create_issues([fields], prefetch=False)
    assert [i.fields["summary"] for i in server.issues.values()] == ["Lost answer"]
    assert server.writes == 1
    assert jira.create_issues([fields], prefetch=False)[0]["status"] == "Success"
    assert len(server.issues) == 2


def test_latency_is_added_to_every_request(server: JiraServer, jira: JIRA) -> None:
    server.latency = 0.05
    started = time.perf_counter()
    for _ in range(3):
        jira.myself()
    assert time.perf_counter() - started >= 0.15


def test_counters_count_routes_and_reset(server: JiraServer, jira: JIRA) -> None:
    server.reset_counters()
    key = new_issue(jira)
    jira.issue(key)
    assert server.requests[("POST", "/rest/api/2/issue")] == 1
    assert server.requests[("GET", "/rest/api/2/issue/{issueIdOrKey}")] == 2  # prefetch + get
    assert server.writes == 1
    server.reset_counters()
    assert not server.requests and server.writes == 0


# The answers follow Atlassian's specification ------------------------------------------------


def test_answers_match_the_specifications_schemas(server: JiraServer) -> None:
    cloud = server.flavour == "cloud"
    alice = server.add_user("alice@acme.test", "Alice Liddell")
    checked: set[tuple[str, str]] = set()

    def call(method: str, path: str, status: int, **options: Any) -> Any:
        answer = requests.request(method, server.url + path, **options, **raw_auth(server))
        assert answer.status_code == status, (method, path, answer.text)
        found = resolve(method, path.split("?")[0])
        assert found is not None
        template = found[0].template
        if status == 204:
            spec.response_schema(method, template, 204)  # declared
            assert answer.content == b""
        else:
            spec.validate(method, template, status, answer.json())
        checked.add((method, template))
        return None if status == 204 else answer.json()

    task = {"project": {"key": "ARK"}, "issuetype": {"id": "10001"}, "summary": "Plan"}
    call("GET", "/rest/api/2/serverInfo", 200)
    me = call("GET", "/rest/api/2/myself", 200)
    call("GET", "/rest/api/2/user/search", 200, params={("query" if cloud else "username"): "ali"})
    call("GET", "/rest/api/2/user", 200, params={("accountId" if cloud else "username"): alice})
    call("GET", "/rest/api/2/project/ARK", 200)
    call("GET", "/rest/api/2/project/ARK/components", 200)
    call("GET", "/rest/api/2/project/ARK/statuses", 200)
    call("GET", "/rest/api/2/issuetype", 200)
    call("GET", "/rest/api/2/field", 200)
    if cloud:
        expand = {"projectKeys": "ARK", "expand": "projects.issuetypes.fields"}
        call("GET", "/rest/api/2/issue/createmeta", 200, params=expand)
    call("GET", "/rest/api/2/issue/createmeta/ARK/issuetypes", 200)
    call("GET", "/rest/api/2/issue/createmeta/ARK/issuetypes/10001", 200)
    key = call("POST", "/rest/api/2/issue", 201, json={"fields": task})["key"]
    call("POST", "/rest/api/2/issue", 400, json={"fields": {**task, "bogus": 1}})
    bulk = {"issueUpdates": [{"fields": task}, {"fields": {**task, "summary": ""}}]}
    call("POST", "/rest/api/2/issue/bulk", 201, json=bulk)
    call("POST", "/rest/api/2/issue/bulk", 400, json={"issueUpdates": bulk["issueUpdates"][1:]})
    call("PUT", f"/rest/api/2/issue/{key}", 204, json={"fields": {"labels": ["ark"]}})
    call("PUT", f"/rest/api/2/issue/{key}/assignee", 204, json=user_ref(server, alice))
    transitions = call("GET", f"/rest/api/2/issue/{key}/transitions", 200)["transitions"]
    start = {"transition": {"id": transitions[0]["id"]}}
    call("POST", f"/rest/api/2/issue/{key}/transitions", 204, json=start)
    call("POST", f"/rest/api/2/issue/{key}/comment", 201, json={"body": "Noted"})
    call("GET", f"/rest/api/2/issue/{key}/comment", 200)
    call("GET", f"/rest/api/2/issue/{key}/changelog", 200)
    issue = call("GET", f"/rest/api/2/issue/{key}", 200, params={"expand": "changelog,transitions"})
    assert [h["items"][0]["field"] for h in issue["changelog"]["histories"]] == [
        "labels",
        "assignee",
        "status",
    ]
    query = {"jql": "project = ARK ORDER BY key", "fields": "*all", "expand": "changelog"}
    search = "/rest/api/2/search/jql" if cloud else "/rest/api/2/search"
    found = call("GET", search, 200, params={**query, "maxResults": "1"})
    assert len(found["issues"]) == 1
    call("POST", search, 200, json={**query, "fields": ["summary", "status"]})
    if cloud:
        fetched = call(
            "POST",
            "/rest/api/2/issue/bulkfetch",
            200,
            json={"issueIdsOrKeys": [key, "ARK-999"], "fields": ["labels"]},
        )
        assert [i["key"] for i in fetched["issues"]] == [key]
    expected = 25 if cloud else 23
    assert len(checked) == expected
    # The check has teeth: a property the schema does not declare is refused.
    with pytest.raises(ValidationError):
        spec.validate("GET", "/rest/api/2/myself", 200, {**me, "nickname": "Al"})
