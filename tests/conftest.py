"""Shared fixtures: an isolated workspace, the real `ark` CLI in-process, a sample team."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner, Result

from ark.cli import cli
from ark.clihelpers import ArkGroup
from ark.teamfile import schema

if TYPE_CHECKING:
    from tests.automation_helpers import Mailbox

FIXTURES = Path(__file__).parent / "data"


def free_port() -> int:
    """A port of 127.0.0.1 nobody listens on, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def schema_objects(
    node: dict[str, Any] | None = None, path: str = ""
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object in the team file's schema, by where it sits (`responsibilities[].assignments[]`),
    for the tests that each field is documented and that each one survives a round trip."""
    defs = schema()["$defs"]

    def resolve(s: dict[str, Any]) -> dict[str, Any]:
        return defs[s["$ref"].rsplit("/", 1)[1]] if "$ref" in s else s

    node = schema() if node is None else node
    yield path, node
    for key, prop in node.get("properties", {}).items():
        prop = resolve(prop)
        suffix = ""
        if prop.get("type") == "array":
            prop, suffix = resolve(prop["items"]), "[]"
        # a field that is one of several shapes (a goal: text or measured) documents each object
        for shape in [resolve(s) for s in prop.get("oneOf", prop.get("anyOf", [prop]))]:
            if shape.get("type") == "object":
                yield from schema_objects(shape, f"{path}.{key}{suffix}".lstrip("."))


@dataclass
class Ark:
    """Runs `ark` commands against one workspace and one database."""

    workspace: Path
    db_url: str

    def __call__(
        self,
        *args: str,
        code: int = 0,
        input: str | None = None,
        user: str = "tester",
        locale: str | None = None,
    ) -> Result:
        """Run `ark *args`; `locale` is the user's LANG (none set: C, English), as a
        command speaks it until it knows the strategy's language."""
        result = CliRunner().invoke(
            cli,
            [*args],
            env={
                "ARK_DATABASE_URL": self.db_url,
                "ARK_USER": user,
                **dict.fromkeys(("LANGUAGE", "LC_ALL", "LC_MESSAGES")),
                "LANG": locale or "C.UTF-8",
            },
            input=input,
            catch_exceptions=False,
        )
        assert result.exit_code == code, (
            f"ark {' '.join(args)} -> {result.exit_code}\n{result.output}"
        )
        return result

    def json(self, *args: str, code: int = 0) -> Any:
        return json.loads(self(*args, "--json", code=code).stdout)

    def team_file(self, name: str = "team.yaml") -> Path:
        target = self.workspace / "ark.yaml"
        shutil.copy(FIXTURES / name, target)
        return target


@pytest.fixture(scope="session", autouse=True)
def plugin_commands() -> None:
    """Plugins' commands are added once, as `ark` does when a command is not a core one."""
    assert isinstance(cli, ArkGroup)
    cli.add_plugin_commands()


BACKEND_ENV = "ARK_TEST_DATABASE"  # sqlite (the default) or postgresql
POSTGRES_ENV = "ARK_TEST_POSTGRES_URL"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def backend() -> str:
    """The backend every registry and CLI test runs on in this session."""
    name = os.environ.get(BACKEND_ENV, "sqlite")
    if name not in ("sqlite", "postgresql"):
        raise pytest.UsageError(f"{BACKEND_ENV}={name!r}: use sqlite or postgresql")
    return name


def pytest_report_header() -> str:
    return f"registry backend: {backend()} ({BACKEND_ENV})"


class PostgresSchemas:
    """Schemas of their own on the PostgreSQL server, one per database a test asks for.

    Each URL carries the schema as its search path and as its application name, so the
    clean-up can end the connections a test left open before dropping the schema.
    """

    def __init__(self, server: str) -> None:
        import sqlalchemy

        self.server = server
        self.admin = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
        self.schemas: list[str] = []

    def new(self) -> str:
        schema = f"t_{uuid.uuid4().hex[:16]}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        self.schemas.append(schema)
        return f"{self.server}?options=-csearch_path%3D{schema}&application_name={schema}"

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for schema in self.schemas:
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE application_name = '{schema}'"
                )
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        self.schemas.clear()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresSchemas | None]:
    """The PostgreSQL server when the session runs on it (a clear stop when it is down)."""
    if backend() != "postgresql":
        yield None
        return
    import sqlalchemy.exc

    schemas = PostgresSchemas(os.environ.get(POSTGRES_ENV, POSTGRES_URL))
    try:
        with schemas.admin.connect():
            pass
    except sqlalchemy.exc.OperationalError as exc:
        pytest.exit(
            f"{BACKEND_ENV}=postgresql but the server at {schemas.server} cannot be reached "
            f"({exc.orig}); start it or set {POSTGRES_ENV}",
            returncode=1,
        )
    yield schemas
    schemas.admin.dispose()


@pytest.fixture
def new_db(tmp_path: Path, postgres: PostgresSchemas | None) -> Iterator[Callable[[], str]]:
    """Makes fresh, empty registry databases on the session's backend: SQLite files in the
    test's directory, or schemas of their own on PostgreSQL, dropped after the test."""
    made = iter(range(1_000_000))

    def new() -> str:
        if postgres is None:
            return f"sqlite:///{tmp_path / f'ark-{next(made)}.db'}"
        return postgres.new()

    yield new
    if postgres is not None:
        postgres.drop_all()


@pytest.fixture
def db_url(new_db: Callable[[], str]) -> str:
    """A fresh, empty registry database, so tests never share one."""
    return new_db()


@pytest.fixture
def ark(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ark]:
    monkeypatch.chdir(tmp_path)
    yield Ark(tmp_path, db_url)


@pytest.fixture
def today() -> dt.date:
    """The day the test runs, taken when it starts: a date taken when the module is imported
    is yesterday's for a test run that crosses midnight."""
    return dt.date.today()


def days_since(start: dt.date) -> set[str]:
    """Every day from `start` to now: what a command run since `start` may call today."""
    return {
        (start + dt.timedelta(days=n)).isoformat()
        for n in range((dt.date.today() - start).days + 1)
    }


@pytest.fixture
def team(ark: Ark) -> Path:
    """The sample team applied to the registry."""
    path = ark.team_file()
    ark("apply", str(path))
    return path


@dataclass(frozen=True)
class Demo:
    """What one `ark demo` made: its folder, its registry and what it printed."""

    workspace: Path
    db_url: str
    output: str


@pytest.fixture(scope="session")
def demo(
    tmp_path_factory: pytest.TempPathFactory, postgres: PostgresSchemas | None
) -> Iterator[Callable[[str], Demo]]:
    """`ark demo`, run at most once per language in the session (it is the slowest command):
    tests that only read what it made share it, and must not change it."""
    made: dict[str, Demo] = {}
    schemas = None if postgres is None else PostgresSchemas(postgres.server)

    def get(lang: str = "en") -> Demo:
        if lang not in made:
            root = tmp_path_factory.mktemp(f"demo-{lang}")
            url = f"sqlite:///{root / 'demo.db'}" if schemas is None else schemas.new()
            output = Ark(root, url)("demo", str(root / "demo"), "--lang", lang).output
            made[lang] = Demo(root / "demo", url, output)
        return made[lang]

    yield get
    if schemas is not None:
        schemas.drop_all()
        schemas.admin.dispose()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 that keeps what it is sent."""
    from tests.automation_helpers import smtp_server  # it builds on this module

    with smtp_server() as box:
        yield box
