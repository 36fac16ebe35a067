"""Everything the pages and the API read, as plain frozen dataclasses.

Each function opens one read transaction of its own and hands back values, never rows, so no
page holds an ORM session. It reads through the registry's public functions; when the
registry's read API lands, this module is the one place that changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import threading
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

from ark import accounts, audit
from ark.checks import Finding, check_raci, check_team
from ark.errors import NotFound
from ark.plugins import hooks
from ark.processes import (
    RevisionInfo,
    current_texts,
    due_for_review,
    histories,
    is_overdue,
    process,
    review_due,
    unified_diff,
)
from ark.processes import processes as all_processes
from ark.registry.assignments import cell_keys
from ark.registry.results import AuditEntry, DepartmentRow, HeldRole, ResponsibilityRow
from ark.registry.results import Page as RegistryPage
from ark.registry.writer import Registry, transaction
from ark.spec import TeamSpec
from ark.vocabulary import Role, TaskStatus

JIRA = "jira"  # the system the task lists show issue keys of
ROWS_PER_PAGE = 25
PEOPLE_PER_PAGE = 12
LIST_PAGE = 50
T = TypeVar("T")
# The state of a registry that pages are worked out from: its newest change to the team and the
# day. Every change to the team leaves an audit record, so while these are the same, so is
# everything a page reads of the team (a sign-in changes neither).
State = tuple[int, dt.date]


@contextmanager
def reading(engine: Any, single: bool = False) -> Iterator[Registry]:
    """A read transaction; or, for a `single` statement, none (`ark.db.session_scope`)."""
    with transaction(engine, write=False, single=single) as registry:
        yield registry


@dataclass(frozen=True)
class Page:
    """Where a paged list stands: which page of how many, of how many items."""

    number: int
    count: int
    total: int

    @classmethod
    def of(cls, number: int, total: int, size: int) -> Page:
        count = max(1, math.ceil(total / size))
        return cls(min(max(number, 1), count), count, total)

    def window(self, size: int) -> slice:
        return slice((self.number - 1) * size, self.number * size)


@dataclass(frozen=True)
class TaskRow:
    key: str
    title: str
    responsibility: str
    status: TaskStatus
    assignee: str | None
    due: dt.date | None
    version: int
    jira: str | None = None
    jira_url: str | None = None


@dataclass(frozen=True)
class PersonRow:
    email: str
    name: str
    department: str
    capacity: float
    assigned: float
    jira_user: str | None = None

    @property
    def over(self) -> bool:
        return self.assigned > self.capacity


@dataclass(frozen=True)
class ProcessRow:
    slug: str
    title: str
    responsibility: str
    revision: int
    review_due: dt.date
    overdue: bool
    last_reviewed_by: str | None
    last_reviewed_on: dt.date | None
    version: int
    created_on: dt.date  # no review can be dated before it


@dataclass(frozen=True)
class Target:
    objective: str
    baseline: float | None
    target: float | None
    deadline: dt.date | None


@dataclass(frozen=True)
class KpiProgress:
    """A KPI's latest reading against its targets (the home page and the KPI list)."""

    slug: str
    name: str
    unit: str
    latest: tuple[dt.date, float] | None
    targets: tuple[Target, ...]
    progress: float | None
    """Percent of the way from the first goal's baseline to its target, in the KPI's
    direction (the read API's, from `ark.progress`, as the CLI and the playbook show it)."""


@dataclass(frozen=True)
class KpiRow(KpiProgress):
    """A KPI with every reading and the version a new reading is recorded from."""

    readings: tuple[tuple[dt.date, float], ...]
    version: int


@dataclass(frozen=True)
class Standing:
    """What an account holds in the team, which decides what a member may change."""

    held: frozenset[str]
    accountable: frozenset[str]
    kpis: frozenset[str]


@dataclass(frozen=True)
class Health:
    """What `ark check` reported, when, and whether the registry has changed since (a newer
    check is then being worked out in the background, and the page says so)."""

    findings: list[Finding]
    checked_at: dt.datetime | None  # None: not checked yet
    current: bool


@dataclass(frozen=True)
class Home:
    health: Health
    my_week: list[TaskRow]
    overdue: list[TaskRow]
    overdue_count: int
    reviews: list[ProcessRow]
    kpis: list[KpiProgress]

    @property
    def findings(self) -> list[Finding]:
        return self.health.findings


