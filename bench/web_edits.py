"""The cell edit of bench/web.py alone, with how long each edit holds the writers' lock.

Twenty editors at once are served one after another, so an edit's latency is about twenty
times the time the lock is held: this runs `ark serve` (one worker) on the 2,000-person
registry with bench/lock_timing on its PYTHONPATH, which times every writer's turn in the
server, and prints the edit's p50/p95 latency with 1 and 20 clients, the server's CPU ms per
edit, the statements of an edit, and the lock's hold p50/p95 over every edit of the run
(wall, and the holding thread's CPU).

    .venv/bin/python bench/web_edits.py --backend sqlite --requests 10
    .venv/bin/python bench/web_edits.py --backend postgresql --postgres postgresql://127.0.0.1/test
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=10, help="edits per client")
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get(POSTGRES_ENV))
    args = parser.parse_args()
    if args.backend == "postgresql":
        if not args.postgres:
            parser.error(f"PostgreSQL needs --postgres URL (or {POSTGRES_ENV})")
        POSTGRES.append(args.postgres)
    from ark.db import open_engine

    with tempfile.TemporaryDirectory() as tmp, database(args.backend, Path(tmp)) as url:
        folder = Path(tmp)
        web.populate(url, folder, web.SIZE)
        statements = web.statement_counts(url)[EDIT]
        secrets = web.sessions(url, 20)
        engine = open_engine(url)
        log = str(folder / "turns")
        os.environ["ARK_BENCH_LOCK_LOG"] = log
        os.environ["PYTHONPATH"] = str(ROOT / "bench" / "lock_timing")
        process, base = web.serve(url, folder, 1)
        try:
            web.measure(base, process.pid, secrets, engine, EDIT, 20, 1)  # warm up
            one, one_cpu = web.measure(base, process.pid, secrets, engine, EDIT, 1, args.requests)
            many, many_cpu = web.measure(
                base, process.pid, secrets, engine, EDIT, 20, args.requests
            )
        finally:
            process.send_signal(signal.SIGINT)  # a clean stop: the turns are written at exit
            process.wait()
        engine.dispose()
        turns = held(log)
    wall, cpu = [t[0] for t in turns], [t[1] for t in turns]
    print(
        f"{args.backend}, 1 worker, {web.SIZE.contributors} people: edit p50/p95 ms, "
        f"(server, client) CPU ms per edit\n"
        f"  1 client   {web.ms(one)} {one_cpu}\n"
        f"  20 clients {web.ms(many)} {many_cpu}\n"
        f"  statements per edit: {statements[1]}\n"
        f"  writers' lock held p50/p95 {statistics.median(wall):.2f}/"
        f"{web.percentile(wall, 0.95):.2f} ms (the holder's CPU p50 {statistics.median(cpu):.2f}"
        f" ms), {len(turns)} turns"
    )


if __name__ == "__main__":
    main()
