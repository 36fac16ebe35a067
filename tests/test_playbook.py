"""The playbook: pages from the registry, languages, contributed pages, incremental export,
the MkDocs plugin and the demo, each through a real `mkdocs build`."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from ark_playbook.labels import LABELS, LANGS

from ark.hookspecs import hookimpl
from ark.plugins import manager
from tests.conftest import Ark, Demo

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


def build(ark: Ark, out: Path, *args: str, code: int = 0) -> str:
    return ark("playbook", "build", "--out", str(out), *args, code=code).output


def mtimes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file() and "site" not in p.relative_to(folder).parts[:1]
    }


def written(output: str) -> int:
    match = re.search(r"(\d+) file\(s\) written", output)
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


def test_every_language_has_every_label() -> None:
    keys = set(LABELS["en"])
    for lang in LANGS:
        assert set(LABELS[lang]) == keys, lang


@pytest.mark.parametrize(
    ("lang", "raci", "roles"),
    [("en", "RACI matrix", "Accountable"), ("es", "Matriz RACI", "Responsable último")],
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
    assert f"**{LABELS[lang]['kpis']}:** Followers" in listening  # KPI names, not slugs
    tags = yaml.safe_load(listening.split("---\n")[1])["tags"]
    assert tags == [LABELS[lang]["responsibility"], LABELS[lang]["listening"]]
    home = (docs / "index.md").read_text()
    assert "Make social media bring qualified leads to sales." in home
    # 90 of the way from 0 to 300: 30%, and a chart of the two readings.
    assert "30%" in home
    chart = docs / "assets/charts/more-leads.svg"
    assert chart.read_bytes().startswith(b"<?xml") and b"<script" not in chart.read_bytes()
    assert "assets/charts/more-leads.svg" in home
    # The RACI matrix: one row per person, letters per responsibility.
    matrix = (docs / "raci.md").read_text()
    assert re.search(r"\| Ana García \| RA \| A \|", matrix), matrix
    # The site itself: built by mkdocs, with the labels and the language.
    site = out / "site"
    assert str(site / "index.html") in output.replace("\n", "")
    html = (site / "raci.html").read_text()
    assert f'<html lang="{lang}"' in html and raci in html
    assert (site / "responsibilities/listening.html").is_file()


def test_an_unchanged_registry_writes_no_file_and_a_change_only_its_pages(
    ark: Ark, team: Path, tmp_path: Path
) -> None:
    out = tmp_path / "book"
    build(ark, out)
    before = mtimes(out)
    assert written(build(ark, out)) == 0
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
    }
    assert written(output) == 4
    assert "Listening to customers" in (out / "site/raci.html").read_text()


def test_changing_one_process_rewrites_only_its_page(ark: Ark, team: Path, tmp_path: Path) -> None:
    folder = tmp_path / "processes"
    folder.mkdir()
    (folder / "weekly-report.md").write_text(PROCESS)
    ark("process", "record", str(folder))
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
    assert {p for p in after if after[p] != before.get(p)} == {"docs/processes/weekly-report.md"}
    assert written(output) == 1
    assert "Sign off" in (out / "site/processes/weekly-report.html").read_text()


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
    assert "1 removed" in output
    assert not (out / "docs/departments/legal.md").exists()
    assert not (out / "site/departments/legal.html").exists()


def test_the_mkdocs_plugin_adds_the_pages_to_a_site_of_ones_own(
    ark: Ark, team: Path, tmp_path: Path
) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    site = tmp_path / "own"
    (site / "docs").mkdir(parents=True)
    (site / "docs/index.md").write_text("# Our docs\n")
    settings: dict[str, Any] = {
        "site_name": "Our docs",
        "plugins": [{"ark-playbook": {"db": ark.db_url, "lang": "it", "folder": "team"}}],
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


def test_demo_builds_the_playbook_and_says_where(demo: Callable[[str], Demo]) -> None:
    made = demo("en")
    line = next(line for line in made.output.splitlines() if line.startswith("playbook:"))
    index = Path(line.split("open ", 1)[1].strip())
    assert index == (made.workspace / "playbook/site/index.html").resolve()
    html = index.read_text()
    assert "assets/charts/" in html  # sample readings drawn against the targets
    assert (index.parent / "processes").is_dir()


def test_serve_follows_the_registry_as_it_changes(ark: Ark, team: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
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
        read_until("3 file(s) written")  # listening.md, raci.md and team.md
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
