"""The scheduled jobs speak the strategy's language: reminders, the weekly digest, the reports
of failing jobs and the jobs' results, over real SMTP on a clock the test moves; the events
are the same in every language, so changing the language tells nobody anything twice."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.automation_helpers import (
    Mailbox,
    ManualClock,
    add_sections,
    automation_section,
    local,
    runner,
)
from tests.conftest import Ark
from tests.jira_server import JiraServer
from tests.test_jira_sync import TOKEN, make_board
from tests.test_processes import GOOD, write

# The weekly task's title as a team writing in the language would name it (the team file's
# words are the team's; the words around them are Ark's).
TITLES = {"en": "Weekly listening report", "es": "Informe semanal de escucha"}
TITLES["it"] = "Report settimanale di ascolto"
# Words of the English templates that must not be left in a message in another language.
ENGLISH = re.compile(
    r"\b(overdue|due|task|tasks|hello|assigned|accountable|nobody|todo|review|week|your|stop"
    r"|found|new|fix|failed|retried|later|shows|state|sent|before|planned|forgotten"
    r"|records?|days|messages?|by)\b",
    re.IGNORECASE,
)
# Commands, codes and keys (`ark digest ...`, no-accountable, listening/2026-W50) are the
# same in every language.
VERBATIM = re.compile(r"`[^`]*`|[\w/]+(?:-[\w/]+)+")
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
RESPONSIBLE_ONLY = "      - contributor: ana@acme.test\n        role: responsible\n"
# Ana's roles in the KPI report, in the sample team: accountable and responsible.
REPORT_ROLES = (
    "      - contributor: ana@acme.test\n        role: accountable\n        hours: 1\n"
    "      - contributor: ana@acme.test\n        role: responsible\n"
)


def speak_in(ark: Ark, team: Path, lang: str) -> None:
    """Set the strategy's language in the team file and apply it."""
    text = re.sub(r"\n  lang: \w+\n", "\n", team.read_text(encoding="utf-8"))
    text = text.replace("\nstrategy:\n", f"\nstrategy:\n  lang: {lang}\n", 1)
    team.write_text(text.replace(TITLES["en"], TITLES[lang]), encoding="utf-8")
    ark("apply", str(team))


def content(message: EmailMessage) -> str:
    return str(message.get_content()).replace("\r\n", "\n")


def english_left(text: str) -> list[str]:
    """The English template words in `text`, outside its commands, codes and keys."""
    return ENGLISH.findall(VERBATIM.sub("", text))


