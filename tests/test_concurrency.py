"""Team leads editing at once: real connections and real `ark` processes racing on the same
responsibility, many times, on the session's backend (SQLite in WAL mode or PostgreSQL).

Each race is checked against a model: the outcome (who succeeded, who failed, who is
accountable afterwards) must be what *some* one-after-the-other order of the same commands
gives, the audit log must hold exactly one record per change and none from a loser, and the
history must never show two accountables at once.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from ark.db import SCHEMA_HEAD, current_revision, open_engine
from ark.errors import ArkError, Conflict
from ark.models import Assignment, AuditRecord, Responsibility
from ark.registry.writer import Registry, transaction
from ark.teamfile import read_team_file
from ark.vocabulary import Role
from tests.conftest import Ark

ANA, BRUNO, CARLA = "ana@acme.test", "bruno@acme.test", "carla@acme.test"
PEOPLE = (ANA, BRUNO, CARLA)
SLUG = "listening"
FAILS = "fails"  # what the model says a refused command does


def race(workers: list[Callable[[], None]]) -> list[BaseException | None]:
    """Start the workers together (one thread each); each one's exception, or None."""
    barrier = threading.Barrier(len(workers))
    outcomes: list[BaseException | None] = [None] * len(workers)

    def run(index: int) -> None:
        barrier.wait()
        try:
            workers[index]()
        except BaseException as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def run_ark_at_once(
    commands: list[list[str]], url: str, cwd: Path, actors: list[str]
) -> list[tuple[int, str, str]]:
    """Run `ark` commands as separate processes, all started before any is waited for."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "ark", *args],
            env={**os.environ, "ARK_DATABASE_URL": url, "ARK_USER": actor},
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args, actor in zip(commands, actors, strict=True)
    ]
    return [(p.wait(), *p.communicate()) for p in procs]


def assert_clean_loss(code: int, err: str) -> None:
    """A command that lost a race says why and what to do, without a traceback."""
    assert code == 1, err
    assert err.startswith("error: ") and "hint: " in err, err
    assert "Traceback" not in err, err


def accountables(engine: Engine, slug: str = SLUG) -> list[str]:
    with transaction(engine, write=False) as reg:
        return [
            a.contributor.email
            for a in reg.current_assignments(responsibility=reg.responsibility(slug))
            if a.role is Role.ACCOUNTABLE
        ]


def last_audit_id(engine: Engine) -> int:
    with transaction(engine, write=False) as reg:
        return reg.session.scalar(select(func.max(AuditRecord.id))) or 0


def audit_actors_since(engine: Engine, after: int) -> Counter[str]:
    with transaction(engine, write=False) as reg:
        return Counter(reg.session.scalars(select(AuditRecord.actor).where(AuditRecord.id > after)))


def assert_audit_and_history_agree(engine: Engine) -> None:
    """One audit record per assignment started and per assignment ended, and no two
    assignments of the same role-holder kind overlapping in the history."""
    with transaction(engine, write=False) as reg:
        rows = reg.session.execute(
            select(Responsibility.slug, Assignment)
            .join(Responsibility, Responsibility.id == Assignment.responsibility_id)
            .order_by(Assignment.id)
        ).all()
        audit = Counter(
            reg.session.execute(
                select(AuditRecord.action, AuditRecord.entity_key).where(
                    AuditRecord.entity == "assignment", AuditRecord.action != "change"
                )
            ).all()
        )
    rows_made: Counter[tuple[str, str]] = Counter()
    for slug, a in rows:
        key = f"{slug}/{a.contributor.email}/{a.role}"
        rows_made["add", key] += 1
        if a.valid_to is not None:
            rows_made["remove", key] += 1
    assert audit == rows_made
    accountable = [a for slug, a in rows if slug == SLUG and a.role is Role.ACCOUNTABLE]
    for before, after in itertools.pairwise(accountable):
        assert before.valid_to is not None and before.valid_to <= after.valid_from


@dataclass(frozen=True)
class Edit:
    """One team lead's command: through the CLI, through the service, and in the model."""

    actor: str
    argv: tuple[str, ...]
    service: Callable[[Registry], object]
    model: Callable[[str | None], str | None]  # the accountable before -> after, or FAILS


