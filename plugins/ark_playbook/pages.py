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
from functools import cached_property, partial
from typing import Any, TypeVar

import yaml

from ark import formats, i18n
from ark.paging import chunked, pager, relative, view_path
from ark.processes import processes
from ark.progress import progress
from ark.registry.results import (
    AssignmentRow,
    DepartmentRow,
    KpiRow,
    LastChange,
    ObjectiveRow,
    PersonRow,
    ProcessRow,
    ResponsibilityRow,
    TacticRow,
    TaskRow,
)
from ark.registry.writer import Registry
from ark.sanitize import plain_text, sanitize_piece
from ark.spec import StrategySpec
from ark.vocabulary import Component, Direction, Role
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
ONBOARDING_PAGE = "onboarding/{slug}.md"
NEXT_TASKS = 10
SPLIT_AT = 60
# Processes a page names beside other things before it links to the rest (`first_processes`).
NAMED = 10
UNESCAPED_BAR = re.compile(r"(?<!\\)\|")
T = TypeVar("T")


def _grouped(items: Iterable[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    out: dict[str, list[T]] = defaultdict(list)
    for item in items:
        out[key(item)].append(item)
    return out


@dataclass
class Snapshot:
    """What the playbook's own pages show, read through the read API in one go (a fixed
    number of statements whatever the team's size). People are named by e-mail, everything
    else by slug."""

    strategy: StrategySpec
    departments: list[DepartmentRow]
    contributors: list[PersonRow]
    responsibilities: list[ResponsibilityRow]
    objectives: list[ObjectiveRow]
    assignments: dict[str, list[AssignmentRow]]  # by responsibility
    open_tasks: dict[str, list[TaskRow]]  # by responsibility
    processes: dict[str, list[ProcessRow]]  # by responsibility
    readings: dict[str, list[tuple[dt.date, float]]] = field(default_factory=dict)  # by KPI
    kpis: dict[str, KpiRow] = field(default_factory=dict)
    tactics: dict[str, list[TacticRow]] = field(default_factory=dict)  # by objective
    # The day each thing last changed: entity -> key -> day (from the audit log).
    changes: dict[str, dict[str, dt.date]] = field(default_factory=dict)

    @classmethod
    def read(cls, registry: Registry) -> Snapshot:
        read = registry.read
        readings: dict[str, list[tuple[dt.date, float]]] = defaultdict(list)
        for m in read.readings().items:
            readings[m.kpi].append((m.date, m.value))
        return cls(
            strategy=registry.strategy(),
            departments=sorted(read.departments().items, key=lambda d: d.slug),
            contributors=sorted(read.people().items, key=lambda c: (c.name, c.email)),
            responsibilities=list(read.responsibilities().items),
            objectives=list(read.objectives().items),
            assignments=_grouped(read.assignments().items, lambda a: a.responsibility),
            open_tasks=_grouped(read.tasks(open_only=True).items, lambda t: t.responsibility),
            processes=_grouped(processes(registry), lambda p: p.responsibility),
            readings=readings,
            kpis={k.slug: k for k in read.kpis().items},
            tactics=_grouped(read.tactics().items, lambda t: t.objective),
            changes=_changes(read.last_changes().items),
        )

    @cached_property
    def _changed_parts(self) -> dict[tuple[str, int], dict[str, dt.date]]:
        """The newest day by entity and by each part of its keys: an assignment's key
        `listening/ana@acme.test/accountable` counts for `listening` (part 0) and for
        `ana@acme.test` (part 1)."""
        out: dict[tuple[str, int], dict[str, dt.date]] = defaultdict(dict)
        for entity, keys in self.changes.items():
            for key, day in keys.items():
                for n, part in enumerate(key.split("/")):
                    newest = out[(entity, n)]
                    newest[part] = max(day, newest.get(part, day))
        return out

    def last_changed(self, *things: tuple[str, int, str]) -> dt.date | None:
        """The day the newest of these things changed, each an (entity, part of its key,
        value): ("assignment", 0, "listening") is any role on listening. A value of "*" is
        any thing of that entity."""
        days = [
            max(found.values(), default=None) if value == "*" else found.get(value)
            for entity, part, value in things
            for found in [self._changed_parts.get((entity, part), {})]
        ]
        return max((d for d in days if d is not None), default=None)

    @cached_property
    def held(self) -> dict[str, list[AssignmentRow]]:
        """Current roles by e-mail (every roster and matrix page asks)."""
        return _grouped((a for rows in self.assignments.values() for a in rows), lambda a: a.email)

    @cached_property
    def department(self) -> dict[str | None, DepartmentRow]:
        """Departments by slug."""
        return {d.slug: d for d in self.departments}

    def kpi_name(self, slug: str) -> str:
        """A KPI's name, or its slug where the KPI is gone."""
        kpi = self.kpis.get(slug)
        return kpi.name if kpi else slug

    @cached_property
    def responsibility(self) -> dict[str, ResponsibilityRow]:
        """Responsibilities by slug."""
        return {r.slug: r for r in self.responsibilities}


def _changes(rows: Iterable[LastChange]) -> dict[str, dict[str, dt.date]]:
    out: dict[str, dict[str, dt.date]] = defaultdict(dict)
    for row in rows:
        out[row.entity][row.key] = row.at.date()
    return out


Thing = tuple[str, int, str]
# What the team-wide pages (roster, matrix, department index, getting started) show.
TEAM: tuple[Thing, ...] = (
    ("contributor", 0, "*"),
    ("assignment", 0, "*"),
    ("responsibility", 0, "*"),
    ("department", 0, "*"),
    ("strategy", 0, "*"),
)
# What the home page and the strategy page show.
STRATEGY: tuple[Thing, ...] = tuple(
    (entity, 0, "*")
    for entity in (
        "strategy",
        "objective",
        "goal",
        "tactic",
        "kpi",
        "measurement",
        "channel",
        "segment",
        "responsibility",
    )
)


def changed_line(when: dt.date | None, words: dict[str, str]) -> str:
    """The page's last line: the day its content last changed (nothing when no change is
    recorded), so a reader tells a fresh page from a stale one."""
    return "" if when is None else f"\n*{words['last_changed'].format(day=day(when, words))}*\n"


def responsibility_things(snapshot: Snapshot, r: ResponsibilityRow) -> list[Thing]:
    """What a responsibility's page shows: it, its roles and their people, its tasks, its
    processes, its department and KPIs."""
    return [
        ("responsibility", 0, r.slug),
        ("assignment", 0, r.slug),
        ("task", 0, r.slug),
        ("department", 0, r.department or ""),
        *(("process", 0, p.slug) for p in snapshot.processes.get(r.slug, [])),
        *(("contributor", 0, a.email) for a in snapshot.assignments.get(r.slug, [])),
        *(("kpi", 0, k) for k in r.kpis),
    ]


def person_things(snapshot: Snapshot, c: PersonRow, mine: Iterable[AssignmentRow]) -> list[Thing]:
    """What a person's pages show: them, their roles and what each responsibility shows."""
    things: list[Thing] = [("contributor", 0, c.email), ("assignment", 1, c.email)]
    for _, r in carried(snapshot, mine):
        things += responsibility_things(snapshot, r)
    return things


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
        pages.update(responsibility_pages(snapshot, r, words, known))
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
    out.append(changed_line(snapshot.last_changed(*STRATEGY), words))
    return "\n".join(out)


def objective_section(snapshot: Snapshot, o: ObjectiveRow, words: dict[str, str]) -> str:
    out = [f"### {cell(o.title)}\n"]
    kpi = snapshot.kpis.get(o.kpi or "")
    readings = snapshot.readings.get(kpi.slug, []) if kpi else []
    latest = readings[-1][1] if readings else None
    facts = [
        (
            words["kpi"],
            cell(f"{kpi.name} ({i18n.unit(words['lang'], kpi.unit)})") if kpi else words["none"],
        ),
        (words["baseline"], number(o.baseline, words)),
        (words["target"], number(o.target, words)),
        (words["deadline"], day(o.deadline, words)),
        (words["latest"], number(latest, words) if readings else words["no_readings"]),
    ]
    share = progress(
        o.baseline, o.target, latest, Direction(kpi.direction) if kpi else Direction.HIGHER
    )
    if share is not None:
        facts.append((words["progress"], formats.percent(share, words["lang"])))
    carrier = snapshot.responsibility.get(o.responsibility or "")
    if carrier is not None:
        link = f"[{cell(carrier.title)}]({responsibility_path(carrier.slug)})"
        facts.append((words["responsibility"], link))
    out.append("".join(f"- **{k}:** {v}\n" for k, v in facts))
    if share is not None:
        out.append(bar(share) + "\n")
    if kpi is not None and readings:
        chart = {
            "title": " ".join(kpi.name.split()),
            "alt": words["chart_alt"].format(kpi=" ".join(kpi.name.split())),
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
    tactics = snapshot.tactics.get(o.slug, [])
    if tactics:
        rows = [[t.title, day(t.due, words)] for t in tactics]
        out.append(f"**{words['tactics']}:**\n\n" + table([words["task"], words["due"]], rows))
    return "\n".join(out)


def bar(share: float, width: int = 20) -> str:
    filled = round(share / 100 * width)
    return f"`{'█' * filled}{'░' * (width - filled)}` {share:.0f}%\n"


def people_of(snapshot: Snapshot, r: ResponsibilityRow) -> dict[Role, list[AssignmentRow]]:
    out: dict[Role, list[AssignmentRow]] = defaultdict(list)
    for a in snapshot.assignments.get(r.slug, []):
        out[Role(a.role)].append(a)
    return out


def processes_path(slug: str, number: int) -> str:
    """Page `number` of a responsibility's processes: the first is the responsibility's own."""
    if number == 1:
        return responsibility_path(slug)
    return f"responsibilities/{slug}/processes-{number}.md"


def documented(snapshot: Snapshot, r: ResponsibilityRow) -> list[ProcessRow]:
    """A responsibility's processes, by title."""
    rows = snapshot.processes.get(r.slug, [])
    return sorted(rows, key=lambda p: (p.title.casefold(), p.slug))


def first_processes(
    snapshot: Snapshot, r: ResponsibilityRow, up: str, words: dict[str, str]
) -> list[str]:
    """Links to a responsibility's first `NAMED` processes by title, then one to its page for
    the rest: where a page names them beside other things (a person's roles, a newcomer's
    reading), it stays the same size however many processes the responsibility has."""
    rows = documented(snapshot, r)
    links = [f"[{cell(p.title)}]({up}{PROCESS_PAGE.format(slug=p.slug)})" for p in rows[:NAMED]]
    if len(rows) > NAMED:
        more = words["more_processes"].format(count=len(rows) - NAMED)
        links.append(f"[{more}]({up}{responsibility_path(r.slug)})")
    return links


def responsibility_pages(
    snapshot: Snapshot, r: ResponsibilityRow, words: dict[str, str], known: Callable[[str], bool]
) -> dict[str, str]:
    """A responsibility's page, and the further pages of its processes when they are many.

    The processes are listed here rather than in the menu: the menu every page carries stays
    the same size however many processes a responsibility documents."""
    titles = {PROCESS_PAGE.format(slug=p.slug): p.title for p in documented(snapshot, r)}
    parts = chunked(list(titles))

    def listing(number: int) -> str:
        here = processes_path(r.slug, number)
        lines = [
            f"- [{cell(titles[page])}]({relative(page, here)})\n"
            if known(page)
            else f"- {cell(titles[page])}\n"
            for page in parts[number - 1]
        ]
        more = pager(number, len(parts), lambda n: processes_path(r.slug, n), words["lang"])
        return "".join(lines) + (f"\n{more}" if more else "")

    pages = {responsibility_path(r.slug): responsibility_page(snapshot, r, words, listing(1))}
    for number in range(2, len(parts) + 1):
        here = processes_path(r.slug, number)
        title = words["processes_page"].format(title=r.title, n=number)
        back = f"[{cell(r.title)}]({relative(responsibility_path(r.slug), here)})\n"
        changed = changed_line(snapshot.last_changed(*responsibility_things(snapshot, r)), words)
        pages[here] = "\n".join(
            [front_matter(title), f"# {cell(title)}\n", back, listing(number), changed]
        )
    return pages


def responsibility_page(
    snapshot: Snapshot, r: ResponsibilityRow, words: dict[str, str], processes_list: str
) -> str:
    """A responsibility: what it is, its RACI, the first page of its processes, open tasks."""
    out = [
        front_matter(r.title, [words["responsibility"], component(words, r.component)]),
        f"# {cell(r.title)}\n",
    ]
    if r.description:
        out.append(block(r.description))
    department = snapshot.department.get(r.department)
    facts = [
        (words["component"], component(words, r.component)),
        (words["cadence"], cadence(words, r.cadence)),
        (
            words["department"],
            f"[{cell(department.name)}](../{department_path(department.slug)})"
            if department
            else words["none"],
        ),
        (
            words["kpis"],
            ", ".join(cell(snapshot.kpi_name(k)) for k in r.kpis) or words["none"],
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
                    ", ".join(cell(a.name) for a in people[role]) or words["nobody"],
                    number(sum(a.hours for a in people[role]), words) if people[role] else "-",
                ]
                for role in Role
            ],
        )
    )
    out.append(f"## {words['process']}\n")
    out.append(processes_list or words["no_process"] + "\n")
    out.append(f"## {words['open_tasks']}\n")
    tasks = snapshot.open_tasks.get(r.slug, [])
    out.append(
        table(
            [words["task"], words["due"], words["assignee"], words["status"]],
            [
                [
                    f"{cell(t.title)} (`{t.key}`)",
                    day(t.due, words),
                    t.assignee_name or words["nobody"],
                    words[t.status],
                ]
                for t in tasks
            ],
        )
        if tasks
        else words["no_open_tasks"] + "\n"
    )
    out.append(changed_line(snapshot.last_changed(*responsibility_things(snapshot, r)), words))
    return "\n".join(out)


def department_page(snapshot: Snapshot, d: DepartmentRow, words: dict[str, str]) -> str:
    out = [front_matter(d.name, [words["department"]]), f"# {cell(d.name)}\n"]
    if d.description:
        out.append(block(d.description))
    members = [c for c in snapshot.contributors if c.department == d.slug]
    out.append(f"## {words['people']}\n")
    out.append(
        table(
            [words["name"], words["capacity"]],
            [[c.name, number(c.capacity, words)] for c in members],
        )
        if members
        else words["none"] + "\n"
    )
    owned = [r for r in snapshot.responsibilities if r.department == d.slug]
    out.append(f"## {words['responsibilities']}\n")
    out.append(
        "".join(f"- [{cell(r.title)}](../{responsibility_path(r.slug)})\n" for r in owned)
        if owned
        else words["none"] + "\n"
    )
    things: list[Thing] = [("department", 0, d.slug)]
    things += [("contributor", 0, c.email) for c in members]
    things += [("responsibility", 0, r.slug) for r in owned]
    out.append(changed_line(snapshot.last_changed(*things), words))
    return "\n".join(out)


def split(snapshot: Snapshot) -> bool:
    """Whether the roster and the RACI matrix get one page per department: past a few dozen
    people one page is too long to read and, at thousands, too heavy to load."""
    return len(snapshot.contributors) > SPLIT_AT


def team_pages(snapshot: Snapshot, words: dict[str, str]) -> dict[str, str]:
    """The roster and the RACI matrix: whole, and one view per department."""
    pages: dict[str, str] = {}
    members = members_by_department(snapshot)
    held = snapshot.held
    for c in snapshot.contributors:
        if c.email in held:
            pages[person_path(c)] = person_page(snapshot, c, held[c.email], words)
    for d in snapshot.departments:
        holders = [c for c in members.get(d.slug, []) if c.email in held]

        def matrix(part: list[PersonRow], depth: int, more: str, d: DepartmentRow = d) -> str:
            return raci(snapshot, words, part, d, depth=depth, more=more)

        pages.update(department_views(RACI_PAGE, d, holders, words, matrix))
    if split(snapshot):
        pages["team.md"] = department_index(snapshot, words, "roster", ROSTER_PAGE, members)
        pages["raci.md"] = department_index(snapshot, words, "raci", RACI_PAGE, members)
        for d in snapshot.departments:

            def names(part: list[PersonRow], depth: int, more: str, d: DepartmentRow = d) -> str:
                return roster(snapshot, words, part, d, depth=depth, more=more)

            pages.update(department_views(ROSTER_PAGE, d, members.get(d.slug, []), words, names))
    else:
        pages["team.md"] = roster(snapshot, words, snapshot.contributors)
        pages["raci.md"] = raci(
            snapshot, words, [c for c in snapshot.contributors if c.email in held]
        )
    return pages


def department_views(
    pattern: str,
    d: DepartmentRow,
    people: list[PersonRow],
    words: dict[str, str],
    render: Callable[[list[PersonRow], int, str], str],
) -> dict[str, str]:
    """A department's view (its roster, its matrix), `LIST_PAGE` people to a page: at 10,000
    people a department's matrix of a thousand people would pass a megabyte. `render` is
    given the page's people, its depth in the folders and the line leading to the others."""
    parts = chunked(people)
    path_of = partial(view_path, pattern.format(slug=d.slug))
    return {
        path_of(n): render(
            part, path_of(n).count("/"), pager(n, len(parts), path_of, words["lang"])
        )
        for n, part in enumerate(parts, start=1)
    }


def team_navigation(snapshot: Snapshot, words: dict[str, str]) -> list[Any]:
    """The team's part of the menu: the roster and the matrix, with their department views,
    and the people's pages while the team is small. Past `SPLIT_AT` people the menu names no
    one (a page would carry a department's whole staff): each department's roster links its
    people's pages (see `listed_pages`)."""
    departments = sorted(snapshot.departments, key=lambda d: (d.name.casefold(), d.slug))
    titles = [plain_text(d.name) or d.slug for d in departments]
    raci_views = [
        {t: RACI_PAGE.format(slug=d.slug)} for t, d in zip(titles, departments, strict=True)
    ]
    if split(snapshot):
        rosters = [
            {t: ROSTER_PAGE.format(slug=d.slug)} for t, d in zip(titles, departments, strict=True)
        ]
        return [
            {words["roster"]: ["team.md", *rosters]},
            {words["raci"]: ["raci.md", *raci_views]},
        ]
    people = [person_path(c) for c in people_with_roles(snapshot)]
    section: list[Any] = [{words["people"]: people}] if people else []
    return [{words["roster"]: "team.md"}, {words["raci"]: ["raci.md", *raci_views]}, *section]


def people_with_roles(snapshot: Snapshot) -> list[PersonRow]:
    """The people who hold a role (those with a page), by name."""
    held = snapshot.held
    return sorted(
        (c for c in snapshot.contributors if c.email in held), key=lambda c: c.name.casefold()
    )


def listed_pages(snapshot: Snapshot) -> dict[str, list[str]]:
    """The pages the menu leaves out, under the page that lists them (page -> pages), in the
    order a reader meets them: a responsibility's processes after it, a department's further
    pages of its matrix and roster after the first, and past `SPLIT_AT` people, a
    department's people after its roster. The printed playbook follows it."""
    out: dict[str, list[str]] = {}
    for r in snapshot.responsibilities:
        pages = [PROCESS_PAGE.format(slug=p.slug) for p in documented(snapshot, r)]
        further = [processes_path(r.slug, n) for n in range(2, len(chunked(pages)) + 1)]
        out[responsibility_path(r.slug)] = pages + further
    members = members_by_department(snapshot)
    held = snapshot.held

    def further_views(first: str, people: list[PersonRow]) -> list[str]:
        return [view_path(first, n) for n in range(2, len(chunked(people)) + 1)]

    for d in snapshot.departments:
        first = RACI_PAGE.format(slug=d.slug)
        holders = [c for c in members.get(d.slug, []) if c.email in held]
        out[first] = further_views(first, holders)
        if split(snapshot):
            first = ROSTER_PAGE.format(slug=d.slug)
            out[first] = further_views(first, members.get(d.slug, []))
    if split(snapshot):
        for c in people_with_roles(snapshot):
            out.setdefault(ROSTER_PAGE.format(slug=c.department), []).append(person_path(c))
    return out


def person_path(c: PersonRow) -> str:
    """A person's page, named after their e-mail (the playbook's reference for people)."""
    return PERSON_PAGE.format(slug=re.sub(r"[^a-z0-9]+", "-", c.email.lower()).strip("-"))


def onboarding_path(c: PersonRow) -> str:
    """A person's own getting-started page, named like their person page."""
    return ONBOARDING_PAGE.format(slug=person_path(c).split("/", 1)[1].removesuffix(".md"))


def person_page(
    snapshot: Snapshot, c: PersonRow, mine: list[AssignmentRow], words: dict[str, str]
) -> str:
    """What one person carries, with whom, and their next tasks."""
    out = [front_matter(c.name, [words["person"]]), f"# {cell(c.name)}\n"]
    out.append(words["onboarding.start"].format(link=f"../{onboarding_path(c)}") + "\n")
    department = department_link(snapshot, c, "../")
    facts = [
        (words["department"], department),
        (words["capacity"], number(c.capacity, words)),
        (words["assigned"], number(sum(a.hours for a in mine), words)),
    ]
    out.append("".join(f"- **{k}:** {v}\n" for k, v in facts))
    out.append(f"## {words['carries']}\n")
    rows = []
    for a, r in sorted(
        carried(snapshot, mine), key=lambda ar: (ar[1].title.casefold(), ar[0].role)
    ):
        others = [
            f"{cell(o.name)} ({ROLE_LETTERS[Role(o.role)]})"
            for o in snapshot.assignments.get(r.slug, [])
            if o.email != c.email
        ]
        rows.append(
            [
                f"[{cell(r.title)}](../{responsibility_path(r.slug)})",
                badge(Role(a.role)),
                number(a.hours, words),
                ", ".join(others) or words["nobody"],
                ", ".join(first_processes(snapshot, r, "../", words)) or "-",
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
        for t in snapshot.open_tasks.get(a.responsibility, [])
        if t.assignee == c.email
    }
    upcoming = sorted(tasks.values(), key=lambda t: (t.due or dt.date.max, t.key))[:NEXT_TASKS]
    out.append(
        raw_table(
            [words["task"], words["due"], words["status"]],
            [
                [f"{cell(t.title)} (`{t.key}`)", day(t.due, words), words[t.status]]
                for t in upcoming
            ],
        )
        if upcoming
        else words["no_open_tasks"] + "\n"
    )
    out.append(changed_line(snapshot.last_changed(*person_things(snapshot, c, mine)), words))
    return "\n".join(out)


def members_by_department(snapshot: Snapshot) -> dict[str, list[PersonRow]]:
    return _grouped(snapshot.contributors, lambda c: c.department)


def carried(
    snapshot: Snapshot, roles: Iterable[AssignmentRow]
) -> list[tuple[AssignmentRow, ResponsibilityRow]]:
    """Roles with the responsibility they are held on (a current one: the pages link to it)."""
    return [
        (a, snapshot.responsibility[a.responsibility])
        for a in roles
        if a.responsibility in snapshot.responsibility
    ]


def department_link(snapshot: Snapshot, c: PersonRow, up: str) -> str:
    d = snapshot.department.get(c.department)
    name = d.name if d else c.department
    return f"[{cell(name)}]({up}{department_path(c.department)})"


def department_index(
    snapshot: Snapshot,
    words: dict[str, str],
    key: str,
    page: str,
    members: dict[str, list[PersonRow]],
) -> str:
    """A page that leads to one view per department, with how many people each has."""
    out = [front_matter(words[key], [words["team"]]), f"# {words[key]}\n"]
    out.append(words["by_department"] + "\n")
    out.append(
        table(
            [words["department"], words["people"]],
            [
                [f"[{cell(d.name)}]({page.format(slug=d.slug)})", len(members.get(d.slug, []))]
                for d in sorted(snapshot.departments, key=lambda d: d.name.casefold())
            ],
        )
    )
    out.append(changed_line(snapshot.last_changed(*TEAM), words))
    return "\n".join(out)


def roster(
    snapshot: Snapshot,
    words: dict[str, str],
    people: list[PersonRow],
    department: DepartmentRow | None = None,
    depth: int = 0,
    more: str = "",
) -> str:
    up = "../" * depth
    title = words["roster"] + (f": {department.name}" if department else "")
    out = [front_matter(title, [words["team"]]), f"# {cell(title)}\n"]
    held = snapshot.held
    rows = []
    for c in people:
        mine = sorted(
            carried(snapshot, held.get(c.email, [])), key=lambda ar: (ar[1].title, ar[0].role)
        )
        roles = ", ".join(
            f"[{cell(r.title)}]({up}{responsibility_path(r.slug)}) ({ROLE_LETTERS[Role(a.role)]})"
            for a, r in mine
        )
        name = f"[{cell(c.name)}]({up}{person_path(c)})" if mine else cell(c.name)
        rows.append(
            [
                name,
                department_link(snapshot, c, up),
                number(c.capacity, words),
                number(sum(a.hours for a, _ in mine), words),
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
    if more:
        out.append(more)
    out.append(changed_line(snapshot.last_changed(*TEAM), words))
    return "\n".join(out)


def raci(
    snapshot: Snapshot,
    words: dict[str, str],
    people: list[PersonRow],
    department: DepartmentRow | None = None,
    depth: int = 0,
    more: str = "",
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
    letters: dict[tuple[str, str], list[Role]] = defaultdict(list)
    for rows in snapshot.assignments.values():
        for a in rows:
            letters[(a.email, a.responsibility)].append(Role(a.role))
    emails = {c.email for c in people}
    held = {r for c, r in letters if c in emails}
    responsibilities = sorted(
        (r for r in snapshot.responsibilities if r.slug in held),
        key=lambda r: (list(Component).index(Component(r.component)), r.title.casefold()),
    )
    names = {d.slug: d.name for d in snapshot.departments}
    people = sorted(people, key=lambda c: (names.get(c.department, "").casefold(), c.name))
    if not people or not responsibilities:
        out.append(words["none"] + "\n" + changed_line(snapshot.last_changed(*TEAM), words))
        return "\n".join(out)

    def roles(c: PersonRow, r: ResponsibilityRow) -> str:
        found = sorted(
            letters.get((c.email, r.slug), []), key=lambda role: "RACI".index(ROLE_LETTERS[role])
        )
        return " ".join(badge(role) for role in found)

    def link(r: ResponsibilityRow) -> str:
        return f"[{cell(r.title)}]({up}{responsibility_path(r.slug)})"

    def person(c: PersonRow) -> str:
        return f"{cell(c.name)} <small>{cell(names.get(c.department, ''))}</small>"

    body: list[list[str]] = []
    if len(people) <= len(responsibilities):
        header = [words["responsibility"], *map(person, people)]
        group = None
        for r in responsibilities:
            if r.component != group:
                group = r.component
                body.append([f"**{component(words, group)}**", *[""] * len(people)])
            body.append([link(r), *(roles(c, r) for c in people)])
    else:
        header = [words["person"], *map(link, responsibilities)]
        shown: str | None = None
        for c in people:
            if c.department != shown:
                shown = c.department
                body.append(
                    [f"**{cell(names.get(c.department, ''))}**", *[""] * len(responsibilities)]
                )
            body.append([cell(c.name), *(roles(c, r) for r in responsibilities)])
    out.append('<div class="ark-raci" markdown="1">\n\n' + raw_table(header, body) + "\n</div>\n")
    if more:
        out.append(more)
    out.append(changed_line(snapshot.last_changed(*TEAM), words))
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