def mails(mailbox: Mailbox) -> dict[tuple[str, str], str]:
    """(recipient, subject) -> body of each e-mail received."""
    return {(str(m["To"]), str(m["Subject"])): content(m) for m in mailbox.messages}


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "es",
            {
                "overdue": "Ark: tarea vencida listening/2026-W50",
                "intro": "Esta tarea de una responsabilidad de la que eres aprobador (A) está "
                "vencida:",
                "line": "- listening/2026-W50: Informe semanal de escucha semana 50 de 2026 "
                "(fecha límite: 13 dic 2026), por hacer, asignada a Bruno López.",
                "digest": "Ark: tus tareas de la semana 51 de 2026",
                "hello": "Hola, Bruno López:",
                "late": "Vencidas:",
                "due": "Vencen a más tardar el 20 dic 2026:",
                "off": "Para dejar de recibir estos correos semanales: "
                "`ark digest bruno@acme.test --off`.",
                "sent": "1 mensaje enviado, 0 ya enviados",
                "again": "0 mensajes enviados, 1 ya enviado",
                "planned": "tareas planificadas hasta el 31 mar 2027",
                "no-jira": "no hay sección jira: en el fichero del equipo; nada que sincronizar",
            },
        ),
        (
            "it",
            {
                "overdue": "Ark: attività scaduta listening/2026-W50",
                "intro": "Questa attività di una responsabilità di cui sei approvatore (A) è "
                "scaduta:",
                "line": "- listening/2026-W50: Report settimanale di ascolto settimana 50 del "
                "2026 (scadenza: 13 dic 2026), da fare, assegnata a Bruno López.",
                "digest": "Ark: le tue attività della settimana 51 del 2026",
                "hello": "Ciao Bruno López,",
                "late": "Scadute:",
                "due": "Da completare entro il 20 dic 2026:",
                "off": "Per non ricevere più queste e-mail settimanali: "
                "`ark digest bruno@acme.test --off`.",
                "sent": "1 messaggio inviato, 0 già inviati",
                "again": "0 messaggi inviati, 1 già inviato",
                "planned": "attività pianificate fino al 31 mar 2027",
                "no-jira": "nessuna sezione jira: nel file del team; niente da sincronizzare",
            },
        ),
    ],
)
def test_reminders_and_the_digest_speak_the_strategys_language(
    ark: Ark, team: Path, mailbox: Mailbox, lang: str, said: dict[str, str]
) -> None:
    speak_in(ark, team, lang)
    add_sections(ark, team, automation_section(), mailbox.notify_section())
    ark("tasks", "plan", "--from", "2026-12-07", "--until", "2026-12-31")
    clock = ManualClock(local("2026-12-14 08:00"))
    jobs = runner(ark, clock)
    jobs.run("reminders")
    jobs.run("digest")
    jobs.run("reminders")
    received = mails(mailbox)
    assert list(received) == [
        ("ana@acme.test", said["overdue"]),
        ("bruno@acme.test", said["digest"]),
    ]
    assert received["ana@acme.test", said["overdue"]] == f"{said['intro']}\n\n{said['line']}\n"
    digest = received["bruno@acme.test", said["digest"]]
    assert digest.startswith(f"{said['hello']}\n\n{said['late']}\n- listening/2026-W50: ")
    assert f"\n\n{said['due']}\n- listening/2026-W51: " in digest
    assert digest.endswith(f"\n\n{said['off']}\n")
    for subject, body in received.items():
        assert english_left(subject[1]) == [] and english_left(body) == []
        assert ISO_DAY.findall(body) == []  # days in the language's words
    assert jobs.state("digest").result == said["sent"]
    assert jobs.state("reminders").result == said["again"]
    planned = jobs.run("plan")
    assert planned is not None and said["planned"] in planned.state.result
    assert english_left(planned.state.result) == []
    assert ark("jobs", "run", "jira-sync").output == f"jira-sync: {said['no-jira']}\n"


@pytest.mark.parametrize(
    ("lang", "review", "check", "fix"),
    [
        ("es", "Ark: toca revisar el proceso listen", "Ark: nuevo error de ark check", "solución:"),
        (
            "it",
            "Ark: è ora di rivedere il processo listen",
            "Ark: nuovo errore di ark check",
            "soluzione:",
        ),
    ],
)
def test_a_review_due_and_a_new_check_error_speak_the_strategys_language(
    ark: Ark, team: Path, mailbox: Mailbox, lang: str, review: str, check: str, fix: str
) -> None:
    speak_in(ark, team, lang)
    add_sections(ark, team, automation_section(), mailbox.notify_section(("carla@acme.test",)))
    process = GOOD.format(slug="listen").replace(TITLES["en"], TITLES[lang])
    ark("process", "record", str(write(ark.workspace / "p", "l.md", process)))
    recorded = dt.date.today()
    ark("unassign", "ana@acme.test", "kpi-report", "--role", "accountable")
    clock = ManualClock(local(f"{recorded + dt.timedelta(days=200)} 12:00"))
    jobs = runner(ark, clock)
    jobs.run("reminders")
    received = mails(mailbox)
    assert sorted(received) == [
        ("ana@acme.test", review),
        ("carla@acme.test", f"{check} no-accountable (kpi-report)"),
    ]
    body = received["ana@acme.test", review]
    assert f"{TITLES[lang]} (listen)" in body and "`ark process review listen`." in body
    finding = received["carla@acme.test", f"{check} no-accountable (kpi-report)"]
    # the finding as `ark check` says it, in the same language
    assert "kpi-report" in finding and f"\n\n{fix} ark assign EMAIL kpi-report" in finding
    assert "accountable person" not in finding and "found a new error" not in finding
    for (_, subject), text in received.items():
        assert english_left(subject) == [] and ISO_DAY.findall(text) == []
    assert english_left(body) == []