def edits(team_file: Path) -> list[Edit]:
    """Four leads change who is accountable for listening at once, each in another way."""
    return [
        Edit(
            "hand-over",
            ("assign", BRUNO, SLUG, "--role", "accountable", "--replace"),
            lambda reg: reg.assign(BRUNO, SLUG, Role.ACCOUNTABLE, replace=True),
            lambda _: BRUNO,
        ),
        Edit(
            "step-down",
            ("unassign", ANA, SLUG, "--role", "accountable"),
            lambda reg: reg.unassign(ANA, SLUG, Role.ACCOUNTABLE),
            lambda holder: None if holder == ANA else FAILS,
        ),
        Edit(
            "apply",
            ("apply", str(team_file), "--force"),  # racing, not reverting, is what is tested
            lambda reg: reg.apply(read_team_file(team_file)),
            lambda _: CARLA,
        ),
        Edit(
            "claim",
            ("assign", ANA, SLUG, "--role", "accountable", "--hours", "3"),
            lambda reg: reg.assign(ANA, SLUG, Role.ACCOUNTABLE, hours=3),
            lambda holder: ANA if holder in (None, ANA) else FAILS,  # Ana's own: 1 h to 3 h
        ),
    ]


def serial_orders_explaining(
    round_edits: list[Edit], succeeded: list[bool], holder: str | None
) -> list[tuple[str, ...]]:
    """The one-after-the-other orders of the edits, starting from Ana accountable, that give
    exactly these successes and failures and this accountable at the end."""
    found = []
    for order in itertools.permutations(range(len(round_edits))):
        state: str | None = ANA
        wins = [False] * len(round_edits)
        for i in order:
            after = round_edits[i].model(state)
            if after != FAILS:
                state, wins[i] = after, True
        if wins == succeeded and state == holder:
            found.append(tuple(round_edits[i].actor for i in order))
    return found


def carla_accountable_file(ark: Ark) -> Path:
    """The sample team with Carla, not Ana, accountable for listening."""
    text = ark.team_file().read_text()
    marker = f"contributor: {ANA}\n        role: accountable"
    assert text.index(marker) < text.index("slug: kpi-report")  # listening's block comes first
    path = ark.workspace / "carla.yaml"
    path.write_text(text.replace(marker, f"contributor: {CARLA}\n        role: accountable", 1))
    return path


def reset_to_ana(engine: Engine) -> None:
    with transaction(engine, actor="reset") as reg:
        for email in accountables(engine):
            reg.unassign(email, SLUG, Role.ACCOUNTABLE)
        reg.assign(ANA, SLUG, Role.ACCOUNTABLE, hours=1)


def check_round(
    engine: Engine, round_edits: list[Edit], succeeded: list[bool], audit_before: int
) -> None:
    holders = accountables(engine)
    assert len(holders) <= 1, holders
    holder = holders[0] if holders else None
    assert serial_orders_explaining(round_edits, succeeded, holder), (succeeded, holder)
    written = audit_actors_since(engine, audit_before)
    for edit, won in zip(round_edits, succeeded, strict=True):
        assert (written[edit.actor] > 0) == won, (edit.actor, written)  # losers wrote nothing


def test_leads_racing_through_separate_connections(ark: Ark, team: Path) -> None:
    engine = open_engine(ark.db_url)
    round_edits = edits(carla_accountable_file(ark))
    for _ in range(12):
        reset_to_ana(engine)
        audit_before = last_audit_id(engine)

        def work(edit: Edit) -> Callable[[], None]:
            def run() -> None:
                own = open_engine(ark.db_url)  # a connection of its own, like another lead
                try:
                    with transaction(own, actor=edit.actor) as reg:
                        edit.service(reg)
                finally:
                    own.dispose()

            return run

        outcomes = race([work(e) for e in round_edits])
        for outcome in outcomes:
            assert outcome is None or isinstance(outcome, ArkError), repr(outcome)
        check_round(engine, round_edits, [o is None for o in outcomes], audit_before)
    assert_audit_and_history_agree(engine)


def test_leads_racing_with_the_ark_command(ark: Ark, team: Path) -> None:
    engine = open_engine(ark.db_url)
    round_edits = edits(carla_accountable_file(ark))
    for _ in range(2):  # each round starts four processes: the slow part of this module
        reset_to_ana(engine)
        audit_before = last_audit_id(engine)
        results = run_ark_at_once(
            [list(e.argv) for e in round_edits],
            ark.db_url,
            ark.workspace,
            [e.actor for e in round_edits],
        )
        for code, _, err in results:
            if code:
                assert_clean_loss(code, err)
        check_round(engine, round_edits, [code == 0 for code, _, _ in results], audit_before)
    assert_audit_and_history_agree(engine)


