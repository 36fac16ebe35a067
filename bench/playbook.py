"""The playbook's build at several sizes beside the floor, and a registry of 10,000 people.

For each number of processes, in one run: "ours" is everything `ark playbook build` does
(read the registry, render and sanitise every page, write what changed, `mkdocs build`);
"floor" is a plain `mkdocs build` of the very same pages with the theme's default
navigation (every page listed in every page, no pruning), which is how the playbook was
built before it listed processes on their responsibility's page and pruned the menu. Ours
runs in this process after one warm-up build (of the first size: what it warms, imports
and caches, is the process's); the floor runs in a child process (the same
MkDocs call, its CPU timed inside the child) stopped after `--floor-cap` seconds of CPU (a
limit on CPU, not on wall time, so that other work on the machine does not stop it early):
its cost per page grows with the pages, so a stopped floor is reported as "> cap" with the
time its last finished size predicts (the quadratic fit), labelled as an extrapolation. CPU time is
the figure to compare: the machine is shared. Then: the unchanged registry through
`ark playbook build` (nothing written, nothing built), a rewrite after one process changed,
and, with `--people`, a registry of that many contributors, every one holding a role, over
300 responsibilities: the largest page and the peak memory.

    .venv/bin/python bench/playbook.py                          # 200, 1,000, 3,000, 10,000
    .venv/bin/python bench/playbook.py --processes 200 1000 --floor-cap 120
    .venv/bin/python bench/playbook.py --processes 0 --people 10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ark.spec import TeamSpec

TARGET_SPEEDUP = 2.0
RESPONSIBILITIES = 50
DEPARTMENTS = 10
CONTRIBUTORS = 120
ROLES = ("accountable", "responsible", "consulted", "informed")


def team(people: int = CONTRIBUTORS, responsibilities: int = RESPONSIBILITIES) -> TeamSpec:
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
        for c in range(people)
    )

    def assignments(r: int) -> tuple[AssignmentSpec, ...]:
        """Four people with a role each, and every person not yet holding one informed of
        one responsibility, so that everyone has a person page."""
        core = {(r * 4 + i) % people: Role(role) for i, role in enumerate(ROLES)}
        informed = [c for c in range(r, people, responsibilities) if c not in core]
        held = [*core.items(), *((c, Role.INFORMED) for c in informed)]
        return tuple(AssignmentSpec(f"person{c}@example.com", role, 1.0) for c, role in held)

    responsibilities_ = tuple(
        ResponsibilitySpec(
            f"resp-{r}",
            f"Responsibility {r}",
            f"What responsibility {r} carries, in a sentence or two.",
            cadence=Cadence.WEEKLY,
            department=f"dept-{r % DEPARTMENTS}",
            kpis=("reach",),
            assignments=assignments(r),
        )
        for r in range(responsibilities)
    )
    return TeamSpec(
        strategy=StrategySpec(name="Benchmark strategy", direction="Grow, measurably."),
        departments=departments,
        contributors=contributors,
        kpis=(KpiSpec("reach", "Reach"),),
        responsibilities=responsibilities_,
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
    from ark.registry.writer import transaction

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


def timed_write(engine: Engine, out: Path) -> tuple[tuple[float, float], list[str], int]:
    from ark_playbook.sources import write_sources

    from ark.plugins import manager
    from ark.registry.writer import transaction

    started = clock()
    with transaction(engine, write=False) as registry:
        site, done = write_sources(registry, out, "en", manager())
    return since(started), done.written + done.removed, len(site.pages)


def timed_build(folder: Path) -> tuple[float, float]:
    from ark_playbook.build import build_site

    started = clock()
    build_site(folder)
    return since(started)


def capped_build(folder: Path, cap: float) -> tuple[float, float, float] | None:
    """`build_site` of `folder` in a child process: (wall s, CPU s, peak MiB) timed inside
    the child, or None when it used `cap` seconds of CPU without finishing (the kernel stops
    it: RLIMIT_CPU)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (int(cap), int(cap) + 5))

    script = (
        "import json, resource, sys, time\n"
        "from ark_playbook.build import build_site\n"
        "wall, cpu = time.perf_counter(), time.process_time()\n"
        "build_site(__import__('pathlib').Path(sys.argv[1]))\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps([time.perf_counter() - wall, time.process_time() - cpu, peak]))\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        check=False,
    )
    if child.returncode in (-signal.SIGXCPU, -signal.SIGKILL):  # stopped at the CPU cap
        return None
    if child.returncode != 0:
        raise RuntimeError(f"the floor's build failed:\n{child.stderr}")
    wall, cpu, peak = json.loads(child.stdout.strip().splitlines()[-1])
    return wall, cpu, peak


