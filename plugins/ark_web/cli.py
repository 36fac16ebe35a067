"""`ark serve` and `ark user`: the workspace in the browser, and the accounts that sign in to it."""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import re
import socket
from typing import TYPE_CHECKING, Any

import click

from ark.clihelpers import (
    ArkCommand,
    ArkSubgroup,
    db_option,
    engine_for,
    json_option,
    print_json,
    registry,
    speak_strategy,
)
from ark.errors import ArkError
from ark.i18n import N_, speak, tr
from ark.params import Number
from ark.vocabulary import AccountRole
from ark.workspace import ENV_URL

if TYPE_CHECKING:
    import uvicorn

ROLE = click.Choice([r.value for r in AccountRole])
URL_ENV = "ARK_WEB_URL"
# One-time links carry their secret in the path: the access log shows them masked.
LINK_IN_PATH = re.compile(r"/link/[^\s\"?]+")


class MaskLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                LINK_IN_PATH.sub("/link/***", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with one-time links masked in the access log of every process (the
    workers configure their logging from this, not from the parent's loggers), and the
    background jobs' log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"mask_links": {"()": f"{__name__}.MaskLinks"}}
    config["handlers"]["access"]["filters"] = ["mask_links"]
    # The background jobs' runs, failures and waits, in the server's log beside its requests.
    config["loggers"]["ark.jobs"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def default_workers(dialect: str) -> int:
    """One process on SQLite (one machine, one writer at a time: it starts fastest and keeps
    up with a team); one per core on PostgreSQL, where a company's workspace runs."""
    return 1 if dialect == "sqlite" else max(1, os.cpu_count() or 1)


@click.command(
    cls=ArkCommand,
    help=N_(
        "Serve the workspace in the browser (pages and the /api/v1 JSON API).\n\n"
        "On a registry with no accounts it prints a one-time link that makes its user the"
        " first admin; nothing else is reachable until someone signs in. With several "
        "workers the background jobs run once, in this process, which supervises the "
        "workers."
    ),
)
@click.option("--host", default="127.0.0.1", show_default=True, help=N_("Address to listen on."))
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=Number(1, 65535, integer=True),
    help=N_("Port to listen on."),
)
@click.option(
    "--workers",
    type=Number(1, 64, integer=True),
    help=N_(
        "Server processes answering requests [default: 1 on SQLite, one per core on PostgreSQL]."
    ),
)
@click.option(
    "--jobs/--no-jobs",
    "run_jobs",
    default=True,
    show_default=True,
    help=N_("Run the background jobs in this process (--no-jobs: `ark worker` runs them)."),
)
@db_option
def serve(host: str, port: int, workers: int | None, run_jobs: bool, db_url: str | None) -> None:
    import uvicorn

    from ark_web.app import CONNECTIONS
    from ark_web.writes import setup_link

    engine = engine_for(db_url, connections=CONNECTIONS)
    count = int(workers or default_workers(engine.dialect.name))
    if count > 1 and engine.url.database in (None, "", ":memory:"):
        raise ArkError(
            N_("an in-memory registry lives in one process: it cannot have several workers"),
            hint=N_("use --workers 1, or a registry file or PostgreSQL"),
        )
    base = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    speak_strategy(db_url)
    secret = setup_link(engine)
    click.echo(tr(N_("Ark is at {url}/ (Ctrl+C stops it)"), url=base))
    if secret:
        click.echo(
            tr(
                N_(
                    "This registry has no accounts yet. Open this one-time link to become its "
                    "first admin:"
                )
            )
        )
        click.echo(f"  {base}/link/{secret}")
    # The jobs run here speak English, as in `ark worker`: they inherit this language, so it
    # goes back to English. Each request speaks the strategy's (`ark_web.language`).
    speak("en")
    if count == 1:
        from ark.workspace import find_workspace
        from ark_web.app import create_app

        app = create_app(engine, playbook=find_workspace() / "playbook" / "site", run_jobs=run_jobs)
        uvicorn.run(app, host=host, port=port, log_config=log_config())
        return
    from ark_web.jobs import start_jobs

    # The workers open the registry this process opened, whatever named it.
    os.environ[ENV_URL] = engine.url.render_as_string(hide_password=False)
    scheduler = start_jobs(engine) if run_jobs else None
    try:
        supervise(host, port, count)
    finally:
        if scheduler is not None:
            scheduler.shutdown()


def supervise(host: str, port: int, workers: int) -> None:
    """Run `workers` server processes on one listening socket until stopped.

    What `uvicorn.run(..., workers=N)` does, but the socket listens before its address is
    printed: a request sent at once waits in the backlog for a worker instead of being
    refused while the workers start.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "ark_web.app:from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(),
    )
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C stops it, as it stops uvicorn
        Multiprocess(config, sockets=[listening_socket(config)]).run()


def listening_socket(config: uvicorn.Config) -> socket.socket:
    """The workers' shared socket, listening, with TCP_NODELAY set on it for the connections
    it accepts to inherit: the workers' event loops leave a connection handed over this way
    with Nagle's algorithm on, so every answer after the first on a kept-alive connection
    waited about 40 ms for the browser's delayed acknowledgement."""
    sock = config.bind_socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(config.backlog)
    return sock


@click.group(cls=ArkSubgroup, help=N_("Accounts of the people who sign in to `ark serve`."))
def user() -> None:
    pass


@user.command(
    "add",
    help=N_("Add an account for EMAIL (a contributor's account is their contributor e-mail)."),
)
@click.argument("email")
@click.option("--role", type=ROLE, required=True, help=N_("What the account may do."))
@db_option
def user_add(email: str, role: str, db_url: str | None) -> None:
    from ark.accounts import add_account

    with registry(db_url) as reg:
        info = add_account(reg, email, AccountRole(role))
    click.echo(
        tr(
            N_("added {email} ({role}); next: `ark user reset-link {email}`"),
            email=info.email,
            role=tr(ACCOUNT_ROLES[AccountRole(info.role)]),
        )
    )


ACCOUNT_ROLES = {
    AccountRole.ADMIN: N_("admin"),
    AccountRole.LEAD: N_("lead"),
    AccountRole.MEMBER: N_("member"),
    AccountRole.VIEWER: N_("viewer"),
}


@user.command("list", help=N_("List the accounts and their roles."))
@db_option
@json_option
def user_list(db_url: str | None, as_json: bool) -> None:
    from ark.accounts import accounts

    with registry(db_url, write=False) as reg:
        rows = accounts(reg)
    if as_json:
        print_json(
            [
                {
                    "email": a.email,
                    "role": str(a.role),
                    "disabled": a.disabled,
                    "has_password": a.has_password,
                }
                for a in rows
            ]
        )
        return
    for a in rows:
        state = (
            N_("disabled")
            if a.disabled
            else (N_("active") if a.has_password else N_("no password yet"))
        )
        click.echo(f"{a.email:<40} {tr(ACCOUNT_ROLES[AccountRole(a.role)]):<14} {tr(state)}")


@user.command("set-role", help=N_("Give EMAIL's account another ROLE."))
@click.argument("email")
@click.argument("role", type=ROLE)
@db_option
def user_set_role(email: str, role: str, db_url: str | None) -> None:
    from ark.accounts import set_role

    with registry(db_url) as reg:
        info = set_role(reg, email, AccountRole(role))
    click.echo(
        tr(
            N_("{email} is {role}"),
            email=info.email,
            role=tr(ACCOUNT_ROLES[AccountRole(info.role)]),
        )
    )


@user.command(
    "disable",
    help=N_("Disable EMAIL's account: its sessions, tokens and links stop working at once."),
)
@click.argument("email")
@db_option
def user_disable(email: str, db_url: str | None) -> None:
    from ark.accounts import disable

    with registry(db_url) as reg:
        info = disable(reg, email)
    click.echo(tr(N_("{email} is disabled"), email=info.email))


@user.command(
    "reset-link",
    help=N_("Print a one-time link (valid 24 hours) for EMAIL to set a password and sign in."),
)
@click.argument("email")
@click.option(
    "--url",
    envvar=URL_ENV,
    default="http://127.0.0.1:8000",
    show_default=True,
    show_envvar=True,
    help=N_("Where `ark serve` is reached."),
)
@db_option
def user_reset_link(email: str, url: str, db_url: str | None) -> None:
    from ark.accounts import issue_reset_link

    with registry(db_url) as reg:
        secret = issue_reset_link(reg, email)
    click.echo(f"{url.rstrip('/')}/link/{secret}")
