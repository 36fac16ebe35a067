"""The web plugin's hook implementations (imported at start-up: keep it light)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ark.hookspecs import hookimpl
from ark.i18n import N_

if TYPE_CHECKING:
    from collections.abc import Callable

    from ark.clihelpers import ArkGroup
    from ark.demo import DemoContext
    from ark.spec import SectionSchema


@hookimpl
def ark_register_commands(cli: ArkGroup) -> None:
    cli.add_lazy_command(
        "serve",
        "ark_web.cli:serve",
        N_("Serve the workspace in the browser (pages and the /api/v1 JSON API)."),
    )
    cli.add_lazy_command(
        "user", "ark_web.cli:user", N_("Accounts of the people who sign in to `ark serve`.")
    )


@hookimpl
def ark_register_sections(register: Callable[[SectionSchema], None]) -> None:
    from ark_web.oidc import SECTION

    register(SECTION)


@hookimpl
def ark_demo(context: DemoContext) -> None:
    """Accounts for the demo's fictitious people, and how to sign in."""
    from ark_web.demo import demo_accounts

    demo_accounts(context)