def test_exactly_one_accountable_when_all_claim_at_once(ark: Ark, team: Path) -> None:
    engine = open_engine(ark.db_url)
    rounds = 12
    for _ in range(rounds):
        with transaction(engine) as reg:
            for email in accountables(engine):
                reg.unassign(email, SLUG, Role.ACCOUNTABLE)

        def claim(email: str) -> Callable[[], None]:
            def work() -> None:
                own = open_engine(ark.db_url)
                try:
                    with transaction(own, actor=email) as reg:
                        reg.assign(email, SLUG, Role.ACCOUNTABLE, hours=1)
                finally:
                    own.dispose()

            return work

        outcomes = race([claim(e) for e in PEOPLE])
        winners = [e for e, o in zip(PEOPLE, outcomes, strict=True) if o is None]
        assert len(winners) == 1, outcomes
        losers = [o for o in outcomes if o is not None]
        assert all(isinstance(o, Conflict) for o in losers), losers
        assert all(f"already has an accountable person: {winners[0]}" in str(o) for o in losers)
        assert accountables(engine) == winners
    assert_audit_and_history_agree(engine)


def test_racing_processes_get_a_clear_message(ark: Ark, team: Path) -> None:
    """Separate `ark` processes: one claim wins, the others say who has it and what to do."""
    ark("unassign", ANA, SLUG, "--role", "accountable")
    results = run_ark_at_once(
        [["assign", email, SLUG, "--role", "accountable"] for email in PEOPLE],
        ark.db_url,
        ark.workspace,
        list(PEOPLE),
    )
    assert sorted(code for code, _, _ in results) == [0, 1, 1]
    engine = open_engine(ark.db_url)
    (winner,) = accountables(engine)
    for code, _, err in results:
        if code:
            assert_clean_loss(code, err)
            assert f"already has an accountable person: {winner}" in err
    assert_audit_and_history_agree(engine)


def test_concurrent_additions_are_never_lost(ark: Ark, team: Path) -> None:
    def add(email: str, role: Role) -> Callable[[], None]:
        def work() -> None:
            own = open_engine(ark.db_url)
            try:
                with transaction(own) as reg:
                    reg.assign(email, "kpi-report", role, hours=0.5)
            finally:
                own.dispose()

        return work

    wanted = [(BRUNO, Role.CONSULTED), (CARLA, Role.CONSULTED), (BRUNO, Role.INFORMED)]
    assert race([add(*w) for w in wanted]) == [None, None, None]
    engine = open_engine(ark.db_url)
    with transaction(engine, write=False) as reg:
        roles = {
            (a.contributor.email, a.role)
            for a in reg.current_assignments(responsibility=reg.responsibility("kpi-report"))
        }
    assert set(wanted) <= roles
    assert_audit_and_history_agree(engine)


def test_concurrent_applies_of_different_files_both_land(ark: Ark, team: Path) -> None:
    """Two applies at once: the second plans from what the first committed."""
    first = team.read_text().replace("capacity: 6", "capacity: 7")
    second = first.replace("name: Carla Vidal", "name: Carla Vidal Ruiz")
    a, b = team.with_name("a.yaml"), team.with_name("b.yaml")
    a.write_text(first)
    b.write_text(second)

    def apply(path: Path) -> Callable[[], None]:
        def work() -> None:
            own = open_engine(ark.db_url)
            try:
                with transaction(own) as reg:
                    reg.apply(read_team_file(path))
            finally:
                own.dispose()

        return work

    assert race([apply(a), apply(b)]) == [None, None]
    with transaction(open_engine(ark.db_url), write=False) as reg:
        spec = reg.team_spec()
    assert {c.email: c.capacity for c in spec.contributors}[ANA] == 7
    assert {c.email: c.name for c in spec.contributors}[CARLA] in {
        "Carla Vidal",
        "Carla Vidal Ruiz",
    }


def test_first_use_by_several_processes_at_once(ark: Ark) -> None:
    """Leads applying the same file to a new, empty registry at once: the schema is created
    once, one apply makes every change and the others find nothing left to do."""
    path = ark.team_file()
    results = run_ark_at_once(
        [["apply", str(path)]] * 3, ark.db_url, ark.workspace, ["lead-1", "lead-2", "lead-3"]
    )
    assert [code for code, _, _ in results] == [0, 0, 0], results
    outputs = Counter(out.splitlines()[-1].split(":")[0] for _, out, _ in results)
    assert outputs == {"changed": 1, "nothing to change": 2}, results
    engine = open_engine(ark.db_url)
    assert current_revision(engine) == SCHEMA_HEAD
    assert ark("apply", str(path)).output.strip().endswith("the registry matches the file")
    assert len(audit_actors_since(engine, 0)) == 1  # all changes by one lead, none twice
    assert_audit_and_history_agree(engine)


