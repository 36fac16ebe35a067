"""The pages the playbook builds itself: home, responsibilities, departments, roster, RACI.

Everything is read once, in a fixed number of queries, into a `Registry snapshot`; each page
is then a pure function of it, so a page's bytes change only when what it shows changes, and
writing the sources can skip it otherwise. Pages link each other with relative `.md` paths
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

from ark import formats, i18n
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
from ark.registry.writer import Registry
from ark.sanitize import plain_text, sanitize_piece
from ark.spec import StrategySpec
from ark.vocabulary import Component, Direction, Role, TaskStatus
from ark_playbook.figures import CHART, fence
from ark_playbook.labels import cadence, component, labels

ROLE_LETTERS = {
    Role.RESPONSIBLE: "R",
    Role.ACCOUNTABLE: "A",
    Role.CONSULTED: "C",
    Role.INFORMED: "I",
}
PROCESS_PAGE = "processes/{slug}.md"
ROSTER_PAGE = "team/{slug}.md"
RACI_PAGE = "raci/{slug}.md"
PERSON_PAGE = "people/{slug}.md"
STRATEGY_PAGE = "strategy.md"
NEXT_TASKS = 10
SPLIT_AT = 60
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
    """Someone's text on one line, sanitised on its own: stays inside one table cell, heading
    or list item, whatever tags it holds."""
    return UNESCAPED_BAR.sub(r"\\|", sanitize_piece(" ".join(str(value).split())))


def block(text: str) -> str:
    """Someone's paragraphs (a description, the direction), sanitised on their own."""
    return sanitize_piece(text.strip()) + "\n"


