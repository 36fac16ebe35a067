"""`ark person move`, `ark person offboard` and `ark import`: people coming, moving, leaving.

Registered through the core plugin (ark/builtin.py) like any plugin's commands; only click is
imported here, the registry when a command runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ark.clihelpers import (
    ArkCommand,
    ArkSubgroup,
    db_option,
    json_option,
    on_option,
    print_json,
    registry,
)
from ark.i18n import N_, tr

if TYPE_CHECKING:
    from ark.registry.people import Offboarding


@click.group(
    cls=ArkSubgroup,
    help=N_("Move a contributor to another department, or offboard one who leaves."),
)
def person() -> None:
    pass


@person.command(
    "move", help=N_("Move EMAIL to DEPARTMENT (its slug); roles and tasks stay theirs.")
)
@click.argument("email")
@click.argument("department")
@db_option
def person_move(email: str, department: str, db_url: str | None) -> None:
    with registry(db_url, existing=True) as reg:
        moved = reg.move(email, department)
        click.echo(
            tr(
                N_("{email} is in {department} ({slug})"),
                email=moved.email,
                department=moved.department.name,
                slug=moved.department.slug,
            )
        )


@person.command(
    "offboard",
    help=N_(
        "End every role of EMAIL, hand over their accountable roles and open tasks, "
        "archive them.\n\n"
        "The preview comes first (nothing is written while you read it); the change is "
        "one transaction."
    ),
)
@click.argument("email")
@click.option(
    "--to",
    "successor",
    metavar="EMAIL",
    help=N_("Who takes over accountable roles and open tasks."),
)
@on_option(N_("Their last day (default: today)."))
@click.option("--dry-run", is_flag=True, help=N_("Print what would happen; change nothing."))
@click.option("--yes", "-y", is_flag=True, help=N_("Do it without asking."))
@db_option
@json_option
def person_offboard(
    email: str,
    successor: str | None,
    on: dt.date | None,
    dry_run: bool,
    yes: bool,
    db_url: str | None,
    as_json: bool,
) -> None:
    with registry(db_url, existing=True) as reg:
        preview = reg.offboard(email, successor, on)
        reg.rollback()
    if as_json:
        if not (dry_run or yes):
            raise click.UsageError(
                tr(N_("--json needs --dry-run or --yes (there is nobody to ask)"))
            )
    else:
        _print_offboarding(preview, will=yes and not dry_run)
    if dry_run:
        if as_json:
            print_json(_offboarding_json(preview, dry_run=True))
        return
    if not yes:
        click.confirm(tr(N_("go ahead?")), abort=True)
    with registry(db_url, existing=True) as reg:
        done = reg.offboard(email, successor, on)
    if as_json:
        print_json(_offboarding_json(done, dry_run=False))
    else:
        click.echo(tr(N_("offboarded {email}"), email=done.contributor))


def _print_offboarding(o: Offboarding, *, will: bool) -> None:
    heading = (
        N_("offboarding {email} on {on} will:")
        if will
        else N_("offboarding {email} on {on} would:")
    )
    click.echo(tr(heading, email=o.contributor, on=o.on))
    for a in o.ended:
        click.echo(
            "  "
            + tr(
                N_("end      {role} on {slug} ({hours} h a week)"),
                role=a.role,
                slug=a.responsibility,
                hours=a.hours,
            )
        )
    for slug, taker in o.handed_over:
        click.echo("  " + tr(N_("hand     accountable on {slug} to {to}"), slug=slug, to=taker))
    for key, taker in o.tasks:
        click.echo("  " + tr(N_("hand     task {key} to {to}"), key=key, to=taker))
    click.echo(
        "  " + tr(N_("archive  contributor {email} (their history stays)"), email=o.contributor)
    )


def _offboarding_json(o: Offboarding, *, dry_run: bool) -> dict[str, object]:
    return {
        "dry_run": dry_run,
        "contributor": o.contributor,
        "to": o.successor,
        "on": o.on.isoformat(),
        "ended": [{"responsibility": a.responsibility, "role": str(a.role)} for a in o.ended],
        "handed_over": [slug for slug, _ in o.handed_over],
        "tasks": [key for key, _ in o.tasks],
    }


@click.command(
    "import",
    cls=ArkCommand,
    help=N_(
        "Add or update the contributors listed in the CSV FILE, in one transaction.\n\n"
        "Columns: email, name, department (required), capacity, jira_user. Every bad row "
        "is reported with its line, and then nothing is written."
    ),
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help=N_("Print the changes; change nothing."))
@db_option
@json_option
def import_people(file: Path, dry_run: bool, db_url: str | None, as_json: bool) -> None:
    from ark.changeset import diff
    from ark.people_csv import read_people

    with registry(db_url, existing=True) as reg:
        current = reg.team_spec()
        desired = read_people(file, current)
        changeset = diff(current, desired)
        if dry_run:
            reg.rollback()
        else:
            reg.apply(desired, changeset)
    if as_json:
        print_json(
            {
                "dry_run": dry_run,
                "counts": changeset.counts(),
                "changes": [c.as_json() for c in changeset.changes],
            }
        )
        return
    for line in changeset.lines():
        click.echo(line)
    counts = changeset.counts().get("contributor", {"add": 0, "change": 0})
    summary = (
        N_("contributors: would add {added}, would change {changed}")
        if dry_run
        else N_("contributors: added {added}, changed {changed}")
    )
    click.echo(tr(summary, added=counts["add"], changed=counts["change"]))
