"""The web workspace speaks the strategy's language: its pages' words, its refusals, the API's
error messages, and its numbers and dates, from the catalogue the CLI uses.

The registry is the one tests/test_web.py serves (tasks, a process, a KPI reading, an account
for each role), its strategy switched to Spanish or Italian by applying the team file with
`lang`, as a team lead would.
"""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import get_args

import pytest
from ark_web.reads import BACKGROUND_CHECK
from fastapi.testclient import TestClient

from ark.changeset import ORDER
from ark.i18n import AUDIT_ACTIONS, AUDIT_ENTITIES, gettext
from ark.jobs.wake import SECRET_ENV
from ark.vocabulary import AuditAction, AuditEntity
from tests.conftest import Ark
from tests.test_i18n import ROOT, templates_marked
from tests.test_web import PAGES, Web, api_as, sample_web

# The workspace's own words, per language: none of the English may show, all of the other.
WORDS = {
    "en": {
        "Sign out",
        "Home",
        "Matrix",
        "Audit log",
        "Team file",
        "Responsibilities",
        "Processes",
        "Accounts",
        "Skip to content",
    },
    "es": {
        "Salir",
        "Inicio",
        "Matriz",
        "Registro de cambios",
        "Fichero del equipo",
        "Responsabilidades",
        "Procesos",
        "Cuentas",
        "Ir al contenido",
    },
    "it": {
        "Esci",
        "Home",
        "Matrice",
        "Registro delle modifiche",
        "File del team",
        "Responsabilità",
        "Processi",
        "Account",
        "Vai al contenuto",
    },
}
# What each page says in Spanish and Italian, and the English it said before.
SAID = {
    "/": ("The team today", "El equipo hoy", "Il team oggi"),
    "/matrix": ("Hours a week of", "Horas a la semana de", "Ore a settimana di"),
    "/people": ("Add a person", "Añadir una persona", "Aggiungi una persona"),
    "/people/ana@acme.test": ("Who takes", "Gestionar la salida de", "Gestisci l'uscita di"),
    "/people/carla@acme.test/offboard": (
        "Preview what moves",
        "Ver qué cambia de manos",
        "Anteprima di cosa passa di mano",
    ),
    "/responsibilities": ("People, hours a week", "Personas, horas a la semana", "Persone, ore"),
    "/responsibilities/listening": ("Who holds it now", "Quién la tiene ahora", "Chi la ricopre"),
    "/tasks": ("Due this week", "Vencen esta semana", "In scadenza questa settimana"),
    "/kpis": ("Progress to target", "Avance hacia la meta", "Avanzamento verso il traguardo"),
    "/kpis/followers": ("Record a reading", "Registrar una medición", "Registra una misurazione"),
    "/processes": ("Review due", "Revisión prevista", "Revisione prevista"),
    "/processes/listen": (
        "Confirm the review",
        "Confirmar la revisión",
        "Conferma la revisione",
    ),
    "/audit": ("Download as CSV", "Descargar como CSV", "Scarica come CSV"),
    "/team-file": ("Upload a team file", "Subir un fichero del equipo", "Carica un file del team"),
    "/accounts": ("Add an account", "Añadir una cuenta", "Aggiungi un account"),
    "/jobs": (
        "Plans the tasks of every recurring",
        "Planifica por adelantado las tareas",
        "Pianifica in anticipo le attività",
    ),
    "/tokens": ("Your API tokens", "Tus tokens de API", "I tuoi token API"),
}
COLUMN = {"es": 1, "it": 2}
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.fixture
def web(ark: Ark, team: Path) -> Iterator[Web]:
    """tests/test_web.py's sample workspace."""
    with sample_web(ark) as made:
        yield made


