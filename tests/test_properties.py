"""Properties of the team file over generated teams and damaged files.

Random valid teams survive dump then parse unchanged, and apply, export, apply changes
nothing; random damage to a valid file gives a team or an `InvalidTeamFile`, never a crash,
and the quick and the careful readers agree on which.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ark.errors import InvalidTeamFile
from ark.export import dump_team
from ark.spec import (
    AssignmentSpec,
    ContributorSpec,
    DepartmentSpec,
    KpiSpec,
    ObjectiveSpec,
    ResponsibilitySpec,
    StrategySpec,
    TacticSpec,
    TeamSpec,
)
from ark.teamfile import _careful, parse_team_bytes
from ark.vocabulary import Cadence, Component, Role
from tests.conftest import FIXTURES, Ark

slugs = st.from_regex(r"\A[a-z0-9]{1,8}(-[a-z0-9]{1,6}){0,2}\Z")
# Any text Ark takes, including what YAML treats specially (`yes`, `010`, `: `, `#`, quotes):
# no control or invisible format characters (ark.text), tabs and line breaks aside in texts.
words = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp")),
    min_size=1,
    max_size=30,
) | st.sampled_from(["yes", "no", "on", "010", "1e3", "null", "~", "2026-01-05", "- a", "a: b"])
texts = (
    st.just("")
    | words
    | st.text(
        st.characters(
            blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp"), whitelist_characters="\t\n\r"
        ),
        min_size=1,
        max_size=60,
    )
)
hours = st.integers(0, 160).map(lambda h: h / 2)
dates = st.dates(dt.date(2020, 1, 1), dt.date(2099, 12, 31))


@st.composite
def teams(draw: st.DrawFn) -> TeamSpec:
    departments = draw(st.lists(slugs, min_size=1, max_size=4, unique=True))
    kpis = draw(st.lists(slugs, max_size=3, unique=True))
    emails = draw(
        st.lists(st.from_regex(r"\A[a-z0-9.]{1,8}@[a-z]{1,6}\.test\Z"), max_size=6, unique=True)
    )
    contributors = tuple(
        ContributorSpec(
            email,
            draw(words),
            draw(st.sampled_from(departments)),
            draw(st.integers(1, 160)) / 2,
            draw(st.none() | words),
        )
        for email in emails
    )
    responsibilities = []
    for slug in draw(st.lists(slugs, max_size=4, unique=True)):
        pairs = draw(
            st.lists(
                st.tuples(st.sampled_from(emails), st.sampled_from(list(Role))),
                unique=True,
                max_size=6,
            )
            if emails
            else st.just([])
        )
        accountable = [p for p in pairs if p[1] is Role.ACCOUNTABLE][:1]
        pairs = [p for p in pairs if p[1] is not Role.ACCOUNTABLE] + accountable
        responsibilities.append(
            ResponsibilitySpec(
                slug,
                draw(words),
                draw(texts),
                draw(st.sampled_from(list(Component))),
                draw(st.sampled_from(list(Cadence))),
                draw(st.just("") | words),
                draw(st.none() | st.sampled_from(departments)),
                tuple(draw(st.lists(st.sampled_from(kpis), unique=True)) if kpis else ()),
                tuple(
                    AssignmentSpec(email, role, draw(hours), draw(dates)) for email, role in pairs
                ),
            )
        )
    slugs_of = [r.slug for r in responsibilities]
    refer = st.none() | st.sampled_from(slugs_of) if slugs_of else st.none()
    objectives = tuple(
        ObjectiveSpec(
            slug,
            draw(words),
            draw(st.none() | st.sampled_from(kpis)) if kpis else None,
            draw(st.none() | st.integers(-1000, 10**6).map(float)),
            draw(st.none() | st.floats(-1e9, 1e9, allow_nan=False).map(lambda x: round(x, 3))),
            draw(st.none() | dates),
            draw(refer),
            tuple(draw(st.lists(words, max_size=2))),
            tuple(draw(st.lists(texts, max_size=2))),
            tuple(
                TacticSpec(t, draw(words), draw(st.none() | dates), draw(refer))
                for t in draw(st.lists(slugs, max_size=2, unique=True))
            ),
        )
        for slug in draw(st.lists(slugs, max_size=2, unique=True))
    )
    return TeamSpec(
        registry_id=draw(st.none() | st.text("0123456789abcdef", min_size=16, max_size=16)),
        strategy=StrategySpec(
            draw(words),
            draw(st.none() | st.sampled_from(["commercial", "support", "content", "corporate"])),
            draw(st.sampled_from(["en", "es"])),
            draw(texts),
            draw(hours),
            tuple(draw(st.lists(st.sampled_from(departments), unique=True))),
        ),
        departments=tuple(DepartmentSpec(d, draw(words), draw(texts)) for d in departments),
        contributors=contributors,
        kpis=tuple(KpiSpec(k, draw(words), draw(words), draw(texts)) for k in kpis),
        responsibilities=tuple(responsibilities),
        objectives=objectives,
    )


@settings(max_examples=60, deadline=None)
@given(teams())
def test_a_dumped_team_parses_back_to_itself_on_both_readers(team: TeamSpec) -> None:
    raw = dump_team(team).encode()
    assert parse_team_bytes(raw, "team.yaml") == team
    assert _careful(raw, "team.yaml") == team


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(team=teams())
def test_apply_export_apply_changes_nothing(
    team: TeamSpec, new_db: Callable[[], str], tmp_path: Path
) -> None:
    ark = Ark(tmp_path, new_db())  # a fresh registry for each generated team
    path = tmp_path / "ark.yaml"
    path.write_text(dump_team(team), encoding="utf-8")
    ark("apply", str(path))
    exported = ark("export").stdout
    parsed = parse_team_bytes(exported.encode(), "export")
    # The registry takes the file's identity, or makes its own when the file has none.
    assert parsed.registry_id is not None and team.registry_id in (None, parsed.registry_id)
    assert parsed == dataclasses.replace(team, registry_id=parsed.registry_id)
    path.write_text(exported, encoding="utf-8")
    assert ark.json("apply", str(path))["changes"] == []


VALID = (FIXTURES / "team.yaml").read_bytes()


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """The sample team with a few bytes flipped, inserted, deleted or lines swapped."""
    raw = bytearray(VALID)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(raw) - 1))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "line"]))
        if kind == "flip":
            raw[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=4) | st.sampled_from(YAMLISH))
        elif kind == "delete":
            del raw[at : at + draw(st.integers(1, 12))]
        else:
            lines = bytes(raw).split(b"\n")
            i, j = (draw(st.integers(0, len(lines) - 1)) for _ in range(2))
            lines[i], lines[j] = lines[j], lines[i]
            raw = bytearray(b"\n".join(lines))
    return bytes(raw)


YAMLISH = [
    b": ",
    b"- ",
    b"\t",
    b"&a ",
    b"*a",
    b"'",
    b'"',
    b"[",
    b"{",
    b"#",
    b"\n  ",
    b"!!",
    b".nan",
    b"1e999",
]


def outcome(read: Callable[[], TeamSpec]) -> TeamSpec | None:
    try:
        return read()
    except InvalidTeamFile as exc:
        assert exc.problems and all(p.line >= 1 and p.column >= 1 for p in exc.problems)
        return None


@settings(max_examples=300, deadline=None)
@given(damaged())
@example(b"\t# a comment after a tab\n" + VALID)  # the parsers once disagreed on it
def test_damage_gives_a_team_or_a_clear_rejection_and_both_readers_agree(raw: bytes) -> None:
    quick = outcome(lambda: parse_team_bytes(raw, "team.yaml"))
    careful = outcome(lambda: _careful(raw, "team.yaml"))
    assert quick == careful


def test_an_assignment_without_a_date_matches_the_registry(ark: Ark, team: Path) -> None:
    """The one difference between a file and its export: dates the file left out."""
    exported = parse_team_bytes(ark("export").stdout.encode(), "export")
    today = dt.date.today()
    dated = tuple(
        dataclasses.replace(
            r,
            assignments=tuple(
                dataclasses.replace(a, since=a.since or today) for a in r.assignments
            ),
        )
        for r in parse_team_bytes(team.read_bytes(), "file").responsibilities
    )
    assert exported.responsibilities == dated
