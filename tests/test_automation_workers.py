"""`ark worker` as real processes sharing one registry (SQLite files or PostgreSQL, per the
session's backend): a job runs in one worker at a time; a worker killed mid-job leaves the
job to the other, which runs it again with no duplicate issue and no duplicate e-mail; a
manual `ark jira sync` waits for the job's sync and says who holds it."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest

from ark.db import open_engine
from ark.jobs.runner import Runner
from ark.locks import holder
from ark.plugins import hooks
from tests.automation_helpers import (
    MADRID,
    Mailbox,
    add_sections,
    automation_section,
)
from tests.conftest import Ark
from tests.jira_server import JiraServer
from tests.test_jira_kill import requests_so_far
from tests.test_jira_sync import TOKEN, Board, credentials, make_board, one_issue_per_task


def until(
    condition: Callable[[], bool], what: str, process: subprocess.Popen[str] | None = None
) -> None:
    """Wait for `condition`, looking again every few milliseconds (no time limit: the
    machine may be slow); a worker that died meanwhile fails the test with its output."""
    while not condition():
        if process is not None and process.poll() is not None:
            pytest.fail(f"the worker ended while waiting for {what}:\n{process.communicate()[0]}")
        time.sleep(0.01)


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[str]]]:
    """The workers a test starts, killed at its end even when it fails half-way (a worker
    left running would keep taking the jobs of every later test's registry)."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def start_worker(
    ark: Ark, flavour: str, workers: list[subprocess.Popen[str]]
) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        **credentials(flavour),
        "ARK_DATABASE_URL": ark.db_url,
        "ARK_USER": "worker",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "ark", "worker", "--watch", "0.2"],
        cwd=ark.workspace,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    workers.append(process)
    return process


def jobs_of(ark: Ark) -> Runner:
    return Runner(open_engine(ark.db_url), hooks(), holder="test")


def overdue_board(
    ark: Ark, monkeypatch: pytest.MonkeyPatch, server: JiraServer, mailbox: Mailbox
) -> Board:
    """The sample team on the board, with weeks already past (overdue) by the real date."""
    board = make_board(ark, monkeypatch, server)
    add_sections(
        ark, board.team, automation_section(debounce_seconds=0.2), mailbox.notify_section()
    )
    today = dt.datetime.now(ZoneInfo(MADRID)).date()  # the strategy's today: three weeks past
    ark(
        "tasks",
        "plan",
        "--from",
        str(today - dt.timedelta(days=21)),
        "--until",
        str(today + dt.timedelta(days=60)),
    )
    return board


def test_two_workers_share_the_jobs_and_a_killed_one_leaves_no_duplicate(
    ark: Ark,
    monkeypatch: pytest.MonkeyPatch,
    mailbox: Mailbox,
    workers: list[subprocess.Popen[str]],
) -> None:
    with JiraServer(flavour="cloud", bulk=False, token=TOKEN) as server:
        overdue_board(ark, monkeypatch, server, mailbox)
        server.latency = 0.02
        jobs = jobs_of(ark)
        first = start_worker(ark, "cloud", workers)
        until(
            lambda: (
                jobs.state("reminders").covered is not None
                and f"pid {first.pid})" in holder(jobs.engine, "jira-sync")
                and requests_so_far(server) > 6
            ),
            "the first worker to send its reminders and be part-way through its sync",
            first,
        )
        second = start_worker(ark, "cloud", workers)
        assert jobs.state("jira-sync").running is not None  # the first one's run
        killed_at = dt.datetime.now(dt.UTC)
        first.send_signal(signal.SIGKILL)
        first.communicate()
        until(
            lambda: (
                (covered := jobs.state("jira-sync").covered) is not None
                and dt.datetime.fromisoformat(covered) > killed_at
            ),
            "the second worker to run the sync again",
            second,
        )
        state = jobs.state("jira-sync")
        assert state.error is None and state.failures == 0
        assert f"pid {second.pid})" in holder(jobs.engine, "jira-sync")
        issues = one_issue_per_task(server, ark)
        assert len(issues) == len(ark.json("tasks", "list"))
        events = Counter(mailbox.events())
        # Bruno's overdue reports put him in the digest; Ana is in it too when her monthly
        # report falls due this week (in Madrid, where a late Sunday is already Monday).
        digests = {e for e in events if e.startswith("digest/")}
        assert {e.split(" -> ")[1] for e in digests} - {"ana@acme.test"} == {"bruno@acme.test"}
        assert ark("jobs", "run", "reminders").output == (
            f"reminders: 0 messages sent, {len(mailbox.messages) - len(digests)} sent before\n"
        )
        assert [e for e, n in events.items() if n > 1] == []
        overdue = [e for e in events if e.startswith("overdue/listening/")]
        assert len(overdue) == 3 and all(e.endswith(" -> ana@acme.test") for e in overdue)
        second.send_signal(signal.SIGTERM)
        out = second.communicate()[0]
        assert second.returncode == 0, out
        assert "Traceback" not in out, out
        assert TOKEN not in out


def test_a_manual_sync_waits_for_the_jobs_sync_and_says_who_holds_it(
    ark: Ark, monkeypatch: pytest.MonkeyPatch
) -> None:
    with JiraServer(flavour="datacenter", bulk=False, token=TOKEN) as server:
        make_board(ark, monkeypatch, server)
        server.latency = 0.02
        jobs = Runner(open_engine(ark.db_url), hooks(), holder="ark worker on test (pid 1)")
        job = threading.Thread(target=jobs.run, args=["jira-sync"])
        job.start()
        until(lambda: requests_so_far(server) > 6, "the job to be part-way through")
        env = {**os.environ, **credentials("datacenter"), "ARK_DATABASE_URL": ark.db_url}
        with server.lock:  # Jira answers nothing meanwhile: the job's sync is surely running
            manual = subprocess.Popen(
                [sys.executable, "-m", "ark", "jira", "sync"],
                cwd=ark.workspace,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert manual.stderr is not None
            said = manual.stderr.readline()
        assert said.startswith("another sync is running (ark worker on test (pid 1) since ")
        assert said.endswith("); waiting for it to finish\n")
        job.join()
        out, err = manual.communicate()
        assert manual.returncode == 0, out + err
        assert jobs.state("jira-sync").result.startswith("created 8,")
        assert "created 0, adopted 0, updated 0" in out and "unchanged 8" in out
        one_issue_per_task(server, ark)