def test_a_reader_sees_one_state_while_a_change_commits(ark: Ark, team: Path) -> None:
    """`ark export` or `ark check` running while a lead applies: they read the registry as it
    was when they started, never half of each state."""
    engine = open_engine(ark.db_url)
    grown = team.read_text().replace(
        "\ncontributors:", "\n  - slug: legal\n    name: Legal\ncontributors:", 1
    )
    bigger = team.with_name("bigger.yaml")
    bigger.write_text(grown)
    with transaction(engine, write=False) as reader:
        before = {d.slug for d in reader.team_spec().departments}
        writer = threading.Thread(target=lambda: ark("apply", str(bigger)))
        writer.start()
        writer.join()
        during = {d.slug for d in reader.team_spec().departments}
    with transaction(engine, write=False) as reader:
        after = {d.slug for d in reader.team_spec().departments}
    assert before == during == after - {"legal"}
    assert "legal" in after


def test_the_writers_of_one_process_take_their_turns_in_the_order_they_came() -> None:
    """SQLite's own wait lets a later writer go first (each sleeps and tries again); the
    process's queue hands the turn to the one waiting longest, at once."""
    from ark.db import WriterQueue

    queue, order = WriterQueue(), []
    assert queue.acquire(60)

    def write(number: int) -> None:
        assert queue.acquire(60)
        order.append(number)
        queue.release()

    threads = []
    for number in range(8):
        threads.append(threading.Thread(target=write, args=(number,)))
        threads[-1].start()
        while queue.waiting < number + 1:  # each in the queue before the next comes
            time.sleep(0.001)
    queue.release()
    for thread in threads:
        thread.join()
    assert order == list(range(8))
    assert queue.acquire(0)  # free again


def audit_records(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(AuditRecord)) or 0


def test_a_writer_that_waits_too_long_gives_up_without_writing_and_leaves_the_queue(
    ark: Ark, team: Path, monkeypatch: Any
) -> None:
    from ark.db import writer_turn

    engine = open_engine(ark.db_url)
    monkeypatch.setenv("ARK_LOCK_WAIT", "0.05")
    before = audit_records(engine)
    with writer_turn(engine):
        try:
            with transaction(engine, actor="late") as reg:
                reg.assign(CARLA, SLUG, Role.INFORMED, hours=1)
        except Conflict as exc:
            assert "the registry is busy" in str(exc) and "nothing was written" in str(exc)
        else:
            raise AssertionError("a second writer in the same process did not wait")
    with transaction(engine, actor="next") as reg:  # the queue is free again
        reg.assign(CARLA, SLUG, Role.INFORMED, hours=1)
    assert audit_records(engine) == before + 1
    engine.dispose()


def test_an_assignment_reads_only_the_holders_its_rules_need(ark: Ark, new_db: Any) -> None:
    """An edit holds the writers' lock while it decides, so it reads the contributor's own
    roles on the responsibility and its accountable person, not every other holder: the same
    rows on a responsibility with three holders and with forty. The rules still hold: a second
    accountable is refused, a handover ends the first."""
    from sqlalchemy import event

    from tests.test_lists import registry_of

    read: list[list[tuple[str, str]]] = []
    for size in (3, 40):
        engine = open_engine(registry_of(ark, new_db(), size))
        with transaction(engine, actor="lead") as reg:
            for i in range(1, size):
                reg.assign(f"p{i}@acme.test", "r0", Role.CONSULTED, hours=1)
        loaded: list[tuple[str, str]] = []

        def seen(row: Assignment, _context: Any, loaded: list[tuple[str, str]] = loaded) -> None:
            loaded.append((row.contributor.email, str(row.role)))

        event.listen(Assignment, "load", seen)
        try:
            with transaction(engine, actor="lead") as reg:
                reg.assign("p1@acme.test", "r0", Role.CONSULTED, hours=2)
                with pytest.raises(Conflict, match="already has an accountable person"):
                    reg.assign("p2@acme.test", "r0", Role.ACCOUNTABLE)
                reg.assign("p2@acme.test", "r0", Role.ACCOUNTABLE, replace=True)
        finally:
            event.remove(Assignment, "load", seen)
        with transaction(engine, write=False) as reg:
            r0 = reg.current_assignments(responsibility=reg.responsibility("r0"))
            held = {(a.contributor.email, str(a.role), a.hours) for a in r0}
        assert ("p1@acme.test", "consulted", 2.0) in held
        assert {(e, r) for e, r, _ in held if r == "accountable"} == {
            ("p2@acme.test", "accountable")
        }
        read.append(loaded)
        engine.dispose()
    assert (
        read[0]
        == read[1]
        == [
            ("p0@acme.test", "accountable"),
            ("p1@acme.test", "consulted"),
            ("p0@acme.test", "accountable"),
            ("p2@acme.test", "consulted"),
            ("p0@acme.test", "accountable"),
            ("p2@acme.test", "consulted"),
        ]
    )


