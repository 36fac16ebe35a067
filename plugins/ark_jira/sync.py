"""`ark jira sync`: plan what the board needs, then carry it out without ever duplicating.

No duplicates: before a create is sent, an intent (a link with no key yet, and the issue's
per-task marker label) is committed; the key is committed as soon as the create answers. A
run that finds intents left by a crash or a lost answer looks for their issues first, by
marker label through search and then, because search lags behind creates, by reading the
issue numbers after the highest one it knew of, which is not lagged. Only an intent whose
issue is found nowhere is created again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ark.models import Contributor, Department, Responsibility, Task, TaskLink
from ark.service import Registry
from ark.vocabulary import TaskStatus
from ark_jira.board import BULK_LIMIT, Board, Created, status_matches
from ark_jira.config import MANAGED_LABEL, JiraConfig
from ark_jira.fields import (
    PLANNING_FIELDS,
    TaskRow,
    View,
    desired_view,
    issue_number,
    marker,
    remote_view,
    rest_fields,
)
from ark_jira.transport import JiraRequestError, UnknownOutcome

SYSTEM = "jira"
Transaction = Callable[[], AbstractContextManager[Registry]]
PROBE_MISSES = 3


@dataclass(frozen=True)
class Conflict:
    field: str
    jira: Any
    ark: Any
    winner: str


@dataclass(frozen=True)
class Update:
    task: str
    issue: str
    changes: dict[str, tuple[Any, Any]]
    conflicts: tuple[Conflict, ...] = ()


@dataclass(frozen=True)
class Transition:
    task: str
    issue: str
    status: TaskStatus
    target: str


@dataclass(frozen=True)
class Pull:
    task: str
    issue: str
    jira_status: str
    status: TaskStatus


@dataclass
class SyncPlan:
    creates: list[tuple[TaskRow, View]] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    pulls: list[Pull] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "create": len(self.creates),
            "update": len(self.updates),
            "transition": len(self.transitions),
            "pull": len(self.pulls),
            "unchanged": self.unchanged,
            "conflicts": sum(len(u.conflicts) for u in self.updates),
        }

    def lines(self) -> Iterator[str]:
        for task, view in self.creates:
            yield f"+ create {task.key}: {view['summary']!r} -> {view['assignee'] or 'unassigned'}"
        for u in self.updates:
            yield f"~ update {u.issue} ({u.task})"
            for name, (old, new) in u.changes.items():
                yield f"    {name}: {old!r} -> {new!r}"
            for c in u.conflicts:
                loser = "Jira's" if c.winner == "ark" else "Ark's"
                yield (
                    f"    ! conflict on {c.field}: Jira has {c.jira!r}, Ark has {c.ark!r}; "
                    f"{c.winner} wins ({loser} value is not written)"
                )
        for t in self.transitions:
            yield f"> transition {t.issue} ({t.task}) to {t.target} (Ark: {t.status})"
        for p in self.pulls:
            yield f"< pull {p.issue}: Jira status {p.jira_status!r} -> Ark task {p.task} {p.status}"
        yield from (f"? {problem}" for problem in self.problems)

    def as_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "create": [{"task": t.key, "fields": v} for t, v in self.creates],
            "update": [
                {
                    "task": u.task,
                    "issue": u.issue,
                    "changes": {k: {"old": o, "new": n} for k, (o, n) in u.changes.items()},
                    "conflicts": [c.__dict__ for c in u.conflicts],
                }
                for u in self.updates
            ],
            "transition": [t.__dict__ | {"status": str(t.status)} for t in self.transitions],
            "pull": [p.__dict__ | {"status": str(p.status)} for p in self.pulls],
            "problems": self.problems,
        }


@dataclass
class Summary:
    created: int = 0
    adopted: int = 0
    updated: int = 0
    transitioned: int = 0
    pulled: int = 0
    unchanged: int = 0
    failed: list[str] = field(default_factory=list)
    requests: int = 0

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def load_tasks(registry: Registry) -> list[TaskRow]:
    """Tasks to mirror: every open task, and every task that already has an issue."""
    linked = select(TaskLink.task_id).where(TaskLink.system == SYSTEM)
    owner = aliased(Contributor)
    rows = registry.session.execute(
        select(
            Task.id,
            Task.key,
            Task.title,
            Task.status,
            Task.due,
            Responsibility.slug,
            Responsibility.title,
            Department.slug,
            Department.name,
            owner.email,
            owner.jira_user,
            Task.note,
        )
        .join(Responsibility, Responsibility.id == Task.responsibility_id)
        .outerjoin(Department, Department.id == Responsibility.department_id)
        .outerjoin(owner, owner.id == Task.assignee_id)
        .where((Task.status != TaskStatus.DONE) | Task.id.in_(linked))
        .order_by(Task.id)
    )
    return [
        TaskRow(
            r[0],
            r[1],
            r[2],
            str(r[3]),
            r[4].isoformat() if r[4] else None,
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
            r[11],
        )
        for r in rows
    ]


def jira_to_ark(config: JiraConfig, status: dict[str, Any]) -> TaskStatus | None:
    """The Ark status a Jira status maps to: by name first, then by status category."""
    by_name = [s for s, t in config.statuses.items() if not t.startswith("category:")]
    for ark_status in (*by_name, *config.statuses):
        if status_matches(status, config.statuses[ark_status]):
            return ark_status
    return None


class Syncer:
    """One sync run: `plan()` reads, `run()` writes; both report through `progress`."""

    def __init__(
        self,
        config: JiraConfig,
        board: Board,
        transaction: Transaction,
        progress: Callable[[int], None] = lambda n: None,
    ) -> None:
        self.config = config
        self.board = board
        self.transaction = transaction
        self.progress = progress
        self.cloud = board.api.cloud
        self.bulk = config.bulk
        self.summary = Summary()

    # -- users --------------------------------------------------------------------------------

    def users(
        self, registry: Registry, tasks: list[TaskRow], problems: list[str]
    ) -> dict[str, str]:
        """Contributor e-mail -> Jira user id, from overrides, the cache, then user search."""
        cache: dict[str, str] = dict(registry.state("jira.users") or {})
        out: dict[str, str] = {}
        for task in tasks:
            email = task.assignee
            if email is None or email in out:
                continue
            if task.assignee_jira:
                out[email] = task.assignee_jira
            elif email in cache:
                out[email] = cache[email]
            else:
                found = self.board.find_user(email)
                if len(found) == 1:
                    out[email] = cache[email] = found[0]
                else:
                    problems.append(
                        f"{email}: {'no' if not found else len(found)} Jira users with this "
                        "e-mail; set jira_user for this contributor in the team file"
                    )
        if cache != (registry.state("jira.users") or {}):
            registry.set_state("jira.users", cache)
        return out

    # -- reconcile ----------------------------------------------------------------------------

    def reconcile(self) -> None:
        """Find the issues of intents left by an interrupted run, and adopt them."""
        with self.transaction() as registry:
            pending = {
                link.data.get("marker"): (link.task_id, link.data)
                for link in registry.links(SYSTEM).values()
                if link.external_key is None
            }
            known = [issue_number(k) for k in registry.link_keys(SYSTEM)]
        if not pending:
            return
        found: dict[str, str] = {}
        for issue in self.board.by_markers(sorted(pending)):
            for label in issue["fields"].get("labels", []):
                if label in pending:
                    found.setdefault(label, issue["key"])
        missing = set(pending) - set(found)
        if missing:
            floor = min(int(data.get("floor", 0)) for _, data in pending.values())
            start = max([floor, *known]) + 1 if known else floor + 1
            found.update(self._probe(start, missing))
        with self.transaction() as registry:
            for label, (task_id, _) in pending.items():
                task = registry.session.get(Task, task_id)
                assert task is not None
                if label in found:
                    registry.link_task(
                        task, SYSTEM, found[label], {"marker": label, "adopted": True}
                    )
                    self.summary.adopted += 1
                else:
                    registry.unlink_task(task, SYSTEM)

    def _probe(self, start: int, markers: set[str]) -> dict[str, str]:
        """Read issues by number from `start` until a few in a row do not exist."""
        found: dict[str, str] = {}
        number, misses = start, 0
        while misses < PROBE_MISSES and len(found) < len(markers):
            issue = self.board.get(f"{self.board.project}-{number}")
            if issue is None:
                misses += 1
            else:
                misses = 0
                for label in issue["fields"].get("labels", []):
                    if label in markers:
                        found.setdefault(label, issue["key"])
            number += 1
        return found

    # -- plan ---------------------------------------------------------------------------------

    def plan(self) -> SyncPlan:
        plan = SyncPlan()
        with self.transaction() as registry:
            tasks = load_tasks(registry)
            users = self.users(registry, tasks, plan.problems)
            links = registry.links(SYSTEM)
        remote = {issue["key"]: issue for issue in self.board.managed(MANAGED_LABEL)}
        self.desired: dict[str, View] = {}
        changed_status: list[tuple[TaskRow, str, str]] = []
        for task in tasks:
            view = self.desired[task.key] = desired_view(task, self.config, users)
            link = links.get(task.id)
            if link is None or link.external_key is None:
                if task.status != TaskStatus.DONE:
                    plan.creates.append((task, view))
                continue
            key, data = link.external_key, link.data
            issue = remote.get(key)
            update = self._field_changes(task, key, view, data, issue)
            if update:
                plan.updates.append(update)
            status_step = self._status_step(task, key, data, issue)
            if isinstance(status_step, Transition):
                plan.transitions.append(status_step)
            elif status_step is not None:
                changed_status.append((task, key, status_step))
            if not update and status_step is None:
                plan.unchanged += 1
        if changed_status:
            plan.pulls += self._pulls(changed_status, remote)
        return plan

    def _field_changes(
        self, task: TaskRow, key: str, view: View, data: dict[str, Any], issue: Any
    ) -> Update | None:
        ark_last: View = data.get("ark", {})
        jira_last: View = data.get("jira", {})
        now_remote = remote_view(issue, self.cloud) if issue else jira_last
        changes: dict[str, tuple[Any, Any]] = {}
        conflicts: list[Conflict] = []
        for name in PLANNING_FIELDS:
            ark_changed = view[name] != ark_last.get(name)
            jira_changed = issue is not None and now_remote[name] != jira_last.get(name)
            if jira_changed and now_remote[name] != view[name]:
                conflicts.append(
                    Conflict(name, now_remote[name], view[name], self.config.conflicts)
                )
                if self.config.conflicts == "ark":
                    changes[name] = (now_remote[name], view[name])
            elif ark_changed and now_remote.get(name) != view[name]:
                changes[name] = (now_remote.get(name), view[name])
        if not changes and not conflicts:
            return None
        return Update(task.key, key, changes, tuple(conflicts))

    def _status_step(
        self, task: TaskRow, key: str, data: dict[str, Any], issue: Any
    ) -> Transition | str | None:
        """A transition to push, a Jira status name to pull back, or None."""
        remote_status = (issue or {}).get("fields", {}).get("status")
        if remote_status and remote_status["name"] != data.get("jira_status"):
            mapped = jira_to_ark(self.config, remote_status)
            if mapped is not None and mapped != task.status:
                return str(remote_status["name"])
            return None
        if task.status != data.get("status"):
            target = self.config.statuses[TaskStatus(task.status)]
            if remote_status is not None and status_matches(remote_status, target):
                return None
            return Transition(task.key, key, TaskStatus(task.status), target)
        return None

    def _pulls(self, changed: list[tuple[TaskRow, str, str]], remote: dict[str, Any]) -> list[Pull]:
        out = []
        for task, key, name in changed:
            mapped = jira_to_ark(self.config, remote[key]["fields"]["status"])
            assert mapped is not None
            out.append(Pull(task.key, key, name, mapped))
        return out

    # -- run ----------------------------------------------------------------------------------

    def run(self, plan: SyncPlan) -> Summary:
        self.summary.unchanged = plan.unchanged
        if plan.creates:
            self._create(plan.creates)
        self._parallel(plan.updates, self._update)
        self._parallel(plan.transitions, self._transition)
        if plan.pulls:
            self._pull(plan.pulls)
        with self.transaction() as registry:
            registry.set_state("jira.last_sync", dt.datetime.now(dt.UTC).isoformat())
        self.summary.requests = sum(self.board.api.requests.values())
        return self.summary

    def _parallel(self, items: list[Any], work: Callable[[Any], None]) -> None:
        if not items:
            return
        with ThreadPoolExecutor(self.config.concurrency) as pool:
            futures = {pool.submit(work, item): item for item in items}
            for future in as_completed(futures):
                try:
                    future.result()
                except JiraRequestError as exc:
                    self.summary.failed.append(f"{futures[future].task}: {exc.message}")
                self.progress(1)

    def _create(self, creates: list[tuple[TaskRow, View]]) -> None:
        floor = self.board.highest_number()
        with self.transaction() as registry:
            registry.link_pending(
                SYSTEM, {t.id: {"marker": marker(t.key), "floor": floor} for t, _ in creates}
            )
        bulk = self.bulk
        size = BULK_LIMIT if bulk else 1
        batches = [creates[i : i + size] for i in range(0, len(creates), size)]
        lost = False
        with ThreadPoolExecutor(self.config.concurrency) as pool:
            futures = {pool.submit(self._send, batch, bulk): batch for batch in batches}
            for future in as_completed(futures):
                batch = futures[future]
                try:
                    results = future.result()
                except UnknownOutcome:
                    lost = True
                    self.progress(len(batch))
                    continue
                except JiraRequestError as exc:
                    results = [Created(i, None, exc.message) for i in range(len(batch))]
                self._record(batch, results)
                self.progress(len(batch))
        if lost:
            self.reconcile()
            with self.transaction() as registry:
                linked = {
                    link.task_id
                    for link in registry.links(SYSTEM).values()
                    if link.external_key is not None
                }
            retry = [(t, v) for t, v in creates if t.id not in linked]
            if retry:
                self._create(retry)

    def _send(self, batch: list[tuple[TaskRow, View]], bulk: bool) -> list[Created]:
        bodies = [self._create_fields(view) for _, view in batch]
        try:
            return self.board.create(bodies, bulk)
        except JiraRequestError as exc:
            if bulk and exc.status == 404:  # a server without bulk create
                self.bulk = False
                return [c for body in bodies for c in self.board.create([body], False)]
            raise

    def _create_fields(self, view: View) -> dict[str, Any]:
        names = [n for n in PLANNING_FIELDS if view[n] not in (None, [])]
        return {
            "project": {"key": self.config.project},
            "issuetype": {"name": self.config.issue_type},
            **rest_fields(view, names, self.cloud),
        }

    def _record(self, batch: list[tuple[TaskRow, View]], results: list[Created]) -> None:
        """Commit the keys of created issues at once: this is what prevents duplicates."""
        with self.transaction() as registry:
            for created in results:
                task, view = batch[created.index]
                row = registry.session.get(Task, task.id)
                assert row is not None
                if created.key is None:
                    registry.unlink_task(row, SYSTEM)
                    self.summary.failed.append(f"{task.key}: {created.error}")
                    continue
                registry.link_task(
                    row, SYSTEM, created.key, self._synced(task, view, view, "To Do")
                )
                self.summary.created += 1

    def _synced(
        self, task: TaskRow, ark: View, jira: View, jira_status: str | None
    ) -> dict[str, Any]:
        return {
            "marker": marker(task.key),
            "ark": ark,
            "jira": jira,
            "status": task.status,
            "jira_status": jira_status,
        }

    def _update(self, update: Update) -> None:
        view = self.desired[update.task]
        if update.changes:
            self.board.edit(update.issue, rest_fields(view, list(update.changes), self.cloud))
        with self.transaction() as registry:
            task = registry.task(update.task)
            link = registry.links(SYSTEM)[task.id]
            jira = {**link.data.get("jira", {})}
            jira.update({k: new for k, (_, new) in update.changes.items()})
            for c in update.conflicts:
                if c.winner == "jira":
                    jira[c.field] = c.jira
                registry.audit(
                    "conflict",
                    "task",
                    task.key,
                    {"jira": c.jira},
                    {"ark": c.ark, "winner": c.winner},
                )
            registry.link_task(task, SYSTEM, update.issue, {**link.data, "ark": view, "jira": jira})
            self.summary.updated += 1

    def _transition(self, step: Transition) -> None:
        name = self.board.transition_to(step.issue, step.target)
        with self.transaction() as registry:
            task = registry.task(step.task)
            link = registry.links(SYSTEM)[task.id]
            registry.link_task(
                task,
                SYSTEM,
                step.issue,
                {**link.data, "status": str(step.status), "jira_status": name},
            )
            self.summary.transitioned += 1

    def _pull(self, pulls: list[Pull]) -> None:
        """Bring Jira's status changes back, with who made them and when."""
        history = {i["key"]: i for i in self.board.with_changelog([p.issue for p in pulls])}
        with self.transaction() as registry:
            for pull in pulls:
                by, at = _status_author(history.get(pull.issue, {}))
                task = registry.set_task_status(pull.task, pull.status, by=by, at=at)
                link = registry.links(SYSTEM)[task.id]
                registry.link_task(
                    task,
                    SYSTEM,
                    pull.issue,
                    {**link.data, "status": str(pull.status), "jira_status": pull.jira_status},
                )
                self.summary.pulled += 1
                self.progress(1)


def _status_author(issue: dict[str, Any]) -> tuple[str | None, dt.datetime | None]:
    """Who made the latest status change in an issue's changelog, and when."""
    histories = (issue.get("changelog") or {}).get("histories") or []
    for history in sorted(histories, key=lambda h: h.get("created", ""), reverse=True):
        if any(item.get("field") == "status" for item in history.get("items", [])):
            author = history.get("author") or {}
            who = author.get("emailAddress") or author.get("displayName") or author.get("name")
            when = _jira_time(history.get("created"))
            return (f"jira:{who}" if who else "jira", when)
    return ("jira", None)


def _jira_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return None
