"""`ark serve --workers N` as a real process tree on the test's registry (SQLite file or
PostgreSQL, per the session's backend): several workers answer, the background jobs run in
the supervising process and never in a worker, and two such servers on one registry run a
job one at a time."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from ark.db import open_engine
from ark.jobs.runner import Runner
from ark.locks import holder
from ark.plugins import hooks
from tests.automation_helpers import add_sections, automation_section, until
from tests.conftest import Ark, free_port

STARTED = "Application startup complete"


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    lines: list[str] = field(default_factory=list)

    def said(self, text: str) -> int:
        return sum(text in line for line in list(self.lines))


@contextmanager
def serving(ark: Ark, workers: int) -> Iterator[Served]:
    """`ark serve --workers N` in the workspace, once every worker has started."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ark", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ark.workspace,
        env={**os.environ, "ARK_DATABASE_URL": ark.db_url, "ARK_USER": "server"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(process, f"http://127.0.0.1:{port}")
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: served.lines.extend(process.stdout or ()))
    reader.start()
    try:
        while served.said(STARTED) < workers:
            if process.poll() is not None:
                reader.join()
                pytest.fail("ark serve ended:\n" + "".join(served.lines))
            time.sleep(0.02)
        yield served
    finally:
        process.terminate()
        process.wait()
        reader.join()


@pytest.fixture
def jobs_team(ark: Ark, team: Path) -> Runner:
    """The sample team, its changes followed by the jobs within a fifth of a second."""
    add_sections(ark, team, automation_section(debounce_seconds=0.2))
    return Runner(open_engine(ark.db_url), hooks(), holder="test")


def change_and_wait(ark: Ark, jobs: Runner, hours: int) -> None:
    """Change the registry (`hours` differing from the last call's), and wait until the
    `plan` job has run after it."""
    before = jobs.state("plan").covered
    ark("assign", "ana@acme.test", "listening", "--role", "informed", "--hours", str(hours))
    if before is None:
        until(lambda: jobs.state("plan").covered is not None)
    else:
        until(lambda: (jobs.state("plan").covered or before) > before)


def test_several_workers_answer_and_the_jobs_run_in_the_supervisor(
    ark: Ark, jobs_team: Runner
) -> None:
    with serving(ark, 2) as served:
        assert served.said("Started server process") == 2
        for _ in range(8):
            answer = requests.get(f"{served.url}/sign-in", timeout=60)
            assert answer.status_code == 200
            assert "Secure" not in answer.headers["set-cookie"]
        # Behind a reverse proxy on this machine that terminates HTTPS (docs/web.md):
        proxied = requests.get(
            f"{served.url}/sign-in",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
            timeout=60,
        )
        assert proxied.status_code == 200 and "Secure" in proxied.headers["set-cookie"]
        change_and_wait(ark, jobs_team, 1)
        ran_in = holder(jobs_team.engine, "job:plan")
        assert f"(pid {served.process.pid})" in ran_in, ran_in
        assert served.said("job plan ran in ark serve on") >= 1


def test_two_servers_on_one_registry_run_the_jobs_only_in_their_supervisors(
    ark: Ark, jobs_team: Runner
) -> None:
    with serving(ark, 2) as first, serving(ark, 2) as second:
        supervisors = {first.process.pid, second.process.pid}
        for hours in range(1, 4):
            change_and_wait(ark, jobs_team, hours)
            ran_in = holder(jobs_team.engine, "job:plan")
            assert any(f"(pid {pid})" in ran_in for pid in supervisors), (ran_in, supervisors)
        runs = [line for served in (first, second) for line in served.lines if " ran in " in line]
        assert runs, "no job ran"
        assert all(any(f"(pid {pid})" in line for pid in supervisors) for line in runs), runs


def test_the_workers_connections_send_each_answer_at_once() -> None:
    """Each connection the workers' shared socket accepts has Nagle's algorithm off (it
    inherits TCP_NODELAY): with it on, every answer after the first on a kept-alive connection
    waited for the client's delayed acknowledgement, about 40 ms."""
    import socket

    import uvicorn
    from ark_web.cli import listening_socket

    server = listening_socket(uvicorn.Config("ark_web.app:from_environment", port=free_port()))
    with server, socket.create_connection(server.getsockname()[:2]):
        accepted, _ = server.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