def floor_folder(ours: Path, floor: Path) -> int:
    """The same pages, stylesheet and extensions under the theme's default navigation."""
    from ark_playbook.sources import CONFIG, DOCS, mkdocs_config

    shutil.copytree(ours / DOCS, floor / DOCS)
    config = mkdocs_config("Floor", "en", None).replace("  - navigation.prune\n", "")
    (floor / CONFIG).write_text(config)
    return len(list((floor / DOCS).rglob("*.md")))


def sizes(site: Path) -> tuple[float, float, float, str]:
    """Mean process page (KB), largest page (KB) and its name, and the whole site (MB)."""
    pages = list(site.rglob("*.html"))
    process = [p.stat().st_size for p in pages if p.parent.name == "processes"]
    largest = max(pages, key=lambda p: p.stat().st_size)
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    mean = sum(process) / len(process) / 1024 if process else 0.0
    return mean, largest.stat().st_size / 1024, total / 2**20, largest.relative_to(site).as_posix()


def unchanged_build(db: str, out: Path) -> tuple[float, str]:
    """`ark playbook build` of an unchanged registry, through the command itself."""
    from click.testing import CliRunner

    from ark.cli import cli
    from ark.plugins import hooks

    hooks().ark_register_commands(cli=cli)
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["playbook", "build", "--out", str(out), "--db", db])
    return time.perf_counter() - started, result.output.strip()


@dataclass
class Floor:
    """The floor's last finished size, to extrapolate a stopped one from."""

    cap: float
    pages: int = 0
    cpu: float = 0.0
    stopped: bool = False

    def estimate(self, pages: int) -> float | None:
        """CPU seconds for `pages` pages: the cost per page grows with the pages, so the whole
        grows with their square."""
        return self.cpu * (pages / self.pages) ** 2 if self.pages else None


def size_run(processes: int, floor: Floor | None, summary: list[str], warm_up: bool) -> None:
    from ark.db import open_engine
    from ark.plugins import hooks, manager
    from ark.registry.writer import transaction

    with tempfile.TemporaryDirectory(prefix="ark-bench-playbook-") as tmp:
        root = Path(tmp)
        db = f"sqlite:///{root / 'ark.db'}"
        engine = open_engine(db)
        with transaction(engine, hooks=hooks()) as registry:
            registry.apply(team())
            registry.plan_tasks(dt.date.today() + dt.timedelta(days=28))
        started = clock()
        record(engine, range(processes))
        print(f"\n== {processes} processes (recorded in {since(started)[0]:.1f}s)")

        if warm_up:
            warm = root / "warm"
            timed_write(engine, warm)
            timed_build(warm)
            shutil.rmtree(warm)

        ours = root / "ours"
        write_s, _, pages = timed_write(engine, ours)
        build_s = timed_build(ours)
        total = (write_s[0] + build_s[0], write_s[1] + build_s[1])
        mean, largest, site_mb, name = sizes(ours / "site")
        print(f"{'':34}{'pages':>8}{'wall s':>10}{'CPU s':>10}{'ms/page':>10}")
        rows = [
            ("ours: write pages", pages, write_s),
            ("ours: mkdocs build", pages, build_s),
            ("ours: total", pages, total),
        ]
        for label, count, (wall, cpu) in rows:
            print(f"{label:34}{count:>8}{wall:>10.2f}{cpu:>10.2f}{cpu / count * 1000:>10.1f}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"ours: process page {mean:.1f} KB, largest page {largest:.0f} KB ({name}), "
            f"site {site_mb:.1f} MB, peak memory so far {peak:.0f} MiB"
        )
        ours_row = (
            f"| {processes:,} | {pages:,} | {total[1]:.1f} | {total[1] / pages * 1000:.1f} "
            f"| {mean:.1f} | {largest:.0f} | {site_mb:.0f} |"
        )
        if floor is not None:
            folder = root / "floor"
            floor_pages = floor_folder(ours, folder)
            # Past a size it did not finish, a larger one would not either: not run again.
            finished = None if floor.stopped else capped_build(folder, floor.cap)
            if finished is None:
                floor.stopped = True
                guess = floor.estimate(floor_pages)
                said = f"~{guess:,.0f} s, extrapolated" if guess else "no smaller size finished"
                print(
                    f"floor: default navigation, {floor_pages} pages: not finished within the "
                    f"cap of {floor.cap:.0f} s CPU ({said} from {floor.pages} pages)"
                )
                ratio = f"~{guess / total[1]:.0f}× (extrapolated)" if guess else "-"
                ours_row += f" > {floor.cap:.0f} ({said}) | - | - | {ratio} |"
            else:
                f_wall, f_cpu, f_peak = finished
                floor.pages, floor.cpu = floor_pages, f_cpu
                f_mean, _, f_mb, _ = sizes(folder / "site")
                speedup = f_cpu / total[1]
                verdict = "meets" if speedup >= TARGET_SPEEDUP else "MISSES"
                print(
                    f"{'floor: default navigation':34}{floor_pages:>8}{f_wall:>10.2f}"
                    f"{f_cpu:>10.2f}{f_cpu / floor_pages * 1000:>10.1f}"
                )
                print(
                    f"floor: process page {f_mean:.0f} KB, site {f_mb:.1f} MB, peak memory "
                    f"{f_peak:.0f} MiB; ours is {speedup:.2f}x faster in CPU ({verdict} the "
                    f"{TARGET_SPEEDUP}x target), {f_wall / total[0]:.2f}x in wall time"
                )
                ours_row += (
                    f" {f_cpu:.1f} | {f_cpu / floor_pages * 1000:.1f} | {f_mean:.0f} "
                    f"| {speedup:.2f}× |"
                )
            shutil.rmtree(folder)
        summary.append(ours_row)

        from ark_playbook.sources import mark_built, state

        with transaction(engine, write=False) as registry:
            mark_built(ours, state(registry, "en", manager()))
        seconds, said = unchanged_build(db, ours)
        print(f"ark playbook build, registry unchanged: {seconds:.2f}s ({said.split(':')[0]})")

        record(engine, range(7, 8), variant=" (changed)")
        changed_s, changed, _ = timed_write(engine, ours)
        print(
            f"rewrite after process-0007 changed: {len(changed)} file(s) written in "
            f"{changed_s[0]:.2f}s: {', '.join(changed)}"
        )
        engine.dispose()


