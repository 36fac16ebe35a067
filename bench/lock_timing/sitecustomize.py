"""Loaded by the `ark serve` that bench/web_edits.py starts (this folder on its PYTHONPATH):
times every turn of the process's writers, from taking `ark.db.WriterQueue` to handing it
on (to the next writer, with or without the open transaction of a group commit), and writes them (wall and thread CPU seconds, one turn a line) to
`$ARK_BENCH_LOCK_LOG.<pid>` when the server stops; with `ARK_BENCH_GROUP_MOST` set, groups
commit at most that many edits (1: each edit on its own, the way before group commits). A measurement, not
part of Ark."""

from __future__ import annotations

import atexit
import os
import threading
import time
from typing import Any

LOG = os.environ.get("ARK_BENCH_LOCK_LOG")

if LOG:
    from ark.db import WriterQueue

    turns: list[tuple[float, float]] = []
    taken = threading.local()
    acquire, release, hand_on = WriterQueue.acquire, WriterQueue.release, WriterQueue.hand_on

    def timed_acquire(self: WriterQueue, timeout: float, **how: bool) -> bool:
        got = acquire(self, timeout, **how)
        taken.at, taken.cpu = time.perf_counter(), time.thread_time()
        return got

    def ended() -> None:
        turns.append((time.perf_counter() - taken.at, time.thread_time() - taken.cpu))

    def timed_release(self: WriterQueue) -> None:
        ended()
        release(self)

    def timed_hand_on(self: WriterQueue, group: Any) -> bool:
        handed = hand_on(self, group)
        if handed:
            ended()
        return handed

    def write() -> None:
        with open(f"{LOG}.{os.getpid()}", "w", encoding="utf-8") as out:
            out.writelines(f"{held} {cpu}\n" for held, cpu in turns)

    WriterQueue.acquire = timed_acquire  # type: ignore[method-assign]
    WriterQueue.release = timed_release  # type: ignore[method-assign]
    WriterQueue.hand_on = timed_hand_on  # type: ignore[method-assign]
    if os.environ.get("ARK_BENCH_GROUP_MOST"):
        import ark.db

        ark.db.GROUP_MOST = int(os.environ["ARK_BENCH_GROUP_MOST"])
    atexit.register(write)
