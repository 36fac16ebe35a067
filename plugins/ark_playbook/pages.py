"""The pages the playbook builds itself: home, responsibilities, departments, roster, RACI.

Everything is read once, in a fixed number of queries, into a `Registry snapshot`; each page
is then a pure function of it, so a page's bytes change only when what it shows changes, and
the exporter can skip writing it otherwise. Pages link each other with relative `.md` paths
(MkDocs turns them into site URLs).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy import select

from ark.models import (
    Assignment,
    Contributor,
    Department,
    Kpi,
    Measurement,
    Objective,
    Responsibility,
    Task,
)
from ark.processes import processes
from ark.progress import progress
from ark.registry.results import ProcessRow
from ark.service import Registry
from ark.spec import StrategySpec
from ark.vocabulary import Direction, Role, TaskStatus
from ark_playbook.charts import kpi_chart
from ark_playbook.labels import cadence, component, labels

ROLE_LETTERS = {
    Role.RESPONSIBLE: "R",
    Role.ACCOUNTABLE: "A",
    Role.CONSULTED: "C",
    Role.INFORMED: "I",
}
PROCESS_PAGE = "processes/{slug}.md"
CHART = "assets/charts/{slug}.svg"
UNESCAPED_BAR = re.compile(r"(?<!\\)\|")


@dataclass
class Snapshot:
    """What the playbook's own pages show, read from the registry in one go."""

    strategy: StrategySpec
    departments: list[Department]
    contributors: list[Contributor]
    responsibilities: list[Responsibility]
    objectives: list[Objective]
    assignments: dict[int, list[Assignment]]
    open_tasks: dict[int, list[Task]]
    processes: dict[str, list[ProcessRow]]
    readings: dict[int, list[tuple[dt.date, float]]] = field(default_factory=dict)
    kpi_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, registry: Registry) -> Snapshot:
        s = registry.session

        def active(model: Any, *order: Any) -> list[Any]:
            """Live (unarchived) rows of one model, in the pages' order."""
            return list(s.scalars(select(model).where(model.archived.is_(False)).order_by(*order)))

        assignments: dict[int, list[Assignment]] = defaultdict(list)
        for a in registry.current_assignments():
            assignments[a.responsibility_id].append(a)
        open_tasks: dict[int, list[Task]] = defaultdict(list)
        for task in s.scalars(
            select(Task).where(Task.status != TaskStatus.DONE).order_by(Task.due, Task.key)
        ):
            open_tasks[task.responsibility_id].append(task)
        documented: dict[str, list[ProcessRow]] = defaultdict(list)
        for process in processes(registry):
            documented[process.responsibility].append(process)
        readings: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)

        for m in s.scalars(select(Measurement).order_by(Measurement.kpi_id, Measurement.date)):
            readings[m.kpi_id].append((m.date, m.value))
        return cls(
            strategy=registry.strategy(),
            departments=active(Department, Department.slug),
            contributors=active(Contributor, Contributor.name, Contributor.email),
            responsibilities=active(Responsibility, Responsibility.slug),
            objectives=active(Objective, Objective.id),
            assignments=assignments,
            open_tasks=open_tasks,
            processes=documented,
            readings=readings,
            kpi_names=dict(s.execute(select(Kpi.slug, Kpi.name)).all()),
        )


def front_matter(title: str, tags: Iterable[str] = ()) -> str:
    meta: dict[str, Any] = {"title": title}
    if tags:
        meta["tags"] = list(tags)
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n"


def cell(value: Any) -> str:
    """Text that stays inside one Markdown table cell."""
    return UNESCAPED_BAR.sub(r"\\|", " ".join(str(value).split()))


def table(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}"


def responsibility_path(slug: str) -> str:
    return f"responsibilities/{slug}.md"


def department_path(slug: str) -> str:
    return f"departments/{slug}.md"


def own_pages(
    snapshot: Snapshot, lang: str, known: Callable[[str], bool]
) -> tuple[dict[str, str], dict[str, bytes]]:
    """The playbook's own pages (path -> Markdown) and the charts they show (path -> bytes).

    :param known: tells whether another page exists (a process page contributed by a plugin),
        so a link is written only where it leads somewhere.
    """
    words = labels(lang)
    pages: dict[str, str] = {}
    charts: dict[str, bytes] = {}
    pages["index.md"] = home(snapshot, words, charts)
    pages["team.md"] = roster(snapshot, words)
    pages["raci.md"] = raci(snapshot, words)
    for r in snapshot.responsibilities:
        pages[responsibility_path(r.slug)] = responsibility_page(snapshot, r, words, known)
    for d in snapshot.departments:
        pages[department_path(d.slug)] = department_page(snapshot, d, words)
    return pages, charts


