"""Ark's messages in the strategy's language: a gettext catalogue per language.

Messages are written in English in the code and marked with `N_` (a template with `{names}`);
the translations live in `ark/locale/<lang>/LC_MESSAGES/ark.po`, reviewed as a whole and
kept complete by a test that extracts every marked message with Babel. Values put into a
message are formatted for the language too: numbers and dates by Babel's locale data, RACI
roles, cadences, directions and units by the catalogue.

A command speaks one language, the strategy's: `speak` is told it when the registry is opened
(or the team file read, or `--lang` given), and `tr` writes a message in it, so an error
raised deep in the registry reads like the command's other output. Babel is imported only
when a number or a date is written: `ark --help` stays fast.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from gettext import GNUTranslations, NullTranslations, translation
from pathlib import Path
from typing import Any, NamedTuple

from ark.vocabulary import (
    LANGUAGES,
    AuditAction,
    AuditEntity,
    Cadence,
    Direction,
    Level,
    Role,
    TaskStatus,
)

DOMAIN = "ark"


def N_(message: str) -> str:
    """Mark `message` for the catalogue; it is translated when shown."""
    return message


class Plural(NamedTuple):
    """A message whose words follow a number, `count` among its values: "1 department",
    "2 departments"; each language's catalogue has as many forms as its grammar needs."""

    singular: str
    plural: str


def Nn_(singular: str, plural: str) -> Plural:
    """Mark a message with a singular and a plural form for the catalogue (see `Plural`)."""
    return Plural(singular, plural)


class Context(NamedTuple):
    """A message whose English is also another message's, with a different meaning in other
    languages: a cycle component's "direction" is no KPI's direction. The catalogue tells
    them apart by `context` (gettext's msgctxt)."""

    context: str
    message: str


def Nc_(context: str, message: str) -> Context:
    """Mark a message in a context for the catalogue (see `Context`)."""
    return Context(context, message)