def table(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def number(value: float | None, words: dict[str, str]) -> str:
    """A number as the playbook's language writes it (a decimal comma in es and it)."""
    return "-" if value is None else formats.number(value, words["lang"])


def day(value: dt.date | None, words: dict[str, str]) -> str:
    return "-" if value is None else formats.day(value, words["lang"])


def responsibility_path(slug: str) -> str:
    return f"responsibilities/{slug}.md"


def department_path(slug: str) -> str:
    return f"departments/{slug}.md"


def own_pages(snapshot: Snapshot, lang: str, known: Callable[[str], bool]) -> dict[str, str]:
    """The playbook's own pages (path -> Markdown).

    :param known: tells whether another page exists (a process page contributed by a plugin),
        so a link is written only where it leads somewhere.
    """
    words = labels(lang)
    pages: dict[str, str] = {}
    pages["index.md"] = home(snapshot, words)
    pages.update(team_pages(snapshot, words))
    for r in snapshot.responsibilities:
        pages[responsibility_path(r.slug)] = responsibility_page(snapshot, r, words, known)
    for d in snapshot.departments:
        pages[department_path(d.slug)] = department_page(snapshot, d, words)
    return pages


def home(snapshot: Snapshot, words: dict[str, str]) -> str:
    strategy = snapshot.strategy
    title = strategy.name or words["playbook"]
    # The tab reads "Home - <site name>", not the site's name twice.
    out = [front_matter(words["home"]), f"# {cell(title)}\n"]
    direction = block(strategy.direction) if strategy.direction else words["no_direction"] + "\n"
    out.append(f"## {words['direction']}\n\n{direction}")
    out.append(f"[{words['whole_strategy']}]({STRATEGY_PAGE})\n")
    out.append(f"## {words['objectives']}\n")
    if not snapshot.objectives:
        out.append(words["no_objectives"] + "\n")
    for o in snapshot.objectives:
        out.append(objective_section(snapshot, o, words))
    return "\n".join(out)


def objective_section(snapshot: Snapshot, o: Objective, words: dict[str, str]) -> str:
    out = [f"### {cell(o.title)}\n"]
    readings = snapshot.readings.get(o.kpi_id or 0, []) if o.kpi else []
    latest = readings[-1][1] if readings else None
    facts = [
        (
            words["kpi"],
            cell(f"{o.kpi.name} ({i18n.unit(words['lang'], o.kpi.unit)})")
            if o.kpi
            else words["none"],
        ),
        (words["baseline"], number(o.baseline, words)),
        (words["target"], number(o.target, words)),
        (words["deadline"], day(o.deadline, words)),
        (words["latest"], number(latest, words) if readings else words["no_readings"]),
    ]
    share = progress(o.baseline, o.target, latest, o.kpi.direction if o.kpi else Direction.HIGHER)
    if share is not None:
        facts.append((words["progress"], formats.percent(share, words["lang"])))
    if o.responsibility is not None:
        link = f"[{cell(o.responsibility.title)}]({responsibility_path(o.responsibility.slug)})"
        facts.append((words["responsibility"], link))
    out.append("".join(f"- **{k}:** {v}\n" for k, v in facts))
    if share is not None:
        out.append(bar(share) + "\n")
    if o.kpi is not None and readings:
        chart = {
            "title": " ".join(o.kpi.name.split()),
            "alt": words["chart_alt"].format(kpi=" ".join(o.kpi.name.split())),
            "points": [[when.isoformat(), value] for when, value in readings],
            "target": o.target,
            "readings": words["readings"],
            "target_label": words["target"],
            "lang": words["lang"],
        }
        out.append(fence(CHART, chart))
    for key, items in (("goals", o.goals), ("strategies", o.strategies)):
        if items:
            texts = [text for text in map(cell, items) if text]
            out.append(f"**{words[key]}:**\n\n" + "".join(f"- {text}\n" for text in texts))
    if o.tactics:
        rows = [[t.title, day(t.due, words)] for t in o.tactics]
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
        f"# {cell(r.title)}\n",
    ]
    if r.description:
        out.append(block(r.description))
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
        (
            words["kpis"],
            ", ".join(cell(snapshot.kpi_names.get(k, k)) for k in r.kpis) or words["none"],
        ),
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
                    ", ".join(cell(a.contributor.name) for a in people[role]) or words["nobody"],
                    number(sum(a.hours for a in people[role]), words) if people[role] else "-",
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
                    f"{cell(t.title)} (`{t.key}`)",
                    day(t.due, words),
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
    out = [front_matter(d.name, [words["department"]]), f"# {cell(d.name)}\n"]
    if d.description:
        out.append(block(d.description))
    members = [c for c in snapshot.contributors if c.department_id == d.id]
    out.append(f"## {words['people']}\n")
    out.append(
        table(
            [words["name"], words["capacity"]],
            [[c.name, number(c.capacity, words)] for c in members],
        )
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


def split(snapshot: Snapshot) -> bool:
    """Whether the roster and the RACI matrix get one page per department: past a few dozen
    people one page is too long to read and, at thousands, too heavy to load."""
    return len(snapshot.contributors) > SPLIT_AT


def team_pages(snapshot: Snapshot, words: dict[str, str]) -> dict[str, str]:
    """The roster and the RACI matrix: whole, and one view per department."""
    pages: dict[str, str] = {}
    members = members_by_department(snapshot)
    held = roles_by_contributor(snapshot)
    for c in snapshot.contributors:
        if c.id in held:
            pages[person_path(c)] = person_page(snapshot, c, held[c.id], words)
    for d in snapshot.departments:
        pages[RACI_PAGE.format(slug=d.slug)] = raci(
            snapshot, words, [c for c in members.get(d.id, []) if c.id in held], d, depth=1
        )
    if split(snapshot):
        pages["team.md"] = department_index(snapshot, words, "roster", ROSTER_PAGE, members)
        pages["raci.md"] = department_index(snapshot, words, "raci", RACI_PAGE, members)
        for d in snapshot.departments:
            pages[ROSTER_PAGE.format(slug=d.slug)] = roster(
                snapshot, words, members.get(d.id, []), d, depth=1
            )
    else:
        pages["team.md"] = roster(snapshot, words, snapshot.contributors)
        pages["raci.md"] = raci(snapshot, words, [c for c in snapshot.contributors if c.id in held])
    return pages


def team_navigation(snapshot: Snapshot, words: dict[str, str]) -> list[Any]:
    """The team's part of the menu: the roster and the matrix, with their department views."""
    departments = sorted(snapshot.departments, key=lambda d: (d.name.casefold(), d.slug))
    titles = [plain_text(d.name) or d.slug for d in departments]
    raci_views = [
        {t: RACI_PAGE.format(slug=d.slug)} for t, d in zip(titles, departments, strict=True)
    ]
    held = roles_by_contributor(snapshot)
    people = sorted(
        (c for c in snapshot.contributors if c.id in held), key=lambda c: c.name.casefold()
    )
    section: list[Any] = [{words["people"]: [person_path(c) for c in people]}] if people else []
    if split(snapshot):
        # One menu section per department, so a person's page carries only their colleagues.
        by_department = [
            {t: [person_path(c) for c in people if c.department_id == d.id]}
            for t, d in zip(titles, departments, strict=True)
        ]
        section = [{words["people"]: [g for g in by_department if next(iter(g.values()))]}]
        rosters = [
            {t: ROSTER_PAGE.format(slug=d.slug)} for t, d in zip(titles, departments, strict=True)
        ]
        return [
            {words["roster"]: ["team.md", *rosters]},
            {words["raci"]: ["raci.md", *raci_views]},
            *section,
        ]
    return [{words["roster"]: "team.md"}, {words["raci"]: ["raci.md", *raci_views]}, *section]


def person_path(c: Contributor) -> str:
    """A person's page, named after their e-mail (the playbook's reference for people)."""
    return PERSON_PAGE.format(slug=re.sub(r"[^a-z0-9]+", "-", c.email.lower()).strip("-"))


def person_page(
    snapshot: Snapshot, c: Contributor, mine: list[Assignment], words: dict[str, str]
) -> str:
    """What one person carries, with whom, and their next tasks."""
    out = [front_matter(c.name, [words["person"]]), f"# {cell(c.name)}\n"]
    department = f"[{cell(c.department.name)}](../{department_path(c.department.slug)})"
    facts = [
        (words["department"], department),
        (words["capacity"], number(c.capacity, words)),
        (words["assigned"], number(sum(a.hours for a in mine), words)),
    ]
    out.append("".join(f"- **{k}:** {v}\n" for k, v in facts))
    out.append(f"## {words['carries']}\n")
    rows = []
    for a in sorted(mine, key=lambda a: (a.responsibility.title.casefold(), a.role)):
        r = a.responsibility
        others = [
            f"{cell(o.contributor.name)} ({ROLE_LETTERS[Role(o.role)]})"
            for o in snapshot.assignments.get(r.id, [])
            if o.contributor_id != c.id
        ]
        documented = [
            f"[{cell(p.title)}](../{PROCESS_PAGE.format(slug=p.slug)})"
            for p in snapshot.processes.get(r.slug, [])
        ]
        rows.append(
            [
                f"[{cell(r.title)}](../{responsibility_path(r.slug)})",
                badge(Role(a.role)),
                number(a.hours, words),
                ", ".join(others) or words["nobody"],
                ", ".join(documented) or "-",
            ]
        )
    header = [
        words["responsibility"],
        words["role"],
        words["hours"],
        words["with_whom"],
        words["processes"],
    ]
    out.append(raw_table(header, rows))
    out.append(f"## {words['next_tasks']}\n")
    tasks = {
        t.key: t
        for a in mine
        for t in snapshot.open_tasks.get(a.responsibility_id, [])
        if t.assignee_id == c.id
    }
    upcoming = sorted(tasks.values(), key=lambda t: (t.due or dt.date.max, t.key))[:NEXT_TASKS]
    out.append(
        raw_table(
            [words["task"], words["due"], words["status"]],
            [
                [f"{cell(t.title)} (`{t.key}`)", day(t.due, words), words[t.status.value]]
                for t in upcoming
            ],
        )
        if upcoming
        else words["no_open_tasks"] + "\n"
    )
    return "\n".join(out)


def members_by_department(snapshot: Snapshot) -> dict[int, list[Contributor]]:
    out: dict[int, list[Contributor]] = defaultdict(list)
    for c in snapshot.contributors:
        out[c.department_id].append(c)
    return out


def department_index(
    snapshot: Snapshot,
    words: dict[str, str],
    key: str,
    page: str,
    members: dict[int, list[Contributor]],
) -> str:
    """A page that leads to one view per department, with how many people each has."""
    out = [front_matter(words[key], [words["team"]]), f"# {words[key]}\n"]
    out.append(words["by_department"] + "\n")
    out.append(
        table(
            [words["department"], words["people"]],
            [
                [f"[{cell(d.name)}]({page.format(slug=d.slug)})", len(members.get(d.id, []))]
                for d in sorted(snapshot.departments, key=lambda d: d.name.casefold())
            ],
        )
    )
    return "\n".join(out)


def roster(
    snapshot: Snapshot,
    words: dict[str, str],
    people: list[Contributor],
    department: Department | None = None,
    depth: int = 0,
) -> str:
    up = "../" * depth
    title = words["roster"] + (f": {department.name}" if department else "")
    out = [front_matter(title, [words["team"]]), f"# {cell(title)}\n"]
    held = roles_by_contributor(snapshot)
    rows = []
    for c in people:
        mine = sorted(held.get(c.id, []), key=lambda a: (a.responsibility.title, a.role))
        roles = ", ".join(
            f"[{cell(a.responsibility.title)}]({up}{responsibility_path(a.responsibility.slug)})"
            f" ({ROLE_LETTERS[Role(a.role)]})"
            for a in mine
        )
        name = f"[{cell(c.name)}]({up}{person_path(c)})" if mine else cell(c.name)
        rows.append(
            [
                name,
                f"[{cell(c.department.name)}]({up}{department_path(c.department.slug)})",
                number(c.capacity, words),
                number(sum(a.hours for a in mine), words),
                roles or "-",
            ]
        )
    out.append(
        raw_table(
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


def raci(
    snapshot: Snapshot,
    words: dict[str, str],
    people: list[Contributor],
    department: Department | None = None,
    depth: int = 0,
) -> str:
    """The matrix: responsibilities as rows grouped by cycle component, people as columns
    grouped by department, or the reverse when there are more people than responsibilities,
    so the table is as narrow as it can be. Each role shows as its letter on its colour."""
    up = "../" * depth
    title = words["raci"] + (f": {department.name}" if department else "")
    out = [front_matter(title, [words["team"]]), f"# {cell(title)}\n", words["raci_intro"] + "\n"]
    legend = " ".join(f"{badge(role)} {words[role.value]}" for role in Role)
    out.append(legend + "\n")
    if department is None and snapshot.departments:
        views = ", ".join(
            f"[{cell(d.name)}]({RACI_PAGE.format(slug=d.slug)})"
            for d in sorted(snapshot.departments, key=lambda d: d.name.casefold())
        )
        out.append(f"{words['by_department']} {views}\n")
    letters: dict[tuple[int, int], list[Role]] = defaultdict(list)
    for rows in snapshot.assignments.values():
        for a in rows:
            letters[(a.contributor_id, a.responsibility_id)].append(Role(a.role))
    ids = {c.id for c in people}
    held = {r for c, r in letters if c in ids}
    responsibilities = sorted(
        (r for r in snapshot.responsibilities if r.id in held),
        key=lambda r: (list(Component).index(r.component), r.title.casefold()),
    )
    names = {d.id: d.name for d in snapshot.departments}
    people = sorted(people, key=lambda c: (names.get(c.department_id, "").casefold(), c.name))
    if not people or not responsibilities:
        out.append(words["none"] + "\n")
        return "\n".join(out)

    def roles(c: Contributor, r: Responsibility) -> str:
        found = sorted(
            letters.get((c.id, r.id), []), key=lambda role: "RACI".index(ROLE_LETTERS[role])
        )
        return " ".join(badge(role) for role in found)

    def link(r: Responsibility) -> str:
        return f"[{cell(r.title)}]({up}{responsibility_path(r.slug)})"

    def person(c: Contributor) -> str:
        return f"{cell(c.name)} <small>{cell(names.get(c.department_id, ''))}</small>"

    body: list[list[str]] = []
    if len(people) <= len(responsibilities):
        header = [words["responsibility"], *map(person, people)]
        group = None
        for r in responsibilities:
            if r.component != group:
                group = r.component
                body.append([f"**{component(words, group.value)}**", *[""] * len(people)])
            body.append([link(r), *(roles(c, r) for c in people)])
    else:
        header = [words["person"], *map(link, responsibilities)]
        department_id = None
        for c in people:
            if c.department_id != department_id:
                department_id = c.department_id
                body.append(
                    [f"**{cell(names.get(c.department_id, ''))}**", *[""] * len(responsibilities)]
                )
            body.append([cell(c.name), *(roles(c, r) for r in responsibilities)])
    out.append('<div class="ark-raci" markdown="1">\n\n' + raw_table(header, body) + "\n</div>\n")
    return "\n".join(out)


def badge(role: Role) -> str:
    """A role as its letter on its colour (the letter alone still reads in grey print)."""
    letter = ROLE_LETTERS[role]
    return f'<span class="ark-role ark-role-{letter.lower()}">{letter}</span>'


def raw_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table of cells that are already safe Markdown (no sanitising again)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
