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

from ark.errors import ArkError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ark.registry.queries import Queries
    from ark.registry.results import Page, Result
    from ark.registry.writer import Registry

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class ArkGroup(click.Group):
    """Turns `ArkError`s into a message and their exit code instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ArkError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def db_option(func: F) -> F:
    """`--db URL` on every command (default: `ARK_DATABASE_URL`, else the workspace's SQLite)."""
    return click.option(
        "--db",
        "db_url",
        metavar="URL",
        envvar="ARK_DATABASE_URL",
        help="Registry database URL (default: .ark/ark.db in the workspace).",
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")(func)


def parse_date(_ctx: Any, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; write YYYY-MM-DD", param=param
        ) from None


def engine_for(db_url: str | None, workspace: Path | None = None) -> Engine:
    from ark.db import open_engine

    return open_engine(db_url, workspace=workspace)


@contextmanager
def registry(
    db_url: str | None, workspace: Path | None = None, *, write: bool = True
) -> Iterator[Registry]:
    """One transaction on the registry, with the plugins' hooks attached.

    A read in a folder with no registry is refused rather than answered from a new, empty
    one: `ark check` in a mistyped folder must not report a clean team.
    """
    from ark.plugins import hooks
    from ark.registry.writer import transaction

    if not write and db_url is None:
        from ark.workspace import default_url

        path = Path(default_url(workspace, create=False).removeprefix("sqlite:///"))
        if not path.exists():
            raise ArkError(
                f"no registry here: {path} does not exist",
                hint="run the command in the team's folder (the one holding ark.yaml), "
                "create the registry with `ark apply ark.yaml` or `ark demo`, or pass --db URL",
            )
    engine = engine_for(db_url, workspace)
    try:
        with transaction(engine, hooks=hooks(), write=write) as reg:
            yield reg
    finally:
        engine.dispose()


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def read(db_url: str | None, query: Callable[[Queries], T]) -> T:
    """Run `query` on the read API, through the database driver alone when it can (a list
    answers without importing SQLAlchemy); else (another driver, a database to create or
    upgrade) through the ordinary path, which also words the errors."""
    from ark.registry.queries import Queries, connect
    from ark.workspace import default_url

    connected = connect(db_url or default_url(create=False))
    if connected is not None:
        connection, marker = connected
        try:
            return query(Queries.over_connection(connection, marker))
        except Exception:  # noqa: BLE001 - any failure here means: take the ordinary path
            pass
        finally:
            connection.close()
    with registry(db_url, write=False) as reg:
        return query(reg.read)


def list_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--limit`, `--offset`, `--json` and `--csv` of every list command."""
    for option in reversed(
        (
            click.option(
                "--limit",
                type=click.IntRange(min=0),
                default=50,
                show_default=True,
                help="At most this many rows; 0 for all.",
            ),
            click.option(
                "--offset", type=click.IntRange(min=0), default=0, help="Skip this many rows."
            ),
            json_option,
            click.option("--csv", "as_csv", is_flag=True, help="Print CSV for spreadsheets."),
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
        raise click.UsageError("give --json or --csv, not both")
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
        click.echo(empty)
        return
    table = [[_cell(get(item)) for _, get in columns] for item in page.items]
    widths = [
        max(len(name), *(len(row[i]) for row in table)) for i, (name, _) in enumerate(columns)
    ]
    lines = [[name.upper() for name, _ in columns], *table]
    click.echo(
        "\n".join(
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in lines
        )
    )
    first = page.offset + 1
    shown = f"{first}-{page.offset + len(page.items)} of {page.total}"
    more = f"; --offset {page.offset + len(page.items)} for more" if page.more else ""
    click.echo(f"({shown}{more})")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _csv_row(item: Result) -> dict[str, Any]:
    """One CSV row: nested values (an audit record's before and after) as JSON text."""
    return {
        key: json.dumps(value, ensure_ascii=False, sort_keys=True)
        if isinstance(value, dict | list)
        else ("" if value is None else value)
        for key, value in item.as_json().items()
    }
