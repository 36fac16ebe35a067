"""Recording a folder of process files, and the process pages, at a large team's size.

A folder of N process files (the starter listening report, N times under other slugs) is
read and recorded the way `ark process record DIR` does, then recorded again unchanged, and
the playbook's process pages are made from the registry. Beside the real reader runs the
naive one: every file through the position-recording YAML loader and the pure-Python schema
validator, which is what the reader falls back to only for a file with a problem.

    .venv/bin/python bench/processes.py             # 1,000 files
    .venv/bin/python bench/processes.py --files 200
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event


def timed(what: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = what()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ark-bench-processes-") as tmp:
        run(Path(tmp), args.files)


def run(work: Path, n: int) -> None:
    """Record `n` process files in a registry under `work`, and time the ways of reading them."""
    from ark_processes.document import _careful, read, split
    from ark_processes.pages import pages
    from ark_processes.starters import starter_files

    from ark.db import open_engine
    from ark.plugins import hooks
    from ark.registry.writer import transaction
    from ark.templates import ARK_TEMPLATE
    from ark.vocabulary import BusinessType

    engine = open_engine(f"sqlite:///{work / 'ark.db'}")
    hook = hooks()
    with transaction(engine, hooks=hook) as reg:
        reg.apply(ARK_TEMPLATE.render(BusinessType.COMMERCIAL, "en", dt.date.today()))
    source = starter_files("en")["weekly-listening-report.md"].decode("utf-8")
    source = source.replace("related: [social-customer-care, editorial-calendar]", "related: []")
    folder = work / "processes"
    folder.mkdir()
    for i in range(n):
        text = source.replace("slug: weekly-listening-report", f"slug: process-{i}")
        (folder / f"process-{i}.md").write_bytes(text.encode("utf-8"))

    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)

    def record_folder(message: str) -> int:
        with transaction(engine, hooks=hook) as reg:
            return sum(
                r.revision is not None for r in reg.record_processes(read([folder], reg), message)
            )

    def naive_read() -> int:
        files = sorted(folder.glob("*.md"))
        for path in files:
            parts = split(path.read_bytes().decode("utf-8"))
            assert parts is not None
            _careful(parts[0], str(path))
        return len(files)

    def make_pages() -> int:
        with transaction(engine, hooks=hook, write=False) as reg:
            return len(pages(reg, "en"))

    rows = []
    statements = 0
    seconds, made = timed(lambda: record_folder("first"))
    rows.append(("record (first)", seconds, f"{made} revisions", statements))
    statements = 0
    seconds, made = timed(lambda: record_folder("again"))
    rows.append(("record (unchanged)", seconds, f"{made} revisions", statements))
    with transaction(engine, hooks=hook, write=False) as reg:
        seconds, _ = timed(lambda: read([folder], reg))
    rows.append(("read: compiled, positions on demand", seconds, f"{n} files", 0))
    seconds, _ = timed(naive_read)
    rows.append(("read: naive, positions always", seconds, f"{n} files", 0))
    statements = 0
    seconds, made = timed(make_pages)
    rows.append(("process pages", seconds, f"{made} pages", statements))

    print(f"{n} process files, SQLite in a temporary folder (removed afterwards)")
    print(f"{'what':<38} {'seconds':>8}  {'result':<16} {'statements':>10}")
    for what, secs, result, count_ in rows:
        print(f"{what:<38} {secs:>8.2f}  {result:<16} {count_:>10}")
    fast, naive = rows[2][1], rows[3][1]
    print(f"reading: {naive / fast:.1f}x faster than the naive way")
    engine.dispose()


if __name__ == "__main__":
    main()
