"""The `ark` command: a thin layer over the registry service.

Only click is imported at start-up; SQLAlchemy, YAML and the plugins' libraries are imported
by the commands that use them, so `ark --help` answers fast.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ark.clihelpers import (
    EXISTS,
    NOBODY,
    OVERWRITE,
    WROTE,
    ArkGroup,
    db_option,
    json_option,
    lang_option,
    on_option,
    parse_date,
    print_json,
    read,
    registry,
)
from ark.errors import FIX, WARNING, ArkError, NotFound
from ark.i18n import LEVEL_LABELS, N_, Nn_, counted, say, speak, tr
from ark.lists import COMMANDS as LIST_COMMANDS
from ark.params import NOTE, Number
from ark.vocabulary import (
    EDITORIAL_CALENDAR,
    BusinessType,
    CalendarStatus,
    Role,
    TaskStatus,
)

if TYPE_CHECKING:
    from ark.registry.queries import Queries
    from ark.registry.results import AssignmentRow, Page, TaskRow


@click.group(
    cls=ArkGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_("Ark: organise the cross-functional team behind a social media strategy."),
)
@click.version_option(package_name="ark-team")
def cli() -> None:
    pass


# -- the team file ------------------------------------------------------------------------------


@cli.command(help=N_("Write DIRECTORY/ark.yaml: a complete starting strategy to edit."))
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--template", default="ark", show_default=True, help=N_("Starter template."))
@click.option(
    "--business-type",
    type=click.Choice([b.value for b in BusinessType]),
    default="commercial",
    show_default=True,
    help=N_("Which typical objectives to start from."),
)
@lang_option(N_("The strategy's language: its texts, and what Ark says about it."))
@click.option("--force", is_flag=True, help=N_("Overwrite an existing ark.yaml."))
def init(directory: Path, template: str, business_type: str, lang: str, force: bool) -> None:
    from ark.export import dump_team
    from ark.files import write_atomic
    from ark.plugins import hooks

    speak(lang)
    chosen = templates().get(template)
    if chosen is None:
        raise ArkError(
            N_("no template {template!r}"),
            hint=N_("use one of: {names}"),
            args={"template": template, "names": ", ".join(templates())},
        )
    target = directory / "ark.yaml"
    if target.exists() and not force:
        raise ArkError(EXISTS, hint=OVERWRITE, args={"path": target})
    kind = BusinessType(business_type)
    spec = chosen.render(kind, lang, dt.date.today())
    write_atomic(target, dump_team(spec, header=chosen.header(kind, lang)).encode("utf-8"))
    click.echo(
        tr(
            N_("wrote {path}: {departments}, {responsibilities}, {objectives}"),
            path=target,
            departments=counted(
                Nn_("{count} department", "{count} departments"), len(spec.departments)
            ),
            responsibilities=counted(
                Nn_("{count} responsibility", "{count} responsibilities"),
                len(spec.responsibilities),
            ),
            objectives=counted(
                Nn_("{count} objective", "{count} objectives"), len(spec.objectives)
            ),
        )
    )
    hooks().ark_init_workspace(directory=directory, template=template, lang=lang)
    click.echo(
        tr(N_("next: edit it, then `ark check --file {path}` and `ark apply {path}`"), path=target)
    )


def templates() -> dict[str, Any]:
    from ark.plugins import hooks

    found: dict[str, Any] = {}
    hooks().ark_register_templates(register=lambda t: found.setdefault(t.name, t))
    return found


@cli.command(
    help=N_(
        "Make the registry match the team FILE, in one transaction.\n\n"
        "Edits made since the file was last applied or exported (`ark assign`, ...) are "
        "listed as reverts and left alone unless --force is given; `ark export FILE` "
        "takes them in."
    )
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help=N_("Print the changes; change nothing."))
@click.option(
    "--force",
    is_flag=True,
    help=N_("Undo the edits made in the registry since the file was last applied or exported."),
)
@db_option
@json_option
def apply(file: Path, dry_run: bool, force: bool, db_url: str | None, as_json: bool) -> None:
    from ark.drift import file_digest
    from ark.quick import unchanged
    from ark.workspace import default_url

    digest = file_digest(file.read_bytes()) if file.is_file() else ""
    if digest and unchanged(db_url or default_url(file.parent, create=False), digest):
        _print_apply(dry_run, None, [], as_json)
        return
    from ark.drift import pending_reverts
    from ark.teamfile import deprecated, read_team_file

    spec = read_team_file(file)
    speak(spec.strategy.lang)  # the file's: what the registry is about to say
    for problem in deprecated(file, spec):
        click.echo(f"{tr(WARNING)} {problem}", err=True)
    with registry(db_url, file.parent) as reg:
        speak(spec.strategy.lang)  # the registry spoke its own
        changeset = reg.changeset(spec)
        undone = pending_reverts(reg, changeset)
        if dry_run:
            reg.rollback()
        elif undone and not force:
            for r in undone:
                click.echo(f"{tr(REVERT)} {r.describe()}", err=True)
            raise ArkError(
                Nn_(
                    "{file} would undo {count} edit made since it was last applied or "
                    "exported; nothing was changed",
                    "{file} would undo {count} edits made since it was last applied or "
                    "exported; nothing was changed",
                ),
                hint=N_(
                    "run `ark export {file}` to take them into the file, "
                    "or pass --force to undo them"
                ),
                args={"file": file, "count": len(undone)},
            )
        else:
            reg.apply(spec, changeset)
            reg.mark_file(digest)
    _print_apply(dry_run, changeset, undone, as_json)


def _print_apply(dry_run: bool, changeset: Any, undone: list[Any], as_json: bool) -> None:
    """Report an apply: its changes (none when `plan` is None), reverts first."""
    changes = changeset.changes if changeset else ()
    if as_json:
        print_json(
            {
                "dry_run": dry_run,
                "counts": changeset.counts() if changeset else {},
                "changes": [c.as_json() for c in changes],
                "reverts": [r.as_json() for r in undone],
            }
        )
        return
    for r in undone:
        click.echo(f"{tr(REVERT)} {r.describe()}")
    for change in changes:
        click.echo(change.describe())
    if not changeset:
        click.echo(tr(N_("nothing to change: the registry matches the file")))
        return
    summary = ", ".join(
        f"{tr(ENTITIES[entity])}: +{n['add']} ~{n['change']} -{n['remove']}"
        for entity, n in changeset.counts().items()
    )
    click.echo(
        tr(N_("would change: {summary}") if dry_run else N_("changed: {summary}"), summary=summary)
    )


REVERT = N_("revert:")
# What `ark apply` counts, as its summary names them (the JSON keeps `ark.changeset.ORDER`'s words).
ENTITIES = {
    "registry": N_("registry"),
    "strategy": N_("strategy"),
    "department": N_("departments"),
    "kpi": N_("KPIs"),
    "contributor": N_("people"),
    "segment": N_("segments"),
    "channel": N_("channels"),
    "responsibility": N_("responsibilities"),
    "assignment": N_("assignments"),
    "objective": N_("objectives"),
    "section": N_("sections"),
}


@cli.command(
    help=N_(
        "Write the registry as a team file (to FILE, keeping its comments, or to stdout).\n\n"
        "Writing FILE takes in the edits made since it was last applied, so applying it "
        "next reverts nothing."
    )
)
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--raci-csv", is_flag=True, help=N_("Write the RACI matrix as CSV instead of the team file.")
)
@click.option("--force", is_flag=True, help=N_("Write FILE even from an empty registry."))
@db_option
def export(file: Path | None, raci_csv: bool, force: bool, db_url: str | None) -> None:
    from ark.drift import file_digest
    from ark.export import dump_team
    from ark.files import read_bounded, write_atomic
    from ark.spec import TeamSpec
    from ark.teamfile import MAX_BYTES

    if raci_csv:
        from ark.raci import raci_csv as matrix

        with registry(db_url, write=False) as reg:
            csv_text = matrix(reg.team_spec())
        if file is None:
            click.echo(csv_text, nl=False)
        else:
            write_atomic(file, csv_text.encode("utf-8"))
            click.echo(tr(WROTE, path=file))
        return
    if file is None:
        with registry(db_url, write=False) as reg:
            click.echo(dump_team(reg.team_spec()), nl=False)
        return
    existing = read_bounded(file, MAX_BYTES, what="team file") if file.exists() else b""
    text = existing.decode("utf-8", errors="replace")
    with registry(db_url, file.parent, existing=True) as reg:
        spec = reg.team_spec()
        empty = spec == TeamSpec(strategy=spec.strategy, sections=spec.sections)
        if existing.strip() and empty and not force:
            raise ArkError(
                N_(
                    "the registry is empty: exporting it would replace the {lines} lines of "
                    "{file} with an empty team; nothing was written"
                ),
                hint=N_(
                    "check --db or ARK_DATABASE_URL, apply the file first (`ark apply {file}`), "
                    "or pass --force to empty the file"
                ),
                args={"lines": text.count("\n"), "file": file},
            )
        try:
            new = dump_team(spec, text or None)
        except ArkError:
            if not force:
                raise
            new = dump_team(spec)
        written = write_atomic(file, new.encode("utf-8"))
        reg.mark_file(file_digest(new.encode("utf-8")))
    click.echo(tr(WROTE if written else N_("{path} already says the registry's state"), path=file))


# -- assignments ----------------------------------------------------------------------------------


ROLE = click.Choice([r.value for r in Role])


@cli.command(help=N_("Give EMAIL a RACI role on RESPONSIBILITY."))
@click.argument("email")
@click.argument("responsibility")
@click.option("--role", type=ROLE, required=True, help=N_("The RACI role to give."))
@click.option(
    "--hours",
    type=Number(0, 80),
    help=N_("Hours a week (default: 0 for a new role; unchanged for a role already held)."),
)
@on_option(N_("Effective date (default: today)."), "--from")
@click.option("--replace", is_flag=True, help=N_("Hand over the accountable role from its holder."))
@db_option
def assign(
    email: str,
    responsibility: str,
    role: str,
    hours: float | None,
    on: dt.date | None,
    replace: bool,
    db_url: str | None,
) -> None:
    with registry(db_url) as reg:
        row = reg.assign(email, responsibility, Role(role), hours=hours, since=on, replace=replace)
        click.echo(
            tr(
                N_("{email} is {role} for {responsibility} ({hours} h a week) from {since}"),
                email=row.contributor.email,
                role=Role(row.role),
                responsibility=responsibility,
                hours=row.hours,
                since=row.valid_from,
            )
        )


@cli.command(help=N_("End EMAIL's roles on RESPONSIBILITY (the history is kept)."))
@click.argument("email")
@click.argument("responsibility")
@click.option("--role", type=ROLE, help=N_("End only this role (default: every role)."))
@on_option(N_("Last day (default: today)."))
@db_option
def unassign(
    email: str, responsibility: str, role: str | None, on: dt.date | None, db_url: str | None
) -> None:
    with registry(db_url) as reg:
        for a in reg.unassign(email, responsibility, Role(role) if role else None, on):
            click.echo(
                tr(
                    N_("{email} is no longer {role} for {responsibility}"),
                    email=a.contributor.email,
                    role=Role(a.role),
                    responsibility=responsibility,
                )
            )


def _assignment_json(a: AssignmentRow) -> dict[str, Any]:
    return {
        "contributor": a.email,
        "name": a.name,
        "responsibility": a.responsibility,
        "role": a.role,
        "hours": a.hours,
        "from": a.since.isoformat(),
        "to": a.until.isoformat() if a.until else None,
    }


@cli.command(help=N_("Who carries RESPONSIBILITY now, by role."))
@click.argument("responsibility")
@db_option
@json_option
def who(responsibility: str, db_url: str | None, as_json: bool) -> None:
    from ark.quick import who as quick_who
    from ark.workspace import default_url

    data = quick_who(db_url or default_url(create=False), responsibility)
    if data is None:
        with registry(db_url, write=False) as reg:
            found = reg.read.responsibilities(slug=responsibility).items
            held = reg.read.assignments(responsibility=responsibility).items
        if not found:
            raise NotFound.responsibility(responsibility)
        data = {
            "responsibility": responsibility,
            "title": found[0].title,
            "assignments": [_assignment_json(a) for a in held],
        }
    if as_json:
        print_json(data)
        return
    rows = data["assignments"]
    click.echo(f"{data['title']} ({responsibility})")
    for a in rows:
        click.echo(f"  {say(Role(a['role'])):<16} {a['contributor']:<32} {_held(a)}")
    if not rows:
        click.echo("  " + tr(N_("nobody")))


def _held(a: dict[str, Any]) -> str:
    """How much of a week a role takes, and since when."""
    since = dt.date.fromisoformat(a["from"])
    return f"{say(a['hours']):>5} h  " + tr(N_("since {date}"), date=since)


@cli.command(help=N_("A contributor: department, capacity and current roles."))
@click.argument("email")
@db_option
@json_option
def show(email: str, db_url: str | None, as_json: bool) -> None:
    people, held, departments = read(
        db_url,
        lambda q: (q.people(email=email), q.assignments(person=email), q.departments()),
    )
    if not people.items:
        raise NotFound.contributor(email)
    c = people.items[0]
    rows = [_assignment_json(a) for a in held.items]
    if as_json:
        print_json(
            {
                "email": c.email,
                "name": c.name,
                "department": c.department,
                "capacity": c.capacity,
                "assigned_hours": c.assigned_hours,
                "jira_user": c.jira_user,
                "assignments": rows,
            }
        )
        return
    department = next((d.name for d in departments.items if d.slug == c.department), c.department)
    click.echo(
        f"{c.name} <{c.email}>, {department}; "
        + tr(N_("{hours} of {capacity} h a week"), hours=c.assigned_hours, capacity=c.capacity)
    )
    for a in rows:
        click.echo(f"  {say(Role(a['role'])):<16} {a['responsibility']:<28} {_held(a)}")


@cli.command(help=N_("Who held which role on RESPONSIBILITY, from when to when."))
@click.argument("responsibility")
@db_option
@json_option
def history(responsibility: str, db_url: str | None, as_json: bool) -> None:
    found, held = read(
        db_url,
        lambda q: (
            q.responsibilities(slug=responsibility, limit=0),
            q.assignments(responsibility=responsibility, history=True),
        ),
    )
    if not found.total:
        raise NotFound.responsibility(responsibility)
    rows = [_assignment_json(a) for a in held.items]
    if as_json:
        print_json(rows)
        return
    for a in rows:
        until = say(dt.date.fromisoformat(a["to"])) if a["to"] else tr(N_("now"))
        since = say(dt.date.fromisoformat(a["from"]))
        click.echo(f"{since} .. {until:<12}  {say(Role(a['role'])):<16} {a['contributor']}")


# -- checks ----------------------------------------------------------------------------------------


@cli.command(
    help=N_(
        "Check the team: RACI, capacity, departments, SMART objectives, and plugins' "
        "checks.\n\n"
        "Exit code 1 when any error is found (2 when --file is not a valid team file)."
    )
)
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("Check a team file instead of the registry (no database is touched)."),
)
@db_option
@json_option
def check(file: Path | None, db_url: str | None, as_json: bool) -> None:
    from ark.checks import check_team
    from ark.plugins import hooks

    if file is not None:
        from ark.teamfile import read_team_file

        spec = read_team_file(file)
        context = registry("sqlite://")
    else:
        spec, context = None, registry(db_url, write=False)
    with context as reg:
        if spec is not None and file is not None:
            reg.apply(spec)
            speak(spec.strategy.lang)
            hooks().ark_check_workspace(registry=reg, directory=file.parent)
        findings = check_team(reg, hooks())
    errors = sum(f.level == "error" for f in findings)
    if as_json:
        print_json({"errors": errors, "findings": [f.as_json() for f in findings]})
    else:
        for f in findings:
            click.echo(
                f"{tr(LEVEL_LABELS[f.level]):<8} {f.code:<20} {f.message}"
                + (f"\n         {tr(FIX)} {f.fix}" if f.fix else "")
            )
        click.echo(tally(errors, len(findings) - errors))
    if errors:
        sys.exit(1)


def tally(errors: int, warnings: int) -> str:
    """How many errors and warnings `ark check` found (the demo says it too)."""
    return tr(
        N_("{errors}, {warnings}"),
        errors=counted(Nn_("{count} error", "{count} errors"), errors),
        warnings=counted(Nn_("{count} warning", "{count} warnings"), warnings),
    )


# -- tasks -----------------------------------------------------------------------------------------


@cli.group(help=N_("Tasks that come out of responsibilities' cadences and objectives' tactics."))
def tasks() -> None:
    pass


def _task_json(t: Any) -> dict[str, Any]:
    return {
        "key": t.key,
        "title": t.title,
        "responsibility": t.responsibility.slug,
        "status": str(t.status),
        "assignee": t.assignee.email if t.assignee else None,
        "due": t.due.isoformat() if t.due else None,
    }


@tasks.command(
    "plan", help=N_("Create the tasks due until DATE; planning twice creates nothing new.")
)
@click.option(
    "--until",
    required=True,
    callback=parse_date,
    metavar="DATE",
    help=N_("The last day of the tasks to create."),
)
@click.option("--from", "start", callback=parse_date, metavar="DATE", help=N_("Default: today."))
@db_option
@json_option
def tasks_plan(until: dt.date, start: dt.date | None, db_url: str | None, as_json: bool) -> None:
    with registry(db_url) as reg:
        created = [_task_json(t) for t in reg.plan_tasks(until, start)]
        skipped = [f"{objective}/{tactic}" for objective, tactic in reg.unowned_tactics()]
    if as_json:
        print_json({"created": created, "skipped": skipped})
        return
    for t in created:
        _echo_planned(t)
    click.echo(tr(Nn_("{count} task planned", "{count} tasks planned"), count=len(created)))
    if skipped:
        click.echo(
            tr(
                Nn_(
                    "{count} tactic not planned, with no responsibility: {tactics} "
                    "(ark check says how to give it one)",
                    "{count} tactics not planned, with no responsibility: {tactics} "
                    "(ark check says how to give them one)",
                ),
                count=len(skipped),
                tactics=", ".join(skipped),
            ),
            err=True,
        )


def _echo_planned(t: dict[str, Any]) -> None:
    due = tr(N_("due {date}"), date=dt.date.fromisoformat(t["due"])) if t["due"] else ""
    click.echo(f"+ {t['key']:<36} {t['assignee'] or tr(NOBODY):<30} {due}".rstrip())


DUE = ("this-week", "overdue")


@tasks.command("list", help=N_("List tasks, by due date (undated last)."))
@click.option(
    "--status",
    type=click.Choice([s.value for s in TaskStatus]),
    help=N_("Only tasks in this status."),
)
@click.option("--responsibility", metavar="SLUG", help=N_("Only tasks of this responsibility."))
@click.option("--assignee", metavar="EMAIL", help=N_("Only tasks assigned to EMAIL."))
@click.option(
    "--due",
    type=click.Choice(DUE),
    help=N_("Open tasks due this week (Monday to Sunday) or already overdue."),
)
@click.option("--mine", is_flag=True, help=N_("Only the tasks of ARK_USER (your e-mail)."))
@db_option
@json_option
def tasks_list(
    status: str | None,
    responsibility: str | None,
    assignee: str | None,
    due: str | None,
    mine: bool,
    db_url: str | None,
    as_json: bool,
) -> None:
    from ark.registry.base import current_actor

    if mine and assignee:
        raise click.UsageError(tr(N_("use --mine or --assignee, not both")))
    if mine:
        assignee = current_actor()
    today = dt.date.today()
    due_from = due_by = None
    if due == "this-week":
        due_from = today - dt.timedelta(days=today.weekday())
        due_by = due_from + dt.timedelta(days=6)
    elif due == "overdue":
        due_by = today - dt.timedelta(days=1)

    def query(q: Queries) -> tuple[bool, bool, Page[TaskRow]]:
        return (
            responsibility is None or q.responsibilities(slug=responsibility, limit=0).total > 0,
            assignee is None or q.people(email=assignee, limit=0).total > 0,
            q.tasks(
                status=status,
                responsibility=responsibility,
                assignee=assignee,
                open_only=due is not None,
                due_from=due_from,
                due_by=due_by,
            ),
        )

    responsibility_known, assignee_known, page = read(db_url, query)
    if not responsibility_known and responsibility is not None:
        raise NotFound.responsibility(responsibility)
    if not assignee_known and assignee is not None:
        if mine:
            raise ArkError(
                N_("--mine: ARK_USER is {user!r}, which is no contributor's e-mail"),
                hint=N_("set ARK_USER to your e-mail, or use --assignee EMAIL"),
                args={"user": assignee},
            )
        raise NotFound.contributor(assignee)
    if as_json:
        print_json([t.as_json() for t in page.items])
        return
    for t in page.items:
        due_on = say(t.due) if t.due else ""
        status = say(TaskStatus(t.status))
        click.echo(f"{due_on:<12}  {status:<12} {t.key:<36} {t.assignee or tr(NOBODY)}")


@tasks.command("set", help=N_("Move task KEY to STATUS."))
@click.argument("key")
@click.argument("status", type=click.Choice([s.value for s in TaskStatus]))
@click.option(
    "--note",
    default="",
    type=NOTE,
    help=N_("The outcome, kept with the task (and its process log)."),
)
@db_option
def tasks_set(key: str, status: str, note: str, db_url: str | None) -> None:
    with registry(db_url) as reg:
        task = reg.set_task_status(key, TaskStatus(status), note=note)
        click.echo(tr(N_("{key} is {status}"), key=task.key, status=TaskStatus(task.status)))


# -- KPIs ------------------------------------------------------------------------------------------


@cli.group(help=N_("Readings of KPIs against the objectives' targets."))
def kpi() -> None:
    pass


@kpi.command("record", help=N_("Store a reading of KPI."))
@click.argument("kpi_slug", metavar="KPI")
@click.argument("value", type=Number())
@on_option(N_("The reading's date (default: today)."), "--date")
@db_option
def kpi_record(kpi_slug: str, value: float, on: dt.date | None, db_url: str | None) -> None:
    with registry(db_url) as reg:
        row = reg.record_kpi(kpi_slug, value, on)
        click.echo(
            tr(N_("{kpi} = {value} on {date}"), kpi=kpi_slug, value=row.value, date=row.date)
        )


@kpi.command(
    "show",
    help=N_(
        "List the readings of KPI with the share of the way each has come from its "
        "objectives' baselines to their targets."
    ),
)
@click.argument("kpi_slug", metavar="KPI")
@db_option
@json_option
def kpi_show(kpi_slug: str, db_url: str | None, as_json: bool) -> None:
    from ark.i18n import speaking, unit
    from ark.progress import progress
    from ark.vocabulary import Direction

    with registry(db_url, write=False) as reg:
        found = reg.read.kpis(slug=kpi_slug).items
        measured = reg.read.readings(kpis=[kpi_slug]).items
        goals = reg.read.goals(kpi=kpi_slug).items
    if not found:
        raise NotFound.kpi(kpi_slug)
    k = found[0]
    readings: list[dict[str, Any]] = [
        {"date": m.date.isoformat(), "value": m.value} for m in measured
    ]
    targets: list[dict[str, Any]] = [
        {
            "objective": g.objective,
            "baseline": g.baseline,
            "target": g.target,
            "deadline": g.deadline.isoformat() if g.deadline else None,
        }
        for g in goals
    ]
    for r in readings:
        r["progress"] = {
            t["objective"]: progress(t["baseline"], t["target"], r["value"], Direction(k.direction))
            for t in targets
        }
    if as_json:
        print_json(
            {
                "kpi": kpi_slug,
                "name": k.name,
                "unit": k.unit,
                "direction": k.direction,
                "readings": readings,
                "targets": targets,
            }
        )
        return
    click.echo(f"{k.name} ({unit(speaking(), k.unit)}, {say(Direction(k.direction))})")
    for t in targets:
        if t["target"] is None:
            continue
        line = N_("target {target} by {deadline} ({objective})")
        if t["baseline"] is not None:
            line = N_("target {baseline} -> {target} by {deadline} ({objective})")
        deadline = dt.date.fromisoformat(t["deadline"]) if t["deadline"] else "-"
        click.echo("  " + tr(line, **{**t, "deadline": deadline}))
    for r in readings:
        shares = "".join(
            "  " + tr(N_("{share}% of {objective}"), share=round(share), objective=name)
            for name, share in r["progress"].items()
            if share is not None
        )
        day = say(dt.date.fromisoformat(r["date"]))
        click.echo(f"  {day:<12}  {say(r['value']):>10}{shares}")


# -- the editorial calendar ------------------------------------------------------------------------


@cli.group(help=N_("The editorial calendar: who contributes what, where and when."))
def calendar() -> None:
    pass


def _entry_json(e: Any) -> dict[str, Any]:
    return {
        "id": e.id,
        "date": e.date.isoformat(),
        "topic": e.topic,
        "channel": e.channel.slug if e.channel else None,
        "department": e.department.slug if e.department else None,
        "contributor": e.contributor.email if e.contributor else None,
        "draft_due": e.draft_due.isoformat() if e.draft_due else None,
        "status": str(e.status),
    }


def _echo_entry(e: dict[str, Any]) -> None:
    who = e["contributor"] or e["department"] or tr(NOBODY)
    day = say(dt.date.fromisoformat(e["date"]))
    draft = say(dt.date.fromisoformat(e["draft_due"])) if e["draft_due"] else "-"
    status = tr(PIECE_STATUSES[CalendarStatus(e["status"])])
    click.echo(
        f"{e['id']:>4}  {day:<12}  {e['channel'] or '-':<14} {who:<30} "
        f"{tr(DRAFT, date=draft):<20}  {status:<10}  {e['topic']}"
    )


DRAFT = N_("draft {date}")
PIECE_STATUSES = {
    CalendarStatus.PLANNED: N_("planned"),
    CalendarStatus.DRAFTED: N_("drafted"),
    CalendarStatus.PUBLISHED: N_("published"),
    CalendarStatus.DROPPED: N_("dropped"),
}


@calendar.command("list", help=N_("List the calendar's entries by date."))
@click.option(
    "--from",
    "start",
    callback=parse_date,
    metavar="DATE",
    help=N_("Entries published from this day."),
)
@click.option("--until", callback=parse_date, metavar="DATE", help=N_("Up to this day, included."))
@click.option("--department", metavar="SLUG", help=N_("Only this department's entries."))
@db_option
@json_option
def calendar_list(
    start: dt.date | None,
    until: dt.date | None,
    department: str | None,
    db_url: str | None,
    as_json: bool,
) -> None:
    page = read(db_url, lambda q: q.calendar(start=start, until=until, department=department))
    rows = [e.as_json() for e in page.items]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        _echo_entry(row)


@calendar.command("add", help=N_("Add TOPIC to the calendar, to publish on DATE."))
@click.argument("day", metavar="DATE", callback=parse_date)
@click.argument("topic")
@click.option("--channel", metavar="SLUG", help=N_("Where it is published (a channel's slug)."))
@click.option("--department", metavar="SLUG", help=N_("The contributing department."))
@click.option("--contributor", metavar="EMAIL", help=N_("The contributing person."))
@click.option("--draft", callback=parse_date, metavar="DATE", help=N_("Default: a week before."))
@db_option
@json_option
def calendar_add(
    day: dt.date,
    topic: str,
    channel: str | None,
    department: str | None,
    contributor: str | None,
    draft: dt.date | None,
    db_url: str | None,
    as_json: bool,
) -> None:
    with registry(db_url) as reg:
        row = _entry_json(
            reg.add_calendar_entry(
                day,
                topic,
                channel=channel,
                department=department,
                contributor=contributor,
                draft=draft,
            )
        )
    if as_json:
        print_json(row)
        return
    _echo_entry(row)


@calendar.command(
    "move", help=N_("Publish entry ID on DATE instead; its draft deadline moves with it.")
)
@click.argument("number", metavar="ID", type=int)
@click.argument("day", metavar="DATE", callback=parse_date)
@click.option("--draft", callback=parse_date, metavar="DATE", help=N_("Default: moved as much."))
@db_option
def calendar_move(number: int, day: dt.date, draft: dt.date | None, db_url: str | None) -> None:
    with registry(db_url) as reg:
        _echo_entry(_entry_json(reg.move_calendar_entry(number, day, draft)))


@calendar.command(
    "plan",
    help=N_(
        "Give each contributing department its piece of the month and a task for its "
        "draft; planning a month twice adds nothing."
    ),
)
@click.option("--month", required=True, metavar="YYYY-MM", help=N_("The month to plan."))
@click.option(
    "--responsibility",
    default=EDITORIAL_CALENDAR,
    show_default=True,
    help=N_("The responsibility whose tasks the contributions are."),
)
@click.option(
    "--department",
    "departments",
    multiple=True,
    metavar="SLUG",
    help=N_("Contributing departments (default: the strategy's expected ones)."),
)
@db_option
@json_option
def calendar_plan(
    month: str,
    responsibility: str,
    departments: tuple[str, ...],
    db_url: str | None,
    as_json: bool,
) -> None:
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise click.BadParameter(
            tr(N_("{month!r} is not a month; write YYYY-MM"), month=month)
        ) from None
    with registry(db_url) as reg:
        entries, tasks = reg.plan_calendar(first, responsibility, list(departments) or None)
        added = [_entry_json(e) for e in entries]
        planned = [_task_json(t) for t in tasks]
    if as_json:
        print_json({"entries": added, "tasks": planned})
        return
    for row in added:
        _echo_entry(row)
    for t in planned:
        _echo_planned(t)
    click.echo(
        tr(
            N_("planned: {entries} and {tasks}"),
            entries=counted(Nn_("{count} calendar entry", "{count} calendar entries"), len(added)),
            tasks=counted(Nn_("{count} task", "{count} tasks"), len(planned)),
        )
    )


# -- plugins, database, demo -----------------------------------------------------------------------


@cli.command(help=N_("List the loaded plugins and the hooks each implements."))
@json_option
def plugins(as_json: bool) -> None:
    from ark.plugins import loaded

    rows = loaded()
    if as_json:
        print_json([{"name": name, "hooks": hooks} for name, hooks in rows])
        return
    for name, hooks in rows:
        click.echo(f"{name}: {', '.join(hooks)}")


@cli.group(help=N_("The registry database."))
def db() -> None:
    pass


@db.command(
    "upgrade", help=N_("Create or upgrade the schema (also done automatically on first use).")
)
@db_option
def db_upgrade(db_url: str | None) -> None:
    from ark.db import current_revision, make_engine, upgrade
    from ark.workspace import default_url

    engine = make_engine(db_url or default_url())
    before = current_revision(engine)
    upgrade(engine)
    click.echo(
        tr(
            N_("schema at {revision} (was {before})"),
            revision=current_revision(engine),
            before=before,
        )
        if before
        else tr(N_("schema at {revision} (was empty)"), revision=current_revision(engine))
    )


@cli.command(help=N_("Build a sample Ark team in DIRECTORY and run everything on it."))
@click.argument(
    "directory",
    required=False,
    default="ark-demo",
    type=click.Path(file_okay=False, path_type=Path),
)
@lang_option(N_("The sample strategy's language."))
@click.option(
    "--force", is_flag=True, help=N_("Overwrite DIRECTORY/ark.yaml even if it was edited.")
)
@db_option
def demo(directory: Path, lang: str, force: bool, db_url: str | None) -> None:
    from ark.demo import run_demo

    run_demo(directory, lang, db_url, force=force)


for command in LIST_COMMANDS:
    cli.add_command(command)


def main() -> None:
    cli()