@pytest.mark.parametrize(
    ("lang", "subject", "failed", "retried"),
    [
        (
            "en",
            "Ark: the jira-sync job failed",
            "It failed at Dec 1, 2026 10:00\u202fAM:",
            "It is retried at Dec 1, 2026 10:00\u202fAM and later with growing pauses;",
        ),
        (
            "es",
            "Ark: la tarea de fondo jira-sync ha fallado",
            "Falló el 1 dic 2026 10:00:",
            "Se reintenta el 1 dic 2026 10:00 y después con pausas cada vez más largas;",
        ),
        (
            "it",
            "Ark: il job jira-sync è fallito",
            "È fallito il 1 dic 2026 10:00:",
            "Viene riprovato il 1 dic 2026 10:00 e poi a intervalli sempre più lunghi;",
        ),
    ],
)
def test_a_failing_job_is_reported_to_the_leads_in_the_strategys_language(
    ark: Ark,
    monkeypatch: pytest.MonkeyPatch,
    mailbox: Mailbox,
    lang: str,
    subject: str,
    failed: str,
    retried: str,
) -> None:
    with JiraServer(flavour="cloud", token=TOKEN) as server:
        board = make_board(ark, monkeypatch, server)
        speak_in(ark, board.team, lang)
        leads = mailbox.notify_section(("carla@acme.test",))
        add_sections(ark, board.team, automation_section(), leads)
        monkeypatch.setenv("ARK_JIRA_TOKEN", "wrong-" + TOKEN)  # Jira refuses it
        jobs = runner(ark, ManualClock(local("2026-12-01 10:00")))
        outcome = jobs.run("jira-sync")
        assert outcome is not None and outcome.state.error
    assert mailbox.summary() == [("carla@acme.test", subject)]
    body = content(mailbox.messages[0]).rstrip("\n")
    paragraphs = body.split("\n\n")
    assert paragraphs[1] == f"{failed}\n{outcome.state.error}"
    assert paragraphs[2].startswith(retried) and paragraphs[2].endswith(
        "`ark jobs`"
        + {
            "en": " shows its state.",
            "es": " muestra su estado.",
            "it": " ne mostra lo stato.",
        }[lang]
    )
    if lang != "en":
        assert english_left(subject) == [] and english_left(paragraphs[0]) == []
        assert english_left(paragraphs[1].split("\n")[0] + paragraphs[2]) == []


def test_changing_the_language_tells_nobody_again(ark: Ark, team: Path, mailbox: Mailbox) -> None:
    # The team file leaves the KPI report with no accountable person: a check error that
    # stays through every apply of the file.
    team.write_text(team.read_text(encoding="utf-8").replace(REPORT_ROLES, RESPONSIBLE_ONLY))
    add_sections(ark, team, automation_section(), mailbox.notify_section(("carla@acme.test",)))
    ark("tasks", "plan", "--from", "2026-12-07", "--until", "2026-12-31")
    clock = ManualClock(local("2026-12-14 08:00"))
    jobs = runner(ark, clock)
    jobs.run("reminders")
    jobs.run("digest")
    told = mailbox.summary()
    assert told == [
        ("ana@acme.test", "Ark: overdue task listening/2026-W50"),
        ("carla@acme.test", "Ark: new check error no-accountable (kpi-report)"),
        ("bruno@acme.test", "Ark: your tasks for 2026-W51"),
    ]
    for lang, result in (
        ("es", "0 mensajes enviados, 2 ya enviados"),
        ("it", "0 messaggi inviati, 2 già inviati"),
    ):
        speak_in(ark, team, lang)
        clock.set(clock() + dt.timedelta(hours=2))
        jobs.run("reminders")
        jobs.run("digest")
        assert mailbox.summary() == told
        assert jobs.state("reminders").result == result
