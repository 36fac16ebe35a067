"""The message catalogue: complete in every language, and `ark check` and `ark kpi show`
speaking the strategy's language, with its number and date formats."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import ark
from tests.conftest import FIXTURES, Ark

ROOT = Path(ark.__file__).parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def marked() -> set[str]:
    """Every message the code marks with `N_`."""
    return {
        str(message)  # N_ takes one plain string
        for folder in ("ark", "plugins")
        for _, _, message, _, _ in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords={"N_": None}
        )
    }


@pytest.mark.parametrize("lang", ["es", "it"])
def test_every_marked_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    path = ROOT / "ark" / "locale" / lang / "LC_MESSAGES" / "ark.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    entries = {str(m.id): str(m.string) for m in catalog if m.id}
    wanted = marked()
    assert wanted - set(entries) == set(), "missing from the catalogue"
    assert set(entries) - wanted == set(), "no longer in the code"
    for msgid, msgstr in entries.items():
        assert msgstr, msgid
        assert set(PLACEHOLDER.findall(msgstr)) == set(PLACEHOLDER.findall(msgid)), msgid


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