def home(snapshot: Snapshot, words: dict[str, str], charts: dict[str, bytes]) -> str:
    strategy = snapshot.strategy
    title = strategy.name or words["playbook"]
    out = [front_matter(title), f"# {title}\n"]
    out.append(f"## {words['direction']}\n\n{strategy.direction or words['no_direction']}\n")
    out.append(f"## {words['objectives']}\n")
    if not snapshot.objectives:
        out.append(words["no_objectives"] + "\n")
    for o in snapshot.objectives:
        out.append(objective_section(snapshot, o, words, charts))
    return "\n".join(out)


def objective_section(
    snapshot: Snapshot, o: Objective, words: dict[str, str], charts: dict[str, bytes]
) -> str:
    out = [f"### {o.title}\n"]
    readings = snapshot.readings.get(o.kpi_id or 0, []) if o.kpi else []
    latest = readings[-1][1] if readings else None
    facts = [
        (words["kpi"], f"{o.kpi.name} ({o.kpi.unit})" if o.kpi else words["none"]),
        (words["baseline"], number(o.baseline)),
        (words["target"], number(o.target)),
        (words["deadline"], o.deadline.isoformat() if o.deadline else "-"),
        (words["latest"], number(latest) if readings else words["no_readings"]),
    ]
    share = progress(o.baseline, o.target, latest, o.kpi.direction if o.kpi else Direction.HIGHER)
    if share is not None:
        facts.append((words["progress"], f"{share:.0f}%"))
    if o.responsibility is not None:
        link = f"[{cell(o.responsibility.title)}]({responsibility_path(o.responsibility.slug)})"
        facts.append((words["responsibility"], link))
    out.append("".join(f"- **{k}:** {v}\n" for k, v in facts))
    if share is not None:
        out.append(bar(share) + "\n")
    if o.kpi is not None and readings:
        path = CHART.format(slug=o.slug)
        charts[path] = kpi_chart(
            o.kpi.name, readings, o.target, (words["readings"], words["target"])
        )
        alt = words["chart_alt"].format(kpi=cell(o.kpi.name)).replace("]", "")
        out.append(f"![{alt}]({path})\n")
    for key, items in (("goals", o.goals), ("strategies", o.strategies)):
        if items:
            out.append(f"**{words[key]}:**\n\n" + "".join(f"- {cell(v)}\n" for v in items))
    if o.tactics:
        rows = [[t.title, t.due.isoformat() if t.due else "-"] for t in o.tactics]
        out.append(f"**{words['tactics']}:**\n\n" + table([words["task"], words["due"]], rows))
    return "\n".join(out)


def bar(share: float, width: int = 20) -> str:
    filled = round(share / 100 * width)
    return f"`{'█' * filled}{'░' * (width - filled)}` {share:.0f}%\n"


def people_of(snapshot: Snapshot, r: Responsibility) -> dict[Role, list[Assignment]]:
    out: dict[Role, list[Assignment]] = defaultdict(list)
    for a in snapshot.assignments.get(r.id, []):
        out[Role(a.role)].append(a)
    return out


def responsibility_page(
    snapshot: Snapshot, r: Responsibility, words: dict[str, str], known: Callable[[str], bool]
) -> str:
    out = [
        front_matter(r.title, [words["responsibility"], component(words, r.component.value)]),
        f"# {r.title}\n",
    ]
    if r.description:
        out.append(r.description.strip() + "\n")
    department = next((d for d in snapshot.departments if d.id == r.department_id), None)
    facts = [
        (words["component"], component(words, r.component.value)),
        (words["cadence"], cadence(words, r.cadence.value)),
        (
            words["department"],
            f"[{cell(department.name)}](../{department_path(department.slug)})"
            if department
            else words["none"],
        ),
        (words["kpis"], ", ".join(snapshot.kpi_names.get(k, k) for k in r.kpis) or words["none"]),
    ]
    out.append("".join(f"- **{k}:** {v}\n" for k, v in facts))
    out.append("## RACI\n")
    people = people_of(snapshot, r)
    out.append(
        table(
            [words["role"], words["people"], words["hours"]],
            [
                [
                    f"{words[role.value]} ({ROLE_LETTERS[role]})",
                    ", ".join(a.contributor.name for a in people[role]) or words["nobody"],
                    number(sum(a.hours for a in people[role])) if people[role] else "-",
                ]
                for role in Role
            ],
        )
    )
    out.append(f"## {words['process']}\n")
    documented = snapshot.processes.get(r.slug, [])
    if not documented:
        out.append(words["no_process"] + "\n")
    for p in documented:
        page = PROCESS_PAGE.format(slug=p.slug)
        out.append(f"- [{cell(p.title)}](../{page})\n" if known(page) else f"- {cell(p.title)}\n")
    out.append(f"## {words['open_tasks']}\n")
    tasks = snapshot.open_tasks.get(r.id, [])
    out.append(
        table(
            [words["task"], words["due"], words["assignee"], words["status"]],
            [
                [
                    f"{t.title} (`{t.key}`)",
                    t.due.isoformat() if t.due else "-",
                    t.assignee.name if t.assignee else words["nobody"],
                    words[t.status.value],
                ]
                for t in tasks
            ],
        )
        if tasks
        else words["no_open_tasks"] + "\n"
    )
    return "\n".join(out)


