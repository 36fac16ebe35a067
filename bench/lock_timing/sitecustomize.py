"""Loaded by the `ark serve` that bench/web_edits.py starts (this folder on its PYTHONPATH):
times every turn of the process's writers, from taking `ark.db.WriterQueue` to handing it
on, and writes them (wall and thread CPU seconds, one turn a line) to
`$ARK_BENCH_LOCK_LOG.<pid>` when the server stops. A measurement, not part of Ark."""

from __future__ import annotations

import atexit
import os
import threading
import time

LOG = os.environ.get("ARK_BENCH_LOCK_LOG")

if LOG:
    from ark.db import WriterQueue

    turns: list[tuple[float, float]] = []
    taken = threading.local()
    acquire, release = WriterQueue.acquire, WriterQueue.release

    def timed_acquire(self: WriterQueue, timeout: float) -> bool:
        got = acquire(self, timeout)
        taken.at, taken.cpu = time.perf_counter(), time.thread_time()
        return got

    def timed_release(self: WriterQueue) -> None:
        turns.append((time.perf_counter() - taken.at, time.thread_time() - taken.cpu))
        release(self)

    def write() -> None:
        with open(f"{LOG}.{os.getpid()}", "w", encoding="utf-8") as out:
            out.writelines(f"{held} {cpu}\n" for held, cpu in turns)

    WriterQueue.acquire = timed_acquire  # type: ignore[method-assign]
    WriterQueue.release = timed_release  # type: ignore[method-assign]
    atexit.register(write)
