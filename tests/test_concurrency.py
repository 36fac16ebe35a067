"""Team leads editing at once: real connections racing on the same responsibility."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from ark.db import open_engine
from ark.errors import Conflict
from ark.models import Assignment, AuditRecord
from ark.service import transaction
from ark.vocabulary import Role
from tests.conftest import Ark

PEOPLE = ("ana@acme.test", "bruno@acme.test", "carla@acme.test")


def race(workers: list[Callable[[], None]]) -> list[BaseException | None]:
    """Start the workers together; each one's exception, or None."""
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


def current_accountables(engine: object) -> list[str]:
    with transaction(engine, write=False) as reg:  # type: ignore[arg-type]
        return [
            a.contributor.email
            for a in reg.current_assignments(responsibility=reg.responsibility("listening"))
            if a.role is Role.ACCOUNTABLE
        ]


def test_exactly_one_accountable_under_concurrent_assigns(ark: Ark, team: Path) -> None:
    engine = open_engine(ark.db_url)
    rounds = 15
    for _ in range(rounds):
        holder = current_accountables(engine)
        with transaction(engine) as reg:
            for email in holder:
                reg.unassign(email, "listening", Role.ACCOUNTABLE)

        def claim(email: str) -> Callable[[], None]:
            def work() -> None:
                with transaction(open_engine(ark.db_url), actor=email) as reg:
                    reg.assign(email, "listening", Role.ACCOUNTABLE, hours=1)

            return work

        outcomes = race([claim(e) for e in PEOPLE])
        winners = [e for e, o in zip(PEOPLE, outcomes, strict=True) if o is None]
        assert len(winners) == 1, outcomes
        losers = [o for o in outcomes if o is not None]
        assert all(isinstance(o, Conflict) for o in losers), losers
        assert all("already has an accountable person" in str(o) for o in losers)
        assert current_accountables(engine) == winners
    with transaction(engine, write=False) as reg:
        adds = reg.session.scalar(
            select(func.count()).where(
                AuditRecord.entity_key.like("listening/%/accountable"), AuditRecord.action == "add"
            )
        )
        rows = reg.session.scalar(
            select(func.count()).where(
                Assignment.role == Role.ACCOUNTABLE,
                Assignment.responsibility_id == reg.responsibility("listening").id,
            )
        )
    assert adds == rows == rounds + 1  # one audit record per assignment ever made, no more


def test_concurrent_additions_are_never_lost(ark: Ark, team: Path) -> None:
    engine = open_engine(ark.db_url)

    def add(email: str, role: Role) -> Callable[[], None]:
        def work() -> None:
            with transaction(open_engine(ark.db_url)) as reg:
                reg.assign(email, "kpi-report", role, hours=0.5)

        return work

    outcomes = race(
        [
            add("bruno@acme.test", Role.CONSULTED),
            add("carla@acme.test", Role.CONSULTED),
            add("bruno@acme.test", Role.INFORMED),
        ]
    )
    assert outcomes == [None, None, None]
    with transaction(engine, write=False) as reg:
        roles = {
            (a.contributor.email, a.role)
            for a in reg.current_assignments(responsibility=reg.responsibility("kpi-report"))
        }
    assert {
        ("bruno@acme.test", Role.CONSULTED),
        ("carla@acme.test", Role.CONSULTED),
        ("bruno@acme.test", Role.INFORMED),
    } <= roles


def test_racing_processes_get_a_clear_message(ark: Ark, team: Path, tmp_path: Path) -> None:
    """Separate `ark` processes: one handover wins, the others say why they lost."""
    ark("unassign", "ana@acme.test", "listening", "--role", "accountable")
    env = {**os.environ, "ARK_DATABASE_URL": ark.db_url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "ark", "assign", email, "listening", "--role", "accountable"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for email in PEOPLE
    ]
    results = [(p.wait(), *p.communicate()) for p in procs]
    assert sorted(code for code, _, _ in results) == [0, 1, 1]
    for code, _, err in results:
        if code:
            assert "already has an accountable person" in err
            assert "hint:" in err
    assert len(current_accountables(open_engine(ark.db_url))) == 1


def test_concurrent_applies_of_different_files_both_land(ark: Ark, team: Path) -> None:
    """Two applies at once: the second plans from what the first committed."""
    first = team.read_text().replace("capacity: 6", "capacity: 7")
    second = first.replace("name: Carla Vidal", "name: Carla Vidal Ruiz")
    a, b = team.with_name("a.yaml"), team.with_name("b.yaml")
    a.write_text(first)
    b.write_text(second)
    engine = open_engine(ark.db_url)
    from ark.teamfile import read_team_file

    def apply(path: Path) -> Callable[[], None]:
        def work() -> None:
            with transaction(open_engine(ark.db_url)) as reg:
                reg.apply(read_team_file(path))

        return work

    assert race([apply(a), apply(b)]) == [None, None]
    with transaction(engine, write=False) as reg:
        spec = reg.snapshot()
    assert {c.email: c.capacity for c in spec.contributors}["ana@acme.test"] == 7
    assert {c.email: c.name for c in spec.contributors}["carla@acme.test"] in {
        "Carla Vidal",
        "Carla Vidal Ruiz",
    }