def department_page(snapshot: Snapshot, d: Department, words: dict[str, str]) -> str:
    out = [front_matter(d.name, [words["department"]]), f"# {d.name}\n"]
    if d.description:
        out.append(d.description.strip() + "\n")
    members = [c for c in snapshot.contributors if c.department_id == d.id]
    out.append(f"## {words['people']}\n")
    out.append(
        table([words["name"], words["capacity"]], [[c.name, number(c.capacity)] for c in members])
        if members
        else words["none"] + "\n"
    )
    owned = [r for r in snapshot.responsibilities if r.department_id == d.id]
    out.append(f"## {words['responsibilities']}\n")
    out.append(
        "".join(f"- [{cell(r.title)}](../{responsibility_path(r.slug)})\n" for r in owned)
        if owned
        else words["none"] + "\n"
    )
    return "\n".join(out)


def roles_by_contributor(snapshot: Snapshot) -> dict[int, list[Assignment]]:
    out: dict[int, list[Assignment]] = defaultdict(list)
    for rows in snapshot.assignments.values():
        for a in rows:
            out[a.contributor_id].append(a)
    return out


def roster(snapshot: Snapshot, words: dict[str, str]) -> str:
    out = [front_matter(words["roster"], [words["team"]]), f"# {words['roster']}\n"]
    held = roles_by_contributor(snapshot)
    rows = []
    for c in snapshot.contributors:
        mine = sorted(held.get(c.id, []), key=lambda a: (a.responsibility.slug, a.role))
        roles = ", ".join(
            f"[{cell(a.responsibility.title)}]({responsibility_path(a.responsibility.slug)})"
            f" ({ROLE_LETTERS[Role(a.role)]})"
            for a in mine
        )
        rows.append(
            [
                c.name,
                f"[{cell(c.department.name)}]({department_path(c.department.slug)})",
                number(c.capacity),
                number(sum(a.hours for a in mine)),
                roles or "-",
            ]
        )
    out.append(
        table(
            [
                words["name"],
                words["department"],
                words["capacity"],
                words["assigned"],
                words["roles"],
            ],
            rows,
        )
    )
    return "\n".join(out)


def raci(snapshot: Snapshot, words: dict[str, str]) -> str:
    out = [
        front_matter(words["raci"], [words["team"]]),
        f"# {words['raci']}\n",
        words["raci_intro"] + "\n",
    ]
    legend = ", ".join(f"**{ROLE_LETTERS[role]}** {words[role.value]}" for role in Role)
    out.append(legend + "\n")
    cells: dict[tuple[int, int], list[str]] = defaultdict(list)
    for rows in snapshot.assignments.values():
        for a in rows:
            cells[(a.contributor_id, a.responsibility_id)].append(ROLE_LETTERS[Role(a.role)])
    # A row only for people who hold a role: a row of blanks says nothing, and a large
    # company's matrix stays readable (the roster lists everyone).
    holders = {contributor for contributor, _ in cells}
    header = [words["person"]] + [
        f"[{cell(r.title)}]({responsibility_path(r.slug)})" for r in snapshot.responsibilities
    ]
    out.append(
        table(
            header,
            [
                [c.name]
                + [
                    "".join(sorted(cells.get((c.id, r.id), []), key="RACI".index))
                    for r in snapshot.responsibilities
                ]
                for c in snapshot.contributors
                if c.id in holders
            ],
        )
    )
    return "\n".join(out)
