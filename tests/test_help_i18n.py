"""The commands' own help (`ark --help`, `ark COMMAND --help`, the command list) in the
command's language: every help text of the core's and the plugins' commands and options is
marked for the catalogue and looked up when the help is written."""

from __future__ import annotations

import click
import pytest
from babel.messages.pofile import read_po

from ark.cli import cli
from ark.clihelpers import ArkCommand, ArkGroup
from ark.i18n import render
from tests.conftest import Ark
from tests.test_docs import commands
from tests.test_i18n import ROOT

LOCALES = {"es": "es_ES.UTF-8", "it": "it_IT.UTF-8"}


def catalogue(lang: str) -> dict[str, str]:
    """The reviewed catalogue of `lang`: English message to translation (plural forms left
    out: no help text has one)."""
    with (ROOT / "ark" / "locale" / lang / "LC_MESSAGES" / "ark.po").open("rb") as handle:
        return {
            m.id: m.string
            for m in read_po(handle, locale=lang)
            if isinstance(m.id, str) and isinstance(m.string, str)
        }


def help_texts() -> dict[str, str]:
    """Every help text a person can read in a `--help`, by where it is: each command's help
    and short help, each option's help, and the lines the plugins register for the command
    list before their commands are imported."""
    texts: dict[str, str] = {}
    for path, command in commands(cli):
        for kind, text in (("help", command.help), ("short help", command.short_help)):
            if text:
                texts[f"{path}: {kind}"] = text
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                texts[f"{path} {param.opts[0]}"] = param.help
    registered = ArkGroup()
    registered.add_plugin_commands()
    for name, (_, short_help) in registered.lazy.items():
        texts[f"ark {name}: registered line"] = short_help
    return texts


def test_every_command_speaks_its_help_from_the_catalogue() -> None:
    """A command of another class would print its help in English whatever the language; a
    help text not in the catalogue too (the catalogue test sees only what is marked)."""
    found = list(commands(cli))
    assert len(found) > 50 and {"ark playbook build", "ark jira sync", "ark serve"} <= {
        path for path, _ in found
    }
    assert [path for path, command in found if not isinstance(command, ArkCommand)] == []
    unexplained = [
        f"{path} {param.opts[0]}"
        for path, command in found
        for param in command.params
        if isinstance(param, click.Option) and not param.help
    ]
    assert unexplained == [], "options with no help"
    texts = help_texts()
    assert len(texts) > 150
    for lang in LOCALES:
        translated = catalogue(lang)
        missing = {where: text for where, text in texts.items() if not translated.get(text)}
        assert missing == {}, f"help not in the {lang} catalogue"


def words(text: str) -> str:
    """`text` with its line breaks and indentation as one space: click wraps help to fit."""
    return " ".join(text.split())


HELP_PAGES = [("--help",), ("apply", "--help"), ("playbook", "build", "--help")]
# What the pages must say in each language (a line of the command list, a command's help,
# an option's help), English included: its help is unchanged.
SAYS = {
    "en": (
        "Ark: organise the cross-functional team behind a social media strategy.",
        "Give EMAIL a RACI role on RESPONSIBILITY.",
        "The registry database.",
        "Make the registry match the team FILE, in one transaction.",
        "Print the changes; change nothing.",
        "Export the playbook's pages and mkdocs.yml, then run `mkdocs build`.",
        "Export and build even if the registry has not changed.",
        "Registry database URL (default: .ark/ark.db in the workspace).",
    ),
    "es": (
        "Ark: organiza el equipo transversal que sostiene una estrategia de redes sociales.",
        "Da a EMAIL un rol RACI en RESPONSIBILITY.",
        "La base de datos del registro.",
        "Hace que el registro coincida con el fichero del equipo FILE, en una sola transacción.",
        "Imprime los cambios; no cambia nada.",
        "Exporta las páginas del manual y mkdocs.yml, y luego ejecuta `mkdocs build`.",
        "Exporta y construye aunque el registro no haya cambiado.",
        "URL de la base de datos del registro (por defecto: .ark/ark.db en el espacio de trabajo).",
    ),
    "it": (
        "Ark: organizza il team trasversale che sostiene una strategia social.",
        "Dà a EMAIL un ruolo RACI su RESPONSIBILITY.",
        "Il database del registro.",
        "Fa corrispondere il registro al file del team FILE, in una sola transazione.",
        "Stampa le modifiche; non cambia nulla.",
        "Esporta le pagine del manuale e mkdocs.yml, poi esegue `mkdocs build`.",
        "Esporta e costruisce anche se il registro non è cambiato.",
        "URL del database del registro (predefinito: .ark/ark.db nell'area di lavoro).",
    ),
}


@pytest.mark.parametrize("lang", ["es", "it"])
def test_help_pages_speak_the_users_language(ark: Ark, lang: str) -> None:
    english = {page: words(ark(*page).output) for page in HELP_PAGES}
    shown = {page: words(ark(*page, locale=LOCALES[lang]).output) for page in HELP_PAGES}
    assert all(any(s in text for text in english.values()) for s in SAYS["en"]), english
    assert all(any(s in text for text in shown.values()) for s in SAYS[lang]), shown
    texts = {words(text): text for text in help_texts().values()}
    for page in HELP_PAGES:
        # Every help text the English page shows in full (the command list shortens some):
        # none of them left in English, and on a command's own page each said in `lang`.
        in_english = {text for sentence, text in texts.items() if sentence in english[page]}
        assert len(in_english) >= 5, english[page]
        assert {text for text in in_english if words(text) in shown[page]} == set(), page
        if page != ("--help",):
            said = {text for text in in_english if words(render(lang, text)) in shown[page]}
            assert said == in_english, page
