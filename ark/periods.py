"""Periods of a cadence, and their stable names (`2026-W48`, `2026-11`, `2026-H2`).

A task's identity is its responsibility plus its period name, so planning the same range twice
finds the tasks it made before instead of making new ones. Quarterly and six-monthly periods
count from the strategy's start when it has one (`2026-11-15+6M`, six months from that day):
a six-month review falls due six months after starting, not at the end of a calendar half.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from ark.errors import ArkError
from ark.i18n import N_, Message, message
from ark.vocabulary import Cadence

# How far ahead tasks are planned: a typo such as `--until 2100-12-31` would otherwise make
# tens of thousands of tasks (and a board full of them on Jira).
HORIZON_ENV = "ARK_PLAN_YEARS"
HORIZON_YEARS = 5
HORIZON_MAX = 50


@cache
def time_zones() -> frozenset[str]:
    """The IANA time zone names this machine knows (a scan of the tz database, done once)."""
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    return name in time_zones()


def time_zone_hint(name: str) -> Message:
    """How to fix a misspelt time zone: the known names nearest to it."""
    near = difflib.get_close_matches(name, sorted(time_zones()), n=3)
    return message(
        N_("write an IANA name such as {names}"), names=", ".join(near) or "Europe/Madrid"
    )


def horizon_years() -> int:
    """`ARK_PLAN_YEARS`, a whole number of years from 1 to 50; default 5."""
    value = os.environ.get(HORIZON_ENV, "")
    if not value:
        return HORIZON_YEARS
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= HORIZON_MAX):
        raise ArkError(
            N_("{name}={value} is not a whole number of years from 1 to {most}"),
            hint=N_("unset it for the default of {default} years, or give e.g. {name}=10"),
            args={
                "name": HORIZON_ENV,
                "value": repr(value[:20]),
                "most": str(HORIZON_MAX),
                "default": str(HORIZON_YEARS),
            },
        )
    return int(value)


@dataclass(frozen=True)
class Period:
    name: str
    start: dt.date
    end: dt.date  # inclusive: the task is due on this day


def _month_start(day: dt.date, months: int) -> dt.date:
    """The first day of the `months`-long block (calendar-aligned) that holds `day`."""
    index = (day.month - 1) // months * months
    return dt.date(day.year, index + 1, 1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it is shorter (Jan 31 + 1
    is Feb 28), as a person counts "in three months"."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _anchored(months: int, anchor: dt.date, day: dt.date) -> Period:
    """The `months`-long period counted from `anchor` that holds `day`."""
    index = ((day.year - anchor.year) * 12 + day.month - anchor.month) // months
    start = add_months(anchor, index * months)
    if start > day:
        index -= 1
        start = add_months(anchor, index * months)
    end = add_months(anchor, (index + 1) * months) - dt.timedelta(days=1)
    return Period(f"{start.isoformat()}+{months}M", start, end)


def period_of(cadence: Cadence, day: dt.date, anchor: dt.date | None = None) -> Period:
    """The period of `cadence` that contains `day`; quarters and halves counted from
    `anchor` when given."""
    if cadence is Cadence.DAILY:
        return Period(day.isoformat(), day, day)
    if cadence is Cadence.WEEKLY:
        year, week, weekday = day.isocalendar()
        start = day - dt.timedelta(days=weekday - 1)
        return Period(f"{year}-W{week:02d}", start, start + dt.timedelta(days=6))
    months = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.SIX_MONTHLY: 6}[cadence]
    if anchor is not None and months > 1:
        return _anchored(months, anchor, day)
    start = _month_start(day, months)
    end = add_months(start, months) - dt.timedelta(days=1)
    if months == 1:
        name = f"{start.year}-{start.month:02d}"
    elif months == 3:
        name = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    else:
        name = f"{start.year}-H{(start.month - 1) // 6 + 1}"
    return Period(name, start, end)


def periods(
    cadence: Cadence, start: dt.date, until: dt.date, anchor: dt.date | None = None
) -> Iterator[Period]:
    """Every period of `cadence` overlapping [start, until] and not ended before `anchor`
    (the strategy's start); none for `Cadence.NONE`."""
    if cadence is Cadence.NONE:
        return
    day = start
    while day <= until:
        period = period_of(cadence, day, anchor)
        if anchor is None or period.end >= anchor:
            yield period
        day = period.end + dt.timedelta(days=1)