class Shown(HTMLParser):
    """What a reader meets on a page: its text, and the labels a screen reader speaks."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang") or ""
        self.parts += [found[a] or "" for a in ("aria-label", "placeholder", "title") if a in found]

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def shown(page: str) -> Shown:
    parser = Shown()
    parser.feed(page)
    return parser


def text_of(page: str) -> str:
    return " ".join(" ".join(shown(page).parts).split())


def speaking(web: Web, lang: str) -> Web:
    """The registry's strategy set to `lang` through the team file, as a lead would."""
    path = web.ark.workspace / "ark.yaml"
    source = path.read_text(encoding="utf-8")
    path.write_text(
        source.replace(
            "  business_type: commercial\n", f"  business_type: commercial\n  lang: {lang}\n"
        ),
        encoding="utf-8",
    )
    web.ark("apply", str(path))
    return web


def english_phrases(lang: str) -> set[str]:
    """The templates' words, each of which reads differently in `lang` (so its English must
    never show), long enough not to be a piece of some other word."""
    return {m for m in templates_marked() if "{" not in m and len(m) >= 8 and gettext(lang, m) != m}


@pytest.mark.parametrize("lang", ["es", "it"])
def test_every_page_speaks_the_strategys_language(web: Web, lang: str) -> None:
    speaking(web, lang)
    admin = web.client("admin")
    english = english_phrases(lang)
    pages = [p for p in PAGES if not p.endswith((".csv", ".yaml"))]
    for path in [*pages, "/people/ana@acme.test/offboard?to=carla@acme.test&preview=1"]:
        page = admin.get(path)
        assert page.status_code == 200, path
        assert "&lt;" not in page.text, path  # no markup of the workspace's own escaped
        seen = shown(page.text)
        text = " ".join(" ".join(seen.parts).split())
        assert seen.lang == lang, path
        assert [w for w in WORDS[lang] if w not in text] == [], path
        assert not {w for w in WORDS["en"] - WORDS[lang] if re.search(rf"\b{w}\b", text)}, path
        left = {m for m in english if re.search(rf"(?<!\w){re.escape(m)}(?!\w)", text)}
        assert not left, (path, left)
        bare = path.split("?")[0]
        if bare in SAID:
            assert SAID[bare][COLUMN[lang]] in text, (path, text)
            assert SAID[bare][0] not in text, path
    signed_out = web.client().get("/sign-in").text
    assert shown(signed_out).lang == lang and gettext(lang, "Sign in to Ark") in signed_out


def test_english_stays_the_default(web: Web) -> None:
    page = web.client("admin").get("/")
    assert shown(page.text).lang == "en"
    assert [w for w in WORDS["en"] if w not in text_of(page.text)] == []


@pytest.mark.parametrize(
    ("lang", "dates", "number"),
    [
        ("en", r"[A-Z][a-z]{2} \d{1,2}, \d{4}", "of 4.5"),
        ("es", r"\d{1,2} [a-z]{3,4} \d{4}", "de 4,5"),
        ("it", r"\d{1,2} [a-z]{3} \d{4}", "su 4,5"),
    ],
)
def test_numbers_and_dates_are_written_as_the_language_writes_them(
    web: Web, lang: str, dates: str, number: str
) -> None:
    if lang != "en":
        speaking(web, lang)
    lead = web.client("lead")
    # A capacity typed as the language writes it is read so, and shown so.
    edit = {
        "name": "Carla",
        "department": "marketing",
        "capacity": "4,5" if lang != "en" else "4.5",
        "version": str(web.version("contributor", "carla@acme.test")),
    }
    assert web.post(lead, "/people/carla@acme.test", edit).status_code == 303
    assert web.ark.json("show", "carla@acme.test")["capacity"] == 4.5
    assert number in text_of(lead.get("/people?q=carla").text)
    for path in ("/tasks?view=all", "/processes", "/audit", "/responsibilities/listening"):
        text = text_of(lead.get(path).text)
        assert re.search(dates, text), (path, text)
        # (The audit log's records show their JSON as stored, dates included.)
        assert path == "/audit" or not ISO_DAY.search(text), (path, ISO_DAY.search(text))


