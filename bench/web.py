"""`ark serve` at company scale: 2,000 contributors, 25 departments, 300 responsibilities.

A real `ark serve` (uvicorn, one process) answers over HTTP on 127.0.0.1. For the home page,
the matrix filtered to one department, a cell edit and the task list it prints p50 and p95
latency with 1 client and with 20 at once, on SQLite and PostgreSQL; beside them the same
read or edit through the `ark` CLI as a whole process (the way without the server). The SQL
statements per request are counted in-process on a small team and on the big one, so a count
that grows with the team shows.

    .venv/bin/python bench/web.py                       # both backends
    .venv/bin/python bench/web.py --backend sqlite --requests 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.registry import ARK, Size, counting, database, run, team_yaml  # noqa: E402

SIZE = Size(2_000, 25, 300, 6_000)
SMALL = Size(200, 25, 30, 600)
TARGETS = {"page": 0.150, "cell edit": 0.100}  # p95 with 20 clients, from the issue
DEPARTMENT = "dep-3"


def populate(url: str, folder: Path, size: Size) -> None:
    """The team applied, a month of tasks planned, and a lead's account."""
    team = folder / f"team-{size.contributors}.yaml"
    team.write_text(team_yaml(size), encoding="utf-8")
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    for argv in (
        [ARK, "apply", str(team)],
        [ARK, "tasks", "plan", "--until", until],
        [ARK, "user", "add", "lead@bench.test", "--role", "lead"],
    ):
        run(argv, url)


def sessions(url: str, count: int) -> list[str]:
    """Session secrets for the lead, one per client (as if each had signed in)."""
    from ark import accounts
    from ark.db import open_engine
    from ark.registry.writer import transaction

    engine = open_engine(url)
    with transaction(engine, actor="bench") as reg:
        out = [accounts.start_session(reg, "lead@bench.test") for _ in range(count)]
    engine.dispose()
    return out


def serve(url: str) -> tuple[subprocess.Popen[str], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [ARK, "serve", "--port", str(port)],
        env={**os.environ, "ARK_DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "Uvicorn running on" in line:
            break
    threading.Thread(target=process.stdout.read, daemon=True).start()  # keep the pipe drained
    return process, f"http://127.0.0.1:{port}"


def edit_cell(client: httpx.Client, engine: Any, index: int, round_: int) -> httpx.Response:
    """Set the hours of one consulted role; each client works on its own cell, so no edit is
    refused as stale and every request does the whole write."""
    from ark_web.reads import cell_version

    slug, email = f"resp-{index}", f"person{index}@bench.test"
    data = {
        "csrf": client.cookies["ark_csrf"],
        "responsibility": slug,
        "contributor": email,
        "role": "consulted",
        "hours": str(0.5 + round_ % 2 * 0.5),
        "version": str(cell_version(engine, slug, email)),
    }
    return client.post("/matrix/cell", data=data)


SCENARIOS: dict[str, Callable[[httpx.Client, Any, int, int], httpx.Response]] = {
    "home": lambda c, e, i, n: c.get("/"),
    "matrix, one department": lambda c, e, i, n: c.get(f"/matrix?department={DEPARTMENT}"),
    "cell edit": edit_cell,
    "task list": lambda c, e, i, n: c.get("/tasks?view=all"),
}


def latencies(
    base: str, secrets: list[str], engine: Any, scenario: str, clients: int, requests: int
) -> list[float]:
    """Each of `clients` threads sends `requests` requests one after another; the times of
    all of them (the version read before an edit is not counted)."""
    times: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def client(index: int) -> None:
        with httpx.Client(base_url=base, cookies={"ark_session": secrets[index]}, timeout=120) as c:
            c.get("/sign-in")  # the CSRF cookie
            for n in range(requests):
                if scenario == "cell edit":
                    from ark_web.reads import cell_version

                    cell_version(engine, f"resp-{index}", f"person{index}@bench.test")
                start = time.perf_counter()
                response = SCENARIOS[scenario](c, engine, index, n)
                took = time.perf_counter() - start
                if response.status_code not in (200, 303):
                    errors.append(f"{scenario}: {response.status_code} {response.text[:200]}")
                with lock:
                    times.append(took)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(errors[0])
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def cli_times(url: str) -> dict[str, float]:
    """The same reads and edit through the CLI, as whole processes (best of 3)."""
    return {
        "home": run([ARK, "check"], url, 3).wall,
        "matrix, one department": run(
            [ARK, "people", "--department", DEPARTMENT, "--limit", "12"], url, 3
        ).wall,
        "cell edit": run(
            [ARK, "assign", "person5@bench.test", "resp-5", "--role", "consulted", "--hours", "1"],
            url,
            3,
        ).wall,
        "task list": run([ARK, "tasks", "list"], url, 3).wall,
    }


def statement_counts(url: str) -> dict[str, int]:
    """SQL statements per request, the app run in-process."""
    from ark_web.app import create_app
    from fastapi.testclient import TestClient

    from ark.db import open_engine

    engine = open_engine(url)
    client = TestClient(create_app(engine), follow_redirects=False)
    client.cookies.set("ark_session", sessions(url, 1)[0])
    client.get("/sign-in")
    out = {}
    for name in SCENARIOS:
        with counting() as count:
            response = SCENARIOS[name](client, engine, 7, 1)  # type: ignore[arg-type]
        assert response.status_code in (200, 303), (name, response.status_code)
        out[name] = count[0]
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=20, help="requests per client")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    from ark.db import open_engine

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for backend in backends:
            with database(backend, folder) as small_url:
                populate(small_url, folder, SMALL)
                small = statement_counts(small_url)
            with database(backend, folder) as url:
                populate(url, folder, SIZE)
                big = statement_counts(url)
                secrets = sessions(url, 20)
                engine = open_engine(url)
                process, base = serve(url)
                try:
                    print(
                        f"\n{backend}: {SIZE.contributors} people, {SIZE.departments} "
                        f"departments, {SIZE.responsibilities} responsibilities"
                    )
                    print(
                        f"{'':24} {'1 client p50/p95':>18} {'20 clients p50/p95':>20} "
                        f"{'CLI process':>12} {'statements small/big':>22}"
                    )
                    via_cli = cli_times(url)
                    for name in SCENARIOS:
                        one = latencies(base, secrets, engine, name, 1, args.requests)
                        many = latencies(
                            base, secrets, engine, name, 20, max(2, args.requests // 4)
                        )
                        target = TARGETS["cell edit" if name == "cell edit" else "page"]
                        p95 = percentile(many, 0.95)
                        print(
                            f"{name:24} {statistics.median(one) * 1000:7.0f}/{percentile(one, 0.95) * 1000:4.0f} ms"
                            f" {statistics.median(many) * 1000:9.0f}/{p95 * 1000:4.0f} ms"
                            f" {via_cli[name] * 1000:9.0f} ms"
                            f" {small[name]:>12}/{big[name]:<6}"
                            f" {'meets' if p95 <= target else 'misses'} p95 target {target * 1000:.0f} ms"
                        )
                finally:
                    process.terminate()
                    process.wait()
                    engine.dispose()


if __name__ == "__main__":
    main()
