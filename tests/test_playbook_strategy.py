"""The playbook's strategy page: what the team file records of the strategy (owner, start,
differentiation, audience, channels, objectives with measured goals, strategies and tactics),
built by a real `mkdocs build` in each language, with hostile text kept inert."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from ark_playbook.labels import LANGS, labels
from ark_playbook.strategy import strategy_page

from ark import formats
from ark.db import open_engine
from ark.registry.writer import transaction
from ark.sanitize import safe_url
from tests.conftest import Ark
from tests.test_lists import counting, registry_of
from tests.test_playbook_security import MARK, Scan, visible
from tests.test_strategy import with_substance

CARRIED = "        due: 2099-01-15\n"


def substance(tmp_path: Path) -> Path:
    """The sample team with the strategy's substance, its tactic carried by listening."""
    path = with_substance(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(CARRIED, CARRIED + "        responsibility: listening\n"))
    return path


def build(ark: Ark, out: Path, lang: str) -> None:
    ark("playbook", "build", "--out", str(out), "--lang", lang)


@pytest.mark.parametrize("lang", LANGS)
def test_the_strategy_page_shows_what_is_recorded_in_the_language(
    ark: Ark, tmp_path: Path, lang: str
) -> None:
    ark("apply", str(substance(tmp_path)))
    ark("kpi", "record", "leads", "60", "--date", "2026-11-01")
    out = tmp_path / "book"
    build(ark, out, lang)
    words = labels(lang)

    page = visible(out / "site/strategy.html")
    assert page.headings[:5] == [
        words["strategy"],
        words["direction"],
        words["differentiation_h"],
        words["audience"],
        "Owners of small firms",
    ]
    for heading in (words["ecosystem"], words["objectives"]):
        assert heading in page.headings, (heading, page.headings)
    assert page.headings[-1] == "Get 300 qualified leads from social channels"
    text = page.text[0]
    for fragment in (
        f"{words['owner']}: Ana García",
        f"{words['start']}: {formats.day(dt.date(2026, 9, 1), lang)}",
        "Make social media bring qualified leads to sales.",
        "The only firm that answers tax questions live on LinkedIn.",
        # the audience: how each segment takes part, in the language, and where it is
        f"{words['participation.spectators']}, {words['participation.joiners']}",
        "LinkedIn groups for accountants; the trade newsletter",
        # the ecosystem: kind, purpose, value, owner and objectives of each channel
        f"LinkedIn company page {words['kind.profile']} Talk to owners of small firms where"
        f" they already read. {words['value.lead-generation']} Bruno López"
        " Get 300 qualified leads from social channels",
        f"Customer forum {words['kind.community']}",
        # the measured goals: 60 of the way from 0 to 300 is 20 %; followers has no reading
        f"{words['objective_kpi']} Qualified leads",
        f"{formats.day(dt.date(2099, 6, 30), lang)} 60 ({formats.day(dt.date(2026, 11, 1), lang)})"
        f" {formats.percent(20, lang)}",
        "Enough followers to be heard Followers",
        f"{formats.number(100, lang)} {formats.number(400, lang)}",
        words["no_readings"],
        "Sales sees social as a lead source",
        "Marketing reports leads weekly",
        "Offer a useful guide in exchange for contact details",
        f"Publish the guide's landing page {formats.day(dt.date(2099, 1, 15), lang)}"
        " Social listening",
    ):
        assert fragment.replace("\xa0", " ") in text.replace("\xa0", " "), (fragment, text)
    markup = (out / "site/strategy.html").read_text()
    # The tactic and the objective link to the responsibilities that carry them.
    assert 'href="responsibilities/listening.html">Social listening</a>' in markup
    assert 'href="responsibilities/kpi-report.html">KPI and ROI report</a>' in markup
    # Reached from the home page and from the menu.
    home = (out / "site/index.html").read_text()
    assert f'href="strategy.html">{words["whole_strategy"]}</a>' in home
    assert re.search(rf'href="strategy\.html"[^>]*>\s*<span[^>]*>\s*{words["strategy"]}', home)


def test_what_is_not_recorded_is_said_and_the_reads_are_a_fixed_number(
    ark: Ark, team: Path
) -> None:
    engine = open_engine(ark.db_url)
    with transaction(engine, write=False) as reg:
        page = strategy_page(reg.read, labels("it"))
    engine.dispose()
    words = labels("it")
    for said in (
        words["no_owner"],
        words["not_set"],
        words["no_differentiation"],
        words["no_audience"],
        words["no_channels"],
    ):
        assert said in page, said
    # The sample's tactic names no responsibility: the page says so.
    assert f"| {words['no_carrier']} |" in page


HOSTILE = {
    "differentiation": "Answers live <script>alert('PWNED')</script> and opens the <details>"
    " panel for you.",
    "segment": "Owners who read <details> on Sundays <img src=x onerror=alert('PWNED')>",
    "where": "the <div> of the newsletter",
    "purpose": "Talk <style> where they read",
}


def test_hostile_strategy_text_is_inert_and_hides_nothing(ark: Ark, tmp_path: Path) -> None:
    path = substance(tmp_path)
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "  differentiation: The only firm that answers tax questions live on LinkedIn.",
        f'  differentiation: "{HOSTILE["differentiation"]}"',
    )
    text = text.replace(
        "    name: Owners of small firms\n",
        f'    name: Owners of small firms\n    description: "{HOSTILE["segment"]}"\n',
    )
    text = text.replace(
        "[LinkedIn groups for accountants, the trade newsletter]",
        f'["{HOSTILE["where"]}", LinkedIn groups for accountants]',
    )
    text = text.replace(
        "    purpose: Talk to owners of small firms where they already read.",
        f'    purpose: "{HOSTILE["purpose"]}"',
    )
    path.write_text(text, encoding="utf-8")
    ark("apply", str(path))
    out = tmp_path / "book"
    build(ark, out, "en")

    markup = (out / "site/strategy.html").read_text()
    scan = Scan()
    scan.feed(markup)
    assert all(MARK not in script for script in scan.scripts), scan.scripts
    assert scan.handlers == [] and all(safe_url(url) for url in scan.urls)
    assert not re.search(r"<script>alert", markup, re.IGNORECASE)
    page = visible(out / "site/strategy.html")
    words = labels("en")
    # Every section after the hostile text is there and visible, none left as raw Markdown.
    assert page.headings == [
        words["strategy"],
        words["direction"],
        words["differentiation_h"],
        words["audience"],
        "Owners of small firms",
        "Accounting students",
        words["ecosystem"],
        words["objectives"],
        "Get 300 qualified leads from social channels",
    ]
    seen = page.text[0]
    assert "##" not in seen and "**" not in seen
    for shown in (
        "Answers live",
        "panel for you.",
        "Owners who read <details> on Sundays",
        "the <div> of the newsletter; LinkedIn groups for accountants",
        "Talk <style> where they read",
        "Customer forum",
        "Enough followers to be heard",
        "Publish the guide's landing page",
    ):
        assert shown in seen, (shown, seen)


def test_the_page_reads_a_fixed_number_of_statements_whatever_the_size(
    ark: Ark, new_db: Any
) -> None:
    counts = []
    for size in (3, 60):
        url = registry_of(ark, new_db(), size)
        engine = open_engine(url)
        with transaction(engine, write=False) as reg:
            reg.session.connection()  # the transaction's own statements are not the page's
            with counting(engine) as seen:
                page = strategy_page(reg.read, labels("en"))
        engine.dispose()
        counts.append((len(seen), page.count("\n### O ")))
    assert counts == [(14, 3), (14, 60)]