# RACI roles as readers of each language know them: in Spanish and Italian the R is the
# "Responsable"/"Responsabile", so the A must not be called "responsable" as well.
ROLE_LABELS = {
    Role.RESPONSIBLE: N_("responsible"),
    Role.ACCOUNTABLE: N_("accountable"),
    Role.CONSULTED: N_("consulted"),
    Role.INFORMED: N_("informed"),
}
# The same roles as headings and table cells of the playbook's pages, one word for every page.
ROLE_TITLES = {
    Role.RESPONSIBLE: N_("Responsible"),
    Role.ACCOUNTABLE: N_("Accountable"),
    Role.CONSULTED: N_("Consulted"),
    Role.INFORMED: N_("Informed"),
}
CADENCE_LABELS = {
    Cadence.NONE: N_("on demand"),
    Cadence.DAILY: N_("daily"),
    Cadence.WEEKLY: N_("weekly"),
    Cadence.MONTHLY: N_("monthly"),
    Cadence.QUARTERLY: N_("quarterly"),
    Cadence.SIX_MONTHLY: N_("six-monthly"),
}
# A finding's level as `ark check`, the demo and the web pages write it.
LEVEL_LABELS = {Level.ERROR: N_("error"), Level.WARNING: N_("warning"), Level.INFO: N_("info")}
# A task's status as its listing, `ark tasks set` and the reminders write it.
STATUS_LABELS = {
    TaskStatus.TODO: N_("todo"),
    TaskStatus.IN_PROGRESS: N_("in-progress"),
    TaskStatus.DONE: N_("done"),
}
DIRECTION_LABELS = {
    Direction.HIGHER: N_("higher is better"),
    Direction.LOWER: N_("lower is better"),
}
# An audit record's action and the kind of thing it changed, as the audit log page names them
# (its CSV and the API keep the stored words); nouns in the other languages, as a log says
# "alta" or "modifica".
AUDIT_ACTIONS: dict[AuditAction, Context] = {
    "add": Nc_("audit log", "add"),
    "change": Nc_("audit log", "change"),
    "remove": Nc_("audit log", "remove"),
    "disable": Nc_("audit log", "disable"),
    "password": Nc_("audit log", "password"),
    "sign-in": Nc_("audit log", "sign-in"),
    "sign-out": Nc_("audit log", "sign-out"),
    "revoke": Nc_("audit log", "revoke"),
    "link": Nc_("audit log", "link"),
    "unlink": Nc_("audit log", "unlink"),
    "intent": Nc_("audit log", "intent"),
    "review": Nc_("audit log", "review"),
    "log": Nc_("audit log", "log"),
    "conflict": Nc_("audit log", "conflict"),
}
AUDIT_ENTITIES: dict[AuditEntity, Context] = {
    "registry": Nc_("audit log", "registry"),
    "strategy": Nc_("audit log", "strategy"),
    "department": Nc_("audit log", "department"),
    "kpi": Nc_("audit log", "KPI"),
    "contributor": Nc_("audit log", "contributor"),
    "segment": Nc_("audit log", "segment"),
    "channel": Nc_("audit log", "channel"),
    "responsibility": Nc_("audit log", "responsibility"),
    "assignment": Nc_("audit log", "assignment"),
    "objective": Nc_("audit log", "objective"),
    "section": Nc_("audit log", "section"),
    "measurement": Nc_("audit log", "measurement"),
    "task": Nc_("audit log", "task"),
    "task-link": Nc_("audit log", "task link"),
    "process": Nc_("audit log", "process"),
    "calendar": Nc_("audit log", "calendar entry"),
    "digest": Nc_("audit log", "weekly digest"),
    "account": Nc_("audit log", "account"),
    "token": Nc_("audit log", "API token"),
}
# Both, by the word stored: a reader holding a record's words as stored names them from here.
AUDIT_WORDS: dict[str, Context] = {
    str(key): word for table in (AUDIT_ACTIONS, AUDIT_ENTITIES) for key, word in table.items()
}
# A period as a task's title names it; the period's code (`2026-W48`) stays in the task's key.
WEEK = N_("week {week} of {year}")
MONTH = N_("{month} {year}")
QUARTERS = (
    N_("first quarter of {year}"),
    N_("second quarter of {year}"),
    N_("third quarter of {year}"),
    N_("fourth quarter of {year}"),
)
HALVES = (N_("first half of {year}"), N_("second half of {year}"))
FROM_START = N_("{months} months from {start}")
HUGE = 1e15  # from here on a number is written as 1,5E20: its digits would say nothing more
# Units Ark's templates use; any other unit is shown as written.
UNITS = {
    "count": N_("count"),
    "minutes": N_("minutes"),
    "percent": N_("percent"),
}


LOCALE = Path(__file__).parent / "locale"


@cache
def translations(lang: str) -> GNUTranslations | NullTranslations:
    """The compiled catalogue of `lang` (English, the source language, has none), read by the
    standard library: `ark/locale/<lang>/LC_MESSAGES/ark.mo`, compiled from the reviewed
    `ark.po` with `pybabel compile -d ark/locale -D ark` (tests/test_i18n.py keeps the two
    the same)."""
    if lang == "en":
        return NullTranslations()
    return translation(DOMAIN, LOCALE, [lang], fallback=True)


def gettext(lang: str, message: str | Plural | Context, count: Any = 1) -> str:
    """`message` in `lang`; a `Plural` in the form `count` (a number) asks for; a `Context`
    as its context has it."""
    if isinstance(message, Context):
        return translations(lang).pgettext(message.context, message.message)
    if isinstance(message, Plural):
        number = count if isinstance(count, int) and not isinstance(count, bool) else 1
        return translations(lang).ngettext(message.singular, message.plural, number)
    return translations(lang).gettext(message) if message else message


@dataclass(frozen=True)
class Message:
    """A marked template and its values, translated only when shown: a piece of a larger
    message (what the sanitiser dropped, inside an `ark check` finding) put in as a value."""

    template: str | Plural
    args: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        return render("en", self.template, dict(self.args))


def message(template: str | Plural | Message, **args: Any) -> Message:
    """A template (marked with `N_` or `Nn_`) and its values, to translate when shown; a
    `Message` already made is taken as it is."""
    if isinstance(template, Message):
        return template
    return Message(template, tuple(args.items()))


def counted(plural: Plural, count: int) -> Message:
    """`count` things as a value put into a larger message ("3 departments, 1 objective"),
    each count with its own plural form."""
    return message(plural, count=count)


