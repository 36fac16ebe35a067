"""Ark running by itself: how soon a change reaches the Jira board and a webhook reaches Ark,
what 200 edits within a minute cost in Jira requests, and what an idle `ark serve` costs.

A real `ark serve` process (jobs in-process, SQLite) serves a team of 200 weekly tasks synced
to the Jira test server, every request to which pays the same latency (20 ms); the board
sends its signed webhooks to the server's `POST /hooks/jira`.

1. Ark -> board: 200 status changes made in Ark within about a minute (`ark tasks set`); for
   each, the time until its issue moved on the board; p50 and p95. Jira requests spent,
   against the naive way: one `ark jira sync` after each edit.
2. Board -> Ark: 200 status changes made on the board (each sends its webhook); for each,
   the time until the task's status changed in the registry; p50 and p95.
3. Idle: the CPU time the `ark serve` process used over a minute with nothing changing.

    .venv/bin/python bench/automation.py                       # 200 changes, 20 ms
    .venv/bin/python bench/automation.py --changes 50 --idle 10
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import yaml  # noqa: E402
from ark_jira.fields import marker  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from jira_sync import EMAIL, SETUPS, START, TOKEN, UNTIL, new_server, team_file  # noqa: E402

from ark.cli import cli  # noqa: E402
from ark.plugins import hooks  # noqa: E402
from tests.automation_helpers import free_port  # noqa: E402
from tests.jira_server import JiraServer  # noqa: E402

SECRET = "bench-webhook-secret-0123456789"
RESPONSIBILITIES = 4  # x 50 weeks = 200 tasks
DEBOUNCE = 10.0  # the default


def ark(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if result.exit_code:
        raise SystemExit(f"ark {' '.join(args)} failed:\n{result.output}")
    return result.output


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def requests_of(server: JiraServer) -> int:
    with server.lock:
        return sum(server.requests.values())


def latencies(
    tasks: list[str], spread: float, change: Callable[[str], None], seen: Callable[[str], bool]
) -> dict[str, float]:
    """Make one change per task, evenly over `spread` seconds (in a thread), while watching
    (every 5 ms) for each to be seen; returns task -> seconds from made to seen."""
    made: dict[str, float] = {}

    def make() -> None:
        step = spread / len(tasks)
        start = time.perf_counter()
        for i, task in enumerate(tasks):
            pause = start + i * step - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            change(task)
            made[task] = time.perf_counter()

    maker = threading.Thread(target=make)
    maker.start()
    done: dict[str, float] = {}
    while len(done) < len(tasks):
        for task, at in list(made.items()):
            if task not in done and seen(task):
                done[task] = time.perf_counter() - at
        time.sleep(0.005)
    maker.join()
    return done


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(label: str, latencies: dict[str, float]) -> None:
    values = list(latencies.values())
    print(
        f"{label}: p50 {percentile(values, 0.5):.2f} s, p95 {percentile(values, 0.95):.2f} s, "
        f"max {max(values):.2f} s over {len(values)} changes"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--changes", type=int, default=200, help="changes each way (<= 200)")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per Jira request")
    parser.add_argument("--spread", type=float, default=60.0, help="seconds to make them in")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle measured")
    options = parser.parse_args()
    hooks().ark_register_commands(cli)
    setup = SETUPS[0]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        db = work / "ark.db"
        os.chdir(work)
        os.environ.update(
            {
                "ARK_DATABASE_URL": f"sqlite:///{db}",
                "ARK_USER": "bench",
                "ARK_JIRA_EMAIL": EMAIL,
                "ARK_JIRA_TOKEN": TOKEN,
                "ARK_WEBHOOK_SECRET": SECRET,
            }
        )
        server = new_server(0.0, RESPONSIBILITIES + 2, setup)
        (work / "ark.yaml").write_text(
            team_file(server, RESPONSIBILITIES, setup.bulk)
            + f"automation:\n  debounce_seconds: {DEBOUNCE}\n",
            encoding="utf-8",
        )
        ark("apply", "ark.yaml")
        ark("tasks", "plan", "--from", START, "--until", UNTIL)
        for job in ("plan", "jira-sync", "reminders", "digest", "prune-sent"):  # none due
            ark("jobs", "run", job)
        ark("user", "add", "admin@acme.test", "--role", "admin")
        identity = yaml.safe_load(ark("export"))["registry"]  # the markers' registry part
        issue_of = {
            label: key
            for key, issue in server.issues.items()
            for label in issue.fields.get("labels", [])
        }
        tasks = sorted(t["key"] for t in json.loads(ark("tasks", "list", "--json")))
        tasks = tasks[: options.changes]
        server.latency = options.latency
        port = free_port()
        serve = subprocess.Popen(
            [sys.executable, "-m", "ark", "serve", "--port", str(port)],
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        server.webhooks.url, server.webhooks.secret = f"http://127.0.0.1:{port}/hooks/jira", SECRET
        try:
            assert serve.stdout is not None
            while b"Ark is at" not in serve.stdout.readline():
                pass
            print(f"{len(tasks)} changes each way, {options.latency * 1000:g} ms per Jira request")

            # 1. Ark -> board, batched.
            before = requests_of(server)

            def on_board(task: str) -> bool:
                with server.lock:
                    return (
                        server.issues[issue_of[marker(identity, task)]].status.name == "In Progress"
                    )

            report(
                "Ark -> board",
                latencies(
                    tasks, options.spread, lambda t: ark("tasks", "set", t, "in-progress"), on_board
                ),
            )
            batched = requests_of(server) - before

            # 2. Board -> Ark, through the webhooks.
            reader = sqlite3.connect(db, check_same_thread=False)

            def in_ark(task: str) -> bool:
                row = reader.execute("SELECT status FROM task WHERE key = ?", (task,)).fetchone()
                return bool(row and row[0] == "done")

            report(
                "board -> Ark (webhooks)",
                latencies(
                    tasks,
                    options.spread,
                    lambda t: server.set_status(issue_of[marker(identity, t)], "Done"),
                    in_ark,
                ),
            )

            # 3. Idle.
            time.sleep(2 * DEBOUNCE + 10)  # the last batched runs (and those they cause) finish
            start = cpu_seconds(serve.pid)
            time.sleep(options.idle)
            used = cpu_seconds(serve.pid) - start
            print(
                f"idle ark serve: {used:.2f} s of CPU over {options.idle:g} s "
                f"({100 * used / options.idle:.2f}%)"
            )
        finally:
            serve.send_signal(signal.SIGINT)
            serve.wait()

        # The naive way: one sync after each edit (no server running).
        before = requests_of(server)
        started = time.perf_counter()
        for task in tasks:
            ark("tasks", "set", task, "todo")
            ark("jira", "sync")
        naive = requests_of(server) - before
        print(
            f"Jira requests for {len(tasks)} edits: {batched} batched by the jobs, {naive} with "
            f"one sync per edit ({naive / max(batched, 1):.1f}x; the naive way took "
            f"{time.perf_counter() - started:.0f} s)"
        )
        server.stop()


if __name__ == "__main__":
    main()
