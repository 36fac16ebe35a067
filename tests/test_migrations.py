"""Models and migrations agree, and a database is created or upgraded on first use."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory

from ark.db import SCHEMA_HEAD, alembic_config, current_revision, make_engine, open_engine


def test_schema_head_is_the_newest_migration(db_url: str) -> None:
    engine = make_engine(db_url)
    assert ScriptDirectory.from_config(alembic_config(engine)).get_current_head() == SCHEMA_HEAD


def test_models_and_migrations_agree(db_url: str) -> None:
    engine = make_engine(db_url)
    command.upgrade(alembic_config(engine), "head")
    command.check(alembic_config(engine))  # raises if autogenerate would write anything


def test_first_use_creates_the_schema_and_downgrade_removes_it(db_url: str) -> None:
    url = db_url
    engine = open_engine(url)
    assert current_revision(engine) == SCHEMA_HEAD
    command.downgrade(alembic_config(engine), "base")
    assert current_revision(engine) is None
    assert current_revision(open_engine(url)) == SCHEMA_HEAD
