"""What every `ark` command shares, the core's and the plugins': the common options, dates,
opening the registry, and printing JSON, CSV or a table.

Plugins import these from here, not from `ark.cli`, which holds the core's commands. Only
click is imported at start-up, as in `ark.cli`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ark.errors import ERROR, HINT, ArkError
from ark.i18n import (
    N_,
    Nn_,
    command_language,
    render,
    route_click_messages,
    say,
    speak,
    tr,
)
from ark.params import DATE, Number
from ark.vocabulary import LANGUAGES

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ark.registry.queries import Queries
    from ark.registry.results import Page, Result
    from ark.registry.writer import Registry

T = TypeVar("T")
ROWS = Number(0, 2**31 - 1, integer=True)  # what every database takes in LIMIT and OFFSET
F = TypeVar("F", bound=Callable[..., Any])
CHECK_PATH = N_("check the path")
# Words several commands share, the core's and the plugins'.
EXISTS = N_("{path} already exists")
OVERWRITE = N_("pass --force to overwrite it")
WROTE = N_("wrote {path}")
NOBODY = N_("(nobody)")
SHOW_HELP = N_("Show this message and exit.")
# click's own messages a person meets (usage errors, `--help`), in its wording: Ark's
# catalogue translates them and `route_click_messages` has click look them up there.
CLICK = (
    N_("Aborted!"),
    N_("Options"),
    N_("Commands"),
    N_("Usage:"),
    N_("Missing command."),
    SHOW_HELP,
    N_("Show the version and exit."),
    N_("%(prog)s, version %(version)s"),
    N_("env var: {var}"),
    N_("default: {default}"),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("Could not open file {filename!r}: {message}"),
    N_("Argument {name!r} takes {nargs} values."),
    N_("Option {name!r} does not take a value."),
    N_("Choose from:\n\t{choices}"),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("file"),
    N_("directory"),
    N_("path"),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    Nn_("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    Nn_("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    Nn_("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."),
    Nn_("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
    Nn_("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."),
)
route_click_messages()


class ArkCommand(click.Command):
    """A command whose `--help` speaks the command's language: its help, its short help in
    the command list and its options' help are written in English and marked in the code
    with `N_`, and looked up in the catalogue when the help is written, not when the
    command is defined: at import the language is not known yet, and tests run commands in
    several languages in one process. Every command of the core and of the plugins is one
    (tests/test_i18n.py walks them all), so no command translates its own help."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """click makes the `--help` option once per command and keeps it, with the words of
        the language first asked: it gets the command's language's each time."""
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = tr(SHOW_HELP)
        return option

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with in_language([self, *self.get_params(ctx)]):
            super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with in_language([self]):
            return super().get_short_help_str(limit)


@contextmanager
def in_language(items: Sequence[click.Command | click.Parameter]) -> Iterator[None]:
    """The help of `items` in the command's language while click writes it; as marked after.

    click reads the texts from the objects themselves while it formats them (adding
    defaults, shortening, wrapping); swapping them for the time of a help page keeps all of
    that click's, whatever its version.
    """
    marked = [
        (item, item.help)
        for item in items
        if isinstance(item, click.Command | click.Option) and item.help
    ]
    shorts = [(c, c.short_help) for c in items if isinstance(c, click.Command) and c.short_help]
    for item, text in marked:
        item.help = tr(text)
    for command, text in shorts:
        command.short_help = tr(text)
    try:
        yield
    finally:
        for item, text in marked:
            item.help = text
        for command, text in shorts:
            command.short_help = text


class ArkSubgroup(ArkCommand, click.Group):
    """A group of commands (`ark db`, `ark tasks`, a plugin's `ark jira`)."""

    command_class = ArkCommand
    group_class = type  # its own groups are ArkSubgroups too


class ArkGroup(ArkCommand, click.Group):
    """Turns `ArkError`s into a message and their exit code instead of a traceback.

    A path the file system refuses (a name too long, a file where a folder is needed) can
    surface from any command's first look at it; it gets the same one-line treatment.

    It also adds the plugins' commands only when a name is not a core command's (or the list
    is shown): `ark who`, run many times a day, never loads the plugins. And a command added
    with `add_lazy_command` is imported only when it is the one run (as `flask` and `pip` do):
    `ark jira sync` imports no other plugin's command line, and `ark --help` none at all.
    """

    plugin_commands_added = False
    command_class = ArkCommand
    group_class = ArkSubgroup

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, tuple[str, str]] = {}

    def add_lazy_command(self, name: str, target: str, short_help: str) -> None:
        """Add the command `target` ("module:attribute") under `name`, imported on first use;
        `short_help` is its line in `ark --help` (tests/test_startup.py keeps it the
        command's own)."""
        self.lazy[name] = (target, short_help)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name) or self._load(cmd_name)
        if found is None and self.add_plugin_commands():
            found = super().get_command(ctx, cmd_name) or self._load(cmd_name)
        return found

    def _load(self, name: str) -> click.Command | None:
        if name not in self.lazy:
            return None
        import importlib

        module, _, attribute = self.lazy.pop(name)[0].partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        self.add_command(command, name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.add_plugin_commands()
        return sorted({*super().list_commands(ctx), *self.lazy})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `ark --help` as click writes it, the lazy commands' lines
        taken from their registration instead of an import."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)
        rows = []
        for name in names:
            if name in self.lazy:  # shortened as click shortens a command's own help
                command: click.Command | None = ArkCommand(name, help=self.lazy[name][1])
            else:
                command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section(tr(N_("Commands"))):
                formatter.write_dl(rows)

    def add_plugin_commands(self) -> bool:
        """Add every plugin's commands, once; whether any were added now."""
        if self.plugin_commands_added:
            return False
        from ark.plugins import hooks

        self.plugin_commands_added = True
        hooks().ark_register_commands(cli=self)
        return True

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run `ark` in its own language, from parsing the command line (click's usage
        errors) to the last line printed (see `ark.i18n.command_language`)."""
        with command_language():
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ArkError as exc:  # in its own language: a team file's, before a registry
            click.echo(f"{render(exc.language, ERROR)} {exc}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            raise  # the reader left (`ark who | head`): click ends quietly, as Unix tools do
        except OSError as exc:
            where = f"{str(exc.filename)[:120]}: " if exc.filename else ""
            click.echo(f"{tr(ERROR)} {where}{exc.strerror or exc}", err=True)
            click.echo(f"  {tr(HINT)} {tr(CHECK_PATH)}", err=True)
            ctx.exit(1)


def db_option(func: F) -> F:
    """`--db URL` on every command (default: `ARK_DATABASE_URL`, else the workspace's SQLite)."""
    return click.option(
        "--db",
        "db_url",
        metavar="URL",
        envvar="ARK_DATABASE_URL",
        help=N_("Registry database URL (default: .ark/ark.db in the workspace)."),
    )(func)


def lang_option(help: str) -> Callable[[F], F]:
    """`--lang en|es|it` (English unless told) for the commands that write text in a language;
    `help` says which text."""
    return click.option(
        "--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help=help
    )


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help=N_("Print JSON for machines."))(
        func
    )


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """The callback of every date option (see `ark.params.Date`)."""
    return None if value is None else DATE.convert(value, param, ctx)


class AliasedOption(click.Option):
    """An option whose older names still work but are left out of `--help`."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        names, self.opts = self.opts, self.opts[:1]
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts = names


def on_option(help: str, *old_names: str) -> Callable[[F], F]:
    """`--on DATE`, the one name of a change's date across commands (`old_names` still work)."""
    return click.option(
        "--on",
        *old_names,
        "on",
        cls=AliasedOption,
        callback=parse_date,
        metavar="DATE",
        help=help,
    )


def engine_for(
    db_url: str | None,
    workspace: Path | None = None,
    *,
    create: bool = True,
    connections: int | None = None,
) -> Engine:
    from ark.db import open_engine

    return open_engine(db_url, workspace=workspace, create=create, connections=connections)


def command_name(context: click.Context | None) -> str | None:
    """The command being run, without the program's name (`person offboard`), however `ark`
    was started (`ark`, `python -m ark`, a test's runner)."""
    names: list[str] = []
    while context is not None and context.parent is not None:
        names.append(context.info_name or "")
        context = context.parent
    return " ".join(reversed(names)) or None


@contextmanager
def registry(
    db_url: str | None,
    workspace: Path | None = None,
    *,
    write: bool = True,
    existing: bool | None = None,
) -> Iterator[Registry]:
    """One transaction on the registry, with the plugins' hooks attached; its audit records
    name the command (`assign`, `person offboard`), so a later apply can say what it undoes.

    A read (or a write that needs an `existing` registry) where there is no registry (no
    file, or a database without Ark's schema) is refused rather than answered from a new,
    empty one: `ark check` in a mistyped folder must not report a clean team.

    From here on the command speaks the strategy's language (`ark.i18n.speak`).
    """
    from ark.plugins import hooks
    from ark.registry.writer import transaction

    engine = engine_for(db_url, workspace, create=write if existing is None else not existing)
    via = command_name(click.get_current_context(silent=True))
    try:
        with transaction(engine, hooks=hooks(), write=write, via=via) as reg:
            speak(reg.strategy().lang)
            yield reg
    finally:
        engine.dispose()


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def read(db_url: str | None, query: Callable[[Queries], T]) -> T:
    """Run `query` on the read API, through the database driver alone when it can (a list
    answers without importing SQLAlchemy); else (another driver, a database to create or
    upgrade) through the ordinary path, which also words the errors."""
    from ark.quick import LANG, speak_stored
    from ark.registry.driver import connect
    from ark.registry.queries import Queries
    from ark.revision import SCHEMA_HEAD
    from ark.workspace import default_url

    connected = connect(db_url or default_url(create=False))
    if connected is not None:
        connection, marker = connected
        try:
            # Only a registry at this Ark's revision: the ordinary path upgrades an older
            # one and refuses a newer one, as for every other command.
            stamp = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            if stamp is not None and stamp[0] == SCHEMA_HEAD:
                lang = connection.execute(f"SELECT {LANG}").fetchone()
                speak_stored(lang[0] if lang else None)
                return query(Queries.over_connection(connection, marker))
        except Exception:  # noqa: BLE001 - any failure here means: take the ordinary path
            pass
        finally:
            connection.close()
    with registry(db_url, write=False) as reg:
        return query(reg.read)


def speak_strategy(db_url: str | None) -> None:
    """Speak the strategy's language in a command that works on the engine rather than in a
    registry transaction (`ark serve`, `ark jobs`), as cheaply as a list learns it."""
    read(db_url, lambda queries: None)


def list_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--limit`, `--offset`, `--json` and `--csv` of every list command."""
    for option in reversed(
        (
            click.option(
                "--limit",
                type=ROWS,
                default=50,
                show_default=True,
                help=N_("At most this many rows; 0 for all."),
            ),
            click.option("--offset", type=ROWS, default=0, help=N_("Skip this many rows.")),
            json_option,
            click.option("--csv", "as_csv", is_flag=True, help=N_("Print CSV for spreadsheets.")),
        )
    ):
        func = option(func)
    return func


def print_page(
    page: Page[Any],
    *,
    as_json: bool,
    as_csv: bool,
    columns: Sequence[tuple[str, Callable[[Any], Any]]],
    empty: str,
) -> None:
    """A page of results as JSON (with its total, for paging), CSV (every field, a header
    row) or an aligned table with a line saying how many there are in all."""
    if as_json and as_csv:
        raise click.UsageError(tr(N_("give --json or --csv, not both")))
    if as_json:
        print_json(
            {
                "total": page.total,
                "offset": page.offset,
                "limit": page.limit,
                "items": [item.as_json() for item in page.items],
            }
        )
        return
    if as_csv:
        rows: list[dict[str, Any]] = [_csv_row(item) for item in page.items]
        writer = csv.writer(sys.stdout, lineterminator="\n")
        if rows:
            writer.writerow(rows[0])
        writer.writerows(row.values() for row in rows)
        return
    if not page.items:
        click.echo(tr(empty))
        return
    table = [[_cell(get(item)) for _, get in columns] for item in page.items]
    names = [tr(name).upper() for name, _ in columns]
    widths = [max(len(name), *(len(row[i]) for row in table)) for i, name in enumerate(names)]
    click.echo(
        "\n".join(
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in [names, *table]
        )
    )
    last = page.offset + len(page.items)
    shown = tr(N_("{first}-{last} of {total}"), first=page.offset + 1, last=last, total=page.total)
    more = "; " + tr(N_("--offset {offset} for more"), offset=str(last)) if page.more else ""
    click.echo(f"({shown}{more})")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, float | dt.date):
        return say(value)
    return str(value)


def _csv_row(item: Result) -> dict[str, Any]:
    """One CSV row: nested values (an audit record's before and after) as JSON text."""
    return {
        key: json.dumps(value, ensure_ascii=False, sort_keys=True)
        if isinstance(value, dict | list)
        else ("" if value is None else value)
        for key, value in item.as_json().items()
    }
