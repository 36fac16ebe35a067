"""The web plugin's hook implementations (imported at start-up: keep it light)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ark.hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable

    from ark.demo import DemoContext
    from ark.spec import SectionSchema


@hookimpl
def ark_register_commands(cli: click.Group) -> None:
    from ark_web.cli import serve, user

    cli.add_command(serve)
    cli.add_command(user)


@hookimpl
def ark_register_sections(register: Callable[[SectionSchema], None]) -> None:
    from ark_web.oidc import SECTION

    register(SECTION)


@hookimpl
def ark_demo(context: DemoContext) -> None:
    """Accounts for the demo's fictitious people, and how to sign in."""
    from ark_web.demo import demo_accounts

    demo_accounts(context)
