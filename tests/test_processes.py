"""Documented processes: recording, reading, reviewing, logging completions, checks, pages."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ark.db import open_engine
from ark.hookspecs import hookimpl
from ark.plugins import hooks, manager
from ark.registry.events import ProcessChange
from ark.registry.writer import transaction
from ark.vocabulary import TaskStatus
from tests.conftest import Ark, Demo

GOOD = """---
slug: {slug}
title: Weekly listening report
responsibility: listening
review_months: 6
kpis: [followers]
steps:
  - do: Export last week's "mentions"
    role: responsible
    tool: Listening tool
  - do: Approve the report
    role: accountable
---

Keep it to one page.
"""


def recorded_long_ago(ark: Ark, *slugs: str, on: str = "2019-06-03") -> None:
    """Processes first recorded years ago (the team has kept them since), so that a review
    dated in the past is one that could have happened."""
    from sqlalchemy import update

    from ark.models import Process

    engine = open_engine(ark.db_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(Process)
                .where(Process.slug.in_(slugs))
                .values(created_at=dt.datetime.fromisoformat(f"{on}T09:00:00+00:00"))
            )
    finally:
        engine.dispose()


def fill(text: str) -> str:
    """A file from `ark process new` with its placeholder text written, as a person would."""
    from ark_processes.document import NEW_FILE_WORDS

    real = {
        "purpose": "Know what is said about us.",
        "trigger": "Every Monday.",
        "first": "Collect the mentions",
        "tool": "Listening tool",
        "check": "Approve the report",
        "details": "Keep it to one page.",
    }
    for key, placeholder in NEW_FILE_WORDS.items():
        text = text.replace(placeholder, real[key])
    return text


def write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def codes(ark: Ark, code: int = 0) -> list[tuple[str, str]]:
    report = ark.json("check", code=code)
    return sorted((f["code"], f["subject"]) for f in report["findings"] if "process" in f["code"])


def test_round_trip_new_record_history_diff_review_export(ark: Ark, team: Path) -> None:
    out = ark("process", "new", "weekly-report", "--responsibility", "listening").stdout
    path = ark.workspace / "processes" / "weekly-report.md"
    assert f"wrote {path.relative_to(ark.workspace)}" in out
    ark("process", "new", "weekly-report", code=1)  # never overwrites without --force
    path.write_text(fill(path.read_text("utf-8")), encoding="utf-8")

    assert ark.json("process", "record", str(path), "--message", "first")[0]["revision"] == 1
    again = ark.json("process", "record", str(path))
    assert again == [{"slug": "weekly-report", "revision": None, "created": False, "dropped": []}]

    text = path.read_text("utf-8").replace("Collect the mentions", "Export the mentions")
    path.write_bytes(text.encode("utf-8"))
    assert "~ weekly-report revision 2" in ark("process", "record", str(path), "-m", "steps").stdout

    listed = ark.json("process", "list")
    assert [(p["slug"], p["revision"], p["responsibility"]) for p in listed] == [
        ("weekly-report", 2, "listening")
    ]
    shown = ark.json("process", "show", "weekly-report")
    assert shown["text"] == text
    assert shown["data"]["steps"][0]["do"] == "Export the mentions"
    assert ark.json("process", "show", "weekly-report", "--revision", "1")["text"] != text

    history = ark.json("process", "history", "weekly-report")
    assert [(h["revision"], h["author"], h["message"]) for h in history] == [
        (2, "tester", "steps"),
        (1, "tester", "first"),
    ]
    diff = ark.json("process", "diff", "weekly-report", "1", "2")["diff"]
    assert "-  - do: Collect the mentions" in diff
    assert "+  - do: Export the mentions" in diff
    ark("process", "diff", "weekly-report", "1", "9", code=1)

    assert shown["last_reviewed_on"] is None
    recorded_long_ago(ark, "weekly-report")
    ark("process", "review", "weekly-report", "--on", "2026-01-15")
    reviewed = ark.json("process", "show", "weekly-report")
    assert (reviewed["last_reviewed_by"], reviewed["last_reviewed_on"]) == ("tester", "2026-01-15")
    assert reviewed["review_due"] == "2026-07-15"
    assert reviewed["revision"] == 2  # a review is not a change

    out_dir = ark.workspace / "exported"
    assert "wrote 1 file to" in ark("process", "export", str(out_dir)).stdout
    assert (out_dir / "weekly-report.md").read_bytes() == path.read_bytes()
    assert ark.json("process", "record", str(out_dir))[0]["revision"] is None
    assert "wrote 0 files to" in ark("process", "export", str(out_dir)).stdout
    assert len(ark.json("process", "history", "weekly-report")) == 2


def test_windows_line_endings_and_unicode_survive_the_round_trip(ark: Ark, team: Path) -> None:
    text = GOOD.format(slug="crlf").replace("one page", "una página ✓").replace("\n", "\r\n")
    path = write(ark.workspace / "in", "crlf.md", text)
    ark("process", "record", str(path))
    ark("process", "export", str(ark.workspace / "out"))
    assert (ark.workspace / "out" / "crlf.md").read_bytes() == text.encode("utf-8")


Case = tuple[Callable[[str], str | bytes], int, str, str]
BAD: dict[str, Case] = {
    "no front matter": (lambda t: t.replace("---\n", "", 1), 1, "", "does not start"),
    "front matter never closed": (
        lambda t: t.replace("\n---\n\n", "\n\n"),
        1,
        "",
        "never closed",
    ),
    "YAML syntax": (lambda t: t.replace("kpis: [followers]", "kpis: [followers"), 7, "", "YAML"),
    "not a mapping": (
        lambda t: "---\n- a list\n---\nbody\n",
        2,
        "",
        "must be a mapping",
    ),
    "missing title": (
        lambda t: t.replace("title: Weekly listening report\n", ""),
        2,
        "",
        "'title'",
    ),
    "unknown field": (lambda t: t.replace("title:", "titel:"), 2, "", "unknown field 'titel'"),
    "wrong type": (
        lambda t: t.replace("review_months: 6", "review_months: six"),
        5,
        "review_months",
        "expected a whole number",
    ),
    "bad role": (
        lambda t: t.replace("role: accountable", "role: owner"),
        12,
        "steps[1].role",
        "'owner' is not allowed",
    ),
    "step without do": (
        lambda t: t.replace("  - do: Approve the report\n    role", "  - role"),
        11,
        "steps[1]",
        "missing field 'do'",
    ),
    "unknown responsibility": (
        lambda t: t.replace("responsibility: listening", "responsibility: listenin"),
        4,
        "responsibility",
        "unknown responsibility 'listenin'",
    ),
    "unknown KPI": (
        lambda t: t.replace("[followers]", "[followers, folowers]"),
        6,
        "kpis[1]",
        "unknown KPI 'folowers'",
    ),
    "duplicate field": (
        lambda t: t.replace("review_months: 6", "review_months: 6\nreview_months: 3"),
        6,
        "",
        "appears twice",
    ),
    "slug of another file": (lambda t: t.replace("slug: bad", "slug: good"), 2, "slug", "also"),
    "not UTF-8": (
        lambda t: t.replace("one page", "one p\xe1ge").encode("latin-1"),
        15,
        "",
        "UTF-8",
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_file_records_nothing_and_says_where(ark: Ark, team: Path, kind: str) -> None:
    make, line, field, message = BAD[kind]
    folder = ark.workspace / "processes"
    write(folder, "good.md", GOOD.format(slug="good"))
    bad = write(folder, "zz-bad.md", make(GOOD.format(slug="bad")))
    audit_before = ark.json("process", "list")
    result = ark("process", "record", str(folder), code=2)
    where = f"{bad}:{line}:"
    assert where in result.output, result.output
    located = [ln for ln in result.output.splitlines() if where in ln]
    assert any(message in ln and (not field or f" {field}:" in ln) for ln in located), located
    assert "fix:" in result.output
    assert "nothing was recorded" in result.output
    assert ark.json("process", "list") == audit_before == []


def test_every_problem_of_every_file_is_reported_at_once(ark: Ark, team: Path) -> None:
    folder = ark.workspace / "processes"
    write(folder, "a.md", GOOD.format(slug="a").replace("role: accountable", "role: boss"))
    write(folder, "b.md", GOOD.format(slug="b").replace("[followers]", "[nope]"))
    output = ark("process", "record", str(folder), code=2).output
    assert f"{folder / 'a.md'}:12:" in output and f"{folder / 'b.md'}:6:" in output
    assert "2 problems in 2 process files" in output


def test_a_missing_path_is_an_error(ark: Ark, team: Path) -> None:
    assert "does not exist" in ark("process", "record", "nowhere", code=1).output
    (ark.workspace / "empty").mkdir()
    assert "holds no .md files" in ark("process", "record", "empty", code=1).output


def _planned_key(ark: Ark, responsibility: str) -> str:
    ark("tasks", "plan", "--from", "2026-11-02", "--until", "2026-11-30")
    rows = ark.json("tasks", "list", "--responsibility", responsibility)
    key: str = rows[0]["key"]
    return key


def test_a_task_set_done_is_logged_in_its_process(ark: Ark, team: Path) -> None:
    ark("process", "record", str(write(ark.workspace / "p", "l.md", GOOD.format(slug="listen"))))
    key = _planned_key(ark, "listening")
    other = ark.json("tasks", "list", "--responsibility", "kpi-report")[0]["key"]

    ark("tasks", "set", key, "in-progress", "--note", "started")
    assert ark.json("process", "show", "listen")["completions"] == []
    ark("tasks", "set", key, "done", "--note", "3 complaints handed to care")
    ark("tasks", "set", other, "done", "--note", "not a listening task")
    log = ark.json("process", "show", "listen")["completions"]
    assert [(e["task"], e["who"], e["note"]) for e in log] == [
        (key, "tester", "3 complaints handed to care")
    ]
    assert log[0]["date"] == dt.date.today().isoformat()
    assert "3 complaints handed to care" in ark("process", "show", "listen").stdout


def test_a_completion_pulled_back_from_another_system_keeps_who_and_when(
    ark: Ark, team: Path
) -> None:
    ark("process", "record", str(write(ark.workspace / "p", "l.md", GOOD.format(slug="listen"))))
    key = _planned_key(ark, "listening")
    engine = open_engine(ark.db_url)
    try:
        with transaction(engine, hooks=hooks(), actor="sync") as reg:
            reg.set_task_status(
                key,
                TaskStatus.DONE,
                note="closed on the board",
                by="jira:bruno",
                at=dt.datetime(2026, 11, 6, 17, 30, tzinfo=dt.UTC),
            )
    finally:
        engine.dispose()
    log = ark.json("process", "show", "listen")["completions"]
    assert [(e["date"], e["who"], e["note"]) for e in log] == [
        ("2026-11-06", "jira:bruno", "closed on the board")
    ]


def test_checks_missing_overdue_and_unowned(ark: Ark, team: Path) -> None:
    assert codes(ark) == [("process-missing", "kpi-report"), ("process-missing", "listening")]
    ark("process", "record", str(write(ark.workspace / "p", "l.md", GOOD.format(slug="listen"))))
    assert codes(ark) == [("process-missing", "kpi-report")]

    recorded_long_ago(ark, "listen")
    ark("process", "review", "listen", "--on", "2020-01-01")
    assert ("process-overdue", "listen") in codes(ark)
    ark("process", "review", "listen")
    assert ("process-overdue", "listen") not in codes(ark)

    ark("unassign", "ana@acme.test", "listening", "--role", "accountable")
    assert ("process-unowned", "listen") in codes(ark, code=1)  # core: no-accountable is an error


def pages(ark: Ark, lang: str) -> dict[str, str]:
    found: dict[str, str] = {}
    engine = open_engine(ark.db_url)
    try:
        with transaction(engine, hooks=hooks(), write=False) as reg:
            hooks().ark_playbook_pages(registry=reg, lang=lang, register=found.__setitem__)
    finally:
        engine.dispose()
    return found


def test_process_pages_in_two_languages(ark: Ark, team: Path) -> None:
    folder = ark.workspace / "p"
    ark("process", "record", str(write(folder, "l.md", GOOD.format(slug="listen"))), "-m", "v1")
    recorded_long_ago(ark, "listen")
    ark("process", "review", "listen", "--on", "2020-01-01")
    ark("tasks", "set", _planned_key(ark, "listening"), "done", "--note", "sent to all")

    en = pages(ark, "en")
    page = en["processes/listen.md"]
    front = page.split("---\n")[1]
    assert yaml.safe_load(front) == {"title": "Weekly listening report", "tags": ["process"]}
    assert '!!! warning "Overdue for review"' in page
    flow = json.loads(page.split("```ark-flow\n", 1)[1].split("```", 1)[0])
    assert flow == {
        "title": "Weekly listening report",
        "steps": [
            {"do": 'Export last week\'s "mentions"', "role": "Responsible"},
            {"do": "Approve the report", "role": "Accountable"},
        ],
    }
    assert (
        '| 1 | Export last week\'s "mentions" | Responsible | Bruno López | Listening tool |'
        in page
    )
    assert "| 2 | Approve the report | Accountable | Ana García |" in page
    assert "Last reviewed by tester on Jan 1, 2020." in page
    assert "| 1 | " in page.split("## Revision history", 1)[1] and "| v1 |" in page
    assert "sent to all" in page.split("## Recent completions", 1)[1]
    assert "Keep it to one page." in page
    assert "- **Cadence:** Weekly" in page and "- Followers (`followers`)" in page
    assert "[Weekly listening report](processes/listen.md)" in en["due-for-review.md"]
    assert "| Social listening | Ana García | Jul 1, 2020 | yes |" in en["due-for-review.md"]
    assert "- **Next review:** Jul 1, 2020" in page and "- **Last changed:** " in page
    assert "No usage policy is recorded yet" in en["usage-policy.md"]

    es = pages(ark, "es")["processes/listen.md"]
    assert '!!! warning "Revisión pendiente"' in es
    assert "## Quién hace qué" in es and "## Historial de revisiones" in es
    assert "- **Periodicidad:** Semanal" in es
    # R is the "Responsable" Spanish readers know; A is the one who approves
    assert '"role": "Responsable"' in es.split("```ark-flow", 1)[1]
    assert "Encargado" not in es and "Responsable último" not in es
    assert "Revisión pendiente" not in pages(ark, "it")["processes/listen.md"]

    ark("process", "review", "listen")
    assert "Overdue for review" not in pages(ark, "en")["processes/listen.md"]


@pytest.mark.parametrize(
    ("lang", "title", "wrote"),
    [
        ("en", "Weekly listening report", "wrote 15 starter processes"),
        ("es", "Informe semanal de escucha", "escritos 15 procesos iniciales"),
        ("it", "Report settimanale di ascolto", "scritti 15 processi iniziali"),
    ],
)
def test_init_writes_starter_processes_that_record_cleanly(
    ark: Ark, lang: str, title: str, wrote: str
) -> None:
    workspace = ark.workspace / "team"
    out = ark("init", str(workspace), "--lang", lang).stdout
    assert wrote in out
    ark("apply", str(workspace / "ark.yaml"))
    recorded = ark.json("process", "record", str(workspace / "processes"), "-m", "starters")
    assert len(recorded) == 15 and all(r["revision"] == 1 for r in recorded)
    shown = ark.json("process", "show", "weekly-listening-report")
    assert shown["title"] == title
    assert {p["responsibility"] for p in ark.json("process", "list")} == recurring_of_template(lang)
    report = ark.json("check")
    assert report["errors"] == 0
    assert [f for f in report["findings"] if f["code"].startswith("process-")] == []
    policy = pages(ark, lang)["usage-policy.md"]
    assert "processes/usage-policy.md" in policy

    before = (workspace / "processes" / "usage-policy.md").read_bytes()
    (workspace / "processes" / "usage-policy.md").write_bytes(b"edited")
    ark("init", str(workspace), "--lang", lang, "--force")
    assert (workspace / "processes" / "usage-policy.md").read_bytes() == b"edited" != before


def test_demo_records_the_starter_processes(ark: Ark) -> None:
    out = ark("demo", str(ark.workspace / "demo")).stdout
    assert "processes:   15 documented (15 new revisions)" in out
    # the checks come after the plugins' parts: the recorded processes count
    assert out.index("processes:") < out.index("checks:      0 errors, 0 warnings")
    assert len(ark.json("process", "list")) == 15
    again = ark("demo", str(ark.workspace / "demo")).stdout
    assert "15 documented (0 new revisions)" in again


def recurring_of_template(lang: str) -> set[str]:
    """The `ark` template's responsibilities that recur, as rendered in `lang`."""
    from ark.templates import render_ark
    from ark.vocabulary import BusinessType, Cadence

    team = render_ark(BusinessType.COMMERCIAL, lang, dt.date.today())
    return {r.slug for r in team.responsibilities if r.cadence != Cadence.NONE}