def bounds(
    low: float | None = None, high: float | None = None, *, above: float | None = None
) -> Message | None:
    """Numeric bounds in words, as a value put into a message: `from 0 to 80`, `above 0 and
    at most 80` (`above` excludes its number); None when there are none."""
    if above is not None and high is not None:
        return message(N_("above {low} and at most {high}"), low=above, high=high)
    if above is not None:
        return message(N_("above {low}"), low=above)
    if low is not None and high is not None:
        return message(N_("from {low} to {high}"), low=low, high=high)
    if low is not None:
        return message(N_("of at least {low}"), low=low)
    return None if high is None else message(N_("of at most {high}"), high=high)


def audit_word(word: str) -> Context | str:
    """An audit record's stored action or entity as a value to put into a message (`value`
    writes it in the language); a word the tables lack, as it is stored."""
    return AUDIT_WORDS.get(word, word)


def value(lang: str, item: Any) -> str:
    """One value put into a message, written the way `lang` writes it."""
    if isinstance(item, Message):
        return render(lang, item.template, dict(item.args))
    if isinstance(item, Context):  # a tuple too, but one word
        return gettext(lang, item)
    if isinstance(item, Role):
        return gettext(lang, ROLE_LABELS[item])
    if isinstance(item, Cadence):
        return gettext(lang, CADENCE_LABELS[item])
    if isinstance(item, Direction):
        return gettext(lang, DIRECTION_LABELS[item])
    if isinstance(item, TaskStatus):
        return gettext(lang, STATUS_LABELS[item])
    if isinstance(item, StrEnum):
        return item.value
    if isinstance(item, tuple):  # words of the catalogue, listed
        return ", ".join(gettext(lang, word) for word in item)
    if isinstance(item, bool):
        return str(item)
    if isinstance(item, int | float):
        from babel.numbers import format_decimal, format_scientific

        if abs(item) >= HUGE:  # beyond the decimal precision Babel rounds within
            return format_scientific(item, locale=lang)
        return format_decimal(item, locale=lang)
    if isinstance(item, dt.datetime):  # to the minute, as written (its own time zone)
        from babel.dates import format_date, format_time

        day = format_date(item, format="medium", locale=lang)
        return f"{day} {format_time(item.replace(tzinfo=None), format='short', locale=lang)}"
    if isinstance(item, dt.date):
        from babel.dates import format_date

        return format_date(item, format="medium", locale=lang)
    return str(item)


def render(lang: str, message: str | Plural, args: Mapping[str, Any] | None = None) -> str:
    """`message` translated into `lang`, with `args` filled in (a `Plural` in the form its
    `count` asks for)."""
    text = gettext(lang, message, (args or {}).get("count"))
    if not args:
        return text
    return text.format(**{name: value(lang, item) for name, item in args.items()})


def translated(lang: str, table: Mapping[str, str | Context]) -> dict[str, str]:
    """A table of marked words (key -> English text) in `lang`: the playbook's pages look up
    their headings and labels by key, and the catalogue holds every language's text."""
    return {key: gettext(lang, text) for key, text in table.items()}


def role_titles(lang: str) -> dict[str, str]:
    """The RACI roles' titles in `lang`, by role value: the label tables of the playbook's
    pages take them from here, so no page names a role differently from another."""
    return {role.value: gettext(lang, title) for role, title in ROLE_TITLES.items()}