def refusals(web: Web, lead: TestClient, member: TestClient) -> list[str]:
    """A stale matrix edit, a capacity that is no number, a page the role may not see, a
    wrong password, and an API call without a token: what each answer says."""
    cell = {"responsibility": "listening", "contributor": "bruno@acme.test", "role": "responsible"}
    seen = web.version("assignment", "listening/bruno@acme.test/", prefix=True)
    assert (
        web.post(lead, "/matrix/cell", {**cell, "hours": "3", "version": seen}).status_code == 303
    )
    before = web.audit_count()
    stale = web.post(lead, "/matrix/cell", {**cell, "hours": "1", "version": seen})
    bad = web.post(lead, "/people", {"email": "x@acme.test", "name": "X", "capacity": "mucho"})
    assert (stale.status_code, bad.status_code) == (409, 400)
    assert web.audit_count() == before  # nothing written
    forbidden = member.get("/accounts")
    wrong = web.post(web.client(), "/sign-in", {"email": "ana@acme.test", "password": "no"})
    api = web.client().get("/api/v1/me")
    assert (forbidden.status_code, wrong.status_code, api.status_code) == (403, 401, 401)
    return [
        text_of(stale.text),
        text_of(bad.text),
        text_of(forbidden.text),
        text_of(wrong.text),
        api.json()["error"],
    ]


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "es",
            [
                "ana@acme.test cambió lo siguiente después de que lo abrieras: asignación "
                "listening/bruno@acme.test/responsible (cambio), a las ",
                "no se ha escrito nada",
                "la capacidad 'mucho' no es un número sugerencia: escribe un número, como 2 o 1,5",
                "hace falta el rol administrador; tú eres miembro",
                "El correo o la contraseña no son correctos.",
                "hace falta un token de API válido",
            ],
        ),
        (
            "it",
            [
                "ana@acme.test ha cambiato questo dopo che l'avevi aperto: incarico "
                "listening/bruno@acme.test/responsible (modifica), alle ",
                "non è stato scritto nulla",
                "la capacità 'mucho' non è un numero suggerimento: scrivi un numero, come 2 o 1,5",
                "serve il ruolo amministratore; tu sei membro",
                "L'e-mail o la password non sono corrette.",
                "serve un token API valido",
            ],
        ),
        (
            "en",
            [
                "ana@acme.test changed assignment listening/bruno@acme.test/responsible (change) at ",
                "nothing was written",
                "capacity 'mucho' is not a number hint: write a number, as 2 or 1.5",
                "this needs the admin role; you are member",
                "The e-mail or the password is not right.",
                "a valid API token is needed",
            ],
        ),
    ],
)
def test_refusals_speak_the_strategys_language(web: Web, lang: str, said: list[str]) -> None:
    if lang != "en":
        speaking(web, lang)
    stale, bad, forbidden, wrong, api = refusals(web, web.client("lead"), web.client("member"))
    assert said[0] in stale and said[1] in stale
    assert said[2] in bad
    assert said[3] in forbidden
    assert said[4] in wrong
    assert said[5] in api


