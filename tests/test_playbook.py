"""The playbook: pages from the registry, languages, contributed pages, incremental writes,
the MkDocs plugin and the demo, each through a real `mkdocs build`."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from ark_playbook.labels import labels
from ark_playbook.pages import NAMED
from ark_playbook.sources import STAMP

from ark import formats, i18n
from ark.hookspecs import hookimpl
from ark.paging import LIST_PAGE
from ark.plugins import manager
from tests.conftest import Ark, Demo, free_port

PROCESS = """---
slug: weekly-report
title: Weekly listening report
responsibility: listening
purpose: Know what customers say.
trigger: Every Monday.
steps:
  - do: Export the mentions of the brand
    role: responsible
    tool: Listening tool
  - do: Approve the report
    role: accountable
tags: [report]
---

Keep the report short.
"""


def record_process(ark: Ark, tmp_path: Path, text: str = PROCESS) -> Path:
    """The weekly report recorded from a processes folder, which is returned."""
    folder = tmp_path / "processes"
    folder.mkdir()
    (folder / "weekly-report.md").write_text(text)
    ark("process", "record", str(folder))
    return folder


def build(ark: Ark, out: Path, *args: str, code: int = 0) -> str:
    return ark("playbook", "build", "--out", str(out), *args, code=code).output


def mtimes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file() and "site" not in p.relative_to(folder).parts[:1] and p.name != STAMP
    }


def written(output: str) -> int:
    match = re.search(r"(\d+) files? written", output)
    assert match, output
    return int(match.group(1))


@pytest.fixture
def contribute() -> Iterator[Callable[[str, str], None]]:
    """Registers a throwaway plugin that contributes pages, and always unregisters it."""
    pm = manager()
    names: list[str] = []

    def add(path: str, text: str) -> None:
        class Contributor:
            @hookimpl
            def ark_playbook_pages(self, register: Callable[[str, str], None]) -> None:
                register(path, text)

        name = f"test-contributor-{len(names)}"
        pm.register(Contributor(), name=name)
        names.append(name)

    yield add
    for name in names:
        pm.unregister(name=name)


@pytest.mark.parametrize(
    ("lang", "raci", "roles"),
    [("en", "RACI matrix", "Accountable"), ("es", "Matriz RACI", "Aprobador")],
)
def test_build_writes_pages_and_a_site_in_the_language(
    ark: Ark, team: Path, tmp_path: Path, lang: str, raci: str, roles: str
) -> None:
    ark("kpi", "record", "leads", "40", "--date", "2026-01-31")
    ark("kpi", "record", "leads", "90", "--date", "2026-02-28")
    out = tmp_path / "book"
    output = build(ark, out, "--lang", lang)
    docs = out / "docs"
    config = yaml.safe_load((out / "mkdocs.yml").read_text().split("markdown_extensions:")[0])
    assert config["theme"]["language"] == lang
    assert config["site_name"] == "Acme social media strategy"
    for page in (
        "index.md",
        "team.md",
        "raci.md",
        "responsibilities/listening.md",
        "responsibilities/kpi-report.md",
        "departments/marketing.md",
        "departments/sales.md",
    ):
        assert (docs / page).is_file(), page
    assert (docs / "raci.md").read_text().count(f"# {raci}") == 1
    listening = (docs / "responsibilities/listening.md").read_text()
    assert f"{roles} (A) | Ana García |" in listening
    assert "Bruno López" in listening
    assert f"**{labels(lang)['kpis']}:** Followers" in listening  # KPI names, not slugs
    tags = yaml.safe_load(listening.split("---\n")[1])["tags"]
    assert tags == [labels(lang)["responsibility"], labels(lang)["listening"]]
    home = (docs / "index.md").read_text()
    assert "Make social media bring qualified leads to sales." in home
    # 90 of the way from 0 to 300: 30%, and a chart of the two readings.
    assert "30%" in home
    assert "```ark-chart\n" in home
    # The RACI matrix: one row per person, letters per responsibility.
    matrix = (docs / "raci.md").read_text()
    # Letters on their colours, people grouped by department.
    role = r'<span class="ark-role ark-role-{0}">{1}</span>'
    ana = rf"\| Ana García \| {role.format('r', 'R')} {role.format('a', 'A')} \| {role.format('a', 'A')} \|"
    assert re.search(ana, matrix), matrix
    assert matrix.index("**Marketing**") < matrix.index("Ana García") < matrix.index("**Sales**")
    assert (docs / "raci/marketing.md").is_file()  # a view per department
    # The site itself: built by mkdocs, with the labels and the language.
    site = out / "site"
    assert str(site / "index.html") in output.replace("\n", "")
    html = (site / "raci.html").read_text()
    assert f'<html lang="{lang}"' in html and raci in html
    assert (site / "responsibilities/listening.html").is_file()
    # The chart is drawn in the home page, its month names in the language.
    chart = (site / "index.html").read_text().split('<svg class="ark-figure ark-chart"', 1)[1]
    chart = chart.split("</svg>", 1)[0]
    assert f">{formats.months(lang)[1]}</text>" in chart and "<script" not in chart


def test_an_unchanged_registry_writes_no_file_and_a_change_only_its_pages(
    ark: Ark, team: Path, tmp_path: Path
) -> None:
    out = tmp_path / "book"
    build(ark, out)
    before = mtimes(out)
    site = (out / "site/index.html").stat().st_mtime_ns
    # Nothing changed: nothing is written, nothing is built.
    assert "has not changed since the last build: nothing to do" in build(ark, out)
    assert mtimes(out) == before and (out / "site/index.html").stat().st_mtime_ns == site
    # Forced: everything is rendered again, and no file differs.
    assert written(build(ark, out, "--force")) == 0
    assert mtimes(out) == before
    text = team.read_text().replace("title: Social listening", "title: Listening to customers")
    team.write_text(text)
    ark("apply", str(team))
    output = build(ark, out)
    after = mtimes(out)
    changed = {path for path in after if after[path] != before.get(path)}
    # The pages that show the responsibility's title, and no other.
    assert changed == {
        "docs/responsibilities/listening.md",
        "docs/raci.md",
        "docs/team.md",
        "docs/departments/marketing.md",
        # the department views of the matrix where someone holds it
        "docs/raci/marketing.md",
        "docs/raci/sales.md",
        "docs/raci/customer-service.md",
        # the pages of the people who carry it
        "docs/people/ana-acme-test.md",
        "docs/people/bruno-acme-test.md",
        "docs/people/carla-acme-test.md",
        # and their getting-started pages
        "docs/onboarding/ana-acme-test.md",
        "docs/onboarding/bruno-acme-test.md",
        "docs/onboarding/carla-acme-test.md",
        # the pages of its tags, which list it by title
        "docs/tags/listening.md",
        "docs/tags/responsibility.md",
    }
    assert written(output) == 15
    assert "Listening to customers" in (out / "site/raci.html").read_text()


def test_changing_one_process_rewrites_only_its_page(ark: Ark, team: Path, tmp_path: Path) -> None:
    folder = record_process(ark, tmp_path)
    out = tmp_path / "book"
    build(ark, out)
    assert (
        "[Weekly listening report](../processes/weekly-report.md)"
        in (out / "docs/responsibilities/listening.md").read_text()
    )
    before = mtimes(out)
    (folder / "weekly-report.md").write_text(PROCESS.replace("Approve the report", "Sign off"))
    ark("process", "record", str(folder))
    output = build(ark, out)
    after = mtimes(out)
    # Its page, and "what changed" with the new revision and the page of its diff.
    assert {p for p in after if after[p] != before.get(p)} == {
        "docs/processes/weekly-report.md",
        "docs/changes/index.md",
        "docs/changes/weekly-report-2.md",
        "mkdocs.yml",
        # the new diff page in the reading order and on its tag's page
        "contents.txt",
        "docs/tags/process.md",
    }
    assert written(output) == 6
    assert "Sign off" in (out / "site/processes/weekly-report.html").read_text()
    changes = (out / "docs/changes/index.md").read_text()
    assert changes.index("| 2 |") < changes.index("| 1 |")  # newest first
    assert "[Changes](weekly-report-2.md)" in changes
    diff = (out / "site/changes/weekly-report-2.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", diff))
    assert "-  - do: Approve the report\n+  - do: Sign off" in text


def test_contributed_pages_are_placed_in_the_menu(
    ark: Ark, team: Path, tmp_path: Path, contribute: Callable[[str, str], None]
) -> None:
    contribute("extras/board.md", "---\ntitle: The board\n---\n\n# The board\n\nHello.\n")
    contribute("notes.md", "# Notes\n\nA top-level page without front matter.\n")
    out = tmp_path / "book"
    build(ark, out, "--lang", "it")
    nav = yaml.safe_load((out / "mkdocs.yml").read_text().split("markdown_extensions:")[0])["nav"]
    assert {"Extras": ["extras/board.md"]} in nav
    assert "notes.md" in nav
    assert (out / "docs/notes.md").read_text().startswith("---\ntitle: Notes\n---\n")
    assert "Hello." in (out / "site/extras/board.html").read_text()
    assert "Matrice RACI" in (out / "site/raci.html").read_text()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("../outside.md", "inside the playbook"),
        ("raci.md", "which the playbook writes itself"),
        ("page.html", "ending in .md"),
    ],
)
def test_a_bad_contributed_path_is_refused_and_nothing_is_written(
    ark: Ark,
    team: Path,
    tmp_path: Path,
    contribute: Callable[[str, str], None],
    path: str,
    message: str,
) -> None:
    contribute(path, "# Page\n")
    out = tmp_path / "book"
    output = build(ark, out, code=1)
    assert "test-contributor-0" in output and message in output and repr(path) in output
    assert not out.exists()


def test_an_existing_folder_that_is_not_a_playbook_is_left_alone(
    ark: Ark, team: Path, tmp_path: Path
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "mkdocs.yml").write_text("site_name: Mine\n")
    output = build(ark, out, code=1)
    assert "was not written by `ark playbook build`" in output
    assert (out / "mkdocs.yml").read_text() == "site_name: Mine\n"
    assert sorted(os.listdir(out)) == ["mkdocs.yml"]


def test_a_page_that_is_gone_is_removed(ark: Ark, team: Path, tmp_path: Path) -> None:
    original = team.read_text()
    team.write_text(
        original.replace("departments:\n", "departments:\n  - slug: legal\n    name: Legal\n")
    )
    ark("apply", str(team))
    out = tmp_path / "book"
    build(ark, out)
    assert (out / "docs/departments/legal.md").is_file()
    team.write_text(original)
    ark("apply", str(team))
    output = build(ark, out)
    assert "2 removed" in output  # the department page and its view of the matrix
    assert not (out / "docs/departments/legal.md").exists()
    assert not (out / "docs/raci/legal.md").exists()
    assert not (out / "site/departments/legal.html").exists()


def test_the_mkdocs_plugin_adds_the_pages_to_a_site_of_ones_own(
    ark: Ark, team: Path, tmp_path: Path
) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    record_process(ark, tmp_path)
    site = tmp_path / "own"
    (site / "docs").mkdir(parents=True)
    (site / "docs/index.md").write_text("# Our docs\n")
    settings: dict[str, Any] = {
        "site_name": "Our docs",
        "plugins": [{"ark-playbook": {"db": ark.db_url, "lang": "it", "folder": "team"}}],
        "theme": {"name": "material"},
        "markdown_extensions": ["admonition", "tables"],
    }
    (site / "mkdocs.yml").write_text(yaml.safe_dump(settings))
    config = load_config(str(site / "mkdocs.yml"))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(config)
    finally:
        config.plugins.on_shutdown()
    assert "Matrice RACI" in (site / "site/team/raci/index.html").read_text()
    assert "Ana García" in (site / "site/team/responsibilities/listening/index.html").read_text()
    assert not (site / "docs/team").exists()  # nothing written into the user's docs
    # The process flow is drawn in the page, and nothing is fetched from the internet.
    process = (site / "site/team/processes/weekly-report/index.html").read_text()
    assert '<svg class="ark-figure ark-flow"' in process
    assert 'href="../../assets/stylesheets/ark.css"' in process
    # Its tags lead to their pages in this site too (no tags plugin needed).
    assert '<a class="md-tag" href="../../tags/report/">report</a>' in process
    assert "processes/weekly-report/" in (site / "site/team/tags/report/index.html").read_text()
    assert "fonts.googleapis.com" not in process and "fonts.gstatic.com" not in process
    assert not re.search(r"""<(?:script|img|link|iframe)[^>]+(?:src|href)=["']https?://""", process)


