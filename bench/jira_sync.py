"""Ark's Jira sync against the naive script, side by side, on the Jira test server.

The naive way is what a user would write with the `jira` client: one `create_issue` per task
for the first sync (which also reads the project and re-reads each new issue), and, having
no idea what changed, a read and an edit of every issue on each re-sync and a read of every
issue to pull statuses back. Ark runs through its real CLI (`ark jira sync --json`), with bulk
create on and off (a server without it), and against each set-up of the test server met in
the wild (`VARIANTS`: bulk create refused with 405, search by GET only, older create
metadata, a proxy dropping long URLs). Every request pays the same latency (20 ms).

Phases, for N tasks: the initial sync; a no-op re-sync; a re-sync after 10% of the tasks
changed (their responsibilities got a new owner, so their issues are reassigned); pulling back
100 status changes made on the board. Targets (from the issue) are checked and printed.

    .venv/bin/python bench/jira_sync.py                  # N = 1000, 20 ms
    .venv/bin/python bench/jira_sync.py --n 200 --latency 0.01
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402
from jira import JIRA  # noqa: E402

from ark.cli import cli  # noqa: E402
from ark.plugins import hooks  # noqa: E402
from tests.jira_server import VARIANTS, JiraServer  # noqa: E402

EMAIL, TOKEN = "bot@acme.test", "bench-token"
WEEKS = 50  # weekly tasks per responsibility: 2027-W01 .. 2027-W50
START, UNTIL = "2027-01-04", "2027-12-19"
DEPARTMENTS = ("Marketing", "Sales", "Support", "Product", "People")
PHASES = ("initial sync", "no-op re-sync", "10% changed", "pull 100 statuses")


@dataclass
class Figure:
    requests: int
    writes: int
    seconds: float


@dataclass(frozen=True)
class Setup:
    """One column of the comparison: a test server set-up and Ark's `bulk` setting."""

    label: str
    flavour: str
    switches: dict[str, Any]
    bulk: bool = True
    speedup: float = 0.0
    """The initial sync must be this many times faster than the naive loop (0: not checked)."""


SLOW = "datacenter, bulk refused (405), GET search only"
SETUPS = [
    Setup("cloud, bulk on", "cloud", {}, speedup=20),
    Setup("cloud, bulk off", "cloud", {"bulk": False}, bulk=False, speedup=10),
    Setup(
        SLOW,
        "datacenter",
        {"bulk": False, "bulk_refusal": 405, "post_search": False, "max_url": 2048},
        speedup=10,
    ),
    *(
        Setup(name, flavour, switches)
        for name, (flavour, switches) in VARIANTS.items()
        if switches or flavour != "cloud"  # plain Cloud is the first column
    ),
]


def team_file(server: JiraServer, responsibilities: int, bulk: bool) -> str:
    """A team whose weekly responsibilities give `responsibilities` x 50 tasks."""
    people = responsibilities + 2
    lines = [
        "ark: 1",
        "strategy:",
        "  name: Bench",
        "  business_type: commercial",
        "  direction: Measure the Jira sync.",
        "departments:",
        *(f"  - slug: {d.lower()}\n    name: {d}" for d in DEPARTMENTS),
        "contributors:",
        *(
            f"  - email: p{i}@acme.test\n    name: Person {i}\n"
            f"    department: {DEPARTMENTS[i % len(DEPARTMENTS)].lower()}\n    capacity: 40"
            for i in range(people)
        ),
        "responsibilities:",
        *(
            f"  - slug: r{i}\n    title: Responsibility {i}\n    component: operations\n"
            f"    cadence: weekly\n    task: Weekly task {i}\n"
            f"    department: {DEPARTMENTS[i % len(DEPARTMENTS)].lower()}\n"
            f"    assignments:\n      - contributor: p{i}@acme.test\n        role: accountable\n"
            f"        hours: 1\n      - contributor: p{i}@acme.test\n        role: responsible\n"
            f"        hours: 2"
            for i in range(responsibilities)
        ),
        "jira:",
        f"  server: {server.url}",
        "  project: ARK",
        f"  bulk: {'true' if bulk else 'false'}",
    ]
    return "\n".join(lines) + "\n"