class Options(HTMLParser):
    """The options of a page's `<select name=...>`: value, shown text, whether selected."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.inside = False
        self.found: list[tuple[str, str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "select":
            self.inside = found.get("name") == self.name
        elif tag == "option" and self.inside:
            self.found.append((found.get("value") or "", "", "selected" in found))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside and self.found and data.strip():
            value, text, selected = self.found[-1]
            self.found[-1] = (value, text + data.strip(), selected)


def options(page: str, name: str) -> list[tuple[str, str, bool]]:
    parser = Options(name)
    parser.feed(page)
    return parser.found


@pytest.mark.parametrize(
    ("lang", "said", "measurement"),
    [
        (
            "es",
            ["cambio estrategia strategy", "inicio de sesión cuenta ana@acme.test"],
            ("alta medición followers/", "medición"),
        ),
        (
            "it",
            ["modifica strategia strategy", "accesso account ana@acme.test"],
            ("aggiunta misurazione followers/", "misurazione"),
        ),
    ],
)
def test_the_audit_log_names_what_was_done_in_the_strategys_language(
    web: Web, lang: str, said: list[str], measurement: tuple[str, str]
) -> None:
    speaking(web, lang)
    lead = web.client("lead")
    page = lead.get("/audit").text
    text = text_of(page)
    assert [s for s in said if s not in text] == [], text
    assert "change strategy" not in text and "sign-in account" not in text
    # The kinds of thing to filter by, in the language, each sent as the word it is stored as.
    kinds = options(page, "entity")
    assert kinds[0] == ("", gettext(lang, "all"), False)
    assert {value for value, _, _ in kinds[1:]} == set(AUDIT_ENTITIES)
    assert ("measurement", measurement[1], False) in kinds
    shown = [text for _, text, _ in kinds[1:]]
    assert shown == sorted(shown) and "measurement" not in shown and "assignment" not in shown
    filtered = lead.get("/audit?entity=measurement").text
    assert measurement[0] in text_of(filtered)
    assert [v for v, _, selected in options(filtered, "entity") if selected] == ["measurement"]
    # The CSV is for machines: the stored words.
    lines = lead.get("/audit.csv?entity=measurement").text.splitlines()[1:]
    assert lines and all(line.split(",")[3:5] == ["add", "measurement"] for line in lines)


def audit_words() -> tuple[set[str], set[str]]:
    """The actions and entities the code writes audit records with: the words in the first
    two arguments of every `audit(...)` call in ark/ and plugins/ (both, where a call
    chooses between two)."""
    actions: set[str] = set()
    entities: set[str] = set()
    for path in [*(ROOT / "ark").rglob("*.py"), *(ROOT / "plugins").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "audit"
            ):
                continue
            given = {k.arg: k.value for k in node.keywords}
            for words, name, at in ((actions, "action", 0), (entities, "entity", 1)):
                argument = node.args[at] if len(node.args) > at else given[name]
                words |= {
                    n.value
                    for n in ast.walk(argument)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                }
    return actions, entities


def test_every_word_an_audit_record_is_written_with_has_its_catalogue_word() -> None:
    """The audit log page names a record's action and entity through the catalogue: a word
    written without one would show in English (and the type checker holds every `audit`
    call to `AuditAction` and `AuditEntity`; the team file's changes name theirs from
    `ark.changeset.ORDER`)."""
    assert set(get_args(AuditAction)) == set(AUDIT_ACTIONS)
    assert set(get_args(AuditEntity)) == set(AUDIT_ENTITIES)
    actions, entities = audit_words()
    assert {"sign-in", "conflict", "review"} <= actions  # the walk reaches ark/ and plugins/
    assert actions - set(AUDIT_ACTIONS) == set()
    assert (entities | set(ORDER)) - set(AUDIT_ENTITIES) == set()


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "es",
            [
                "la API no tiene ninguna ruta /api/v1/nowhere",
                "/api/v1/assignments no admite GET",
                "faltan los campos 'contributor', 'role'; el campo 'hours' no es válido",
                "mira qué admite cada ruta en la descripción de la API",
                "no hay ninguna página /nowhere",
            ],
        ),
        (
            "it",
            [
                "l'API non ha nessun percorso /api/v1/nowhere",
                "/api/v1/assignments non accetta GET",
                "mancano i campi 'contributor', 'role'; il campo 'hours' non è valido",
                "vedi cosa accetta ogni percorso nella descrizione dell'API",
                "non c'è nessuna pagina /nowhere",
            ],
        ),
    ],
)
def test_the_apis_own_refusals_speak_the_strategys_language(
    web: Web, lang: str, said: list[str]
) -> None:
    """No route, a method the route does not take, fields missing or wrong: FastAPI's own
    answers are English; the API's say it in the language, naming the fields to fix."""
    speaking(web, lang)
    api, auth = api_as(web, "lead")
    nowhere = api.get("/api/v1/nowhere", headers=auth).json()
    method = api.get("/api/v1/assignments", headers=auth).json()
    cell = {"responsibility": "listening", "hours": "muchas", "version": 1}
    bad = api.post("/api/v1/assignments", json=cell, headers=auth).json()
    assert [nowhere["error"], method["error"], bad["error"]] == said[:3]
    assert bad["fields"] == ["contributor", "role", "hours"]  # for the script: as sent
    assert all(said[3] in answer["hint"] for answer in (nowhere, method, bad))
    page = web.client("viewer").get("/nowhere")
    assert page.status_code == 404 and said[4] in text_of(page.text)
    assert shown(page.text).lang == lang


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "es",
            (
                "falta el secreto del webhook o no es el correcto",
                "ninguna tarea de fondo atiende los webhooks de 'nowhere'",
                "ARK_WEBHOOK_SECRET no está definida (o tiene menos de 16 caracteres): se "
                "rechazan los webhooks",
            ),
        ),
        (
            "it",
            (
                "il segreto del webhook manca o è sbagliato",
                "nessun job segue i webhook di 'nowhere'",
                "ARK_WEBHOOK_SECRET non è impostata (o ha meno di 16 caratteri): i webhook "
                "vengono rifiutati",
            ),
        ),
        (
            "en",
            (
                "missing or wrong webhook secret",
                "no job follows 'nowhere' webhooks",
                "ARK_WEBHOOK_SECRET is not set (or shorter than 16 characters): webhooks are "
                "refused",
            ),
        ),
    ],
)
def test_a_webhook_is_refused_in_the_strategys_language(
    web: Web, lang: str, said: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A webhook without the secret, one from a source no job follows, and any webhook while
    the server has no secret: what the sender's log keeps says it in the language, with the
    status codes a sender acts on."""
    if lang != "en":
        speaking(web, lang)
    secret = "whsec-3b7e9d1c5a2f8e60"
    monkeypatch.setenv(SECRET_ENV, secret)
    body = b'{"webhookEvent": "jira:issue_updated"}'
    with web.client() as client:  # started, as `ark serve` starts it: its webhook waker
        wrong = client.post("/hooks/jira", content=body, headers={"Authorization": "Bearer no"})
        nowhere = client.post(
            "/hooks/nowhere", content=body, headers={"Authorization": f"Bearer {secret}"}
        )
        monkeypatch.delenv(SECRET_ENV)
        unset = client.post(
            "/hooks/jira", content=body, headers={"Authorization": f"Bearer {secret}"}
        )
        # The check the app's start began reads the registry: let it end before the fixture
        # drops the registry.
        for thread in threading.enumerate():
            if thread.name == BACKGROUND_CHECK:
                thread.join()
    answers = (wrong, nowhere, unset)
    assert [a.status_code for a in answers] == [401, 404, 401]
    assert tuple(a.json()["error"] for a in answers) == said
    assert all(secret not in a.text for a in answers)


def test_a_kpis_own_unit_is_shown_as_the_team_wrote_it(web: Web) -> None:
    """A unit Ark names is translated; the team's own is theirs, even one spelt like a word
    the pages translate elsewhere (an audit record's entity, "task")."""
    path = web.ark.workspace / "ark.yaml"
    source = path.read_text(encoding="utf-8")
    path.write_text(
        source.replace(
            "  - slug: followers\n    name: Followers\n",
            "  - slug: followers\n    name: Followers\n    unit: task\n",
        ).replace(
            "  - slug: leads\n    name: Qualified leads\n",
            "  - slug: leads\n    name: Qualified leads\n    unit: percent\n",
        ),
        encoding="utf-8",
    )
    speaking(web, "es")
    viewer = web.client("viewer")
    assert "Unidad: task" in text_of(viewer.get("/kpis/followers").text)
    listed = text_of(viewer.get("/kpis").text)
    assert "task" in listed and "tarea" not in listed
    assert gettext("es", "percent") in listed
