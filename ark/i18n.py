"""Ark's messages in the strategy's language: a gettext catalogue per language, read with Babel.

Messages are written in English in the code and marked with `N_` (a template with `{names}`);
the translations live in `ark/locale/<lang>/LC_MESSAGES/ark.po`, reviewed as a whole and
kept complete by a test that extracts every marked message. Values put into a message are
formatted for the language too: numbers and dates by Babel's locale data, RACI roles and
units by the catalogue.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from ark.vocabulary import Role

DOMAIN = "ark"


def N_(message: str) -> str:
    """Mark `message` for the catalogue; it is translated when shown."""
    return message


# RACI roles as readers of each language know them: in Spanish and Italian the R is the
# "Responsable"/"Responsabile", so the A must not be called "responsable" as well.
ROLE_LABELS = {
    Role.RESPONSIBLE: N_("responsible"),
    Role.ACCOUNTABLE: N_("accountable"),
    Role.CONSULTED: N_("consulted"),
    Role.INFORMED: N_("informed"),
}
# Units Ark's templates use; any other unit is shown as written.
UNITS = {
    "count": N_("count"),
    "minutes": N_("minutes"),
    "percent": N_("percent"),
}


@cache
def translations(lang: str) -> NullTranslations:
    """The catalogue of `lang` (English, the source language, has none)."""
    folder = resources.files("ark").joinpath("locale", lang, "LC_MESSAGES")
    source = folder.joinpath(f"{DOMAIN}.po")
    if lang == "en" or not source.is_file():
        return NullTranslations()
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(lang: str, message: str) -> str:
    return translations(lang).gettext(message) if message else message


@dataclass(frozen=True)
class Message:
    """A marked template and its values, translated only when shown: a piece of a larger
    message (what the sanitiser dropped, inside an `ark check` finding) put in as a value."""

    template: str
    args: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        return render("en", self.template, dict(self.args))


def message(template: str, **args: Any) -> Message:
    return Message(template, tuple(args.items()))


def value(lang: str, item: Any) -> str:
    """One value put into a message, written the way `lang` writes it."""
    if isinstance(item, Message):
        return render(lang, item.template, dict(item.args))
    if isinstance(item, Role):
        return gettext(lang, ROLE_LABELS[item])
    if isinstance(item, StrEnum):
        return item.value
    if isinstance(item, tuple):  # words of the catalogue, listed
        return ", ".join(gettext(lang, word) for word in item)
    if isinstance(item, bool):
        return str(item)
    if isinstance(item, int | float):
        return format_decimal(item, locale=lang)
    if isinstance(item, dt.date):
        return format_date(item, format="medium", locale=lang)
    return str(item)


def render(lang: str, message: str, args: Mapping[str, Any] | None = None) -> str:
    """`message` translated into `lang`, with `args` filled in."""
    text = gettext(lang, message)
    if not args:
        return text
    return text.format(**{name: value(lang, item) for name, item in args.items()})


def unit(lang: str, name: str) -> str:
    """A KPI's unit in `lang`."""
    return gettext(lang, UNITS[name]) if name in UNITS else name