def test_demo_builds_the_playbook_and_says_where(demo: Callable[[str], Demo]) -> None:
    made = demo("en")
    line = next(line for line in made.output.splitlines() if line.startswith("playbook:"))
    index = Path(line.split("open ", 1)[1].strip())
    assert index == (made.workspace / "playbook/site/index.html").resolve()
    html = index.read_text()
    assert '<svg class="ark-figure ark-chart"' in html  # readings drawn against the targets
    assert (index.parent / "processes").is_dir()


def test_serve_follows_the_registry_as_it_changes(ark: Ark, team: Path, tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "book"
    command = [sys.executable, "-m", "ark", "playbook", "serve", "--out", str(out)]
    command += ["--dev-addr", f"127.0.0.1:{port}", "--interval", "0.3"]
    env = {**os.environ, "ARK_DATABASE_URL": ark.db_url, "ARK_USER": "tester"}
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert server.stdout is not None
    # Not a time limit on the product: a server that never prints what is awaited would
    # otherwise hang the suite; ended, it fails the test below with what it printed.
    watchdog = threading.Timer(600, server.kill)
    watchdog.start()
    lines: list[str] = []

    def read_until(text: str) -> None:
        for line in server.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if text in line:
                return
        raise AssertionError(f"the server stopped before {text!r}:\n{''.join(lines)}")

    def page() -> str:
        url = f"http://127.0.0.1:{port}/responsibilities/listening.html"
        with urllib.request.urlopen(url) as response:
            return str(response.read().decode())

    try:
        read_until("Serving on")
        assert "Carla Vidal" in page() and "Informed (I)</td>\n<td>nobody" in page()
        ark("assign", "carla@acme.test", "listening", "--role", "informed")
        # listening.md, raci.md, team.md, a department view, the menu, Carla's new page and
        # her getting-started page, and the pages of the two who now carry listening with her
        read_until("written, ")
        assert "8 files written" in lines[-1], lines[-1]
        read_until("Documentation built")
        assert "Informed (I)</td>\n<td>Carla Vidal" in page()
    finally:
        watchdog.cancel()
        server.terminate()
        server.wait()


def test_the_raci_matrix_lists_people_who_hold_a_role(ark: Ark, team: Path, tmp_path: Path) -> None:
    text = team.read_text().replace(
        "kpis:\n",
        "  - email: dora@acme.test\n    name: Dora Ruiz\n    department: sales\nkpis:\n",
        1,
    )
    team.write_text(text)
    ark("apply", str(team))
    out = tmp_path / "book"
    build(ark, out)
    assert "Dora Ruiz" in (out / "docs/team.md").read_text()
    assert "Dora Ruiz" in (out / "docs/departments/sales.md").read_text()
    matrix = (out / "docs/raci.md").read_text()
    assert "Dora Ruiz" not in matrix and "Carla Vidal" in matrix


def test_figures_are_drawn_the_same_way_every_time_and_keep_to_their_box() -> None:
    from ark_playbook.figures import Step, chart_fence, flow_svg, nice_ticks

    long = "Read every mention of the brand " * 6
    flow = flow_svg([Step(long, "Responsible"), Step("Approve", "Accountable")], "Report")
    assert flow == flow_svg([Step(long, "Responsible"), Step("Approve", "Accountable")], "Report")
    assert flow.count('<g class="ark-flow__step">') == 2
    assert flow.count("<tspan") > 3  # the long step is wrapped over several lines
    data = {
        "title": "Leads",
        "points": [["2026-01-15", 1.5], ["2026-03-20", 40]],
        "target": 50,
        "readings": "Medidas",
        "target_label": "Meta",
        "lang": "es",
    }
    chart = chart_fence(json.dumps(data), "ark-chart", "", {}, None)
    assert ">feb</text>" in chart and ">mar</text>" in chart and ">1,5</title>" not in chart
    assert "15 ene 2026: 1,5</title>" in chart
    assert nice_ticks(1.5, 50) == [0, 10, 20, 30, 40, 50]
    assert chart_fence("{not json", "ark-chart", "", {}, None).startswith("<pre><code>")


@pytest.mark.parametrize("lang", ["es", "it"])
def test_a_playbook_in_spanish_or_italian_has_no_english_of_its_own(
    ark: Ark, team: Path, tmp_path: Path, lang: str
) -> None:
    ark("kpi", "record", "leads", "40.5", "--date", "2026-01-31")
    ark("kpi", "record", "leads", "90", "--date", "2026-02-28")
    record_process(ark, tmp_path)
    out = tmp_path / "book"
    build(ark, out, "--lang", lang)
    config = yaml.safe_load((out / "mkdocs.yml").read_text().split("markdown_extensions:")[0])
    assert {"search": {"lang": lang}} in config["plugins"]  # stop words of the language
    assert config["extra"] == {"generator": False}  # no English "Made with" line
    site = out / "site"
    home = (site / "index.html").read_text()
    assert "40,5" in home and "40.5" not in home  # decimal comma
    assert "(count)" not in home and f"({i18n.unit(lang, 'count')})" in home
    for english in ("Made with", "Jan", "Feb "):
        assert english not in home, english
    tags = yaml.safe_load((out / "docs/processes/weekly-report.md").read_text().split("---\n")[1])
    assert "process" not in tags["tags"]
    for page in ("due-for-review.md", "usage-policy.md"):
        meta = yaml.safe_load((out / "docs" / page).read_text().split("---\n")[1])
        assert not {"review", "policy"} & set(meta["tags"]), meta
    process = (site / "processes/weekly-report.html").read_text()
    today = formats.day(dt.date.today(), lang)
    assert today in process  # the revision's date, written the language's way


def test_a_person_page_says_what_they_carry_with_whom(ark: Ark, team: Path, tmp_path: Path) -> None:
    out = tmp_path / "book"
    build(ark, out)
    page = (out / "docs/people/ana-acme-test.md").read_text()
    assert page.startswith("---\ntitle: Ana García\n")
    row = next(line for line in page.splitlines() if "Social listening" in line)
    assert "ark-role-a" in row and "Bruno López (R)" in row
    assert "[Ana García](people/ana-acme-test.md)" in (out / "docs/team.md").read_text()
    assert "Ana García" in (out / "site/people/ana-acme-test.html").read_text()


def test_a_large_team_gets_a_roster_and_a_matrix_per_department(
    ark: Ark, team: Path, tmp_path: Path
) -> None:
    extra = "".join(
        f"  - email: p{n}@acme.test\n    name: Person {n:02d}\n    department: sales\n"
        for n in range(61)
    )
    team.write_text(team.read_text().replace("kpis:\n", extra + "kpis:\n", 1))
    ark("apply", str(team))
    out = tmp_path / "book"
    build(ark, out)
    docs = out / "docs"
    index = (docs / "team.md").read_text()
    assert "Person 00" not in index and "[Sales](team/sales.md) | 62 |" in index
    assert "Person 60" in (docs / "team/sales.md").read_text()
    assert "[Marketing](raci/marketing.md)" in (docs / "raci.md").read_text()
    nav = yaml.safe_load((out / "mkdocs.yml").read_text().split("markdown_extensions:")[0])["nav"]
    team_menu = next(item["Team"] for item in nav if "Team" in item)
    # The menu names no one (a page would carry a department's whole staff): each
    # department's roster links its people, and the printed playbook has them after it.
    assert not any("People" in item for item in team_menu)
    assert "people/" not in (out / "mkdocs.yml").read_text()
    assert "[Ana García](../people/ana-acme-test.md)" in (docs / "team/marketing.md").read_text()
    contents = (out / "contents.txt").read_text().splitlines()
    assert contents.index("team/marketing.md") + 1 == contents.index("people/ana-acme-test.md")
    assert (out / "site/team/sales.html").is_file()
    assert (out / "site/people/ana-acme-test.html").is_file()


def playbook_section(team: Path, **values: str) -> None:
    """The team file with a `playbook:` section of these values."""
    lines = "".join(f"  {key}: {value}\n" for key, value in values.items())
    team.write_text(team.read_text() + f"playbook:\n{lines}")


def test_a_process_page_links_to_where_it_is_edited(ark: Ark, team: Path, tmp_path: Path) -> None:
    record_process(ark, tmp_path)
    out = tmp_path / "book"
    build(ark, out)
    assert "✎" not in (out / "docs/processes/weekly-report.md").read_text()  # nowhere known

    playbook_section(
        team,
        repo_url="https://git.example/acme/workspace",
        workspace_url="https://ark.acme.example/",
    )
    ark("apply", str(team))
    build(ark, out, "--lang", "es")
    page = (out / "site/processes/weekly-report.html").read_text()
    repository = "https://git.example/acme/workspace/edit/main/processes/weekly-report.md"
    assert f'<a href="{repository}">Editar el fichero en el repositorio</a>' in page
    workspace = "https://ark.acme.example/processes/weekly-report"
    assert f'<a href="{workspace}">Editarlo en el espacio de trabajo</a>' in page
    # Right under the title, before the facts; only process pages have one.
    assert page.index("<h1") < page.index(repository)
    assert page.index(repository) < page.index("<strong>Responsabilidad:</strong>")
    assert "✎" not in (out / "site/responsibilities/listening.html").read_text()
    # The theme is not told of the repository (it would call the hosting service's API).
    assert "repo_url" not in (out / "mkdocs.yml").read_text()

    # Another edit path; and without the web plugin there is no workspace to link to.
    team.write_text(team.read_text().replace("playbook:\n", "playbook:\n  edit_uri: src/tip/\n"))
    ark("apply", str(team))
    env = {**os.environ, "ARK_DATABASE_URL": ark.db_url, "ARK_DISABLE_PLUGINS": "web"}
    command = [sys.executable, "-m", "ark", "playbook", "build", "--out", str(out)]
    subprocess.run(command, env=env, check=True, capture_output=True)
    page = (out / "docs/processes/weekly-report.md").read_text()
    assert "(https://git.example/acme/workspace/src/tip/weekly-report.md)" in page
    assert "ark.acme.example" not in page


def test_the_sitemap_lists_every_page_at_the_site_url_or_is_not_written(
    ark: Ark, team: Path, tmp_path: Path
) -> None:
    out = tmp_path / "book"
    output = build(ark, out)
    # MkDocs would write a sitemap with no page in it: none is published, and the build says
    # what to set.
    assert not (out / "site/sitemap.xml").exists() and not (out / "site/sitemap.xml.gz").exists()
    assert "no sitemap.xml: a sitemap lists full addresses; set `playbook: site_url:`" in output

    playbook_section(team, site_url="https://intranet.acme.example/playbook/")
    ark("apply", str(team))
    output = build(ark, out)
    assert "no sitemap" not in output
    sitemap = (out / "site/sitemap.xml").read_text()
    listed = set(re.findall(r"<loc>([^<]+)</loc>", sitemap))
    pages = {
        "https://intranet.acme.example/playbook/" + p.relative_to(out / "site").as_posix()
        for p in (out / "site").rglob("*.html")
        if p.name != "404.html"
    }
    assert listed == pages and len(pages) > 10
    assert (
        '<link rel="canonical" href="https://intranet.acme.example/playbook/raci.html">'
        in (out / "site/raci.html").read_text()
    )

    bad = team.read_text().replace("site_url: https://", "site_url: ftp://")
    team.write_text(bad)
    assert "site_url" in ark("apply", str(team), code=2).output


def test_each_tag_has_its_own_page_and_the_index_names_them(
    ark: Ark, team: Path, tmp_path: Path
) -> None:
    record_process(ark, tmp_path, PROCESS.replace("[report]", "[report, Revisión]"))
    out = tmp_path / "book"
    build(ark, out)
    index = (out / "docs/tags.md").read_text()
    assert "- [process](tags/process.md)\n" in index
    assert "- [Revisión](tags/revision.md)\n" in index  # a file name in ASCII
    assert "- [Responsibility](tags/responsibility.md)\n" in index
    assert "<!--" not in index  # the index lists no page: each tag's page does
    listing = (out / "site/tags/process.html").read_text().split("<article", 1)[1]
    assert '<a href="../processes/weekly-report.html">' in listing
    assert "responsibilities/listening.html" not in listing
    # A page's tag leads to that tag's page.
    process = (out / "site/processes/weekly-report.html").read_text()
    assert '<a class="md-tag" href="../tags/revision.html">Revisión</a>' in process


def test_every_page_says_when_what_it_shows_last_changed(
    ark: Ark, team: Path, tmp_path: Path, today: dt.date
) -> None:
    from sqlalchemy import update

    from ark.db import open_engine
    from ark.models import AuditRecord

    # Everything recorded long ago, then one responsibility retitled today.
    engine = open_engine(ark.db_url)
    with engine.begin() as connection:
        connection.execute(update(AuditRecord).values(at=dt.datetime(2020, 3, 2, 9, tzinfo=dt.UTC)))
    engine.dispose()
    team.write_text(team.read_text().replace("title: KPI and ROI report", "title: KPI report"))
    ark("apply", str(team))
    out = tmp_path / "book"
    build(ark, out, "--lang", "es")
    docs = out / "docs"
    then = "Último cambio: " + formats.day(dt.date(2020, 3, 2), "es")
    recent = [  # the retitling's day: any day since the test began
        "Último cambio: " + formats.day(today + dt.timedelta(days=n), "es")
        for n in range((dt.date.today() - today).days + 1)
    ]
    changed = "changed since the test began"

    def said(page: str) -> str:
        text = (docs / page).read_text()
        if any(line in text for line in recent):
            return changed
        return then if then in text else "nothing"

    assert said("responsibilities/kpi-report.md") == changed  # what changed
    assert said("responsibilities/listening.md") == then  # what did not
    assert said("departments/sales.md") == then
    assert said("people/bruno-acme-test.md") == then  # carries listening only
    # Ana and Carla carry the KPI report; the matrix, the roster, the home and strategy
    # pages (which name the responsibility carrying an objective) show it.
    for page in (
        "people/ana-acme-test.md",
        "onboarding/carla-acme-test.md",
        "departments/marketing.md",
        "raci.md",
        "team.md",
        "onboarding.md",
        "index.md",
        "strategy.md",
    ):
        assert said(page) == changed, page
    assert then in (out / "site/responsibilities/listening.html").read_text()


def test_the_small_things_readers_noticed(ark: Ark, team: Path, tmp_path: Path) -> None:
    from tests.test_processes import recorded_long_ago

    # A title that sorts after its slug's place; a process with no body, an input that is
    # only markup, and a review long overdue.
    team.write_text(team.read_text().replace("title: KPI and ROI report", "title: Weekly KPIs"))
    ark("apply", str(team))
    text = PROCESS.replace("tags: [report]", 'inputs: ["<script></script>", "Last week"]')
    record_process(ark, tmp_path, text.split("---\n\n")[0] + "---\n")
    recorded_long_ago(ark, "weekly-report")
    out = tmp_path / "book"
    build(ark, out)
    site = out / "site"

    home = (site / "index.html").read_text()
    assert "<title>Home - Acme social media strategy</title>" in home  # not the name twice
    nav = yaml.safe_load((out / "mkdocs.yml").read_text().split("markdown_extensions:")[0])["nav"]
    menu = next(item["Responsibilities"] for item in nav if "Responsibilities" in item)
    assert menu == ["responsibilities/listening.md", "responsibilities/kpi-report.md"]  # by title
    process = (site / "processes/weekly-report.html").read_text()
    assert ">Details<" not in process  # no heading over an empty body
    inputs = process.split('id="inputs"', 1)[1].split("</ul>", 1)[0]
    assert "<li>Last week</li>" in inputs and not re.search(r"<li>\s*</li>", inputs)
    notice = process.split("admonition warning", 1)[1].split("</div>", 1)[0]
    assert "Overdue for review" in notice and "ark " not in notice  # no command for readers


def test_long_lists_go_on_over_pages_so_no_page_grows_with_the_playbook(
    ark: Ark, team: Path, tmp_path: Path
) -> None:
    # 204 people with a role (a person page and a getting-started page each, all tagged
    # "person"), 202 of them in sales, and 201 processes of one responsibility: more than
    # two pages of a tag's listing, more than one of sales' matrix and roster, and of
    # processes.
    extra = "".join(
        f"  - email: p{n:03d}@acme.test\n    name: Person {n:03d}\n    department: sales\n"
        for n in range(LIST_PAGE + 1)
    )
    roles = "".join(
        f"      - contributor: p{n:03d}@acme.test\n        role: informed\n"
        for n in range(LIST_PAGE + 1)
    )
    text = team.read_text().replace("kpis:\n", extra + "kpis:\n", 1)
    text = text.replace("        role: consulted\n", "        role: consulted\n" + roles, 1)
    team.write_text(text)
    ark("apply", str(team))
    folder = tmp_path / "processes"
    folder.mkdir()
    for n in range(LIST_PAGE + 1):
        body = PROCESS.replace("weekly-report", f"process-{n:03d}")
        (folder / f"process-{n:03d}.md").write_text(
            body.replace("Weekly listening report", f"Process {n:03d}")
        )
    ark("process", "record", str(folder))
    out = tmp_path / "book"
    build(ark, out)
    docs, site = out / "docs", out / "site"

    # The tag's pages: 200, 200 and 8 pages, each leading to the one before and after.
    listed = [
        len(re.findall(r"^- \[", (docs / page).read_text(), re.MULTILINE))
        for page in ("tags/person.md", "tags/person/2.md", "tags/person/3.md")
    ]
    assert listed == [LIST_PAGE, LIST_PAGE, 8] and not (docs / "tags/person/4.md").exists()
    middle = (site / "tags/person/2.html").read_text()
    assert "Page 2 of 3" in middle
    assert 'href="../person.html"' in middle and 'href="3.html"' in middle

    # Sales' matrix and roster: Bruno and Person 000 to 198 on the first page, the last two
    # on the second, which leads back.
    for view in ("raci/sales", "team/sales"):
        assert "Person 198" in (docs / f"{view}.md").read_text()
        assert "Person 199" not in (docs / f"{view}.md").read_text()
        second = (site / f"{view}/2.html").read_text()
        assert "Person 200" in second and "Page 2 of 2" in second
        assert 'href="../sales.html"' in second

    # The processes: on their responsibility's page by title, the 201st on a page of its own;
    # the menu names none of them, and the printed playbook has them after it.
    first = (docs / "responsibilities/listening.md").read_text()
    assert "- [Process 000](../processes/process-000.md)" in first
    assert "Process 200" not in first and "(listening/processes-2.md)" in first
    second = (docs / "responsibilities/listening/processes-2.md").read_text()
    assert "- [Process 200](../../processes/process-200.md)" in second
    assert "[Social listening](../listening.md)" in second
    assert "processes/" not in (out / "mkdocs.yml").read_text()
    contents = (out / "contents.txt").read_text().splitlines()
    start = contents.index("responsibilities/listening.md")
    assert contents[start + 1] == "processes/process-000.md"
    assert contents[start + LIST_PAGE + 2] == "responsibilities/listening/processes-2.md"

    # A person's page and their getting-started page name a few of listening's processes
    # and lead to its page for the rest.
    for page in ("people/bruno-acme-test.md", "onboarding/bruno-acme-test.md"):
        text = (docs / page).read_text()
        assert text.count("](../processes/process-") == NAMED, page
        more = f"[{LIST_PAGE + 1 - NAMED} more](../responsibilities/listening.md)"
        assert more in text, page

    # What a page carries does not grow with the lists: the menu holds neither the people
    # nor the processes, and no page of a listing passes its bound.
    largest = max((site / "tags").rglob("*.html"), key=lambda p: p.stat().st_size)
    assert largest.stat().st_size < 100 * 1024, largest
    process = (site / "processes/process-100.html").read_text()
    assert "process-099.html" not in process and "person-" not in process
    assert (site / "processes/process-100.html").stat().st_size < 100 * 1024


def test_the_processes_due_for_review_go_on_over_pages_in_their_order(
    ark: Ark, team: Path, tmp_path: Path
) -> None:
    from tests.test_processes import recorded_long_ago

    # LIST_PAGE + 5 processes recorded years ago and reviewed every 1 to 36 months, so they
    # fall due in an order other than their slugs'. One reviewed today is not due; one
    # reviewed 20 days ago every month is due soon and not overdue: the last of the list.
    def months(n: int) -> int:
        return 1 + (n - 1) * 7 % 36

    folder = tmp_path / "processes"
    folder.mkdir()
    slugs = [f"process-{n:03d}" for n in range(LIST_PAGE + 5)]
    for n, slug in enumerate(slugs):
        text = PROCESS.replace("weekly-report", slug).replace("Weekly listening report", slug)
        text = text.replace("tags: [report]", f"review_months: {months(n)}")
        (folder / f"{slug}.md").write_text(text)
    ark("process", "record", str(folder))
    recorded_long_ago(ark, *slugs)
    ark("process", "review", "process-000")
    soon = dt.date.today() - dt.timedelta(days=20)
    ark("process", "review", "process-001", "--on", soon.isoformat())
    out = tmp_path / "book"
    build(ark, out)
    docs, site = out / "docs", out / "site"

    row = re.compile(r"^\| \[(process-\d+)\]\(([^)]+)\) \| .* \| (yes|) \|$", re.MULTILINE)
    first = (docs / "due-for-review.md").read_text()
    second = (docs / "due-for-review/2.md").read_text()
    rows = [row.findall(first), row.findall(second)]
    assert [len(found) for found in rows] == [LIST_PAGE, 4]
    assert not (docs / "due-for-review/3.md").exists()
    # Every due process once, overdue and soonest first across the page break, each linked
    # from where its page stands.
    overdue = sorted(range(2, len(slugs)), key=lambda n: (months(n), slugs[n]))
    assert [slug for found in rows for slug, _, _ in found] == [
        *(slugs[n] for n in overdue),
        "process-001",
    ]
    assert [late for found in rows for _, _, late in found] == ["yes"] * len(overdue) + [""]
    assert all(link == f"processes/{slug}.md" for slug, link, _ in rows[0])
    assert all(link == f"../processes/{slug}.md" for slug, link, _ in rows[1])
    assert "Page 1 of 2 · [Next →](due-for-review/2.md)" in first
    assert "Page 2 of 2 · [← Previous](../due-for-review.md)" in second
    # The menu names the first page only, the printed playbook has the second after it, and
    # the review tag's page lists the list once.
    config = (out / "mkdocs.yml").read_text()
    assert "due-for-review.md" in config and "due-for-review/" not in config
    contents = (out / "contents.txt").read_text().splitlines()
    assert contents[contents.index("due-for-review.md") + 1] == "due-for-review/2.md"
    review = (docs / "tags/review.md").read_text()
    assert review.count("due-for-review") == 1

    # The built pages, each link of their text leading to a page of the site.
    for page in ("due-for-review.html", "due-for-review/2.html"):
        text = (site / page).read_text()
        article = text.split("<article", 1)[1].split("</article>", 1)[0]
        links = set(re.findall(r'href="([^"#]+)"', article))
        assert len(links) > 4, page
        for link in links:
            assert (site / page).parent.joinpath(link).resolve().is_file(), (page, link)

    # Reviewing a process of the second page rewrites that page and leaves the first alone.
    before = mtimes(out)
    ark("process", "review", rows[1][0][0])
    build(ark, out)
    after = mtimes(out)
    assert after["docs/due-for-review.md"] == before["docs/due-for-review.md"]
    assert after["docs/due-for-review/2.md"] != before["docs/due-for-review/2.md"]
    assert len(row.findall((docs / "due-for-review/2.md").read_text())) == 3


@pytest.mark.parametrize(
    ("lang", "title", "ask", "owner"),
    [
        ("en", "Getting started", "Who to ask", "The strategy's owner"),
        ("es", "Primeros pasos", "A quién preguntar", "Quien dirige la estrategia"),
        ("it", "Per iniziare", "A chi chiedere", "Chi guida la strategia"),
    ],
)
def test_a_newcomer_finds_who_to_ask_what_to_read_and_what_is_theirs(
    ark: Ark, team: Path, tmp_path: Path, lang: str, title: str, ask: str, owner: str
) -> None:
    team.write_text(team.read_text().replace("strategy:\n", "strategy:\n  owner: ana@acme.test\n"))
    ark("apply", str(team))
    record_process(ark, tmp_path)
    out = tmp_path / "book"
    build(ark, out, "--lang", lang)
    docs = out / "docs"
    general = (docs / "onboarding.md").read_text()
    assert f"# {title}\n" in general and f"## {ask}\n" in general
    assert f"- **{owner}:** [Ana García](people/ana-acme-test.md)" in general
    # Each department with the people accountable for its responsibilities.
    assert "| [Marketing](departments/marketing.md) | [Ana García](people/ana-acme-test.md) |" in (
        general
    )
    assert "[Sales](departments/sales.md) | " + labels(lang)["nobody"] in general
    assert "(strategy.md)" in general and "(raci.md)" in general
    assert "usage-policy.md" in general  # the processes plugin writes the policy page

    # Carla's own page, linked from her person page: Ana is who to ask about listening, the
    # policy and listening's process are to read, and her roles are hers.
    person = (docs / "people/carla-acme-test.md").read_text()
    assert "(../onboarding/carla-acme-test.md)" in person
    carla = (docs / "onboarding/carla-acme-test.md").read_text()
    assert "- [Social listening](../responsibilities/listening.md): [Ana García]" in carla
    reading = carla.split(f"## {labels(lang)['onboarding.read']}", 1)[1].split("##", 1)[0]
    assert reading.index("../usage-policy.md") < reading.index(
        "[Weekly listening report](../processes/weekly-report.md)"
    )
    yours = carla.split(f"## {labels(lang)['onboarding.yours']}", 1)[1]
    assert "[Social listening](../responsibilities/listening.md)" in yours
    assert "[KPI and ROI report](../responsibilities/kpi-report.md)" in yours
    assert "ark-role-c" in yours and "ark-role-i" in yours
    # Built, in the language, and in the menu.
    site = (out / "site/onboarding/carla-acme-test.html").read_text()
    assert f'<html lang="{lang}"' in site and "Carla Vidal" in site
    nav = yaml.safe_load((out / "mkdocs.yml").read_text().split("markdown_extensions:")[0])["nav"]
    assert {title: "onboarding.md"} in nav[:4]  # near the top


def test_the_whole_playbook_prints_as_one_pdf_in_its_language(
    ark: Ark, team: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pypdf
    from ark_playbook.pdf import find_chromium

    assert find_chromium() is not None, "install chromium (apt-get install chromium)"
    record_process(ark, tmp_path)
    out = tmp_path / "book"
    output = ark("playbook", "pdf", "--out", str(out), "--lang", "es").output
    pdf = out / "playbook-es.pdf"
    assert f"wrote {pdf}" in output
    reader = pypdf.PdfReader(pdf)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for words in ("Weekly listening report", "Social listening", "Matriz RACI", "Primeros pasos"):
        assert words in text, words
    assert len(reader.pages) > 5  # each page of the menu from a new sheet
    # The print view a browser prints: every page in reading order, nothing from outside.
    view = (out / "print.html").read_text()
    assert view.index("Social listening") < view.index("Weekly listening report")
    assert '<html lang="es">' in view and "<script" not in view
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", view)

    # With no Chromium: one line saying what to do, and no PDF.
    monkeypatch.setenv("ARK_CHROMIUM", str(tmp_path / "no-chromium"))
    result = ark("playbook", "pdf", "--out", str(out), "--pdf", str(tmp_path / "x.pdf"), code=1)
    assert "no Chromium to print the PDF with" in result.output
    assert "ARK_CHROMIUM" in result.output and "print.html" in result.output
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize(
    ("lang", "responsible", "accountable"),
    [
        ("en", "Responsible", "Accountable"),
        ("es", "Responsable", "Aprobador"),
        ("it", "Responsabile", "Approvatore"),
    ],
)
def test_the_raci_roles_have_one_name_in_each_language(
    ark: Ark, team: Path, lang: str, responsible: str, accountable: str
) -> None:
    """R is the "Responsable" Spanish (and "Responsabile" Italian) readers know, and A the one
    who approves: the same words on the playbook's pages, the process pages and the CLI."""
    from ark_playbook.pages import Snapshot, own_pages
    from ark_processes.pages import labels as process_labels

    from ark.db import open_engine
    from ark.i18n import value
    from ark.registry.writer import transaction
    from ark.vocabulary import Role

    with transaction(open_engine(ark.db_url), write=False) as reg:
        own = own_pages(Snapshot.read(reg), lang, lambda path: False)
    listening = own["responsibilities/listening.md"]
    assert f"| {accountable} (A) | Ana García |" in listening, listening
    assert f"| {responsible} (R) | Bruno López |" in listening, listening
    for misleading in ("Encargado", "Responsable último", "Esecutore", "Responsabile finale"):
        assert not [page for page, text in own.items() if misleading in text], misleading
    words = process_labels(lang)
    assert (words["responsible"], words["accountable"]) == (responsible, accountable)
    assert value(lang, Role.ACCOUNTABLE).startswith(accountable.lower())  # "aprobador (A)"
    assert value(lang, Role.RESPONSIBLE).startswith(responsible.lower())
