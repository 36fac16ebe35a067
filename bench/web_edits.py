"""The cell edit of bench/web.py alone, with how long each edit holds the writers' lock.

Twenty editors at once are served one after another, so an edit's latency is about twenty
times the time the lock is held: this runs `ark serve` on the 2,000-person registry with
bench/lock_timing on its PYTHONPATH, which times every writer's turn in the server, and
prints the edit's p50/p95 latency with 1 and 20 clients, the server's CPU ms per edit, the
statements of an edit, and the turn's hold p50/p95 over every edit of the run (wall, and the
holding thread's CPU). Side by side, alternated: the server as it is (edits waiting together
commit together) and the naive way, one transaction and commit per edit (bench/lock_timing
sets `ark.db.GROUP_MOST` to 1 for it).

    .venv/bin/python bench/web_edits.py --backend sqlite --requests 10
    .venv/bin/python bench/web_edits.py --backend postgresql --postgres postgresql://127.0.0.1/test \\
        --workers 2
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import web  # noqa: E402
from bench.registry import POSTGRES, POSTGRES_ENV, database  # noqa: E402

EDIT = "cell edit"


def held(log: str) -> list[tuple[float, float]]:
    """The turns the server's processes wrote, wall and CPU ms (the files removed)."""
    turns = []
    for path in Path(log).parent.glob(Path(log).name + ".*"):
        turns += [(float(a) * 1000, float(b) * 1000) for a, b in map(str.split, path.open())]
        path.unlink()
    return turns


MODES = {"group commit": "", "a commit per edit": "1"}  # ARK_BENCH_GROUP_MOST


def run(url: str, folder: Path, secrets: list[str], requests: int, workers: int, mode: str) -> str:
    """One server's figures: the edit's latency with 1 and 20 clients, the CPU, the lock."""
    from ark.db import open_engine

    engine = open_engine(url)
    log = str(folder / "turns")
    os.environ["ARK_BENCH_LOCK_LOG"] = log
    os.environ["ARK_BENCH_GROUP_MOST"] = MODES[mode]
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT / "bench" / "lock_timing"), os.environ.get("PYTHONPATH")])
    )
    process, base = web.serve(url, folder, workers)
    try:
        web.measure(base, process.pid, secrets, engine, EDIT, 20, 1)  # warm up
        one, one_cpu = web.measure(base, process.pid, secrets, engine, EDIT, 1, requests)
        many, many_cpu = web.measure(base, process.pid, secrets, engine, EDIT, 20, requests)
    finally:
        process.send_signal(signal.SIGINT)  # a clean stop: the turns are written at exit
        process.wait()
    engine.dispose()
    turns = held(log)
    wall, cpu = [t[0] for t in turns], [t[1] for t in turns]
    turn = (
        f"{statistics.median(wall):5.2f}/{web.percentile(wall, 0.95):5.2f} ms "
        f"({statistics.median(cpu):.2f} ms CPU)"
        if workers == 1
        else "-"  # the workers end without running their exit handlers, so write no turns
    )
    return f"{mode:18} {web.ms(one)} {one_cpu}  {web.ms(many)} {many_cpu}  {turn}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=10, help="edits per client")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each way, alternated")
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get(POSTGRES_ENV))
    args = parser.parse_args()
    if args.backend == "postgresql":
        if not args.postgres:
            parser.error(f"PostgreSQL needs --postgres URL (or {POSTGRES_ENV})")
        POSTGRES.append(args.postgres)

    with tempfile.TemporaryDirectory() as tmp, database(args.backend, Path(tmp)) as url:
        folder = Path(tmp)
        web.populate(url, folder, web.SIZE)
        statements = web.statement_counts(url)[EDIT]
        secrets = web.sessions(url, 20)
        print(
            f"{args.backend}, {args.workers} worker(s), {web.SIZE.contributors} people, "
            f"{statements[1]} statements per edit (the first of a group): edit p50/p95 ms "
            "and (server, database, client) CPU ms per edit; the writers' turn held p50/p95"
        )
        print(f"{'':18} {'1 client':>25}  {'20 clients':>25}  turn held")
        for _ in range(args.rounds):
            for mode in MODES:
                print(run(url, folder, secrets, args.requests, args.workers, mode), flush=True)


if __name__ == "__main__":
    main()
