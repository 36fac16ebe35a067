"""Nothing lost, nothing leaked, no traceback: what an outside attack on Ark found, as tests.

Each test is one finding: a full disk that truncated the team file, a read that created an
empty registry and exported it over a full team, a password printed from a URL parameter,
a corrupt registry, team-file values that crashed the reader, devices read as files,
terminal escapes, an assignment ending before it starts, and unbounded planning.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy
from click.testing import CliRunner

from ark.cli import cli
from ark.db import SCHEMA_HEAD, current_revision, make_engine, upgrade
from tests.conftest import FIXTURES, Ark
from tests.test_processes import GOOD, write
from tests.test_teamfile import fingerprint

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (FIXTURES / "team.yaml").read_text(encoding="utf-8")
# Runs `ark` in a process whose files may not grow past a limit, as on a full disk (EFBIG
# instead of ENOSPC; Python ignores SIGXFSZ, so the write fails with an error). No mount,
# no privileges: the test runs the same on every machine.
FULL_DISK = """
import resource, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from ark.cli import main
sys.argv = ["ark", *sys.argv[2:]]
main()
"""


def on_full_disk(ark: Ark, limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ARK_DATABASE_URL": ark.db_url, "ARK_USER": "tester"}
    return subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(limit), *args],
        cwd=ark.workspace,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if not line.startswith("  hint:")]


def big_team(people: int) -> str:
    """The sample team with `people` more contributors: a file of tens of KiB."""
    extra = "".join(
        f"  - email: person{i}@acme.test\n    name: Person number {i}\n"
        f"    department: marketing\n    capacity: 4\n"
        for i in range(people)
    )
    return SAMPLE.replace("kpis:\n  - slug: followers", extra + "kpis:\n  - slug: followers", 1)


# -- 1. every file Ark writes is written whole or not at all ---------------------------------


def test_export_on_a_full_disk_leaves_the_team_file_whole(ark: Ark) -> None:
    big = ark.workspace / "big.yaml"
    big.write_text(big_team(600), encoding="utf-8")
    ark("apply", str(big))
    target = ark.workspace / "ark.yaml"
    target.write_text(SAMPLE, encoding="utf-8")
    before = sorted(os.listdir(ark.workspace))
    result = on_full_disk(ark, 40 * 1024, "export", str(target))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot write {target}"), lines
    assert "the old file is untouched" in lines[0]
    assert target.read_text(encoding="utf-8") == SAMPLE  # not a byte lost
    assert sorted(os.listdir(ark.workspace)) == before  # no temporary file left behind
    assert len(ark("export", str(target)).output) > 0  # with room, the same export works
    assert target.stat().st_size > 40 * 1024


def test_init_on_a_full_disk_leaves_the_old_file_and_no_temporary_one(ark: Ark) -> None:
    folder = ark.workspace / "team"
    folder.mkdir()
    (folder / "ark.yaml").write_text(SAMPLE, encoding="utf-8")
    result = on_full_disk(ark, 4096, "init", str(folder), "--force")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "cannot write" in result.stderr
    assert (folder / "ark.yaml").read_text(encoding="utf-8") == SAMPLE
    assert os.listdir(folder) == ["ark.yaml"]


def test_process_files_and_playbook_pages_on_a_full_disk(ark: Ark, team: Path) -> None:
    limit = 40 * 1024  # above SQLite's 32 KiB shared-memory file, below the process file
    path = write(ark.workspace / "processes", "w.md", GOOD.format(slug="w") + "x" * limit)
    ark("process", "record", str(path))
    out = ark.workspace / "out"
    out.mkdir()
    (out / "w.md").write_text("old text", encoding="utf-8")
    result = on_full_disk(ark, limit, "process", "export", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert error_lines(result.stderr) == [
        f"error: cannot write {out / 'w.md'}: File too large; the old file is untouched"
    ]
    assert (out / "w.md").read_text(encoding="utf-8") == "old text"
    assert os.listdir(out) == ["w.md"]
    playbook = ark.workspace / "playbook"
    result = on_full_disk(ark, limit, "playbook", "build", "--out", str(playbook))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert error_lines(result.stderr)[0].startswith("error: cannot write"), result.stderr
    written = [p for p in playbook.rglob("*") if p.is_file()]
    assert not [p for p in written if p.name.endswith(".tmp")]  # no partial file left
    assert all(p.stat().st_size < limit for p in written)


# -- 2. a read never creates a registry; export never empties a team file by accident ------


def test_a_read_on_a_database_without_ark_schema_is_refused(
    ark: Ark, new_db: Callable[[], str], tmp_path: Path
) -> None:
    empty = new_db()  # an existing, empty database (or a schema of its own on PostgreSQL)
    if empty.startswith("sqlite:///"):
        Path(empty.removeprefix("sqlite:///")).write_bytes(b"")  # a 0-byte registry file
    for args in (["who", "listening"], ["show", "ana@acme.test"], ["export"], ["check"]):
        result = CliRunner().invoke(cli, [*args, "--db", empty])
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert "no registry in" in result.output and "ark db upgrade" in result.output
        assert "ark apply" in result.output
    assert current_revision(make_engine(empty)) is None  # still no schema


def test_export_refuses_to_empty_a_team_file_without_force(
    ark: Ark, team: Path, new_db: Callable[[], str]
) -> None:
    empty = new_db()
    ark("db", "upgrade", "--db", empty)
    before = team.read_bytes()
    result = ark("export", str(team), "--db", empty, code=1)
    assert "the registry is empty" in result.output and "--force" in result.output
    assert team.read_bytes() == before
    ark("export", str(team), "--db", empty, "--force")
    assert "ana@acme.test" not in team.read_text(encoding="utf-8")


def test_export_into_a_file_that_is_not_yaml_is_refused_without_force(ark: Ark, team: Path) -> None:
    target = ark.workspace / "broken.yaml"
    target.write_text("a: [unclosed\n", encoding="utf-8")
    assert "is not YAML" in ark("export", str(target), code=1).output
    assert target.read_text(encoding="utf-8") == "a: [unclosed\n"
    ark("export", str(target), "--force")
    assert "ana@acme.test" in target.read_text(encoding="utf-8")


# -- 4. a password in a URL parameter is never printed ------------------------------------


def test_a_password_given_as_a_url_parameter_is_masked(ark: Ark) -> None:
    url = "postgresql://ark:hunter1@127.0.0.1:5432/no_such_database_here?password=hunter2"
    result = ark("who", "listening", "--db", url, code=1)
    assert "hunter1" not in result.output and "hunter2" not in result.output
    assert "password=***" in result.output


# -- 5. a corrupt SQLite registry: one line, what to do --------------------------------------


def test_a_corrupt_sqlite_registry_is_named_in_one_line(ark: Ark, team: Path) -> None:
    broken = ark.workspace / "broken.db"
    broken.write_bytes(b"this is not a database" * 500)
    for args in (["who", "listening"], ["apply", str(team)], ["export"], ["db", "upgrade"]):
        result = ark(*args, "--db", f"sqlite:///{broken}", code=1)
        assert "Traceback" not in result.output
        assert error_lines(result.output) == [
            f"error: {broken} is not a valid registry (file is not a database)"
        ]
        assert "restore it from a backup" in result.output


# -- 6, 8, 15. team-file values are refused where they stand ---------------------------------


def rejected_at(ark: Ark, text: str) -> str:
    path = ark.workspace / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    result = ark("check", "--file", str(path), code=2)
    assert "Traceback" not in result.output
    return result.output.removeprefix("error: ").replace(f"{path}:", "")


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("capacity: 6", "capacity: " + "9" * 5000, "20:15: this number has too many digits"),
        (
            "        hours: 1\n",
            "        hours: 1\n        from: 0000-01-01\n",
            "46:15: responsibilities[0].assignments[0].from: '0000-01-01' is not a",
        ),
        ("strategy:", "1: 2\nstrategy:", "2:1: unknown field 1"),
        ("strategy:", "? [1, 2]\n: 3\nstrategy:", "unknown field '[1, 2]'"),
        ("name: Ana García", "name: !foo Ana", "18:11: YAML tag error"),
        ("name: Ana García", 'name: "\\e]52;c;aGk=\\a"', "18:11: contributors[0].name: the text"),
        ("ana@acme.test", "ana\u200b@acme.test", "17:12: contributors[0].email: the text"),
        ("name: Ana García", "name: Ana\x1bGarcía", "18:14: the file holds a control character"),
        ("capacity: 6", "capacity: 0", "use a number above 0 and at most 80"),
        ("name: Ana García", "name: true", "expected a string, got a boolean (true)"),
        ("name: Ana García", "name:", "got a null (null)"),
    ],
    ids=[
        "huge int",
        "year 0",
        "int key",
        "complex key",
        "unknown tag",
        "terminal escape",
        "zero-width space",
        "raw control character",
        "capacity 0",
        "boolean",
        "null",
    ],
)
def test_hostile_team_file_values_are_located(ark: Ark, old: str, new: str, says: str) -> None:
    assert old in SAMPLE
    assert says in rejected_at(ark, SAMPLE.replace(old, new, 1))


def test_a_byte_order_mark_is_accepted_in_team_and_process_files(ark: Ark) -> None:
    team = ark.workspace / "ark.yaml"
    team.write_bytes(b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"))
    ark("apply", str(team))
    path = write(
        ark.workspace / "processes", "w.md", b"\xef\xbb\xbf" + GOOD.format(slug="w").encode()
    )
    assert "+ w revision 1" in ark("process", "record", str(path)).output


def test_an_escape_in_a_process_file_is_refused(ark: Ark, team: Path) -> None:
    text = (
        GOOD.format(slug="w")
        .replace("Keep it", "Keep it")
        .replace("title: Weekly listening report", 'title: "Weekly \\e[8m hidden"')
    )
    path = write(ark.workspace / "processes", "w.md", text)
    result = ark("process", "record", str(path), code=2)
    assert f"{path}:3:8: title: the text holds a control character (U+001B)" in result.output


def test_ark_show_never_prints_an_escape(
    ark: Ark, team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = ark("tasks", "set", "nothing/here", "done", "--note", "\x1b]52;c;aGk=\x07", code=2)
    assert "control character" in result.output and "\x1b" not in result.output
    monkeypatch.setenv("ARK_USER", "\x1b[8mmallory")
    result = CliRunner().invoke(
        cli, ["assign", "carla@acme.test", "listening", "--role", "informed", "--db", ark.db_url]
    )
    assert result.exit_code == 1 and "ARK_USER holds a control character" in result.output
    assert "\x1b" not in result.output


# -- 7. only regular files are read, and only up to their limit -------------------------------


@pytest.mark.parametrize("kind", ["device", "symlink to a device", "pipe", "folder"])
def test_devices_pipes_and_folders_are_refused_as_team_and_process_files(
    ark: Ark, team: Path, kind: str
) -> None:
    path = ark.workspace / f"odd-{kind.replace(' ', '-')}.md"
    if kind == "device":
        path = Path("/dev/zero")
    elif kind == "symlink to a device":
        path.symlink_to("/dev/zero")
    elif kind == "pipe":
        os.mkfifo(path)
    else:
        path.mkdir()
        write(path, "inner.md", GOOD.format(slug="inner"))
    if kind != "folder":
        said = rejected_at_path(ark, ["check", "--file", str(path)])
        assert f"{path}:1:1: is a " in said
    folder = ark.workspace / "processes"
    folder.mkdir(exist_ok=True)
    (folder / "odd.md").symlink_to(path if kind != "folder" else path / "inner.md")
    result = ark("process", "record", str(folder), code=2 if kind != "folder" else 0)
    assert "Traceback" not in result.output
    if kind != "folder":
        assert f"{folder / 'odd.md'}:1:1: is a " in result.output


def rejected_at_path(ark: Ark, args: list[str]) -> str:
    result = ark(*args, code=2)
    assert "Traceback" not in result.output
    return result.output


def test_a_dangling_symlink_among_process_files_is_a_located_problem(ark: Ark, team: Path) -> None:
    folder = ark.workspace / "processes"
    write(folder, "good.md", GOOD.format(slug="good"))
    (folder / "gone.md").symlink_to(ark.workspace / "nowhere.md")
    before = fingerprint(ark.db_url)
    result = ark("process", "record", str(folder), code=2)
    assert f"{folder / 'gone.md'}:1:1: cannot read the file: No such file" in result.output
    assert fingerprint(ark.db_url) == before  # the good file is not recorded alone


def test_a_process_file_over_one_mib_is_refused(ark: Ark, team: Path) -> None:
    path = write(ark.workspace, "huge.md", GOOD.format(slug="huge") + "x" * (1024 * 1024))
    result = ark("process", "record", str(path), code=2)
    assert "huge.md:1:1: the file is over the 1 MiB limit" in result.output


# -- 9. an assignment cannot end before it starts ----------------------------------------------


def test_unassign_before_the_start_is_refused(ark: Ark, team: Path) -> None:
    ark("assign", "carla@acme.test", "listening", "--role", "informed", "--from", "2026-12-15")
    before = fingerprint(ark.db_url)
    result = ark(
        "unassign",
        "carla@acme.test",
        "listening",
        "--role",
        "informed",
        "--on",
        "1900-01-01",
        code=1,
    )
    assert "cannot end on 1900-01-01, before it starts" in result.output
    assert "--on 2026-12-15" in result.output
    assert fingerprint(ark.db_url) == before
    ark("unassign", "carla@acme.test", "listening", "--role", "informed", "--on", "2026-12-31")
    ended = [h for h in ark.json("history", "listening") if h["role"] == "informed"]
    assert [(h["from"], h["to"]) for h in ended] == [("2026-12-15", "2026-12-31")]


# -- 10. `ark who` follows the schema rules of every other command ---------------------------


def test_who_refuses_a_newer_registry_and_upgrades_an_old_one(
    ark: Ark, team: Path, new_db: Callable[[], str]
) -> None:
    engine = make_engine(ark.db_url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    for args in (["who", "listening"], ["show", "ana@acme.test"]):
        result = ark(*args, code=1)
        assert "revision 9999, which this version of Ark does not know" in result.output
    old = new_db()
    engine = make_engine(old)
    upgrade(engine, "0001")
    assert "no responsibility 'listening'" in ark("who", "listening", "--db", old, code=1).output
    assert current_revision(engine) == SCHEMA_HEAD
    engine.dispose()


# -- 11. numbers at the command line are finite ------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e309", "NaN", "-Infinity"])
def test_non_finite_numbers_are_refused_at_the_command_line(
    ark: Ark, team: Path, value: str
) -> None:
    before = fingerprint(ark.db_url)
    result = ark("kpi", "record", "leads", "--", value, code=2)
    assert "is not a finite number" in result.output and "another change" not in result.output
    result = ark(
        "assign", "carla@acme.test", "listening", "--role", "consulted", "--hours", value, code=2
    )
    assert "is not a finite number from 0 to 80" in result.output
    assert fingerprint(ark.db_url) == before
    json.loads(ark("kpi", "show", "leads", "--json").stdout, parse_constant=float.fromhex)


# -- 12. process new: file names, quoting ---------------------------------------------------


def test_process_new_refuses_a_long_slug_and_quotes_the_responsibility(
    ark: Ark, team: Path
) -> None:
    result = ark("process", "new", "a" * 300, code=1)
    assert "is not a slug" in result.output and "at most 64 characters" in result.output
    result = ark("process", "new", "w", "--responsibility", "listening\nsteps: []", code=2)
    assert "control character" in result.output
    ark("process", "new", "w", "--responsibility", "a: b # c")
    text = (ark.workspace / "processes" / "w.md").read_text(encoding="utf-8")
    assert 'responsibility: "a: b # c"\n' in text
    result = ark("process", "record", str(ark.workspace / "processes" / "w.md"), code=2)
    assert "w.md:4:17: responsibility: 'a: b # c' is not a slug" in result.output


# -- 13. the planning horizon ----------------------------------------------------------------


def test_planning_is_bounded_by_a_horizon(
    ark: Ark, team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = ark("tasks", "plan", "--until", "9999-12-31", code=2)
    assert "is not a date from 1900-01-01 to 2999-12-31" in result.output
    before = fingerprint(ark.db_url)
    result = ark("tasks", "plan", "--from", "2026-01-01", "--until", "2100-12-31", code=1)
    assert "more than 5 years after 2026-01-01" in result.output
    assert "ARK_PLAN_YEARS" in result.output
    assert fingerprint(ark.db_url) == before
    monkeypatch.setenv("ARK_PLAN_YEARS", "10")
    planned = ark.json("tasks", "plan", "--from", "2026-01-01", "--until", "2033-12-31")
    assert len(planned["created"]) > 0
    for bad in ("0", "-1", "nan", "51", "²"):
        monkeypatch.setenv("ARK_PLAN_YEARS", bad)
        result = ark("tasks", "plan", "--until", "2027-01-01", code=1)
        assert "ARK_PLAN_YEARS=" in result.output and "from 1 to 50" in result.output


# -- 14, 15. URL options, the lock wait --------------------------------------------------------


def test_an_unknown_database_url_option_is_one_line(ark: Ark, tmp_path: Path) -> None:
    for url in (f"sqlite:///{tmp_path / 'x.db'}?bogus=1", "postgresql://u@127.0.0.1/d?bogus=1"):
        result = ark("who", "listening", "--db", url, code=1)
        assert "Traceback" not in result.output and "bogus" in result.output
        assert len(error_lines(result.output)) == 1, result.output
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "abc", "1e9"])
def test_a_bad_lock_wait_is_refused(
    ark: Ark, team: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("ARK_LOCK_WAIT", value)
    result = ark("assign", "carla@acme.test", "listening", "--role", "informed", code=1)
    assert f"ARK_LOCK_WAIT='{value}' is not a number of seconds from 0 to 86400" in result.output


def test_exit_codes_are_the_documented_ones(ark: Ark, team: Path) -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "| 2 | wrong usage" in text and "| 1 | the command failed" in text
    assert ark("who", "nothing", code=1)
    assert ark("tasks", "plan", "--until", "tomorrow", code=2)
    assert ark("check", "--file", str(ark.workspace / "missing.yaml"), code=2)
    assert ark("frobnicate", code=2)
