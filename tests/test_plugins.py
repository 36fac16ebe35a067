"""The plugin host: a throwaway plugin's command and check work, and plugins can be blocked."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import pytest

from ark.checks import Check, Finding
from ark.cli import cli
from ark.hookspecs import hookimpl
from ark.plugins import manager
from ark.vocabulary import Level
from tests.conftest import Ark


class ThrowawayPlugin:
    """Adds `ark hello` and a check that flags every contributor without a Jira user."""

    @hookimpl
    def ark_register_commands(self, cli: click.Group) -> None:
        @cli.command(name="hello")
        @click.argument("name")
        def hello(name: str) -> None:
            click.echo(f"hello {name}")

    @hookimpl
    def ark_register_checks(self, register: Callable[[Check], None]) -> None:
        def no_jira_user(registry: object) -> Iterator[Finding]:
            from sqlalchemy import select

            from ark.models import Contributor

            session = registry.session  # type: ignore[attr-defined]
            for email in session.scalars(
                select(Contributor.email).where(Contributor.jira_user.is_(None))
            ):
                yield Finding(Level.WARNING, "no-jira-user", email, f"{email} has no Jira user")

        register(Check("jira-users", no_jira_user))


@contextmanager
def registered() -> Iterator[None]:
    """The throwaway plugin, registered for the block and always unregistered after it."""
    plugin = ThrowawayPlugin()
    manager().register(plugin, name="throwaway")  # historic: its commands are added now
    try:
        yield
    finally:
        manager().unregister(plugin)
        cli.commands.pop("hello", None)


@pytest.fixture
def throwaway() -> Iterator[None]:
    with registered():
        yield


def test_a_plugin_adds_a_command_and_a_check(ark: Ark, team: Path, throwaway: None) -> None:
    assert ark("hello", "ark").output == "hello ark\n"
    findings = ark.json("check")["findings"]
    assert {f["subject"] for f in findings if f["code"] == "no-jira-user"} == {
        "ana@acme.test",
        "bruno@acme.test",
        "carla@acme.test",
    }
    assert "throwaway" in {p["name"] for p in ark.json("plugins")}


def test_the_plugin_is_gone_once_unregistered(ark: Ark, team: Path) -> None:
    with registered():  # here, not in another test: run alone, this test still proves it
        assert ark("hello", "x").output == "hello x\n"
        assert "no-jira-user" in {f["code"] for f in ark.json("check")["findings"]}
    assert "no-jira-user" not in {f["code"] for f in ark.json("check")["findings"]}
    assert ark("hello", "x", code=2)


def _ark(
    *args: str, env: dict[str, str] | None = None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ark", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )


def test_an_installed_plugin_is_loaded_from_the_entry_point_group_and_can_be_blocked(
    tmp_path: Path,
) -> None:
    """A real distribution on sys.path, found through `ark` entry points like a pip install."""
    site = tmp_path / "site"
    (site / "ark_hello").mkdir(parents=True)
    (site / "ark_hello" / "__init__.py").write_text(
        textwrap.dedent("""
        import click
        from ark.hookspecs import hookimpl

        @hookimpl
        def ark_register_commands(cli):
            @cli.command()
            def hello():
                click.echo("hello from an installed plugin")
    """)
    )
    dist = site / "ark_hello-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ark-hello\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[ark]\nhello = ark_hello\n")
    import os

    env = {**os.environ, "PYTHONPATH": str(site), "ARK_DATABASE_URL": "sqlite://"}
    loaded = _ark("hello", env=env, cwd=tmp_path)
    assert loaded.stdout == "hello from an installed plugin\n", loaded.stderr
    assert "hello: ark_register_commands" in _ark("plugins", env=env, cwd=tmp_path).stdout
    blocked = _ark("hello", env={**env, "ARK_DISABLE_PLUGINS": "hello,other"}, cwd=tmp_path)
    assert blocked.returncode == 2
    assert "No such command 'hello'" in blocked.stderr


def test_help_imports_neither_the_database_nor_jira_nor_mkdocs(tmp_path: Path) -> None:
    probe = (
        "import sys, runpy; sys.argv = ['ark', '--help']\n"
        "try:\n    runpy.run_module('ark', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'jira', 'mkdocs', 'alembic', 'ruamel')"
        " if m in sys.modules)\nprint('HEAVY', heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=True
    ).stdout
    assert "HEAVY []" in out


def test_every_hook_has_one_typed_method_with_its_parameters() -> None:
    """`ark.plugins.Hooks` calls each hook by name with its own parameters, as tox's manager."""
    import inspect

    from ark import hookspecs
    from ark.plugins import Hooks

    for name in hookspecs.hook_names():
        method = getattr(Hooks, name, None)
        assert method is not None, f"Hooks lacks a method for {name}"
        spec = list(inspect.signature(getattr(hookspecs, name)).parameters)
        assert list(inspect.signature(method).parameters)[1:] == spec, name


def test_a_misspelt_hook_is_refused_when_plugins_load() -> None:
    import pluggy

    from ark import hookspecs

    class Misspelt:
        @hookimpl
        def ark_register_comands(self, cli: click.Group) -> None:  # one "m"
            """Never called."""

    pm = pluggy.PluginManager("ark")
    pm.add_hookspecs(hookspecs)
    pm.register(Misspelt())
    with pytest.raises(pluggy.PluginValidationError, match="ark_register_comands"):
        pm.check_pending()
