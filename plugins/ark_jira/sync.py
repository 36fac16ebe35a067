"""`ark jira sync`: work out what the board needs, then carry it out without ever duplicating.

No duplicates: before a create is sent, an intent (a link with no key yet, and the issue's
per-task marker label) is committed; the key is committed as soon as the create answers. A
run that finds intents left by a crash or a lost answer looks for their issues first, by
marker label through search and then, because search lags behind creates, by reading the
issues numbered after the highest one that existed before the creates were sent (reading an
issue by key is not lagged). Only an intent whose issue is found nowhere is created again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from ark.i18n import N_, tr
from ark.registry.results import MirroredTask, TaskLinkRow
from ark.registry.writer import Registry
from ark.vocabulary import TaskStatus
from ark_jira.board import BULK_LIMIT, Board, BulkRefused, Created, status_matches
from ark_jira.config import MANAGED_LABEL, JiraConfig
from ark_jira.fields import (
    PLANNING_FIELDS,
    View,
    desired_view,
    issue_number,
    marker,
    remote_view,
    rest_fields,
)
from ark_jira.transport import JiraRequestError, UnknownOutcome
from ark_jira.users import remember, remembered, resolve

SYSTEM = "jira"
Transaction = Callable[[], AbstractContextManager[Registry]]
PROBE_MISSES = 3
# What a just-created issue's link records: Ark's and Jira's side both at to-do.
NEW_ISSUE = {"status": str(TaskStatus.TODO), "jira_ark": str(TaskStatus.TODO)}


@dataclass(frozen=True)
class Conflict:
    """A planning field edited in Jira since the last sync that Ark wants otherwise."""

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
    conflict: Conflict | None = None
    """Set when Ark's status also changed since the last sync: the board wins."""


@dataclass
class SyncChangeSet:
    creates: list[tuple[MirroredTask, View]] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    pulls: list[Pull] = field(default_factory=list)
    # Link data to record without writing to Jira (first sight of an issue's status): task
    # key -> the keys to merge into the link's data.
    baselines: dict[str, dict[str, Any]] = field(default_factory=dict)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    # Tasks whose create an interrupted run sent (the real sync reconciles them first).
    interrupted: set[str] = field(default_factory=set)
    # Tasks without a link whose issue is on the board (a registry rebuilt, a link lost):
    # task key -> (issue, link data).
    adopts: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    targets: dict[TaskStatus, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "create": len(self.creates),
            "adopt": len(self.adopts),
            "update": len(self.updates),
            "transition": len(self.transitions) + len(self.after_create()),
            "pull": len(self.pulls),
            "unchanged": self.unchanged,
            "conflicts": sum(len(u.conflicts) for u in self.updates)
            + sum(1 for p in self.pulls if p.conflict),
        }

    def after_create(self) -> list[MirroredTask]:
        """New issues start in the workflow's first status: these then move to their own."""
        return [t for t, _ in self.creates if t.status != TaskStatus.TODO]

    def lines(self) -> Iterator[str]:
        """The plan, one line per issue (and one per changed field or conflict), in the
        command's language; the signs in front (`+ ~ > < ! ?`) are the same in every one."""
        for task, view in self.creates:
            who = task.assignee or tr(N_("unassigned"))
            if task.assignee and view["assignee"] is None:
                who += tr(N_(" (no Jira user)"))
            then = (
                tr(N_(", then to {status}"), status=self.targets[TaskStatus(task.status)])
                if task.status != TaskStatus.TODO
                else ""
            )
            maybe = tr(N_(" (or adopt the issue an interrupted sync created)"))
            yield (
                "+ "
                + tr(
                    N_("create {task}: {summary} -> {who}, due {due}"),
                    task=task.key,
                    summary=repr(view["summary"]),
                    who=who,
                    due=dt.date.fromisoformat(view["duedate"]) if view["duedate"] else "-",
                )
                + then
                + (maybe if task.key in self.interrupted else "")
            )
        for task_key, (issue, _) in self.adopts.items():
            yield "= " + tr(
                N_("adopt {issue} ({task}): it carries this task's marker label"),
                issue=issue,
                task=task_key,
            )
        for u in self.updates:
            yield "~ " + tr(N_("update {issue} ({task})"), issue=u.issue, task=u.task)
            for name, (old, new) in u.changes.items():
                yield f"    {name}: {old!r} -> {new!r}"
            for c in u.conflicts:
                yield "    ! " + tr(
                    N_(
                        "conflict on {field}: edited in Jira to {jira}, Ark has {ark}; "
                        "ark wins (Jira's value is overwritten)"
                    )
                    if c.winner == "ark"
                    else N_(
                        "conflict on {field}: edited in Jira to {jira}, Ark has {ark}; "
                        "jira wins (Jira's is kept)"
                    ),
                    field=c.field,
                    jira=repr(c.jira),
                    ark=repr(c.ark),
                )
        for t in self.transitions:
            yield "> " + tr(
                N_("transition {issue} ({task}) to {target} (Ark: {status})"),
                issue=t.issue,
                task=t.task,
                target=t.target,
                status=str(t.status),
            )
        for p in self.pulls:
            yield "< " + tr(
                N_("pull {issue}: Jira status {jira} -> Ark task {task} {status}"),
                issue=p.issue,
                jira=repr(p.jira_status),
                task=p.task,
                status=str(p.status),
            )
            if p.conflict:
                yield "    ! " + tr(
                    N_(
                        "conflict on status: moved in Jira to {jira}, Ark has {ark}; jira wins "
                        "(the board's status is taken)"
                    ),
                    jira=repr(p.conflict.jira),
                    ark=repr(p.conflict.ark),
                )
        yield from (f"? {problem}" for problem in self.problems)

    def as_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "adopt": [{"task": t, "issue": i} for t, (i, _) in self.adopts.items()],
            "create": [
                {"task": t.key, "assignee": t.assignee, "status": t.status, "fields": v}
                for t, v in self.creates
            ],
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
            "pull": [
                p.__dict__
                | {"status": str(p.status), "conflict": p.conflict and p.conflict.__dict__}
                for p in self.pulls
            ],
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
    conflicts: int = 0
    failed: list[str] = field(default_factory=list)
    requests: int = 0
    # How this server made the sync work differently (bulk create or POST search refused).
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def load_tasks(registry: Registry) -> tuple[MirroredTask, ...]:
    """Tasks to mirror: every open task, and every task that already has an issue."""
    return registry.read.mirrored_tasks(SYSTEM).items


