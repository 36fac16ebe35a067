"""The lists a team lead reaches for: `ark people`, `ark responsibilities`, `ark kpis` and
`ark log`, each a page of the read API printed as a table, JSON or CSV."""

from __future__ import annotations

import datetime as dt

import click

from ark.clihelpers import ArkCommand, db_option, list_options, parse_date, print_page, read
from ark.i18n import N_, audit_word, say, speaking, tr, unit
from ark.vocabulary import Cadence, Component, Direction


@click.command(
    cls=ArkCommand,
    help=N_("List the team's people: department, capacity and the hours their roles take."),
)
@click.option("--department", metavar="SLUG", help=N_("Only people of this department."))
@click.option("--responsibility", metavar="SLUG", help=N_("Only people holding a role on it."))
@click.option("--search", metavar="TEXT", help=N_("Only people whose e-mail or name holds TEXT."))
@click.option("--over-capacity", is_flag=True, help=N_("Only people assigned more than capacity."))
@list_options
@db_option
def people(
    department: str | None,
    responsibility: str | None,
    search: str | None,
    over_capacity: bool,
    limit: int,
    offset: int,
    as_json: bool,
    as_csv: bool,
    db_url: str | None,
) -> None:
    page = read(
        db_url,
        lambda q: q.people(
            department=department,
            responsibility=responsibility,
            search=search,
            over_capacity=over_capacity,
            offset=offset,
            limit=limit or None,
        ),
    )
    print_page(
        page,
        as_json=as_json,
        as_csv=as_csv,
        columns=(
            (N_("email"), lambda p: p.email),
            (N_("name"), lambda p: p.name),
            (N_("department"), lambda p: p.department),
            (N_("hours"), lambda p: f"{say(p.assigned_hours)}/{say(p.capacity)}"),
            (N_("roles"), lambda p: p.roles),
        ),
        empty=N_("no people match"),
    )


@click.command(
    cls=ArkCommand,
    help=N_("List the responsibilities: component, cadence, accountable person and people on it."),
)
@click.option("--department", metavar="SLUG", help=N_("Only responsibilities of this department."))
@click.option(
    "--component",
    type=click.Choice([c.value for c in Component]),
    help=N_("Only responsibilities of this component."),
)
@click.option(
    "--cadence",
    type=click.Choice([c.value for c in Cadence]),
    help=N_("Only responsibilities recurring this often."),
)
@click.option("--person", metavar="EMAIL", help=N_("Only those this person holds a role on."))
@click.option("--unowned", is_flag=True, help=N_("Only those with no accountable person."))
@click.option("--search", metavar="TEXT", help=N_("Only those whose slug or title holds TEXT."))
@list_options
@db_option
def responsibilities(
    department: str | None,
    component: str | None,
    cadence: str | None,
    person: str | None,
    unowned: bool,
    search: str | None,
    limit: int,
    offset: int,
    as_json: bool,
    as_csv: bool,
    db_url: str | None,
) -> None:
    page = read(
        db_url,
        lambda q: q.responsibilities(
            department=department,
            component=component,
            cadence=cadence,
            person=person,
            unowned=unowned,
            search=search,
            offset=offset,
            limit=limit or None,
        ),
    )
    print_page(
        page,
        as_json=as_json,
        as_csv=as_csv,
        columns=(
            (N_("slug"), lambda r: r.slug),
            (N_("component"), lambda r: r.component),
            (N_("cadence"), lambda r: say(Cadence(r.cadence))),
            (N_("accountable"), lambda r: r.accountable),
            (N_("people"), lambda r: r.people),
            (N_("hours"), lambda r: r.hours),
        ),
        empty=N_("no responsibilities match"),
    )


@click.command(
    cls=ArkCommand,
    help=N_(
        "List the KPIs with their latest reading, how far it has come from the baseline "
        "of the first goal they measure towards its target, and how many objectives they "
        "measure."
    ),
)
@click.option("--search", metavar="TEXT", help=N_("Only KPIs whose slug or name holds TEXT."))
@list_options
@db_option
def kpis(
    search: str | None,
    limit: int,
    offset: int,
    as_json: bool,
    as_csv: bool,
    db_url: str | None,
) -> None:
    from ark.formats import percent

    page = read(db_url, lambda q: q.kpis(search=search, offset=offset, limit=limit or None))
    print_page(
        page,
        as_json=as_json,
        as_csv=as_csv,
        columns=(
            (N_("slug"), lambda k: k.slug),
            (N_("name"), lambda k: k.name),
            (N_("unit"), lambda k: unit(speaking(), k.unit)),
            (N_("direction"), lambda k: say(Direction(k.direction))),
            (N_("latest"), lambda k: k.latest_value),
            (N_("on"), lambda k: k.latest_date),
            (N_("target"), lambda k: k.target),
            (
                N_("progress"),
                lambda k: None if k.progress is None else percent(k.progress, speaking()),
            ),
            (N_("objectives"), lambda k: k.objectives),
        ),
        empty=N_("no KPIs match"),
    )


@click.command(
    "log", cls=ArkCommand, help=N_("Read the audit log, newest first: who changed what, when.")
)
@click.option("--person", metavar="EMAIL", help=N_("Changes made by or made to this person."))
@click.option("--by", "actor", metavar="WHO", help=N_("Changes made by WHO (as ARK_USER said)."))
@click.option(
    "--entity",
    help=N_("Changes to this kind of thing, as --json names it: assignment, task, contributor..."),
)
@click.option("--key", help=N_("Changes to this entity key, or keys starting KEY/."))
@click.option(
    "--action", help=N_("Changes of this action, as --json names it: add, change, remove, link...")
)
@click.option("--from", "since", callback=parse_date, metavar="DATE", help=N_("From this day."))
@click.option("--until", callback=parse_date, metavar="DATE", help=N_("Up to this day, included."))
@list_options
@db_option
def log(
    person: str | None,
    actor: str | None,
    entity: str | None,
    key: str | None,
    action: str | None,
    since: dt.date | None,
    until: dt.date | None,
    limit: int,
    offset: int,
    as_json: bool,
    as_csv: bool,
    db_url: str | None,
) -> None:
    if since and until and until < since:
        raise click.BadParameter(
            tr(
                N_("{until} is before --from {since}"),
                until=until.isoformat(),
                since=since.isoformat(),
            ),
            param_hint="--until",
        )
    page = read(
        db_url,
        lambda q: q.audit_log(
            person=person,
            actor=actor,
            entity=entity,
            key=key,
            action=action,
            since=since,
            until=until,
            offset=offset,
            limit=limit or None,
        ),
    )
    print_page(
        page,
        as_json=as_json,
        as_csv=as_csv,
        columns=(
            (N_("at"), lambda e: e.at),
            (N_("actor"), lambda e: e.actor),
            (N_("action"), lambda e: say(audit_word(e.action))),
            (N_("entity"), lambda e: say(audit_word(e.entity))),
            (N_("key"), lambda e: e.key),
        ),
        empty=N_("no changes match"),
    )


COMMANDS = (people, responsibilities, kpis, log)