@pytest.mark.parametrize("lang", ["en", "es", "it"])
def test_every_recurring_responsibility_of_the_template_has_a_starter(
    demo: Callable[[str], Demo], lang: str
) -> None:
    from ark_processes.document import parse
    from ark_processes.starters import starter_files

    starters = starter_files(lang)
    owners = set()
    for name, raw in starters.items():
        parsed, problems = parse(raw, name)
        assert parsed is not None and problems == [], (name, problems)
        assert name == f"{parsed.draft.slug}.md"
        assert 4 <= len(parsed.draft.data["steps"]) <= 7, name
        owners.add(parsed.draft.responsibility)
    assert owners == recurring_of_template(lang)
    assert set(starters) == set(starter_files("en"))  # the same processes in every language
    out = demo(lang).output
    # the checks are the last report before the closing `next:` hint, with nothing under them
    clean = {
        "en": "checks:      0 errors, 0 warnings",
        "es": "revisión:    0 errores, 0 avisos",
        "it": "controlli:   0 errori, 0 avvisi",
    }
    assert out.rstrip().splitlines()[-2:-1] == [clean[lang]]


def test_show_of_an_unknown_process_says_what_to_do(ark: Ark, team: Path) -> None:
    result: Any = ark("process", "show", "nope", code=1)
    assert "no process 'nope'" in result.output and "ark process list" in result.output