@dataclass(frozen=True)
class Matrix:
    departments: tuple[DepartmentRow, ...]
    department: str | None
    query: str
    responsibilities: list[ResponsibilityRow]
    people: list[PersonRow]
    cells: dict[tuple[str, str], list[HeldRole]]
    versions: dict[tuple[str, str], int]
    problems: dict[str, list[Finding]]
    rows: Page
    columns: Page
    state: State  # of the registry it was read from: its page is kept under it too


@dataclass(frozen=True)
class ResponsibilityInfo:
    slug: str
    title: str
    description: str
    component: str
    cadence: str
    kpis: tuple[str, ...]


@dataclass(frozen=True)
class ResponsibilityDetail:
    responsibility: ResponsibilityInfo
    current: list[HeldRole]
    history: list[tuple[str, Role, float, dt.date, dt.date | None]]
    tasks: list[TaskRow]
    processes: list[ProcessRow]
    kpis: list[KpiRow]
    findings: list[Finding] = field(default_factory=list)


# -- helpers ------------------------------------------------------------------------------------


KEPT_PER_REGISTRY = 128  # a matrix page is up to 320 kB: at most 40 MB per process
BACKGROUND_CHECK = "ark-web-check"  # the name of the thread working out the home page's check
log = logging.getLogger("ark.web")


def _state(registry: Registry) -> State:
    return audit.team_version(registry), registry.today


