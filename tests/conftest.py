"""Shared fixtures: an isolated workspace, the real `ark` CLI in-process, a sample team."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ark.cli import cli
from ark.plugins import manager

FIXTURES = Path(__file__).parent / "data"


@dataclass
class Ark:
    """Runs `ark` commands against one workspace and one database."""

    workspace: Path
    db_url: str

    def __call__(self, *args: str, code: int = 0, input: str | None = None) -> Result:
        result = CliRunner().invoke(
            cli,
            [*args],
            env={"ARK_DATABASE_URL": self.db_url, "ARK_USER": "tester"},
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
    """Plugins' commands are added once, as `ark.cli.main` does."""
    manager().hook.ark_register_commands(cli=cli)


BACKEND_ENV = "ARK_TEST_DATABASE"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty registry database: SQLite, or with ARK_TEST_DATABASE=postgresql a
    schema of its own on the PostgreSQL server (dropped afterwards), so tests never share."""
    if os.environ.get(BACKEND_ENV, "sqlite") != "postgresql":
        yield f"sqlite:///{tmp_path / 'ark.db'}"
        return
    import sqlalchemy

    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def ark(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ark]:
    monkeypatch.chdir(tmp_path)
    yield Ark(tmp_path, db_url)


@pytest.fixture
def team(ark: Ark) -> Path:
    """The sample team applied to the registry."""
    path = ark.team_file()
    ark("apply", str(path))
    return path
