"""The workspace in the strategy's language: its pages, its refusals and the API's messages.

Every request speaks the language of the registry's strategy, which `Speaking` arranges before
the route runs and which is read when the request first says something (an edit answered with
a redirect never does), so a message raised deep in the registry, a page's words and the API's
error texts all come out of the one catalogue the CLI uses. The templates mark their
words with `_()` (Jinja2's i18n extension); `_` here fills in `{names}` as `ark.i18n.tr` does,
writing numbers, dates and RACI roles the way the language writes them, and escaping the values.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache, partial
from typing import Any

import jinja2
from markupsafe import Markup, escape
from starlette.types import ASGIApp, Receive, Scope, Send

from ark.checks import Finding
from ark.i18n import (
    AUDIT_WORDS,
    LEVEL_LABELS,
    STATUS_LABELS,
    Context,
    command_language,
    gettext,
    render,
    speak_when_asked,
    speaking,
    unit,
    value,
)
from ark.vocabulary import Cadence, Role
from ark_web.cli import ACCOUNT_ROLES


def _(message: str, **args: Any) -> Markup:
    """`message` (a catalogue msgid) in the request's language, with `args` put in as text:
    numbers, dates and roles as the language writes them, everything escaped.

    A matrix page says "Role of {person} on {responsibility}" for every cell and a task list
    "Mark done" on every row, so the translated templates and the written values are kept
    once made, and the values go in with `str.format` (`Markup.format`'s slower formatter is
    needed only for a `!r` conversion)."""
    lang = speaking()
    text = _text(lang, message)
    if not args:
        return text
    for name, item in args.items():
        args[name] = item if isinstance(item, str) else _value(lang, item)
    if "!" in text:
        return text.format(**args)
    for name, item in args.items():
        args[name] = escape(item)
    return Markup(str.format(text, **args))


@lru_cache(maxsize=2048)
def _text(lang: str, message: str) -> Markup:
    return escape(gettext(lang, message))


@lru_cache(maxsize=8192, typed=True)  # typed: True is not 1
def _value(lang: str, item: Any) -> str:
    """A number, a date or a word of the registry, as `lang` writes it; the pages show the
    same few again and again (hours, due dates, roles)."""
    return value(lang, item)


def _plural(singular: str, plural: str, count: int, **args: Any) -> Markup:
    """Jinja2's i18n extension asks for one; Ark's messages avoid plural forms ("errors: 2")."""
    return _(singular if count == 1 else plural, count=count, **args)


def number(item: float | None) -> str:
    return "" if item is None else _value(speaking(), item)


def percent(item: float | None) -> str:
    """A progress in percent (0 to 100), as the language writes a percentage ("18 %" in
    Spanish)."""
    if item is None:
        return ""
    from babel.numbers import format_percent

    return format_percent(round(item) / 100, locale=speaking())


def day(item: dt.date | None) -> str:
    return "" if item is None else _value(speaking(), item)


def moment(item: dt.datetime | str | None) -> str:
    """A time (of the audit log, in UTC; of a job, ISO in the strategy's zone), to the minute."""
    if item is None:
        return ""
    from babel.dates import format_time

    if isinstance(item, str):
        item = dt.datetime.fromisoformat(item)
    return f"{_value(speaking(), item.date())} {format_time(item, 'HH:mm', locale=speaking())}"


def said(finding: Finding) -> str:
    """What `ark check` says in a finding, in the language (the matrix's RACI findings come
    as catalogue templates with their values, the home page's ready written)."""
    return render(speaking(), finding.message, finding.args)


def label(item: Any) -> str:
    """A word the registry stores and a page shows (a RACI role, a cadence, a task state, a
    finding's level, an account role, an audit record's action and entity) in the
    language."""
    return "" if item is None else _label(speaking(), str(item))


def unit_label(item: str) -> str:
    """A KPI's unit in the language: a unit Ark names (percent, minutes) translated, the
    team's own as they wrote it, even one spelt like a word `label` knows ("task")."""
    return unit(speaking(), item)


@lru_cache(maxsize=1024)
def _label(lang: str, item: str) -> str:
    for kind in (Role, Cadence):
        try:
            return value(lang, kind(item))
        except ValueError:
            pass
    word = WORDS.get(item)
    return gettext(lang, word) if word else item


# The words named as `ark tasks`, `ark check` and `ark user` name them, and the audit log's.
WORDS: dict[str, str | Context] = {
    str(key): word
    for words in (STATUS_LABELS, LEVEL_LABELS, ACCOUNT_ROLES, AUDIT_WORDS)
    for key, word in words.items()
}


def install(env: jinja2.Environment) -> None:
    """Give `env` the i18n extension speaking the request's language, and the filters that
    write values in it."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(_, _plural, newstyle=False)  # type: ignore[attr-defined]
    env.globals["_"] = _  # called directly, not through the extension's alias of `gettext`
    env.filters.update(
        number=number,
        percent=percent,
        day=day,
        moment=moment,
        label=label,
        unit=unit_label,
        said=said,
    )
    env.globals["lang"] = speaking


class Speaking:
    """Every request speaks the strategy's language, read at most once per request: when a
    route, page or error handler first says something. The routes and pages run in worker
    threads, where the registry's reads belong; the error handlers run on the event loop and
    learn it through `learnt` first."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        from ark_web import reads

        with command_language():
            speak_when_asked(partial(reads.language, scope["app"].state.engine))
            await self.app(scope, receive, send)


async def learnt() -> None:
    """Learn the request's language in a worker thread, for an error handler about to say
    something on the event loop, which must not wait there for the registry."""
    from anyio import to_thread

    await to_thread.run_sync(speaking)


def parse_number(text: str) -> float | None:
    """A number typed in a form: as a machine writes it ("1.5") or as the language does
    ("1,5" in Spanish and Italian); None if it is neither."""
    try:
        return float(text)
    except ValueError:
        pass
    from babel.numbers import NumberFormatError, parse_decimal

    try:
        return float(parse_decimal(text, locale=speaking(), strict=True))
    except NumberFormatError:
        return None
