"""How fast `ark` answers on the demo team, as whole processes: most of a short command's time
is Python importing what the command needs, so this is where lazy imports show.

Each command runs as a lead would run it, on the 18-person demo team (`ark demo`), on SQLite
and, with --postgres, on PostgreSQL. Beside it runs the eager way: the same command after
importing every module of Ark and its plugins first, as a command line that imports all its
commands (and their libraries) at start would. Figures are medians of --repeat runs: wall
time, CPU time (user and system, of the process and what it started) and the time spent
importing (`python -X importtime`, its top-level imports added up, in a run of its own).

With --against DIR, a third column times another Ark source tree (its `ark/` and
`plugins/`, say `git archive` of an older commit) on the same team, for a before and after.

The bytecode is compiled first, as `pip install` does: with PYTHONDONTWRITEBYTECODE set and
no `__pycache__`, every run compiles Ark's modules again, which costs more than any import.

    .venv/bin/python bench/startup.py
    .venv/bin/python bench/startup.py --postgres postgresql://postgres@127.0.0.1:5432/DB
    .venv/bin/python bench/startup.py --against /tmp/ark-before
"""

from __future__ import annotations

import argparse
import compileall
import os
import pkgutil
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from registry import POSTGRES, database

ARK = str(Path(sys.executable).parent / "ark")
PACKAGES = ("ark", "ark_jira", "ark_playbook", "ark_processes", "ark_web")
COMMANDS = (
    ["--help"],
    ["who", "listening"],
    ["people"],
    ["log", "--limit", "20"],
    ["check"],
    ["check", "--file", "ark.yaml"],
    ["tasks", "list"],
    ["export"],
    ["apply", "ark.yaml"],
    ["process", "list"],
    ["jira", "--help"],
    ["playbook", "--help"],
)
TARGETS = {"who listening": 0.3, "--help": 0.25}  # seconds, whole process (the issue's)


def every_module() -> list[str]:
    """Every module of Ark and its plugins but the migrations (which Alembic loads by path)."""
    import importlib

    found = []
    for name in PACKAGES:
        package = importlib.import_module(name)
        found.append(name)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            if ".migrations" not in info.name and not info.name.endswith("__main__"):
                found.append(info.name)
    return found


def eager_prelude() -> str:
    """The eager way's start: every module imported, then the command run."""
    modules = ", ".join(every_module())
    return f"import sys, {modules}\nfrom ark.cli import main\nsys.argv[0] = 'ark'\nmain()\n"


@dataclass
class Figures:
    wall: float
    cpu: float
    imports: float

    def cells(self) -> str:
        return f"{self.wall:12.3f} {self.cpu:7.3f} {self.imports:7.3f}"


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # `ark check` exits 1 when it finds an error
        raise SystemExit(f"{' '.join(argv[-3:])}: exit {done.returncode}\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def import_seconds(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """The process's top-level imports added up, from `-X importtime` (which slows them a
    little: a fair comparison between the two ways, an upper bound for each)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    total = 0
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match:  # a name with no indent: imported by the program itself
            total += int(match[1])
    return total / 1e6


def measure(argv: list[str], cwd: Path, env: dict[str, str], repeat: int) -> Figures:
    timed(argv, cwd, env)  # warm the file cache
    runs = [timed(argv, cwd, env) for _ in range(repeat)]
    return Figures(
        statistics.median(w for w, _ in runs),
        statistics.median(c for _, c in runs),
        import_seconds(argv, cwd, env),
    )


def table(
    backend: str, workspace: Path, env: dict[str, str], repeat: int, against: Path | None
) -> None:
    """One line per command: Ark, the eager way (and the other tree), each wall, CPU and
    imports, then how many times Ark's CPU time the eager way's (and the other tree's) is."""
    ways = [("Ark", ["-m", "ark"], env), ("eager", ["-c", eager_prelude()], env)]
    if against is not None:
        path = os.pathsep.join(str(against / part) for part in ("", "plugins"))
        ways.append((against.name, ["-m", "ark"], {**env, "PYTHONPATH": path}))
    print(f"\n== {backend}: the demo team, median of {repeat} runs, seconds")
    print(f"{'':<22}" + "".join(f"{way[:27]:>28}" for way, _, _ in ways))
    heads = "".join(f"{'wall':>12} {'cpu':>7} {'imports':>7}" for _ in ways)
    print(f"{'command':<22}{heads}   cpu ratios")
    for args in COMMANDS:
        found = [
            measure([sys.executable, *start, *args], workspace, way_env, repeat)
            for _, start, way_env in ways
        ]
        name = " ".join(args)
        target = TARGETS.get(name)
        verdict = "" if target is None else (" ok" if found[0].wall < target else f" > {target}")
        ratios = " ".join(f"x{f.cpu / found[0].cpu:4.1f}" for f in found[1:])
        print(f"{name:<22}{''.join(f.cells() for f in found)}   {ratios}{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL server")
    parser.add_argument("--against", metavar="DIR", type=Path, help="another Ark source tree")
    args = parser.parse_args()
    import ark

    for name in PACKAGES:
        folder = Path(__import__(name).__file__ or "").parent
        compileall.compile_dir(folder, quiet=1)
    if args.against is not None:
        compileall.compile_dir(args.against, quiet=1)
    print(f"Python {sys.version.split()[0]}, Ark from {Path(ark.__file__ or '').parent}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARK_")}
    with tempfile.TemporaryDirectory(prefix="ark-bench-startup-") as tmp:
        workspace = Path(tmp) / "demo"
        subprocess.run([ARK, "demo", str(workspace)], env=env, check=True, capture_output=True)
        table("SQLite", workspace, env, args.repeat, args.against)
        if args.postgres:
            POSTGRES.append(args.postgres)
            with database("postgresql", Path(tmp)) as url:
                on_pg = {**env, "ARK_DATABASE_URL": url}
                subprocess.run(
                    [ARK, "apply", "ark.yaml"],
                    cwd=workspace,
                    env=on_pg,
                    check=True,
                    capture_output=True,
                )
                table("PostgreSQL", workspace, on_pg, args.repeat, args.against)


if __name__ == "__main__":
    main()
