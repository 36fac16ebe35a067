"""The driver-only path of `ark who` answers exactly as the ORM path does."""

from __future__ import annotations

from pathlib import Path

from ark.db import open_engine
from ark.quick import who
from ark.registry.writer import transaction
from tests.conftest import Ark


def test_quick_who_matches_the_registry(ark: Ark, team: Path) -> None:
    ark("unassign", "carla@acme.test", "listening")
    ark("assign", "carla@acme.test", "listening", "--role", "informed", "--hours", "0.5")
    quick = who(ark.db_url, "listening")
    assert quick is not None
    with transaction(open_engine(ark.db_url), write=False) as reg:
        r = reg.responsibility("listening")
        slow = [
            (
                a.contributor.email,
                a.contributor.name,
                str(a.role),
                a.hours,
                a.valid_from.isoformat(),
            )
            for a in reg.current_assignments(responsibility=r)
        ]
    assert [
        (a["contributor"], a["name"], a["role"], a["hours"], a["from"])
        for a in quick["assignments"]
    ] == slow
    assert quick["title"] == "Social listening"
    assert ark.json("who", "listening") == quick


def test_quick_who_steps_aside_when_it_cannot_answer(ark: Ark, tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'nothing-here.db'}"
    assert who(missing, "listening") is None
    assert not (tmp_path / "nothing-here.db").exists()  # a read never creates a database
    assert who("mysql://localhost/x", "listening") is None
    # the ordinary path then words the error: a read creates no registry
    assert "no registry" in ark("who", "listening", code=1).output
    ark("db", "upgrade")
    assert "no responsibility 'listening'" in ark("who", "listening", code=1).output
    assert who(ark.db_url, "listening") is None  # unknown slug: fall back for the message
