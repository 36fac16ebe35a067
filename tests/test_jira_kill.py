"""`ark jira sync` as a real process: killed with SIGKILL at many points and run again, it never
duplicates an issue; at a terminal, it shows a progress bar.

The sync runs as a real process against the test server (with latency, so requests are in
flight when it dies, and with search lagging behind creates). The server counts requests, so
each run is killed just after its k-th request reached the server, for many k.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time

import pytest
import sqlalchemy
from sqlalchemy import func, select

from ark.models import TaskLink
from tests.conftest import Ark
from tests.jira_server import JiraServer
from tests.test_jira_sync import credentials, make_board, one_issue_per_task

UNTIL = "2027-02-28"


def requests_so_far(server: JiraServer) -> int:
    with server.lock:
        return sum(server.requests.values())


def sync_process(ark: Ark, flavour: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **credentials(flavour),
        "ARK_DATABASE_URL": ark.db_url,
        "ARK_USER": "tester",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "ark", "jira", "sync"],
        cwd=ark.workspace,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def killed_after(ark: Ark, server: JiraServer, k: int) -> bool:
    """Run a sync and SIGKILL it once k of its requests reached the server; False if it
    finished first."""
    start = requests_so_far(server)
    process = sync_process(ark, server.flavour)
    while process.poll() is None and requests_so_far(server) - start < k:
        time.sleep(0.0005)
    finished = process.poll() is not None
    process.kill()
    process.communicate()
    return not finished


@pytest.mark.parametrize(
    ("flavour", "bulk", "points"),
    [("cloud", False, (1, 2, 3, 5, 7, 10)), ("datacenter", True, (1, 2, 3, 5))],
)
def test_a_sync_killed_at_many_points_never_duplicates(
    ark: Ark, monkeypatch: pytest.MonkeyPatch, flavour: str, bulk: bool, points: tuple[int, ...]
) -> None:
    with JiraServer(flavour=flavour, bulk=bulk, token="s3cret-4f9a7c") as server:
        board = make_board(ark, monkeypatch, server)
        ark("tasks", "plan", "--until", UNTIL)
        server.latency = 0.01
        server.search_lag = 30.0
        kills = 0
        for k in points:
            kills += killed_after(ark, server, k)
        assert kills >= len(points) - 1  # the runs really were killed part-way
        engine = sqlalchemy.create_engine(ark.db_url)
        with engine.connect() as conn:
            pending = conn.scalar(
                select(func.count()).select_from(TaskLink).where(TaskLink.external_key.is_(None))
            )
        engine.dispose()
        assert ark("jira", "sync", "--dry-run").output.count("(or adopt the issue") == pending
        final = sync_process(ark, flavour)
        out = final.communicate()[0].decode()
        assert final.returncode == 0, out
        issues = one_issue_per_task(server, ark)
        assert len(issues) == len(ark.json("tasks", "list")) > 8
        server.search_lag = 0.0
        server.reset_counters()
        assert board.summary()["unchanged"] == len(issues)
        assert server.writes == 0


def test_a_person_at_a_terminal_sees_a_progress_bar(
    ark: Ark, monkeypatch: pytest.MonkeyPatch
) -> None:
    with JiraServer(flavour="cloud", token="s3cret-4f9a7c") as server:
        make_board(ark, monkeypatch, server)
        server.latency = 0.01
        server.bulk = False
        leader, follower = pty.openpty()
        env = {
            **os.environ,
            **credentials("cloud"),
            "ARK_DATABASE_URL": ark.db_url,
            "TERM": "xterm",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "ark", "jira", "sync"],
            cwd=ark.workspace,
            env=env,
            stdout=subprocess.PIPE,
            stderr=follower,
        )
        out = process.communicate()[0].decode()
        os.close(follower)
        terminal = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            terminal += chunk
        os.close(leader)
        assert process.returncode == 0
        assert "created 8," in out and "syncing" not in out
        assert b"syncing" in terminal and b"100%" in terminal