def test_a_task_done_on_the_jira_board_is_logged_in_its_process(
    ark: Ark, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.jira_server import JiraServer
    from tests.test_jira_sync import TOKEN, make_board

    with JiraServer(flavour="cloud", token=TOKEN) as server:
        board = make_board(ark, monkeypatch, server)
        text = GOOD.format(slug="kpi").replace(
            "responsibility: listening", "responsibility: kpi-report"
        )
        ark("process", "record", str(write(ark.workspace / "p", "kpi.md", text)))
        board.sync()
        issue = board.issue_of("kpi-report/2026-11")
        server.set_status(issue, "Done", by=board.users["ana@acme.test"])
        board.sync()
        moved = server.issues[issue].changelog[-1].created
    log = ark.json("process", "show", "kpi")["completions"]
    assert [(e["task"], e["who"], e["date"]) for e in log] == [
        ("kpi-report/2026-11", "jira:ana@acme.test", moved.date().isoformat())
    ]


class Watcher:
    """A plugin that keeps every process change it is told of."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int, str]] = []

    @hookimpl
    def ark_process_changed(self, change: ProcessChange) -> None:
        self.seen.append((change.action, change.slug, change.revision, change.by))


def test_each_process_change_calls_the_hook_once(ark: Ark, team: Path) -> None:
    watcher = Watcher()
    manager().register(watcher, name="watcher")
    try:
        path = write(ark.workspace / "p", "l.md", GOOD.format(slug="listen"))
        ark("process", "record", str(path))
        ark("process", "record", str(path))  # unchanged: no call
        ark("process", "review", "listen", "--by", "ana")
        ark("tasks", "set", _planned_key(ark, "listening"), "done")
    finally:
        manager().unregister(watcher)
    assert watcher.seen == [
        ("recorded", "listen", 1, "tester"),
        ("reviewed", "listen", 1, "ana"),
        ("logged", "listen", 1, "tester"),
    ]


def test_archive_takes_a_process_out_until_it_is_recorded_again(ark: Ark, team: Path) -> None:
    path = write(ark.workspace / "processes", "by-mistake.md", GOOD.format(slug="by-mistake"))
    ark("process", "record", str(path))
    assert ("process-missing", "listening") not in codes(ark)
    assert "is archived" in ark("process", "archive", "by-mistake").output
    assert [p["slug"] for p in ark.json("process", "list")] == []
    assert ("process-missing", "listening") in codes(ark)
    assert "no process 'by-mistake'" in ark("process", "archive", "by-mistake", code=1).output
    assert ark.json("process", "record", str(path))[0]["revision"] == 2
    assert [p["slug"] for p in ark.json("process", "list")] == ["by-mistake"]


def test_a_review_dated_before_the_process_existed_is_refused(ark: Ark, team: Path) -> None:
    from ark.errors import ArkError

    ark("process", "record", str(write(ark.workspace / "p", "l.md", GOOD.format(slug="listen"))))
    recorded_long_ago(ark, "listen", on="2024-03-04")
    before = ark.json("process", "show", "listen")
    audit = ark.json("log")
    result = ark("process", "review", "listen", "--on", "2024-03-03", code=1)
    assert "process listen was first recorded on 2024-03-04" in result.output
    assert "a review on 2024-03-03 cannot come before it" in result.output
    assert "2024-03-04 or later" in result.output
    assert ark.json("process", "show", "listen") == before and ark.json("log") == audit

    # The registry's writer refuses it whoever calls it, and its transaction writes nothing.
    engine = open_engine(ark.db_url)
    try:
        with (
            pytest.raises(ArkError, match="first recorded on 2024-03-04"),
            transaction(engine, hooks=hooks()) as reg,
        ):
            reg.stamp_review("listen", on=dt.date(2023, 12, 31))
    finally:
        engine.dispose()
    assert ark.json("process", "show", "listen")["last_reviewed_on"] is None

    ark("process", "review", "listen", "--on", "2024-03-04")  # the day it was recorded is fine
    assert ark.json("process", "show", "listen")["last_reviewed_on"] == "2024-03-04"
