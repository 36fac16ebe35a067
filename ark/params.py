"""The kinds of value the command line takes, each checked once for every command.

click's `float` takes `nan` and `inf`, and its ranges let NaN through (every comparison with
it is false): a NaN reached the database as a false conflict, an infinity was stored and
printed as `Infinity`, which is not JSON. Dates before 1900 or past 2999 serve no plan and
overflow date arithmetic near year 9999. Text with control or format characters would reach
a terminal or a stored identity. Every numeric, date and free-text option uses these types.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import click

from ark.i18n import N_, bounds, tr
from ark.text import refusal

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2999, 12, 31)


class Number(click.ParamType[float, Any]):
    """A finite number within bounds; a whole number when `integer` is set."""

    def __init__(
        self, low: float | None = None, high: float | None = None, *, integer: bool = False
    ) -> None:
        self.low, self.high, self.integer = low, high, integer
        self.name = "integer" if integer else "number"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number: float = value
        else:
            try:
                number = int(value) if self.integer else float(value)
            except (TypeError, ValueError, OverflowError):
                number = math.nan
        inside = (self.low is None or number >= self.low) and (
            self.high is None or number <= self.high
        )
        if not (math.isfinite(number) and inside):
            within = bounds(self.low, self.high)
            wanted = (
                (
                    N_("{value} is not a whole number {bounds}")
                    if within
                    else N_("{value} is not a whole number")
                )
                if self.integer
                else (
                    N_("{value} is not a finite number {bounds}")
                    if within
                    else N_("{value} is not a finite number")
                )
            )
            self.fail(tr(wanted, value=repr(str(value)[:40]), bounds=within), param, ctx)
        return number


class Date(click.ParamType[dt.date, Any]):
    """An ISO date (`YYYY-MM-DD`) from 1900-01-01 to 2999-12-31."""

    name = "date"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            day = value
        else:
            try:
                day = dt.date.fromisoformat(str(value))
            except ValueError:
                self.fail(
                    tr(N_("{value} is not a date; write YYYY-MM-DD"), value=repr(str(value)[:40])),
                    param,
                    ctx,
                )
        if not DATE_MIN <= day <= DATE_MAX:
            self.fail(
                tr(
                    N_("{day} is not a date from {first} to {last}"),
                    day=str(day),
                    first=str(DATE_MIN),
                    last=str(DATE_MAX),
                ),
                param,
                ctx,
            )
        return day


class Text(click.ParamType[str, Any]):
    """Text kept in the registry or a file: no control or invisible characters."""

    name = "text"

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        why = refusal(str(value), multiline=self.multiline)
        if why is not None:
            self.fail(tr(N_("the text {why}; write plain text"), why=why), param, ctx)
        return str(value)


DATE = Date()
TEXT = Text()
NOTE = Text(multiline=True)
