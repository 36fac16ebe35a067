"""The message catalogue: complete in every language, and `ark check` and `ark kpi show`
speaking the strategy's language, with its number and date formats."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import ark
from ark.i18n import LOCALE_VARIABLES, N_, Nn_, audit_word, environment_language, render, value
from tests.conftest import FIXTURES, Ark

ROOT = Path(ark.__file__).parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)(?:![rsa])?\}")

# a message; a message with its plural; a message in a context (gettext's msgctxt)
MARKERS = {"N_": None, "Nn_": (1, 2), "Nc_": ((1, "c"), 2)}
Key = tuple[str | None, str | tuple[str, ...]]  # a message's context and its id


def extracted(folder: Path, markers: dict[str, Any] = MARKERS) -> list[Key]:
    """The messages marked in the Python files under `folder`, as Babel extracts them, each
    with its context (None for most)."""
    return [
        (context, same(message))
        for _, _, message, _, context in extract_from_dir(
            folder, method_map=[("**.py", "python")], keywords=markers
        )
    ]


def marked() -> set[Key]:
    """Every message the code marks with `N_` (a string), `Nn_` (singular and plural) or
    `Nc_` (a context and a string), and every one the web workspace's templates mark with
    `_()`."""
    code = {message for folder in ("ark", "plugins") for message in extracted(ROOT / folder)}
    return code | {(None, message) for message in templates_marked()}


TEMPLATES = ROOT / "plugins" / "ark_web" / "templates"


def templates_marked() -> set[str]:
    """The templates' messages, read by Jinja2's own Babel extractor (with its i18n
    extension)."""
    return {
        str(message)
        for _, _, message, _, _ in extract_from_dir(
            TEMPLATES,
            method_map=[("**.html", "jinja2")],
            options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
            keywords={"_": None},
        )
    }


@pytest.mark.parametrize("lang", ["es", "it"])
def test_every_marked_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    path = ROOT / "ark" / "locale" / lang / "LC_MESSAGES" / "ark.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    assert catalog.num_plurals == 2, "Plural-Forms: nplurals=2; plural=(n != 1);"
    entries = {(m.context, same(m.id)): m.string for m in catalog if m.id}
    wanted = marked()
    assert wanted - set(entries) == set(), "missing from the catalogue"
    assert set(entries) - wanted == set(), "no longer in the code"
    for (_, msgid), msgstr in entries.items():
        forms = [msgstr] if isinstance(msgstr, str) else list(msgstr or ())
        sources = [msgid] if isinstance(msgid, str) else list(msgid)
        assert len(forms) == len(sources), msgid
        for source, form in zip(sources, forms, strict=True):
            assert form, msgid
            assert set(PLACEHOLDER.findall(form)) == set(PLACEHOLDER.findall(source)), msgid


def test_the_click_messages_translated_are_clicks_own() -> None:
    """Ark's catalogue translates some of click's messages (`ark.clihelpers.CLICK`): each
    must still be one click marks, or an upgraded click would print it in English."""
    from ark.clihelpers import CLICK

    clicks = {m for _, m in extracted(Path(click.__file__).parent, {"_": None, "ngettext": (1, 2)})}
    theirs = {same(m) for m in CLICK}
    assert theirs - clicks == set()


def same(text: str | Sequence[str]) -> str | tuple[str, ...]:
    """A message or its forms, alike whether Babel read them from a .po or a .mo."""
    return text if isinstance(text, str) else tuple(text)


@pytest.mark.parametrize("lang", ["es", "it"])
def test_the_compiled_catalogue_is_the_reviewed_one(lang: str) -> None:
    """Ark reads `ark.mo`; it must be what the reviewed `ark.po` compiles to (fuzzy and empty
    translations left out), or a translation edited in the .po would never be shown."""
    folder = ROOT / "ark" / "locale" / lang / "LC_MESSAGES"
    with (folder / "ark.po").open("rb") as handle:
        reviewed = read_po(handle, locale=lang)
    with (folder / "ark.mo").open("rb") as handle:
        compiled = read_mo(handle)
    assert {(m.context, same(m.id)): same(m.string or "") for m in compiled if m.id} == {
        (m.context, same(m.id)): same(m.string or "")
        for m in reviewed
        if m.id and m.string and not m.fuzzy
    }, "run `pybabel compile -d ark/locale -D ark` and commit ark.mo"
    assert compiled.plural_forms == reviewed.plural_forms


@pytest.mark.parametrize(
    ("lang", "component", "kpi_direction"),
    [
        ("en", "direction", "direction"),
        ("es", "dirección", "sentido"),
        ("it", "direzione", "verso"),
    ],
)
def test_a_context_tells_two_meanings_of_one_english_word_apart(
    lang: str, component: str, kpi_direction: str
) -> None:
    """The playbook's cycle component "direction" and a KPI listing's "direction" column are
    one English word with two translations: the catalogue keeps both, by context."""
    from ark_playbook.labels import labels

    assert labels(lang)["direction_c"] == component
    assert render(lang, N_("direction")) == kpi_direction


def team_in(ark: Ark, lang: str) -> Path:
    text = (FIXTURES / "team.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  business_type: commercial\n", f"  business_type: commercial\n  lang: {lang}\n"
    )
    path = ark.workspace / "ark.yaml"
    path.write_text(text, encoding="utf-8")
    ark("apply", str(path))
    return path


@pytest.mark.parametrize(
    ("lang", "accountable", "capacity"),
    [
        ("en", "listening has no accountable person", "4.5 h a week"),
        ("es", "listening no tiene aprobador (A)", "4,5 h a la semana"),
        ("it", "listening non ha un approvatore (A)", "4,5 h a settimana"),
    ],
)
def test_check_speaks_the_strategys_language(
    ark: Ark, lang: str, accountable: str, capacity: str
) -> None:
    team_in(ark, lang)
    ark("unassign", "ana@acme.test", "listening", "--role", "accountable")
    ark("assign", "bruno@acme.test", "kpi-report", "--role", "responsible", "--hours", "2.5")
    report = ark.json("check", code=1)
    messages = {f["code"]: f["message"] for f in report["findings"]}
    assert messages["no-accountable"] == accountable
    assert capacity in messages["over-capacity"]
    assert "ark assign EMAIL listening --role accountable" in ark("check", code=1).output


def test_kpi_show_writes_numbers_dates_and_units_as_the_language_does(ark: Ark) -> None:
    team_in(ark, "es")
    ark("kpi", "record", "leads", "52.5", "--date", "2026-11-01")
    out = ark("kpi", "show", "leads").output
    assert "más es mejor" in out and "número" in out
    assert "1 nov 2026" in out and "52,5" in out
    assert "18 % de more-leads" in out
    assert ark.json("kpi", "show", "leads")["readings"][0]["date"] == "2026-11-01"  # machines: ISO


def test_no_marked_message_hides_from_the_extractor() -> None:
    """Babel reads no code inside an f-string's braces: a message marked there would be shown
    untranslated without the catalogue test noticing."""
    written = sum(
        path.read_text(encoding="utf-8").count(marker)
        for folder in ("ark", "plugins")
        for path in (ROOT / folder).rglob("*.py")
        for marker in ("N_(", "Nn_(", "Nc_(")
    )
    found = sum(len(extracted(ROOT / folder)) for folder in ("ark", "plugins"))
    assert written - 3 == found  # the three more are `def N_(`, `def Nn_(` and `def Nc_(`


SPEAKS = {
    "en": {
        "both": "give --json or --csv, not both",
        "apply": "\nchanged: strategy: +0 ~1 -0, departments: +3 ~0 -0",
        "again": "nothing to change: the registry matches the file",
        "planned": "tasks planned",
        "due": "due Dec 6, 2026",
        "missing": "error: no contributor 'nobody@acme.test' in the registry\n  hint: see",
        "people": "EMAIL",
        "offboard": "offboarding carla@acme.test on Dec 1, 2026 would:",
        "kpi": "leads = 1,250.5 on Nov 1, 2026",
        "calendar": "planned: 1 calendar entry and",
        "assign": "(2.5 h a week) from Dec 1, 2026",
    },
    "es": {
        "both": "usa --json o --csv, no los dos",
        "apply": "\ncambiado: estrategia: +0 ~1 -0, departamentos: +3 ~0 -0",
        "again": "nada que cambiar: el registro coincide con el fichero",
        "planned": " tareas planificadas",
        "due": "para el 6 dic 2026",
        "missing": "error: no hay ningún colaborador 'nobody@acme.test' en el registro\n"
        "  sugerencia: mira",
        "people": "CORREO",
        "offboard": "la salida de carla@acme.test el 1 dic 2026 haría esto:",
        "kpi": "leads = 1.250,5 el 1 nov 2026",
        "calendar": "planificado: 1 pieza del calendario y",
        "assign": "(2,5 h a la semana) desde el 1 dic 2026",
    },
    "it": {
        "both": "usa --json o --csv, non entrambi",
        "apply": "\ncambiato: strategia: +0 ~1 -0, reparti: +3 ~0 -0",
        "again": "niente da cambiare: il registro corrisponde al file",
        "planned": " attività pianificate",
        "due": "entro il 6 dic 2026",
        "missing": "errore: nel registro non c'è nessun collaboratore 'nobody@acme.test'\n"
        "  suggerimento: vedi",
        "people": "E-MAIL",
        "offboard": "l'uscita di carla@acme.test il 1 dic 2026 farebbe questo:",
        "kpi": "leads = 1.250,5 il 1 nov 2026",
        "calendar": "pianificati: 1 contenuto del calendario e",
        "assign": "(2,5 h a settimana) dal 1 dic 2026",
    },
}


@pytest.mark.parametrize("lang", ["en", "es", "it"])
def test_the_cli_speaks_the_strategys_language(ark: Ark, lang: str) -> None:
    words = SPEAKS[lang]
    text = (FIXTURES / "team.yaml").read_text(encoding="utf-8")
    if lang != "en":  # English is what a strategy without `lang` speaks
        text = text.replace(
            "  business_type: commercial\n", f"  business_type: commercial\n  lang: {lang}\n"
        )
    path = ark.workspace / "ark.yaml"
    path.write_text(text, encoding="utf-8")
    assert words["apply"] in ark("apply", str(path)).output
    assert words["again"] in ark("apply", str(path)).output  # the driver-only path too
    planned = ark("tasks", "plan", "--from", "2026-12-01", "--until", "2026-12-31").output
    assert words["planned"] in planned and words["due"] in planned
    missing = ark("show", "nobody@acme.test", code=1).output
    assert missing.startswith(words["missing"])
    assert ark("people").output.startswith(words["people"])
    assert words["both"] in ark("people", "--csv", "--json", code=2).output
    offboard = ark("person", "offboard", "carla@acme.test", "--on", "2026-12-01", "--dry-run")
    assert words["offboard"] in offboard.output
    assert words["kpi"] in ark("kpi", "record", "leads", "1250.5", "--date", "2026-11-01").output
    month = ark(
        "calendar",
        "plan",
        "--month",
        "2027-01",
        "--department",
        "sales",
        "--responsibility",
        "listening",
    ).output
    assert words["calendar"] in month
    assign = ark(
        "assign",
        "bruno@acme.test",
        "kpi-report",
        "--role",
        "consulted",
        "--hours",
        "2.5",
        "--on",
        "2026-12-01",
    )
    assert words["assign"] in assign.output
    # Machines read the same keys and values in every language.
    offboarding = ark.json("person", "offboard", "carla@acme.test", "--dry-run")
    assert set(offboarding) == {
        "dry_run",
        "contributor",
        "to",
        "on",
        "ended",
        "handed_over",
        "tasks",
    }
    assert ark.json("people")["items"][0]["email"] == "ana@acme.test"


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "en",
            (
                "warning  process-missing      listening recurs (weekly) but has no documented",
                "0 errors, 16 warnings",
                "no processes yet: `ark process new SLUG`",
                "added boss@acme.test (lead); next: `ark user reset-link boss@acme.test`",
                "error: no task 'nope' \n  hint: see `ark tasks list`",
            ),
        ),
        (
            "es",
            (
                "aviso    process-missing      listening se repite (semanal) pero no tiene",
                "0 errores, 16 avisos",
                "todavía no hay procesos: `ark process new SLUG`",
                "añadida la cuenta boss@acme.test (coordinador); ahora:",
                "error: no hay ninguna tarea 'nope' \n  sugerencia: mira `ark tasks list`",
            ),
        ),
        (
            "it",
            (
                "avviso   process-missing      listening si ripete (settimanale) ma non ha",
                "0 errori, 16 avvisi",
                "ancora nessun processo: `ark process new SLUG`",
                "aggiunto l'account boss@acme.test (coordinatore); poi:",
                "errore: non c'è nessuna attività 'nope' \n  suggerimento: vedi `ark tasks list`",
            ),
        ),
    ],
)
def test_plugins_commands_speak_it_too(ark: Ark, lang: str, said: tuple[str, ...]) -> None:
    team_in(ark, lang)
    findings, processes, user, missing = (
        ark("check").output,
        ark("process", "list").output,
        ark("user", "add", "boss@acme.test", "--role", "lead").output,
        ark("tasks", "set", "nope", "done", code=1).output,
    )
    assert said[0] in findings and findings.rstrip().endswith(said[1])
    assert processes.startswith(said[2])
    assert user.startswith(said[3])
    assert missing.replace("\n", " \n", 1).startswith(said[4])
    report = ark.json("check")  # machines read the same keys and codes in every language
    assert set(report) == {"errors", "findings"}
    assert "process-missing" in {f["code"] for f in report["findings"]}


def test_a_checked_file_speaks_its_own_language(ark: Ark) -> None:
    team_in(ark, "es")  # the registry speaks Spanish; the file checked, Italian
    text = (ark.workspace / "ark.yaml").read_text(encoding="utf-8")
    path = ark.workspace / "other.yaml"
    path.write_text(text.replace("  lang: es\n", "  lang: it\n"), encoding="utf-8")
    out = ark("check", "--file", str(path)).output
    assert "avviso " in out and "soluzione:" in out and "\n0 errori, " in out


def test_an_audit_record_s_words_are_the_audit_logs_in_every_language() -> None:
    """A stored action or entity put into a message is the audit log page's word for it; a
    word the tables lack (a plugin's own) is shown as it is stored."""
    assert [value(lang, audit_word("task-link")) for lang in ("en", "es", "it")] == [
        "task link",
        "enlace de tarea",
        "collegamento dell'attività",
    ]
    assert [value(lang, audit_word("sign-in")) for lang in ("es", "it")] == [
        "inicio de sesión",
        "accesso",
    ]
    assert value("es", audit_word("widget")) == "widget"


def first_row(table: str) -> list[str]:
    """The first row of a list command's table, cell by cell."""
    return re.split(r"\s{2,}", table.splitlines()[1])


@pytest.mark.parametrize(
    ("lang", "added"),
    [
        ("en", ["add", "assignment"]),
        ("es", ["alta", "asignación"]),
        ("it", ["aggiunta", "incarico"]),
    ],
)
def test_the_audit_log_names_actions_and_entities_in_the_strategys_language(
    ark: Ark, lang: str, added: list[str]
) -> None:
    """`ark log`'s table says the words of the workspace's audit log page (a KPI is "KPI" in
    English too); its JSON and its filters keep the stored ones."""
    team_in(ark, lang)
    ark("assign", "bruno@acme.test", "kpi-report", "--role", "consulted")
    table = ark("log", "--entity", "assignment", "--action", "add", "--limit", "1").output
    assert first_row(table)[2:] == [*added, "kpi-report/bruno@acme.test/consulted"]
    assert first_row(ark("log", "--entity", "kpi", "--limit", "1").output)[3] == "KPI"
    newest = ark.json("log", "--entity", "assignment", "--action", "add", "--limit", "1")
    item = newest["items"][0]
    assert (item["action"], item["entity"], item["key"]) == (
        "add",
        "assignment",
        "kpi-report/bruno@acme.test/consulted",
    )


def test_huge_numbers_are_written_in_scientific_notation() -> None:
    """Babel rounds within the decimal context's 28 digits: 1e25 with three decimals is more."""
    assert value("es", 1.5e20) == "1,5E20"
    assert value("en", -1e300) == "-1E300"
    assert value("it", 1234.5) == "1.234,5"


@pytest.mark.parametrize(
    ("lang", "weekly", "monthly", "quarterly", "half", "anchored"),
    [
        (
            "en",
            "Weekly listening report 2027-W02",
            "Monthly KPI and ROI report 2027-01",
            "2027-Q1",
            "2027-H1",
            "2027-01-15+6M",
        ),
        (
            "es",
            "Weekly listening report semana 2 de 2027",
            "Monthly KPI and ROI report enero de 2027",
            "1.er trimestre de 2027",
            "1.er semestre de 2027",
            "6 meses desde el 15 ene 2027",
        ),
        (
            "it",
            "Weekly listening report settimana 2 del 2027",
            "Monthly KPI and ROI report gennaio 2027",
            "1º trimestre 2027",
            "1º semestre 2027",
            "6 mesi dal 15 gen 2027",
        ),
    ],
)
def test_task_titles_name_their_period_in_the_language(
    ark: Ark, lang: str, weekly: str, monthly: str, quarterly: str, half: str, anchored: str
) -> None:
    """The period's code (`2027-W02`, `2027-Q1`, `2027-H1`) stays in the task's key, for
    machines; the title a person reads names the period in the strategy's language."""
    path = team_in(ark, lang)
    titles = {
        t["key"]: t["title"]
        for t in ark.json("tasks", "plan", "--from", "2027-01-01", "--until", "2027-01-31")[
            "created"
        ]
    }
    assert titles["listening/2027-W02"] == weekly
    assert titles["kpi-report/2027-01"] == monthly
    text = path.read_text(encoding="utf-8")
    for cadence, key, said in (
        ("quarterly", "kpi-report/2027-Q1", quarterly),
        ("six-monthly", "kpi-report/2027-H1", half),
    ):
        path.write_text(text.replace("cadence: monthly", f"cadence: {cadence}"), encoding="utf-8")
        ark("apply", str(path))
        (task,) = [
            t
            for t in ark.json("tasks", "plan", "--from", "2027-01-01", "--until", "2027-01-31")[
                "created"
            ]
            if t["key"] == key
        ]
        assert task["title"] == f"Monthly KPI and ROI report {said}"
    path.write_text(
        text.replace("cadence: monthly", "cadence: six-monthly").replace(
            "  min_weekly_hours: 2\n", "  min_weekly_hours: 2\n  start: 2027-01-15\n"
        ),
        encoding="utf-8",
    )
    ark("apply", str(path))
    created = ark.json("tasks", "plan", "--from", "2027-01-01", "--until", "2027-01-31")["created"]
    (task,) = [t for t in created if t["key"] == "kpi-report/2027-01-15+6M"]
    assert task["title"] == f"Monthly KPI and ROI report {anchored}"


@pytest.mark.parametrize(
    ("lang", "month"), [("en", "2026-12"), ("es", "diciembre de 2026"), ("it", "dicembre 2026")]
)
def test_the_calendars_pieces_and_tasks_name_their_month_in_the_language(
    ark: Ark, lang: str, month: str
) -> None:
    team_in(ark, lang)
    plan = ark.json("calendar", "plan", "--month", "2026-12", "--responsibility", "listening")
    sales = next(e for e in plan["entries"] if e["department"] == "sales")
    assert sales["topic"] == f"Sales: {month}"
    titles = {t["key"]: t["title"] for t in plan["tasks"]}
    assert titles["calendar/2026-12/sales"] == f"Weekly listening report: Sales {month}"


BAD_TEAM = {  # a wrong type, a missing field and an unknown one, each at its line
    "es": (
        "{path}:18:5: contributors[0]: falta el campo 'name'",
        "{path}:21:15: contributors[0].capacity: se esperaba un número y hay un texto ('mucho')",
        "{path}:18:5: contributors[0]: campo desconocido 'nmae'",
        "    solución: quítalo o corrige cómo está escrito; aquí se admiten: email, name,",
        "3 problemas en el fichero del equipo; no se ha cambiado nada",
    ),
    "it": (
        "{path}:18:5: contributors[0]: manca il campo 'name'",
        "{path}:21:15: contributors[0].capacity: ci si aspettava un numero, invece c'è un testo "
        "('mucho')",
        "{path}:18:5: contributors[0]: campo sconosciuto 'nmae'",
        "    soluzione: toglilo o correggi come è scritto; qui sono ammessi: email, name,",
        "3 problemi nel file del team; non è stato cambiato nulla",
    ),
}


@pytest.mark.parametrize("lang", ["es", "it"])
def test_a_bad_team_file_is_explained_in_its_own_language(ark: Ark, lang: str) -> None:
    """A team file is read before any registry: its problems are told in its `lang`."""
    path = team_in(ark, lang)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("contributors:")) + 1
    assert lines[first].startswith("  - email:") and first == 17, lines[first]  # line 18
    text = text.replace("    name: Ana García\n", "    nmae: Ana García\n", 1)
    assert "    capacity: 6\n" in text
    path.write_text(text.replace("    capacity: 6\n", "    capacity: mucho\n", 1), "utf-8")
    out = ark("apply", str(path), code=2).output
    assert out.startswith(("error: ", "errore: ")[lang == "it"] + str(path)), out
    for said in BAD_TEAM[lang]:
        assert said.format(path=path) in out, out
    assert "expected" not in out and "unknown field" not in out


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("es", "error de sintaxis YAML: "),
        ("it", "errore di sintassi YAML: "),
    ],
)
def test_a_team_file_yaml_cannot_read_is_explained_in_the_language_it_says(
    ark: Ark, lang: str, said: str
) -> None:
    path = team_in(ark, lang)
    path.write_text(path.read_text(encoding="utf-8") + "kpis: [unclosed\n", "utf-8")
    out = ark("check", "--file", str(path), code=2).output
    assert said in out and "YAML syntax error" not in out


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        (
            "it_IT.UTF-8",
            "errore: l'URL del database del registro non è un URL di database\n"
            "  suggerimento: controlla --db o ARK_DATABASE_URL: scrivi sqlite:///PERCORSO",
        ),
        (
            "es_ES.UTF-8",
            "error: la URL de la base de datos del registro no es una URL de base de datos\n"
            "  sugerencia: revisa --db o ARK_DATABASE_URL: escribe sqlite:///RUTA",
        ),
        (
            "C.UTF-8",
            "error: the registry database URL is not a database URL\n"
            "  hint: check --db or ARK_DATABASE_URL: write sqlite:///PATH",
        ),
    ],
)
def test_db_upgrade_before_any_registry_speaks_the_users_locale(
    ark: Ark, locale: str, said: str
) -> None:
    out = ark("db", "upgrade", "--db", "nope:/x", code=1, locale=locale).output
    assert out.startswith(said), out