def changed_tasks(n: int) -> int:
    """The tasks of a tenth of the responsibilities (at least one): 10% for N = 1000."""
    return max(1, n // WEEKS // 10) * WEEKS


def new_server(latency: float, people: int, setup: Setup) -> JiraServer:
    server = JiraServer(setup.flavour, email=EMAIL, token=TOKEN, **setup.switches)
    server.start()
    for i in range(people):
        server.add_user(f"p{i}@acme.test", f"Person {i}")
    for d in DEPARTMENTS:
        server.add_component(d)
    server.latency = latency
    return server


def measure(server: JiraServer, work: Any) -> Figure:
    server.reset_counters()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    return Figure(sum(server.requests.values()), server.writes, seconds)


class ArkRun:
    """One workspace and registry, driven through the `ark` CLI in this process."""

    def __init__(self, directory: Path, server: JiraServer, n: int, bulk: bool) -> None:
        self.env = {
            "ARK_DATABASE_URL": f"sqlite:///{directory / 'ark.db'}",
            "ARK_USER": "bench",
            **(
                {"ARK_JIRA_EMAIL": EMAIL, "ARK_JIRA_TOKEN": TOKEN}
                if server.flavour == "cloud"
                else {"ARK_JIRA_PAT": TOKEN}
            ),
        }
        self.server = server
        self.responsibilities = n // WEEKS
        self.reassigned = changed_tasks(n) // WEEKS
        path = directory / "ark.yaml"
        path.write_text(team_file(server, self.responsibilities, bulk))
        self.ark("apply", str(path))
        self.ark("tasks", "plan", "--from", START, "--until", UNTIL)

    def ark(self, *args: str) -> str:
        result = CliRunner().invoke(cli, list(args), env=self.env, catch_exceptions=False)
        if result.exit_code != 0:
            raise SystemExit(f"ark {' '.join(args)} failed:\n{result.output}")
        return result.stdout

    def sync(self) -> dict[str, Any]:
        summary: dict[str, Any] = json.loads(self.ark("jira", "sync", "--json"))["summary"]
        if summary["failed"]:
            raise SystemExit(f"sync failed: {summary['failed'][:3]}")
        return summary

    def phases(self) -> tuple[dict[str, Figure], dict[str, dict[str, Any]]]:
        figures: dict[str, Figure] = {}
        summaries: dict[str, dict[str, Any]] = {}

        def phase(name: str, prepare: Any = None) -> None:
            if prepare is not None:
                prepare()
            summary: dict[str, Any] = {}
            figures[name] = measure(self.server, lambda: summary.update(self.sync()))
            summaries[name] = summary

        phase("initial sync")
        phase("no-op re-sync")
        phase("10% changed", self.reassign_tenth)
        phase("pull 100 statuses", lambda: move_on_board(self.server, 100))
        return figures, summaries

    def reassign_tenth(self) -> None:
        """A new, busier responsible on a tenth of the responsibilities: their open tasks
        (a tenth of all) change assignee."""
        extra = self.responsibilities
        for i in range(self.reassigned):
            self.ark(
                "assign", f"p{extra}@acme.test", f"r{i}", "--role", "responsible", "--hours", "5"
            )


def move_on_board(server: JiraServer, count: int) -> None:
    """People mark `count` issues done on the board."""
    with server.lock:
        keys = sorted(server.issues, key=lambda k: int(k.split("-")[1]))[:count]
    for key in keys:
        server.set_status(key, "Done")


def naive(server: JiraServer, n: int) -> dict[str, Figure]:
    """The naive script: the `jira` client, one call per task, as its documentation shows."""
    jira = JIRA(server=server.url, basic_auth=(EMAIL, TOKEN))
    accounts = {
        f"p{i}@acme.test": jira.search_users(query=f"p{i}@acme.test")[0].accountId
        for i in range(n // WEEKS + 1)
    }
    tasks = [
        {
            "summary": f"Weekly task {i % (n // WEEKS)} 2027-W{w:02d}",
            "description": f"Task r{i % (n // WEEKS)}/2027-W{w:02d}",
            "assignee": {"accountId": accounts[f"p{i % (n // WEEKS)}@acme.test"]},
            "duedate": f"2027-12-{(w % 28) + 1:02d}",
            "labels": ["ark"],
        }
        for w in range(1, WEEKS + 1)
        for i in range(n // WEEKS)
    ]
    keys: list[str] = []

    def create() -> None:
        for fields in tasks:
            issue = jira.create_issue(project="ARK", issuetype={"name": "Task"}, **fields)
            keys.append(issue.key)

    def resync() -> None:
        for key, fields in zip(keys, tasks, strict=True):
            jira.issue(key).update(fields={k: v for k, v in fields.items()}, notify=False)

    statuses: dict[str, str] = {}

    def pull() -> None:
        for key in keys:
            statuses[key] = jira.issue(key, fields="status").fields.status.name

    figures = {"initial sync": measure(server, create), "no-op re-sync": measure(server, resync)}
    tasks[: changed_tasks(n)] = [
        {**f, "assignee": {"accountId": accounts[f"p{n // WEEKS}@acme.test"]}}
        for f in tasks[: changed_tasks(n)]
    ]
    figures["10% changed"] = measure(server, resync)
    move_on_board(server, 100)
    figures["pull 100 statuses"] = measure(server, pull)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="tasks (a multiple of 50)")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per request")
    args = parser.parse_args()
    n = max(WEEKS, args.n // WEEKS * WEEKS)
    people = n // WEEKS + 2
    hooks().ark_register_commands(cli=cli)
    print(f"N = {n} tasks, {args.latency * 1000:.0f} ms per request, Jira test server\n")

    runs: dict[str, dict[str, Figure]] = {}
    summaries: dict[str, dict[str, dict[str, Any]]] = {}
    for setup in SETUPS:
        server = new_server(0.0, people, setup)
        try:
            with tempfile.TemporaryDirectory() as directory:
                run = ArkRun(Path(directory), server, n, setup.bulk)
                server.latency = args.latency
                runs[setup.label], summaries[setup.label] = run.phases()
        finally:
            server.stop()
    server = new_server(args.latency, people, Setup("naive", "cloud", {}))
    try:
        runs["naive loop"] = naive(server, n)
    finally:
        server.stop()

    width = max(len(label) for label in runs) + 2
    print(f"{'':<{width}}" + "".join(f"{phase:>26}" for phase in PHASES))
    print(f"{'':<{width}}" + "".join(f"{'requests writes seconds':>26}" for _ in PHASES))
    for label in ["naive loop", *(setup.label for setup in SETUPS)]:
        figures = runs[label]
        print(
            f"{label:<{width}}"
            + "".join(
                f"{f.requests:>11} {f.writes:>6} {f.seconds:>7.2f}"
                for f in (figures[phase] for phase in PHASES)
            )
        )
    print()

    naive_initial = runs["naive loop"]["initial sync"].seconds
    checks: list[tuple[str, bool]] = []
    for setup in SETUPS:
        if setup.speedup:
            speedup = naive_initial / runs[setup.label]["initial sync"].seconds
            checks.append(
                (
                    f"{setup.label}: initial sync {speedup:.1f}x faster than naive "
                    f"(>= {setup.speedup:g}x)",
                    speedup >= setup.speedup,
                )
            )
    limit = math.ceil(n / 100) + 5
    for setup in SETUPS:
        label = setup.label
        noop = runs[label]["no-op re-sync"]
        checks.append(
            (
                f"{label}: no-op re-sync {noop.writes} writes, {noop.requests} requests "
                f"(0, <= {limit})",
                noop.writes == 0 and noop.requests <= limit,
            )
        )
        changed = runs[label]["10% changed"]
        updated = summaries[label]["10% changed"]["updated"]
        checks.append(
            (
                f"{label}: 10% re-sync wrote {changed.writes} issues, updated {updated} "
                f"(= {changed_tasks(n)})",
                changed.writes == changed_tasks(n) == updated,
            )
        )
        pulled = summaries[label]["pull 100 statuses"]["pulled"]
        checks.append((f"{label}: pulled back {pulled} statuses (= 100)", pulled == min(100, n)))
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    sys.exit(0 if all(ok for _, ok in checks) else 1)


if __name__ == "__main__":
    os.environ.setdefault("ARK_USER", "bench")
    main()