def period_title(lang: str, cadence: Cadence, name: str, start: dt.date) -> str:
    """The period `name` (starting on `start`) as a task's title says it in `lang`: English
    keeps the code itself (`2026-W48`, `2026-Q4`, `2026-11-15+6M`), which readers of English
    know; other languages say it in words (`semana 48 de 2026`), not in English letters."""
    if lang == "en":
        return name
    year = str(start.year)  # a year is no number to group: 2026, never 2.026
    if "+" in name:  # counted from the strategy's start
        return render(lang, FROM_START, {"months": name.rsplit("+", 1)[1][:-1], "start": start})
    if cadence == Cadence.DAILY:
        return value(lang, start)
    if cadence == Cadence.WEEKLY:
        iso_year, week, _ = start.isocalendar()
        return render(lang, WEEK, {"week": str(week), "year": str(iso_year)})
    if cadence == Cadence.MONTHLY:
        from babel.dates import get_month_names

        month = get_month_names("wide", context="format", locale=lang)[start.month]
        return render(lang, MONTH, {"month": month, "year": year})
    if cadence == Cadence.QUARTERLY:
        return render(lang, QUARTERS[(start.month - 1) // 3], {"year": year})
    return render(lang, HALVES[(start.month - 1) // 6], {"year": year})


def unit(lang: str, name: str) -> str:
    """A KPI's unit in `lang`."""
    return gettext(lang, UNITS[name]) if name in UNITS else name


class _Learnt:
    """A language learnt the first time something is said (`speak_when_asked`)."""

    def __init__(self, learn: Callable[[], str]) -> None:
        self._learn = learn
        self._lang: str | None = None

    def __call__(self) -> str:
        if self._lang is None:
            self._lang = _spoken(self._learn())
        return self._lang


# The language of what the running command prints; see the module's docstring.
_speaking: ContextVar[str | _Learnt | None] = ContextVar("ark_language", default=None)
# Where gettext looks for the user's language, first set first (GNU gettext's order).
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def environment_language() -> str:
    """The user's language as gettext finds it: the first of LANGUAGE, LC_ALL, LC_MESSAGES
    and LANG that is set (`es_ES.UTF-8`, LANGUAGE's `it:en`), its first language Ark speaks;
    English for `C`, `POSIX` or none.

    A command speaks it until it learns the strategy's language: before a registry is open
    or a team file read (`ark db upgrade`, a usage error), it is all there is to go by.
    """
    setting = next((v for v in map(os.environ.get, LOCALE_VARIABLES) if v), "")
    for name in setting.split(":"):
        code = name.split(".")[0].split("@")[0].split("_")[0].lower()
        if code in ("c", "posix") or code in LANGUAGES:
            return code if code in LANGUAGES else "en"
    return "en"


@contextmanager
def command_language() -> Iterator[None]:
    """A command starts in the environment's language until it learns the strategy's, and
    leaves the language as it found it (tests run many commands in one thread)."""
    token = _speaking.set(environment_language())
    try:
        yield
    finally:
        _speaking.reset(token)


def speak(lang: str) -> None:
    """Print in `lang` from now on (English for a language Ark has no catalogue for)."""
    _speaking.set(_spoken(lang))


def _spoken(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"


def speak_when_asked(learn: Callable[[], str]) -> None:
    """Speak the language `learn()` names, asked only when something is first said: a web
    request that writes no words (an edit answered with a redirect) is spared reading it."""
    _speaking.set(_Learnt(learn))


def speaking() -> str:
    """The command's language; outside a command (click parsing `ark`'s own options), the
    environment's."""
    lang = _speaking.get()
    if isinstance(lang, _Learnt):
        return lang()
    return lang or environment_language()


def tr(message: str | Plural, /, **args: Any) -> str:
    """`message` (marked with `N_`, or `Nn_` with a `count`) in the command's language, with
    `args` filled in."""
    return render(speaking(), message, args)


def say(item: Any) -> str:
    """One value (a number, a date, a role) written as the command's language writes it."""
    return value(speaking(), item)


def _click_gettext(message: str) -> str:
    return gettext(speaking(), message)


def _click_ngettext(singular: str, plural: str, count: int) -> str:
    return gettext(speaking(), Plural(singular, plural), count)


def route_click_messages() -> None:
    """Have click's own messages (usage errors, `--help` headings) speak the command's
    language from Ark's catalogue.

    click marks them for gettext and looks them up with `gettext.gettext` and `ngettext`,
    bound in each of its modules at import; those look in the process-wide default domain
    in the environment's language only. Bound to Ark's catalogue instead, they follow
    `speak` like every other message (the ids Ark translates are listed in `CLICK`; a test
    keeps each one a message click still has).
    """
    for name, module in list(sys.modules.items()):
        if name == "click" or name.startswith("click."):
            if getattr(module, "_", None) is _gettext.gettext:
                module._ = _click_gettext  # type: ignore[attr-defined]
            if getattr(module, "ngettext", None) is _gettext.ngettext:
                module.ngettext = _click_ngettext  # type: ignore[attr-defined]