def test_a_missing_registry_speaks_the_users_locale(ark: Ark, tmp_path: Path) -> None:
    gone = tmp_path / "gone.db"
    out = ark("who", "listening", "--db", f"sqlite:///{gone}", code=1, locale="es_ES.UTF-8")
    assert out.output.startswith(f"error: aquí no hay registro: {gone} no existe"), out.output


@pytest.mark.parametrize(
    ("environment", "lang"),
    [
        ({"LANG": "it_IT.UTF-8"}, "it"),
        ({"LANG": "es_ES.UTF-8", "LC_MESSAGES": "it_IT"}, "it"),
        ({"LANG": "it_IT.UTF-8", "LC_ALL": "es_AR.UTF-8"}, "es"),
        ({"LANGUAGE": "de:es:it", "LANG": "it_IT.UTF-8"}, "es"),  # the first Ark speaks
        ({"LANGUAGE": "en:es"}, "en"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "POSIX", "LANGUAGE": ""}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_environment_language_is_found_as_gettext_finds_it(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], lang: str
) -> None:
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, setting in environment.items():
        monkeypatch.setenv(name, setting)
    assert environment_language() == lang


@pytest.mark.parametrize(
    ("locale", "missing", "unknown", "help_words"),
    [
        (
            "es_ES.UTF-8",
            (
                "Uso: cli assign [OPTIONS] EMAIL RESPONSIBILITY\n"
                "Prueba 'cli assign --help' para ver la ayuda.\n\n"
                "Error: Falta el argumento 'EMAIL'."
            ),
            "Error: No existe el comando 'asign'.",
            ("Uso: cli db", "Opciones:", "Comandos:", "Muestra este mensaje y termina."),
        ),
        (
            "it_IT.UTF-8",
            (
                "Uso: cli assign [OPTIONS] EMAIL RESPONSIBILITY\n"
                "Prova 'cli assign --help' per l'aiuto.\n\n"
                "Errore: Manca l'argomento 'EMAIL'."
            ),
            "Errore: Il comando 'asign' non esiste.",
            ("Uso: cli db", "Opzioni:", "Comandi:", "Mostra questo messaggio ed esce."),
        ),
    ],
)
def test_usage_errors_and_help_headings_speak_the_users_locale(
    ark: Ark, locale: str, missing: str, unknown: str, help_words: tuple[str, ...]
) -> None:
    assert ark("assign", code=2, locale=locale).output.strip() == missing
    assert unknown in ark("asign", code=2, locale=locale).output
    shown = ark("db", "--help", locale=locale).output
    assert all(word in shown for word in help_words), shown
    bad = ark("tasks", "list", "--status", "nope", code=2, locale=locale).output
    assert "Invalid value" not in bad and "nope" in bad
    assert "Usage:" in ark("assign", code=2).output  # C: English


@pytest.mark.parametrize(
    ("lang", "one", "many"),
    [
        ("en", "1 department, 14 responsibilities", "9 departments, 15 responsibilities"),
        ("es", "1 departamento, 14 responsabilidades", "9 departamentos, 15 responsabilidades"),
        ("it", "1 reparto, 14 responsabilità", "9 reparti, 15 responsabilità"),
    ],
)
def test_counts_take_the_plural_form_their_number_asks_for(
    ark: Ark, tmp_path: Path, lang: str, one: str, many: str
) -> None:
    small = ark("init", str(tmp_path / "a"), "--template", "small-firm", "--lang", lang).output
    big = ark("init", str(tmp_path / "b"), "--template", "ark", "--lang", lang).output
    assert one in small and many in big


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("es", ("1 tarea planificada", "2 tareas planificadas", "0 tareas planificadas")),
        ("it", ("1 attività pianificata", "2 attività pianificate", "0 attività pianificate")),
        ("en", ("1 task planned", "2 tasks planned", "0 tasks planned")),
    ],
)
def test_a_plural_message_has_each_form_of_the_language(lang: str, forms: tuple[str, ...]) -> None:
    planned = Nn_("{count} task planned", "{count} tasks planned")
    assert tuple(render(lang, planned, {"count": n}) for n in (1, 2, 0)) == forms