def people_run(people: int) -> None:
    """A registry of `people` contributors, each holding a role, over 300 responsibilities:
    no page over 1 MB, and the peak memory of writing and building it."""
    from ark.db import open_engine
    from ark.plugins import hooks
    from ark.registry.writer import transaction

    with tempfile.TemporaryDirectory(prefix="ark-bench-playbook-") as tmp:
        root = Path(tmp)
        engine = open_engine(f"sqlite:///{root / 'ark.db'}")
        with transaction(engine, hooks=hooks()) as registry:
            registry.apply(team(people, 300))
        out = root / "people"
        write_s, _, pages = timed_write(engine, out)
        build_s = timed_build(out)
        _, largest, site_mb, name = sizes(out / "site")
        over = sum(1 for p in (out / "site").rglob("*.html") if p.stat().st_size > 2**20)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        cpu = write_s[1] + build_s[1]
        print(
            f"\n== {people} people, 300 responsibilities: {pages} pages, written in "
            f"{write_s[0]:.1f}s wall ({write_s[1]:.1f}s CPU), mkdocs build {build_s[0]:.1f}s wall "
            f"({build_s[1]:.1f}s CPU), {cpu / pages * 1000:.1f} ms CPU/page; largest page "
            f"{largest:.0f} KB ({name}), {over} page(s) over 1 MB, site {site_mb:.1f} MB, "
            f"peak memory {peak:.0f} MiB ({'under' if peak < 1024 else 'OVER'} 1 GB)"
        )
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, nargs="*", default=[200, 1000, 3000, 10000])
    parser.add_argument("--no-floor", action="store_true", help="Skip the floor's build.")
    parser.add_argument(
        "--floor-cap", type=float, default=600, help="Seconds the floor may take at one size."
    )
    parser.add_argument("--people", type=int, help="Also build a registry of this many people.")
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    floor = None if args.no_floor else Floor(args.floor_cap)
    summary = [
        "| processes | pages | ours CPU s | ours ms/page | process page KB | largest page KB "
        "| site MB | floor CPU s | floor ms/page | floor process page KB | ours vs floor (CPU) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for count in args.processes:
        if count:
            size_run(count, floor, summary, warm_up=len(summary) == 2)
    if len(summary) > 2:
        print("\n" + "\n".join(summary))
    if args.people:
        people_run(args.people)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of the run (this process): {peak:.0f} MiB")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
