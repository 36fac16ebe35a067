"""The playbook of 1,000 processes beside the floor: `mkdocs build` of the same 1,000 process
pages written as plain Markdown, with the same theme and extensions, in one run.

"Ours" is everything `ark playbook build` does: read the registry, render every page (the
playbook's own and the processes plugin's), sanitise them, write what changed, and run
`mkdocs build` on the result, which also holds the responsibility, department, team and RACI
pages the floor does not have. Both builds go through the same in-process MkDocs call, after
a warm-up build, so neither pays for first imports. Then: a re-export of the unchanged
registry (files written: 0 expected) and a re-export after one process changed (only its page
expected).

    .venv/bin/python bench/playbook.py                  # 1,000 processes
    .venv/bin/python bench/playbook.py --processes 200
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ark.spec import TeamSpec

TARGET_RATIO = 1.3
RESPONSIBILITIES = 50
DEPARTMENTS = 10
CONTRIBUTORS = 120
ROLES = ("accountable", "responsible", "consulted", "informed")


def team() -> TeamSpec:
    from ark.spec import (
        AssignmentSpec,
        ContributorSpec,
        DepartmentSpec,
        KpiSpec,
        ResponsibilitySpec,
        StrategySpec,
        TeamSpec,
    )
    from ark.vocabulary import Cadence, Role

    departments = tuple(DepartmentSpec(f"dept-{d}", f"Department {d}") for d in range(DEPARTMENTS))
    contributors = tuple(
        ContributorSpec(f"person{c}@example.com", f"Person {c}", f"dept-{c % DEPARTMENTS}", 8.0)
        for c in range(CONTRIBUTORS)
    )
    responsibilities = tuple(
        ResponsibilitySpec(
            f"resp-{r}",
            f"Responsibility {r}",
            f"What responsibility {r} carries, in a sentence or two.",
            cadence=Cadence.WEEKLY,
            department=f"dept-{r % DEPARTMENTS}",
            kpis=("reach",),
            assignments=tuple(
                AssignmentSpec(f"person{(r * 4 + i) % CONTRIBUTORS}@example.com", Role(role), 1.0)
                for i, role in enumerate(ROLES)
            ),
        )
        for r in range(RESPONSIBILITIES)
    )
    return TeamSpec(
        strategy=StrategySpec(name="Benchmark strategy", direction="Grow, measurably."),
        departments=departments,
        contributors=contributors,
        kpis=(KpiSpec("reach", "Reach"),),
        responsibilities=responsibilities,
    )


def process_text(number: int, variant: str = "") -> str:
    steps = "\n".join(
        f"  - do: Step {s} of process {number}, gather, check and publish the weekly"
        f" figures{variant if s == 1 else ''}\n    role: {ROLES[s % 2]}\n    tool: Spreadsheet"
        for s in range(1, 6)
    )
    return (
        f"---\nslug: process-{number:04d}\ntitle: Process {number}\n"
        f"responsibility: resp-{number % RESPONSIBILITIES}\npurpose: Keep work {number} repeatable.\n"
        f"trigger: Every Monday.\nsteps:\n{steps}\ninputs: [Last week's data]\n"
        f"outputs: [A short report]\nkpis: [reach]\ntags: [weekly, bench]\n---\n\n"
        f"## Notes\n\nDetails of process {number}, with a checklist:\n\n"
        "- first item\n- second item\n\n> Keep it short.\n"
    )


def record(engine: Engine, numbers: range, variant: str = "") -> None:
    from ark_processes.document import parse

    from ark.plugins import hooks
    from ark.service import transaction

    drafts = []
    for n in numbers:
        parsed, problems = parse(process_text(n, variant).encode(), f"process-{n}.md")
        assert parsed is not None, problems
        drafts.append(parsed.draft)
    with transaction(engine, hooks=hooks()) as registry:
        registry.record_processes(drafts, "bench")


def clock() -> tuple[float, float]:
    """Wall and CPU seconds: the machine is shared, so the ratio is taken on CPU time (MkDocs
    runs in this process, on one core), and wall time is shown beside it."""
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = clock()
    return wall - start[0], cpu - start[1]


def timed_export(engine: Engine, out: Path) -> tuple[tuple[float, float], list[str], int]:
    from ark_playbook.export import export

    from ark.plugins import manager
    from ark.service import transaction

    started = clock()
    with transaction(engine, write=False) as registry:
        site, done = export(registry, out, "en", manager())
    return since(started), done.written + done.removed, len(site.pages)


def timed_build(folder: Path) -> tuple[float, float]:
    from ark_playbook.build import build_site

    started = clock()
    build_site(folder)
    return since(started)


def floor_folder(ours: Path, floor: Path) -> int:
    """The same process pages as plain Markdown under the same theme and extensions."""
    from ark_playbook.export import CONFIG, MERMAID, mkdocs_config

    (floor / "docs" / "processes").mkdir(parents=True)
    pages = sorted((ours / "docs" / "processes").glob("*.md"))
    for page in pages:
        shutil.copy(page, floor / "docs" / "processes" / page.name)
    (floor / "docs" / "assets" / "javascripts").mkdir(parents=True)
    shutil.copy(ours / "docs" / MERMAID, floor / "docs" / MERMAID)
    (floor / CONFIG).write_text(mkdocs_config("Floor", "en", None))
    return len(pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=1000)
    args = parser.parse_args()

    from ark.db import open_engine
    from ark.plugins import hooks
    from ark.service import transaction

    with tempfile.TemporaryDirectory(prefix="ark-bench-playbook-") as tmp:
        root = Path(tmp)
        engine = open_engine(f"sqlite:///{root / 'ark.db'}")
        with transaction(engine, hooks=hooks()) as registry:
            registry.apply(team())
            registry.plan_tasks(dt.date.today() + dt.timedelta(days=28))
        started = clock()
        record(engine, range(args.processes))
        print(f"recorded {args.processes} processes in {since(started)[0]:.1f}s")

        # Warm-up: imports and the theme's first load, paid by neither side below.
        warm = root / "warm"
        timed_export(engine, warm)
        timed_build(warm)

        ours = root / "ours"
        export_s, written, pages = timed_export(engine, ours)
        build_s = timed_build(ours)
        floor = root / "floor"
        floor_pages = floor_folder(ours, floor)
        floor_s = timed_build(floor)
        total = (export_s[0] + build_s[0], export_s[1] + build_s[1])
        ratio = total[1] / floor_s[1]
        print(f"\n{'':34}{'pages':>8}{'wall s':>10}{'CPU s':>10}")
        rows = [
            ("floor: mkdocs build, plain pages", floor_pages, floor_s, ""),
            ("ours: export", pages, export_s, f"({len(written)} files written)"),
            ("ours: mkdocs build", pages, build_s, ""),
            ("ours: total", pages, total, ""),
        ]
        for name, count, (wall, cpu), note in rows:
            print(f"{name:34}{count:>8}{wall:>10.2f}{cpu:>10.2f}   {note}")
        verdict = "within" if ratio <= TARGET_RATIO else "OVER"
        print(
            f"ratio ours/floor: {ratio:.2f}x CPU ({verdict} the {TARGET_RATIO}x target), "
            f"{total[0] / floor_s[0]:.2f}x wall"
        )

        again_s, again, _ = timed_export(engine, ours)
        print(f"\nre-export, registry unchanged: {len(again)} files written in {again_s[0]:.2f}s")

        record(engine, range(7, 8), variant=" (changed)")
        changed_s, changed, _ = timed_export(engine, ours)
        print(
            f"re-export after process-0007 changed: {len(changed)} file(s) written in "
            f"{changed_s[0]:.2f}s: {', '.join(changed)}"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory: {peak:.0f} MiB")
        engine.dispose()


if __name__ == "__main__":
    main()