class Kept:
    """Answers worked out from one state of a registry, by what was asked (the newest
    `KEPT_PER_REGISTRY`), in this server process: a page asked again before anything changed
    costs one statement, that reads the state. The state is read in the request's own
    snapshot, so an answer is never kept under a newer state than the one it was read from;
    every worker process keeps its own, so a change made through one is seen by all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: OrderedDict[Hashable, tuple[State, Any]] = OrderedDict()
        self._newest: State = (0, dt.date.min)
        # What is being worked out now: the requests that ask for the same meanwhile (twenty
        # reloading the matrix after an edit) wait for it instead of each working it out.
        self._working: dict[tuple[Hashable, State], threading.Event] = {}

    def get(self, key: Hashable, state: State, work_out: Callable[[], T]) -> T:
        while True:
            with self._lock:
                found = self._answers.get(key)
                if found is not None and found[0] == state:
                    self._answers.move_to_end(key)
                    answer: T = found[1]
                    return answer
                working = self._working.get((key, state))
                if working is None:  # this request works it out
                    working = self._working[(key, state)] = threading.Event()
                    break
            # Another request is working it out: take its answer, or (if it kept none: it
            # failed, or its state was older than the newest seen) ask again.
            working.wait()
        try:
            answer = work_out()
            self._keep(key, state, answer)
        finally:
            with self._lock:
                del self._working[(key, state)]
            working.set()
        return answer

    def _keep(self, key: Hashable, state: State, answer: Any) -> None:
        with self._lock:
            if state > self._newest:  # what was kept before is of no use any more
                self._answers.clear()
                self._newest = state
            if state == self._newest:  # not from a snapshot older than one seen
                self._answers[key] = (state, answer)
                while len(self._answers) > KEPT_PER_REGISTRY:
                    self._answers.popitem(last=False)


class Checked:
    """The last `ark check` of a registry (the home page's health), worked out again in the
    background after a change: the check reads the whole team (a tenth to a third of a second
    at 2,000 people), so the page shows the last result meanwhile, saying so, instead of
    making the first visitor after each change wait, or twenty visitors work it out at once.
    A server starts the first one as it starts (`start`)."""

    def __init__(self, engine: Any) -> None:
        self._engine = weakref.ref(engine)
        self._lock = threading.Lock()
        self._last: tuple[State, Health] | None = None
        self._running = False

    def health(self, registry: Registry, state: State, wait: bool) -> Health:
        """The health at `state`: with `wait`, worked out now in `registry` (the caller's
        transaction) if the last one is older; else the last one, marked as not current
        (with no findings and no time if there is none yet) while a new one is worked out."""
        with self._lock:
            last = self._last
            if last is not None and last[0] == state:
                return last[1]
            if not wait:
                self._start()
                if last is None:
                    return Health([], None, False)
                return dataclasses.replace(last[1], current=False)
        return self._keep(state, _check(registry))

    def start(self) -> None:
        """Work out the health in the background, unless that is under way."""
        with self._lock:
            self._start()

    def _start(self) -> None:
        if not self._running:
            self._running = True
            threading.Thread(target=self._refresh, name=BACKGROUND_CHECK, daemon=True).start()

    def _keep(self, state: State, findings: list[Finding]) -> Health:
        health = Health(findings, dt.datetime.now(dt.UTC), True)
        with self._lock:
            if self._last is None or self._last[0][0] <= state[0]:
                self._last = (state, health)
        return health

    def _refresh(self) -> None:
        try:
            engine = self._engine()
            if engine is not None:
                with reading(engine) as reg:
                    self._keep(_state(reg), _check(reg))
        except Exception:  # the next page load tries again; the page says it is not current
            log.exception("the background check of the team failed")
        finally:
            with self._lock:
                self._running = False


_KEPT: weakref.WeakKeyDictionary[Any, Kept] = weakref.WeakKeyDictionary()
_CHECKED: weakref.WeakKeyDictionary[Any, Checked] = weakref.WeakKeyDictionary()
_REGISTRIES_LOCK = threading.Lock()


def _kept(engine: Any) -> Kept:
    with _REGISTRIES_LOCK:
        return _KEPT.setdefault(engine, Kept())


def kept(engine: Any, key: Hashable, state: State, work_out: Callable[[], T]) -> T:
    """`work_out()`, or what it gave when last asked with `key` at `state` (a page's HTML)."""
    return _kept(engine).get(key, state, work_out)


def _checked(engine: Any) -> Checked:
    with _REGISTRIES_LOCK:
        found = _CHECKED.get(engine)
        if found is None:
            found = _CHECKED[engine] = Checked(engine)
        return found


def _check(registry: Registry) -> list[Finding]:
    """What `ark check` reports."""
    return list(check_team(registry, hooks()))


def _raci(engine: Any, registry: Registry, state: State) -> dict[str, list[Finding]]:
    """The RACI problems of every responsibility, by its slug (the matrix's warnings)."""
    return _kept(engine).get(("raci",), state, lambda: _by_subject(check_raci(registry)))


def _paged(
    fetch: Callable[[int], RegistryPage[T]], number: int, size: int
) -> tuple[Page, RegistryPage[T]]:
    """Page `number` of a list and where it stands, in one count and one read: `fetch` reads
    `size` items from an offset; a number past the end reads the last page again."""
    found = fetch((max(number, 1) - 1) * size)
    window = Page.of(number, found.total, size)
    if window.number != max(number, 1):
        found = fetch((window.number - 1) * size)
    return window, found


def start_checking(engine: Any) -> None:
    """Have the home page's health worked out in the background (as a server starts)."""
    _checked(engine).start()


def findings(engine: Any) -> list[Finding]:
    """What `ark check` reports now (kept for the home page too)."""
    with reading(engine) as reg:
        return _checked(engine).health(reg, _state(reg), wait=True).findings


def _tasks(
    registry: Registry, *, offset: int = 0, limit: int | None = LIST_PAGE, **filters: Any
) -> RegistryPage[TaskRow]:
    """A page of tasks (filters as the read API's `tasks`), and how many match in all."""
    found = registry.read.tasks(linked_to=JIRA, offset=offset, limit=limit, **filters)
    versions = audit.versions(registry, "task", (t.key for t in found.items))
    page_of = issue_links(registry).get(JIRA) if any(t.external_key for t in found.items) else None
    rows = tuple(
        TaskRow(
            t.key,
            t.title,
            t.responsibility,
            TaskStatus(t.status),
            t.assignee,
            t.due,
            versions.get(t.key, 0),
            t.external_key,
            page_of.replace("{key}", quote(t.external_key, safe=""))
            if page_of and t.external_key
            else None,
        )
        for t in found.items
    )
    return RegistryPage(rows, found.total, offset, limit)


def issue_links(registry: Registry) -> dict[str, str]:
    """Where each linked system shows an issue (`ark_issue_links`), by system: http(s) only,
    so no team file can make a task's link run script."""
    merged: dict[str, str] = {}
    hooks().ark_issue_links(registry=registry, register=merged.__setitem__)
    return {
        system: url
        for system, url in merged.items()
        if url.lower().startswith(("https://", "http://"))
    }


def _process_rows(registry: Registry, rows: list[Any]) -> list[ProcessRow]:
    versions = audit.versions(registry, "process", (p.slug for p in rows))
    return [
        ProcessRow(
            p.slug,
            p.title,
            p.responsibility,
            p.revision,
            review_due(p),
            is_overdue(p, registry.today),
            p.last_reviewed_by,
            p.last_reviewed_on,
            versions.get(p.slug, 0),
            p.created_at.date(),
        )
        for p in rows
    ]


def _kpi_progress(registry: Registry) -> list[KpiProgress]:
    """Every KPI's progress in two reads (the read API's lists), however many there are."""
    targets: dict[str | None, list[Target]] = defaultdict(list)
    for o in registry.read.objectives().items:
        targets[o.kpi].append(Target(o.slug, o.baseline, o.target, o.deadline))
    return [
        KpiProgress(
            k.slug,
            k.name,
            k.unit,
            None
            if k.latest_date is None or k.latest_value is None
            else (k.latest_date, k.latest_value),
            tuple(targets[k.slug]),
            k.progress,
        )
        for k in registry.read.kpis().items
    ]


def _kpi_rows(registry: Registry, slugs: list[str] | None = None) -> list[KpiRow]:
    """These KPIs (None: every one) with their readings, the objectives they measure and the
    version a new reading is recorded from."""
    readings: dict[str, list[tuple[dt.date, float]]] = defaultdict(list)
    for m in registry.read.readings(kpis=slugs).items:
        readings[m.kpi].append((m.date, m.value))
    return [
        KpiRow(
            k.slug,
            k.name,
            k.unit,
            readings[k.slug][-1] if readings[k.slug] else None,
            k.targets,
            k.progress,
            tuple(readings[k.slug]),
            audit.version(registry, "measurement", f"{k.slug}/", prefix=True),
        )
        for k in _kpi_progress(registry)
        if slugs is None or k.slug in slugs
    ]


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)


# -- reads ----------------------------------------------------------------------------------------


def standing(engine: Any, email: str) -> Standing:
    with reading(engine) as reg:
        held = reg.read.responsibilities(person=email).items
    return Standing(
        frozenset(r.slug for r in held),
        frozenset(r.slug for r in held if r.accountable == email.lower()),
        frozenset(k for r in held for k in r.kpis),
    )


def home(engine: Any, email: str) -> Home:
    """The home page: the health as last checked (see `Checked`), the rest as of now."""

    def work_out(reg: Registry, health: Health) -> Home:
        today = reg.today
        start, end = week_of(today)
        mine = _tasks(reg, assignee=email, open_only=True, due_from=start, due_by=end)
        late = _tasks(reg, open_only=True, due_by=today - dt.timedelta(days=1))
        reviews = _process_rows(reg, due_for_review(reg, today + dt.timedelta(days=30)))
        kpis = _kpi_progress(reg)
        return Home(health, list(mine.items), list(late.items), late.total, reviews, kpis)

    with reading(engine) as reg:
        state = _state(reg)
        health = _checked(engine).health(reg, state, wait=False)
        found = _kept(engine).get(("home", email), state, lambda: work_out(reg, health))
    return found if found.health is health else dataclasses.replace(found, health=health)


def team(engine: Any) -> TeamSpec:
    with reading(engine) as reg:
        return reg.team_spec()


def team_version(engine: Any) -> int:
    """The team's version (`ark.audit.team_version`): an upload is applied only if the team
    did not change since its plan was shown."""
    with reading(engine) as reg:
        return audit.team_version(reg)


def matrix(
    engine: Any, department: str | None, query: str, row_page: int, column_page: int
) -> Matrix:
    """One page of the matrix: a fixed number of statements whatever the team's size, one
    when it was asked for already since the last change (see `Kept`)."""
    with reading(engine) as reg:
        state = _state(reg)
        return _kept(engine).get(
            ("matrix", department, query, row_page, column_page),
            state,
            lambda: _matrix(engine, reg, state, department, query, row_page, column_page),
        )


def _matrix(
    engine: Any,
    reg: Registry,
    state: State,
    department: str | None,
    query: str,
    row_page: int,
    column_page: int,
) -> Matrix:
    read = reg.read
    search = query.strip() or None
    rows_at, found = _paged(
        lambda at: read.responsibilities(
            department=department, search=search, offset=at, limit=ROWS_PER_PAGE
        ),
        row_page,
        ROWS_PER_PAGE,
    )
    rows = found.items
    people_at, columns = _paged(
        lambda at: read.people(department=department, offset=at, limit=PEOPLE_PER_PAGE),
        column_page,
        PEOPLE_PER_PAGE,
    )
    people = [
        PersonRow(p.email, p.name, p.department, p.capacity, p.assigned_hours, p.jira_user)
        for p in columns.items
    ]
    held = read.held_roles(
        responsibilities=[r.slug for r in rows], people=[p.email for p in people]
    ).items
    keys = {
        key: (r.slug, p.email) for r in rows for p in people for key in cell_keys(r.slug, p.email)
    }
    versions: dict[tuple[str, str], int] = defaultdict(int)
    for key, newest in audit.versions(reg, "assignment", keys).items():
        versions[keys[key]] = max(versions[keys[key]], newest)
    problems = _raci(engine, reg, state)
    departments = read.departments().items
    cells: dict[tuple[str, str], list[HeldRole]] = defaultdict(list)
    for a in held:
        cells[(a.responsibility, a.contributor)].append(a)
    return Matrix(
        departments,
        department,
        query,
        list(rows),
        people,
        dict(cells),
        dict(versions),
        problems,
        rows_at,
        people_at,
        state,
    )


def people(
    engine: Any, query: str, department: str | None, page: int
) -> tuple[list[PersonRow], Page]:
    with reading(engine) as reg:
        window, rows = _paged(
            lambda at: reg.read.people(
                department=department, search=query.strip() or None, offset=at, limit=LIST_PAGE
            ),
            page,
            LIST_PAGE,
        )
    return [
        PersonRow(p.email, p.name, p.department, p.capacity, p.assigned_hours, p.jira_user)
        for p in rows.items
    ], window


@dataclass(frozen=True)
class PersonDetail:
    person: PersonRow
    roles: list[HeldRole]
    tasks: list[TaskRow]
    version: int
    departments: tuple[DepartmentRow, ...]


def _person_row(reg: Registry, email: str) -> PersonRow:
    found = reg.read.people(email=email).items
    if not found:
        raise NotFound.contributor(email)
    p = found[0]
    return PersonRow(p.email, p.name, p.department, p.capacity, p.assigned_hours, p.jira_user)


def person(engine: Any, email: str) -> PersonDetail:
    email = email.strip().lower()
    with reading(engine) as reg:
        row = _person_row(reg, email)
        roles = list(reg.read.held_roles(people=[email]).items)
        tasks = list(_tasks(reg, assignee=email, open_only=True).items)
        version = audit.version(reg, "contributor", email)
        departments = reg.read.departments().items
    return PersonDetail(row, roles, tasks, version, departments)


@dataclass(frozen=True)
class Leaving:
    """A person about to be offboarded: every role and open task they hold (none paged
    away, since each must find a taker), and who else could take them."""

    person: PersonRow
    roles: list[HeldRole]
    tasks: list[TaskRow]
    others: list[tuple[str, str]]  # (e-mail, name) of every other current contributor

    @property
    def accountable(self) -> list[HeldRole]:
        return [r for r in self.roles if r.role == Role.ACCOUNTABLE]


def leaving(engine: Any, email: str) -> Leaving:
    email = email.strip().lower()
    with reading(engine) as reg:
        row = _person_row(reg, email)
        roles = list(reg.read.held_roles(people=[email]).items)
        tasks = list(_tasks(reg, assignee=email, open_only=True, limit=None).items)
        others = [(p.email, p.name) for p in reg.read.people().items if p.email != email]
    return Leaving(row, roles, tasks, others)


def departments(engine: Any) -> tuple[DepartmentRow, ...]:
    with reading(engine) as reg:
        return reg.read.departments().items


def responsibilities(
    engine: Any, query: str, department: str | None, page: int
) -> tuple[list[ResponsibilityRow], Page, dict[str, list[Finding]]]:
    with reading(engine) as reg:
        search = query.strip() or None
        window, found = _paged(
            lambda at: reg.read.responsibilities(
                department=department, search=search, offset=at, limit=LIST_PAGE
            ),
            page,
            LIST_PAGE,
        )
        problems = _raci(engine, reg, _state(reg))
    return list(found.items), window, problems


def _by_subject(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        out[f.subject].append(f)
    return dict(out)


def responsibility(engine: Any, slug: str) -> ResponsibilityDetail:
    with reading(engine) as reg:
        found = reg.read.responsibilities(slug=slug).items
        if not found:
            raise NotFound.responsibility(slug)
        row = found[0]
        info = ResponsibilityInfo(
            row.slug, row.title, row.description, row.component, row.cadence, row.kpis
        )
        history = [
            (a.email, Role(a.role), a.hours, a.since, a.until)
            for a in reg.read.assignments(responsibility=slug, history=True).items
        ]
        current = list(reg.read.held_roles(responsibilities=[slug]).items)
        tasks = list(_tasks(reg, responsibility=slug, open_only=True).items)
        procs = _process_rows(reg, [p for p in all_processes(reg) if p.responsibility == slug])
        kpis = _kpi_rows(reg, list(info.kpis))
        findings = _raci(engine, reg, _state(reg)).get(slug, [])
    return ResponsibilityDetail(info, current, history, tasks, procs, kpis, findings)


def tasks(
    engine: Any, view: str, email: str, responsibility: str | None, page: int
) -> tuple[list[TaskRow], Page, State]:
    """A page of tasks: mine (open), due this week, overdue (open) or all; and the state of
    the registry it was read at."""
    with reading(engine) as reg:
        today = reg.today
        start, end = week_of(today)
        filters: dict[str, Any] = {"responsibility": responsibility or None}
        if view == "mine":
            filters.update(assignee=email, open_only=True)
        elif view == "week":
            filters.update(due_from=start, due_by=end)
        elif view == "overdue":
            filters.update(open_only=True, due_by=today - dt.timedelta(days=1))
        state = _state(reg)
        window, found = _kept(engine).get(
            ("tasks", tuple(sorted(filters.items())), page),
            state,
            lambda: _paged(lambda at: _tasks(reg, offset=at, **filters), page, LIST_PAGE),
        )
    return list(found.items), window, state


def task(engine: Any, key: str) -> TaskRow:
    with reading(engine) as reg:
        found = _tasks(reg, key=key)
    if not found.items:
        raise NotFound.task(key)
    return found.items[0]


def kpi_progress(engine: Any) -> list[KpiProgress]:
    with reading(engine) as reg:
        return _kpi_progress(reg)


def kpis(engine: Any, slug: str | None = None) -> list[KpiRow]:
    with reading(engine) as reg:
        rows = _kpi_rows(reg, None if slug is None else [slug])
    if slug is not None and not rows:
        raise NotFound.kpi(slug)
    return rows


def processes(engine: Any) -> list[ProcessRow]:
    with reading(engine) as reg:
        return _process_rows(reg, all_processes(reg))


def process_text(engine: Any, slug: str) -> tuple[ProcessRow, str]:
    with reading(engine) as reg:
        row = _process_rows(reg, [process(reg, slug)])[0]
        return row, current_texts(reg).get(slug, "")


def revisions(engine: Any, slug: str) -> list[RevisionInfo]:
    """The process's revisions, newest first."""
    with reading(engine) as reg:
        process(reg, slug)  # NotFound for a slug that names no process
        return histories(reg, [slug]).get(slug, [])


def process_diff(engine: Any, slug: str, old: int, new: int) -> str:
    with reading(engine) as reg:
        return unified_diff(reg, slug, old, new)


def audit_log(
    engine: Any,
    *,
    actor: str | None,
    entity: str | None,
    since: dt.date | None,
    until: dt.date | None,
    page: int | None,
) -> tuple[list[AuditEntry], Page]:
    """A page of the audit log, or all of it (for the CSV) when `page` is None."""
    filters: dict[str, Any] = {"actor": actor, "entity": entity, "since": since, "until": until}
    with reading(engine) as reg:
        if page is None:
            rows = reg.read.audit_log(**filters)
            return list(rows.items), Page(1, 1, rows.total)
        window, rows = _paged(
            lambda at: reg.read.audit_log(**filters, offset=at, limit=LIST_PAGE), page, LIST_PAGE
        )
    return list(rows.items), window


def account_list(engine: Any) -> list[accounts.AccountInfo]:
    with reading(engine) as reg:
        return accounts.accounts(reg)


def has_accounts(engine: Any) -> bool:
    with reading(engine) as reg:
        return accounts.has_accounts(reg)


def tokens(engine: Any, email: str) -> list[accounts.TokenInfo]:
    with reading(engine) as reg:
        return accounts.tokens(reg, email)


def identify(engine: Any, secret: str, kind: str) -> accounts.AccountInfo | None:
    with reading(engine, single=True) as reg:
        return accounts.identify(reg, secret, kind)


def link(engine: Any, secret: str) -> accounts.LinkInfo | None:
    with reading(engine) as reg:
        return accounts.peek_link(reg, secret)


def web_section(engine: Any) -> Any:
    """The team file's `web:` section as last applied, or None."""
    with reading(engine) as reg:
        return next((x.value for x in reg.sections() if x.name == "web"), None)


def account_versions(engine: Any) -> dict[str, int]:
    with reading(engine) as reg:
        return audit.versions(reg, "account", (a.email for a in accounts.accounts(reg)))


def language(engine: Any) -> str:
    """The strategy's language, which every page and message of a request speaks."""
    with reading(engine, single=True) as reg:
        return reg.strategy().lang
