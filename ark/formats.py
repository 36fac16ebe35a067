"""Dates, numbers and month names as a reader of the playbook's language writes them, through
Babel (the CLDR data): "29 may 2027" and "16.666,7" in Spanish, "May 29, 2027" and "16,666.7"
in English. Values are written as `ark.i18n` writes them into messages; what is added here is
what a page needs besides (percentages, a chart's month names) and a guard for a language
that comes from a page's data."""

from __future__ import annotations

import datetime as dt

from babel.dates import get_month_names
from babel.numbers import format_percent

from ark import i18n

LANGS = ("en", "es", "it")


def locale(lang: str) -> str:
    """A language the playbook writes, else English (the value may come from a page)."""
    return lang if lang in LANGS else "en"


def day(value: dt.date, lang: str) -> str:
    return i18n.value(locale(lang), value)


def number(value: float, lang: str) -> str:
    return i18n.value(locale(lang), value)


def percent(share: float, lang: str) -> str:
    """`share` out of 100, rounded to a whole percent ("67 %" in Spanish)."""
    return format_percent(round(share) / 100, locale=locale(lang))


def months(lang: str) -> list[str]:
    """The months' short names, January first, as they stand alone on a chart's axis."""
    names = get_month_names("abbreviated", context="stand-alone", locale=locale(lang))
    return [names[m] for m in range(1, 13)]