def test_edits_queued_together_commit_together_each_undone_alone(ark: Ark, new_db: Any) -> None:
    """A server's edits that wait for the same turn share one transaction (a group commit):
    each keeps its own audit record under its own name, a refused one (the first in the
    queue, or one in the middle) undoes only itself, and the rest are committed once."""
    from sqlalchemy import event

    from ark.db import writer_queue, writer_turn
    from tests.test_lists import registry_of

    engine = open_engine(registry_of(ark, new_db(), 9))
    before = last_audit_id(engine)
    commits: list[Any] = []
    committed = commits.append  # one bound method, to remove the listener by
    event.listen(engine, "commit", committed)
    refused = {0, 4}  # a second accountable on r0, whose accountable is p0

    def edit(n: int) -> None:
        with transaction(engine, actor=f"lead{n}", shared=True) as reg:
            role = Role.ACCOUNTABLE if n in refused else Role.CONSULTED
            reg.assign(f"p{n + 1}@acme.test", "r0", role, hours=n + 1)

    outcomes: list[BaseException | None] = [None] * 8

    def run(n: int) -> None:
        try:
            edit(n)
        except Conflict as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    with writer_turn(engine):  # every edit queues behind this turn, in order
        for n, thread in enumerate(threads):
            thread.start()
            while writer_queue(engine).waiting < n + 1:
                time.sleep(0.001)
    for thread in threads:
        thread.join()
    event.remove(engine, "commit", committed)

    assert [n for n, out in enumerate(outcomes) if out is not None] == sorted(refused)
    assert all("already has an accountable person" in str(outcomes[n]) for n in refused)
    assert len(commits) == 1  # the six that were written, in one transaction
    assert audit_actors_since(engine, before) == Counter(
        f"lead{n}" for n in range(8) if n not in refused
    )
    assert accountables(engine, "r0") == ["p0@acme.test"]
    with transaction(engine, write=False) as reg:
        held = {
            (a.contributor.email, a.hours)
            for a in reg.current_assignments(responsibility=reg.responsibility("r0"))
            if a.role is Role.CONSULTED
        }
    assert held == {(f"p{n + 1}@acme.test", n + 1) for n in range(8) if n not in refused}
    engine.dispose()


def test_edits_queued_while_their_group_waits_for_another_process_go_with_it(
    ark: Ark, new_db: Any
) -> None:
    """With several server processes, a group whose first edit waits for another process's
    writer to commit takes the edits of its own process that queued meanwhile: they commit
    with it, once, not in a group of their own after it (a worker's editors who came while
    the other worker wrote waited for two commits)."""
    from sqlalchemy import event

    from ark.db import writer_queue
    from tests.test_lists import registry_of

    url = registry_of(ark, new_db(), 5)
    engine, other = open_engine(url), open_engine(url)  # two processes' pools and queues
    commits: list[Any] = []
    committed = commits.append
    event.listen(engine, "commit", committed)
    begun = threading.Event()
    # A connection taken from the pool: what a writer does before it asks for the lock.
    event.listen(engine, "checkout", lambda *_: begun.set())

    def edit(n: int) -> None:
        with transaction(engine, actor=f"lead{n}", shared=True) as reg:
            reg.assign(f"p{n + 1}@acme.test", "r0", Role.CONSULTED, hours=n + 1)

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(4)]
    with transaction(other, actor="other") as theirs:
        theirs.session.connection()  # the other process's writer has begun: it holds the lock
        threads[0].start()
        begun.wait()  # the first edit has its process's turn and asks for the lock
        for n, thread in enumerate(threads[1:], 1):
            thread.start()
            while writer_queue(engine).waiting < n:
                time.sleep(0.001)
    for thread in threads:
        thread.join()
    event.remove(engine, "commit", committed)

    assert len(commits) == 1
    with transaction(engine, write=False) as reg:
        held = {
            (a.contributor.email, a.hours)
            for a in reg.current_assignments(responsibility=reg.responsibility("r0"))
            if a.role is Role.CONSULTED
        }
    assert held == {(f"p{n + 1}@acme.test", n + 1) for n in range(4)}
    engine.dispose()
    other.dispose()