def jira_to_ark(config: JiraConfig, status: dict[str, Any]) -> TaskStatus | None:
    """The Ark status a Jira status maps to: by name first, then by status category."""
    by_name = [s for s, t in config.statuses.items() if not t.startswith("category:")]
    for ark_status in (*by_name, *config.statuses):
        if status_matches(status, config.statuses[ark_status]):
            return ark_status
    return None


class Syncer:
    """One sync run: `changeset()` reads, `run()` writes; both report through `progress`."""

    def __init__(
        self,
        config: JiraConfig,
        board: Board,
        transaction: Transaction,
        progress: Callable[[int], None] = lambda n: None,
        *,
        dry_run: bool = False,
    ) -> None:
        self.config = config
        self.board = board
        self.transaction = transaction
        self.progress = progress
        self.dry_run = dry_run
        self.cloud = board.api.cloud
        self.bulk = config.bulk
        self.summary = Summary()
        self.desired: dict[str, View] = {}
        self.created: dict[str, str] = {}
        self.missing_users: set[str] = set()  # Jira users a write said do not exist
        self.identity = ""  # the registry's, read by `changeset()`

    # -- users --------------------------------------------------------------------------------

    def users(
        self, registry: Registry, tasks: Sequence[MirroredTask], problems: list[str]
    ) -> dict[str, str]:
        """Contributor e-mail -> Jira user id (see `ark_jira.users`); look-ups remembered."""
        cache = remembered(registry, self.config.server)
        people = resolve(self.board, tasks, cache)
        problems += [people.problem(email) for email in people.unmatched]
        if people.cache != cache and not self.dry_run:
            remember(registry, self.config.server, people.cache)
        return people.users

    def _forget(self) -> None:
        """Forget remembered users a write said do not exist: the next run looks them up."""
        with self.transaction() as registry:
            cache = remembered(registry, self.config.server)
            gone = sorted(email for email, user in cache.items() if user in self.missing_users)
            if gone:
                kept = {e: u for e, u in cache.items() if e not in gone}
                remember(registry, self.config.server, kept)
                self.summary.notes.append(
                    tr(
                        N_(
                            "Jira says the remembered user of {emails} does not exist: "
                            "forgotten, the next sync looks them up again by e-mail"
                        ),
                        emails=", ".join(gone),
                    )
                )

    # -- reconcile ----------------------------------------------------------------------------

    def reconcile(self) -> None:
        """Find the issues of intents left by an interrupted run, and adopt them."""
        with self.transaction() as registry:
            links = _links(registry)
        pending = {str(data["marker"]): task for task, (key, data) in links.items() if key is None}
        if not pending:
            return
        floor = min(int(data.get("floor", 0)) for key, data in links.values() if key is None)
        known = {
            issue_number(key)
            for key, _ in links.values()
            if key and key.startswith(self.board.project + "-")
        }
        found: dict[str, str] = {}
        for issue in self.board.by_markers(sorted(pending)):
            for label in issue["fields"].get("labels", []):
                if label in pending:
                    found.setdefault(label, issue["key"])
        missing = set(pending) - set(found)
        if missing:
            found.update(self._probe(floor + 1, missing, known))
        with self.transaction() as registry:
            for label, task in pending.items():
                if label in found:
                    data = {"marker": label, "adopted": True, **NEW_ISSUE}
                    registry.link_task(task, SYSTEM, found[label], data)
                    self.summary.adopted += 1
                else:
                    registry.unlink_task(task, SYSTEM)

    def _probe(self, start: int, markers: set[str], known: set[int]) -> dict[str, str]:
        """Read issues by number from `start` (skipping those already linked), a window at a
        time, until a few numbers in a row name no issue: reading by key sees an issue at
        once, unlike search. A window holds as many numbers as issues are still missing (and
        a few more), so recovering a whole lost batch takes a request or two."""
        found: dict[str, str] = {}
        number, misses = start, 0
        while misses < PROBE_MISSES and len(found) < len(markers):
            window: list[int] = []
            while len(window) < len(markers) - len(found) + PROBE_MISSES:
                if number not in known:
                    window.append(number)
                number += 1
            keys = [f"{self.board.project}-{n}" for n in window]
            issues = {issue["key"]: issue for issue in self.board.read_many(keys)}
            for key in keys:
                issue = issues.get(key)
                if issue is None:
                    misses += 1
                    continue
                misses = 0
                for label in issue["fields"].get("labels", []):
                    if label in markers:
                        found.setdefault(label, key)
        return found

    # -- changeset -----------------------------------------------------------------------------

    def changeset(self) -> SyncChangeSet:
        changeset = SyncChangeSet(targets=dict(self.config.statuses))
        with self.transaction() as registry:
            # A dry run writes nothing: on a registry with no identity yet, it works with a
            # provisional one (every issue's marker label is then shown as changing).
            found = registry.stored_identity() if self.dry_run else registry.identity()
            self.identity = found or "provisional"
            tasks = load_tasks(registry)
            users = self.users(registry, tasks, changeset.problems)
            links = _links(registry)
        remote = {issue["key"]: issue for issue in self.board.managed(MANAGED_LABEL)}
        linked = {key for key, _ in links.values() if key}
        unclaimed = {  # marker label -> an Ark issue no task here is linked to
            label: key
            for key, issue in remote.items()
            if key not in linked
            for label in issue["fields"].get("labels") or []
        }
        for task in tasks:
            view = self.desired[task.key] = desired_view(task, self.config, users, self.identity)
            key, data = links.get(task.key, (None, {}))
            label = marker(self.identity, task.key)
            if key is None and label in unclaimed:
                key = unclaimed.pop(label)
                data = {"marker": label, "adopted": True, **NEW_ISSUE}
                changeset.adopts[task.key] = (key, data)
            if key is None:
                if task.status != TaskStatus.DONE:
                    changeset.creates.append((task, view))
                if task.key in links:
                    changeset.interrupted.add(task.key)
                continue
            issue = remote.get(key)
            update = self._field_changes(task, key, view, data, issue)
            step = self._status_step(task, key, data, issue, changeset)
            if update:
                changeset.updates.append(update)
            elif issue is not None and "ark" not in data:
                changeset.baselines.setdefault(task.key, {}).update(
                    {"ark": view, "jira": remote_view(issue, self.cloud)}
                )
            if isinstance(step, Transition):
                changeset.transitions.append(step)
            elif isinstance(step, Pull):
                changeset.pulls.append(step)
            if not update and step is None:
                changeset.unchanged += 1
        return changeset

    def _field_changes(
        self, task: MirroredTask, key: str, view: View, data: dict[str, Any], issue: Any
    ) -> Update | None:
        """Fields to send, and conflicts: a field edited in Jira since the last sync that Ark
        wants otherwise is settled by `jira.conflicts` (Ark wins unless it says `jira`)."""
        ark_last: View = data.get("ark", {})
        jira_last: View = data.get("jira", {})
        now_remote = remote_view(issue, self.cloud) if issue else jira_last
        changes: dict[str, tuple[Any, Any]] = {}
        conflicts: list[Conflict] = []
        for name in PLANNING_FIELDS:
            remote_value = now_remote.get(name)
            if remote_value == view[name]:
                continue
            jira_changed = (
                issue is not None and name in jira_last and remote_value != jira_last[name]
            )
            if jira_changed:
                conflicts.append(Conflict(name, remote_value, view[name], self.config.conflicts))
                if self.config.conflicts == "ark":
                    changes[name] = (remote_value, view[name])
            elif view[name] != ark_last.get(name) or name not in jira_last:
                changes[name] = (remote_value, view[name])
        if not changes and not conflicts:
            return None
        return Update(task.key, key, changes, tuple(conflicts))

    def _status_step(
        self,
        task: MirroredTask,
        key: str,
        data: dict[str, Any],
        issue: Any,
        changeset: SyncChangeSet,
    ) -> Transition | Pull | None:
        """Status is two-way: a move made in Jira since the last sync is pulled back (the board
        wins when both sides moved), a move made in Ark is pushed as a transition.

        Jira's side is compared as the Ark status it maps to (`jira_ark`), which is known from
        the moment an issue is created (new issues start in a to-do status) even before its
        status name has been read."""
        remote_status = ((issue or {}).get("fields") or {}).get("status")
        last_ark = data.get("status")
        last_jira = data.get("jira_ark", last_ark)
        mapped = jira_to_ark(self.config, remote_status) if remote_status else None
        if remote_status is not None and mapped is not None and mapped != last_jira:
            if mapped != task.status:
                name = str(remote_status["name"])
                both = task.status != last_ark
                conflict = Conflict("status", name, task.status, "jira") if both else None
                return Pull(task.key, key, name, mapped, conflict)
        elif task.status != last_ark:
            target = self.config.statuses[TaskStatus(task.status)]
            if remote_status is None or not status_matches(remote_status, target):
                return Transition(task.key, key, TaskStatus(task.status), target)
        if remote_status is not None:
            now = {"jira_status": remote_status["name"], "jira_ark": mapped, "status": task.status}
            if any(data.get(k) != v for k, v in now.items()):
                changeset.baselines.setdefault(task.key, {}).update(now)
        return None

    # -- run ----------------------------------------------------------------------------------

    def run(self, changeset: SyncChangeSet) -> Summary:
        self.summary.unchanged = changeset.unchanged
        if changeset.adopts:
            with self.transaction() as registry:
                registry.set_links(SYSTEM, changeset.adopts)
            self.summary.adopted += len(changeset.adopts)
        if changeset.baselines:
            self._merge(changeset.baselines)
        if changeset.creates:
            self._create(changeset.creates)
        transitions = changeset.transitions + [
            Transition(
                t.key,
                self.created[t.key],
                TaskStatus(t.status),
                changeset.targets[TaskStatus(t.status)],
            )
            for t in changeset.after_create()
            if t.key in self.created
        ]
        self._parallel(changeset.updates, self._update)
        self._parallel(transitions, self._transition)
        if changeset.pulls:
            self._pull(changeset.pulls)
        if self.missing_users:
            self._forget()
        if self.board.search_by_get:
            self.summary.notes.append(
                tr(N_("search by POST refused by the server: searched by GET"))
            )
        with self.transaction() as registry:
            registry.set_state("jira.last_sync", dt.datetime.now(dt.UTC).isoformat())
        self.summary.requests = sum(self.board.api.requests.values())
        return self.summary

    def _merge(self, data: dict[str, dict[str, Any]]) -> None:
        with self.transaction() as registry:
            links = _links(registry)
            registry.set_links(
                SYSTEM,
                {
                    task: (str(links[task][0]), {**links[task][1], **extra})
                    for task, extra in data.items()
                },
            )

    def _parallel(self, items: list[Any], work: Callable[[Any], None]) -> None:
        if not items:
            return
        with ThreadPoolExecutor(self.config.concurrency) as pool:
            futures = {pool.submit(work, item): item for item in items}
            for future in as_completed(futures):
                try:
                    future.result()
                except (JiraRequestError, UnknownOutcome) as exc:
                    self.summary.failed.append(f"{futures[future].task}: {_reason(exc)}")
                self.progress(1)

    def _create(self, creates: list[tuple[MirroredTask, View]], rounds: int = 3) -> None:
        """Create issues in bounded-concurrency batches, recording keys as answers arrive;
        batches whose answer was lost are reconciled, and only the unfound ones re-sent (for
        a few rounds: then they are reported, and the next run carries on)."""
        floor = self.board.highest_number()
        with self.transaction() as registry:
            registry.link_pending(
                SYSTEM,
                {
                    t.key: {"marker": marker(self.identity, t.key), "floor": floor}
                    for t, _ in creates
                },
            )
        if self.bulk:  # the first batch alone: its answer says whether bulk create works here
            lost = self._send_all(creates[:BULK_LIMIT]) + self._send_all(creates[BULK_LIMIT:])
        else:
            lost = self._send_all(creates)
        if lost:
            self.reconcile()
            with self.transaction() as registry:
                linked = {task for task, (key, _) in _links(registry).items() if key}
            retry = [(t, v) for t, v in lost if t.key not in linked]
            if retry and rounds > 1:
                self._create(retry, rounds - 1)
            elif retry:
                self.summary.failed += [
                    tr(
                        N_(
                            "{task}: Jira kept dropping the answer to its create; run the sync again"
                        ),
                        task=t.key,
                    )
                    for t, _ in retry
                ]

    def _send_all(
        self, creates: list[tuple[MirroredTask, View]]
    ) -> list[tuple[MirroredTask, View]]:
        """Send creates (in bulk batches, or one by one once the server refused bulk create)
        with bounded concurrency; returns those whose answer was lost."""
        size = BULK_LIMIT if self.bulk else 1
        batches = [creates[i : i + size] for i in range(0, len(creates), size)]
        lost: list[tuple[MirroredTask, View]] = []
        refused: list[tuple[MirroredTask, View]] = []
        with ThreadPoolExecutor(self.config.concurrency) as pool:
            running: set[Future[list[Created]]] = set()
            of: dict[Future[list[Created]], list[tuple[MirroredTask, View]]] = {}
            for batch in batches:
                future = pool.submit(self._send, batch)
                running.add(future)
                of[future] = batch
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                answered: list[tuple[list[tuple[MirroredTask, View]], list[Created]]] = []
                for future in done:
                    batch = of[future]
                    try:
                        answered.append((batch, future.result()))
                    except UnknownOutcome:
                        lost += batch
                    except BulkRefused:
                        refused += batch
                        continue
                    except JiraRequestError as exc:
                        answered.append(
                            (batch, [Created(i, None, exc.message) for i in range(len(batch))])
                        )
                    self.progress(len(batch))
                self._record(answered)
        return lost + (self._send_all(refused) if refused else [])

    def _send(self, batch: list[tuple[MirroredTask, View]]) -> list[Created]:
        bodies = [self._create_fields(view) for _, view in batch]
        if not self.bulk:
            (body,) = bodies
            return [self.board.create_one(body)]
        try:
            return self.board.create_bulk(bodies)
        except BulkRefused as refusal:
            if self.bulk:
                self.bulk = False
                self.summary.notes.append(
                    tr(
                        N_(
                            "bulk create refused by the server ({reason}): issues were created "
                            "one at a time; set jira.bulk: false to skip trying it"
                        ),
                        reason=str(refusal),
                    )
                )
            raise

    def _create_fields(self, view: View) -> dict[str, Any]:
        names = [n for n in PLANNING_FIELDS if view[n] not in (None, [])]
        return {
            "project": {"key": self.config.project},
            "issuetype": {"name": self.config.issue_type},
            **rest_fields(view, names, self.cloud),
        }

    def _record(
        self, answered: list[tuple[list[tuple[MirroredTask, View]], list[Created]]]
    ) -> None:
        """Commit the keys of created issues at once: this is what prevents duplicates."""
        if not answered:
            return
        created: dict[str, tuple[str, dict[str, Any]]] = {}
        with self.transaction() as registry:
            for batch, results in answered:
                for outcome in results:
                    task, view = batch[outcome.index]
                    if outcome.key is None:
                        if "assignee" in outcome.fields and view["assignee"]:
                            self.missing_users.add(view["assignee"])
                        registry.unlink_task(task.key, SYSTEM)
                        self.summary.failed.append(f"{task.key}: {outcome.error}")
                        continue
                    label = marker(self.identity, task.key)
                    data = {"marker": label, "ark": view, "jira": view, **NEW_ISSUE}
                    created[task.key] = (outcome.key, data)
                    self.created[task.key] = outcome.key
            registry.set_links(SYSTEM, created)
            self.summary.created += len(created)

    def _update(self, update: Update) -> None:
        view = self.desired[update.task]
        if update.changes:
            try:
                self.board.edit(update.issue, rest_fields(view, list(update.changes), self.cloud))
            except JiraRequestError as exc:
                if "assignee" in exc.fields and view["assignee"]:
                    self.missing_users.add(view["assignee"])
                raise
        with self.transaction() as registry:
            link = _link(registry, update.task)
            jira = {**link.data.get("jira", {})}
            jira.update({k: new for k, (_, new) in update.changes.items()})
            for c in update.conflicts:
                if c.winner == "jira":
                    jira[c.field] = c.jira
                self._conflict(registry, update.task, c)
            registry.link_task(
                update.task, SYSTEM, update.issue, {**link.data, "ark": view, "jira": jira}
            )
            self.summary.updated += 1

    def _conflict(self, registry: Registry, task: str, c: Conflict) -> None:
        """A conflict is never settled silently: it is audited and counted."""
        registry.audit(
            "conflict",
            "task",
            task,
            {"field": c.field, "jira": c.jira},
            {"field": c.field, "ark": c.ark, "winner": c.winner},
        )
        self.summary.conflicts += 1

    def _transition(self, step: Transition) -> None:
        name = self.board.transition_to(step.issue, step.target)
        with self.transaction() as registry:
            link = _link(registry, step.task)
            data = {
                **link.data,
                "status": step.status,
                "jira_status": name,
                "jira_ark": step.status,
            }
            registry.link_task(step.task, SYSTEM, step.issue, data)
            self.summary.transitioned += 1

    def _pull(self, pulls: list[Pull]) -> None:
        """Bring Jira's status changes back, with who made them and when."""
        history = {i["key"]: i for i in self.board.with_changelog([p.issue for p in pulls])}
        with self.transaction() as registry:
            links = {
                link.task: link
                for link in registry.read.links(SYSTEM, tasks=[p.task for p in pulls]).items
            }
            pulled: dict[str, tuple[str, dict[str, Any]]] = {}
            for pull in pulls:
                by, at = _status_author(history.get(pull.issue, {}))
                if pull.conflict:
                    self._conflict(registry, pull.task, pull.conflict)
                registry.set_task_status(pull.task, pull.status, by=by, at=at)
                data = {
                    **links[pull.task].data,
                    "status": pull.status,
                    "jira_status": pull.jira_status,
                    "jira_ark": pull.status,
                }
                pulled[pull.task] = (pull.issue, data)
                self.summary.pulled += 1
                self.progress(1)
            registry.set_links(SYSTEM, pulled)


def _links(registry: Registry) -> dict[str, tuple[str | None, dict[str, Any]]]:
    """Every task's link as plain values (task key -> issue key, data): one cheap read."""
    return {link.task: (link.external_key, link.data) for link in registry.read.links(SYSTEM).items}


def _link(registry: Registry, task: str) -> TaskLinkRow:
    """One task's link, read alone (a run touches a few tasks out of many)."""
    (link,) = registry.read.links(SYSTEM, tasks=[task]).items
    return link


def _reason(exc: Exception) -> str:
    if isinstance(exc, JiraRequestError):
        return exc.message
    reason = exc.reason if isinstance(exc, UnknownOutcome) else str(exc)
    return tr(N_("{reason}; run the sync again to settle it"), reason=reason)


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
