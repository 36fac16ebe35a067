"""Opening the registry: clear errors for a wrong URL, a server that is down, a missing
driver, and a registry kept busy by another change, never a traceback or a password."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from ark.db import SCHEMA_HEAD, WAIT_ENV, current_revision, open_engine
from ark.registry.writer import transaction
from ark.vocabulary import Role
from tests.conftest import Ark

DOWN = "postgresql://lead:s3cret@127.0.0.1:9/ark"  # port 9 (discard): nothing listens


def ark_process(*args: str, url: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ark", *args],
        env={**os.environ, "ARK_DATABASE_URL": url, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    "args",
    [("db", "upgrade"), ("who", "listening"), ("assign", "a@b.test", "x", "--role", "informed")],
)
def test_a_server_that_is_down_gets_a_clear_error_without_the_password(
    ark: Ark, args: tuple[str, ...]
) -> None:
    out = Ark(ark.workspace, DOWN)(*args, code=1).output
    assert out.startswith("error: cannot use the registry database: ")
    assert "hint: check --db or ARK_DATABASE_URL" in out
    assert "lead:***@127.0.0.1:9/ark" in out
    assert "s3cret" not in out


def test_a_url_that_is_no_database_url_gets_a_clear_error(ark: Ark) -> None:
    out = Ark(ark.workspace, "db.example.com/ark")("who", "listening", code=1).output
    assert "error: the registry database URL is not a database URL" in out
    assert "postgresql://USER@HOST/DB" in out


def test_a_missing_driver_says_what_to_install(tmp_path: Path) -> None:
    """As on a machine where Ark was installed without the `postgres` extra."""
    without_psycopg = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from ark.cli import main; sys.argv = ['ark', 'who', 'listening']; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", without_psycopg],
        env={**os.environ, "ARK_DATABASE_URL": DOWN},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stderr
    assert "driver for postgresql+psycopg is not installed" in result.stderr
    assert "pip install 'ark-team[postgres]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_change_kept_waiting_too_long_gives_up_and_writes_nothing(ark: Ark, team: Path) -> None:
    engine = open_engine(ark.db_url)
    with transaction(engine, write=False) as reg:
        audit_before = reg.audit_count()
    holding, release = threading.Event(), threading.Event()

    def long_change() -> None:
        with transaction(open_engine(ark.db_url), actor="slow") as reg:
            reg.assign("bruno@acme.test", "kpi-report", Role.CONSULTED)
            reg.flush()
            holding.set()
            release.wait()  # a lead whose change takes its time

    writer = threading.Thread(target=long_change)
    writer.start()
    try:
        holding.wait()
        result = ark_process(
            "assign", "carla@acme.test", "kpi-report", "--role", "consulted",
            url=ark.db_url, cwd=ark.workspace, **{WAIT_ENV: "0.5"},
        )  # fmt: skip
    finally:
        release.set()
        writer.join()
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: the registry is busy: ")
    assert "nothing was written" in result.stderr and f"{WAIT_ENV}=SECONDS" in result.stderr
    with transaction(engine, write=False) as reg:
        assert reg.audit_count() == audit_before + 1  # the slow change's, no other
        roles = {
            (a.contributor.email, a.role)
            for a in reg.current_assignments(responsibility=reg.responsibility("kpi-report"))
        }
    assert ("carla@acme.test", Role.CONSULTED) not in roles
    assert ("bruno@acme.test", Role.CONSULTED) in roles
    # once the other change is done, the same command goes through
    assert ark_process(
        "assign", "carla@acme.test", "kpi-report", "--role", "consulted",
        url=ark.db_url, cwd=ark.workspace,
    ).returncode == 0  # fmt: skip


def test_a_registry_from_a_newer_ark_is_left_alone_with_a_clear_error(ark: Ark) -> None:
    engine = open_engine(ark.db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    out = ark("check", code=1).output
    assert "the registry's schema is at revision 9999" in out
    assert f"its newest is {SCHEMA_HEAD}" in out and "hint: upgrade Ark" in out
    assert current_revision(engine) == "9999"
