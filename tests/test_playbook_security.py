"""Text from many people goes into the playbook: a site built from hostile content holds no
script from it, no `javascript:` link and no event-handler attribute."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ark.hookspecs import hookimpl
from ark.plugins import manager
from ark.sanitize import dropped, safe_url, sanitize_markdown, sanitize_page, sanitize_piece
from tests.conftest import Ark

MARK = "PWNED"
ATTACKS = [
    f"<script>alert('{MARK}')</script>",
    f"<img src=x onerror=alert('{MARK}')>",
    f'<a href="javascript:alert(\'{MARK}\')" onclick="alert(1)">a</a>',
    f"<svg onload=alert('{MARK}')></svg>",
    f"<iframe src=\"javascript:alert('{MARK}')\"></iframe>",
    f"[click](javascript:alert('{MARK}'))",
    f"[entity](jav&#x61;script:alert('{MARK}'))",
    f"[spaced](  JaVaScRiPt:alert('{MARK}') \"t\")",
    f"[tab](java\tscript:alert('{MARK}'))",
    f"![img](data:text/html;base64,{MARK})",
    f"[vb](vbscript:msgbox('{MARK}'))",
    f"[ref][r]\n\n[r]: javascript:alert('{MARK}')",
    f"<details open ontoggle=alert('{MARK}')><summary>x</summary></details>",
    f"&lt;script&gt;alert('{MARK}')&lt;/script&gt;",
    f"<style>body{{background:url('javascript:alert(\"{MARK}\")')}}</style>",
]
HOSTILE_TEAM = """ark: 1
strategy:
  name: "Acme <script>alert('PWNED')</script>"
  direction: "<img src=x onerror=alert('PWNED')>Grow"
departments:
  - slug: marketing
    name: "Marketing <svg onload=alert('PWNED')>"
    description: {description}
contributors:
  - email: ana@acme.test
    name: "Ana <img src=x onerror=alert('PWNED')>"
    department: marketing
  - email: bruno@acme.test
    name: "&lt;script&gt;alert('PWNED')&lt;/script&gt;"
    department: marketing
kpis:
  - slug: leads
    name: "Leads <script>alert('PWNED')</script>"
responsibilities:
  - slug: listening
    title: "Listening <script>alert('PWNED')</script>"
    description: {description}
    cadence: weekly
    department: marketing
    assignments:
      - contributor: ana@acme.test
        role: accountable
      - contributor: bruno@acme.test
        role: responsible
  - slug: entities
    title: "&lt;script&gt;alert('PWNED')&lt;/script&gt; \\"quoted\\""
objectives:
  - slug: leads
    title: "More leads <a href='javascript:alert(1)'>now</a>"
    kpi: leads
    baseline: 0
    target: 10
    deadline: 2099-01-01
    responsibility: listening
"""
HOSTILE_PAGE = (
    "---\n"
    "title: \"<script>alert('PWNED')</script>Board\"\n"
    "tags: [\"<img src=x onerror=alert('PWNED')>\", ok]\n"
    "extra: \"<script>alert('PWNED')</script>\"\n"
    "---\n\n"
    "# Board <script>alert('PWNED')</script>\n\n"
    "## &lt;script&gt;alert('PWNED')&lt;/script&gt; &#60;script&#62;\n\n"
    + "\n\n".join(ATTACKS)
    + "\n\n```mermaid\nflowchart TD\n  a[\"<script>alert('PWNED')</script>\"] --> b\n```\n"
    # The playbook's own figure fences, written by hand: their data is untrusted too.
    + '\n```ark-flow\n{"title": "<script>alert(\'PWNED\')</script>", "steps": [{"do":'
    + ' "<img src=x onerror=alert(\'PWNED\')>", "role": "</text><script>alert(1)</script>"}]}\n```\n'
    + '\n```ark-chart\n{"title": "<script>alert(\'PWNED\')</script>", "points": [["2026-01-01",'
    + ' 1]], "months": ["<script>"], "readings": "x", "target_label": "y"}\n```\n'
    + '\n```ark-chart\n{"title": "</svg><script>alert(\'PWNED\')</script>", "points":'
    + ' [["2026-01-01", 1]], "target": 2, "alt": "\\" onload=\\"alert(1)", "months": ["a", "b",'
    + ' "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"], "readings": "<b>", "target_label":'
    + ' "y", "decimal": "<"}\n```\n\n```ark-flow\nnot json <script>alert(1)</script>\n```\n'
    + "\n!!! note \"<img src=x onerror=alert('PWNED')>\"\n    <script>alert('PWNED')</script>\n"
)


class Scan(HTMLParser):
    """Collects what could run: script elements, event handlers, dangerous URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.urls: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value}>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                self.urls.append(value)
        if tag == "script":
            self.in_script = True
            self.scripts.append(dict(attrs).get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script:
            self.scripts[-1] += data


@pytest.fixture
def hostile_plugin() -> Iterator[None]:
    class Hostile:
        @hookimpl
        def ark_playbook_pages(self, register: Callable[[str, str], None]) -> None:
            register("hostile/board.md", HOSTILE_PAGE)

    pm = manager()
    pm.register(Hostile(), name="hostile-test")
    try:
        yield
    finally:
        pm.unregister(name="hostile-test")


def test_a_site_built_from_hostile_content_runs_none_of_it(
    ark: Ark, tmp_path: Path, hostile_plugin: None
) -> None:
    description = '"' + "\\n\\n".join(a.replace('"', '\\"') for a in ATTACKS) + '"'
    team = tmp_path / "ark.yaml"
    team.write_text(HOSTILE_TEAM.format(description=description))
    ark("apply", str(team))
    ark("kpi", "record", "leads", "3", "--date", "2026-01-01")
    out = tmp_path / "book"
    ark("playbook", "build", "--out", str(out))
    pages = sorted((out / "site").rglob("*.html"))
    assert len(pages) > 8
    seen_mark = False
    for page in pages:
        text = page.read_text()
        seen_mark = seen_mark or MARK in text
        scan = Scan()
        scan.feed(text)
        where = page.relative_to(out)
        for script in scan.scripts:
            assert MARK not in script, f"{where}: script from the content: {script[:200]}"
        assert scan.handlers == [], f"{where}: event handlers {scan.handlers}"
        for url in scan.urls:
            assert safe_url(url), f"{where}: unsafe URL {url!r}"
        # Raw text of the page: no live tag from the content, whatever the parser thinks.
        assert not re.search(r"<script>alert", text, re.IGNORECASE), where
        assert "javascript:" not in html.unescape(text).lower().replace("\t", ""), where
    # The hostile text is shown as text, not silently lost everywhere.
    assert seen_mark
    board = (out / "site/hostile/board.html").read_text()
    assert "Board" in board
    # The hand-written figures are drawn, their text escaped.
    assert '<svg class="ark-figure ark-flow"' in board
    assert board.count('<svg class="ark-figure ark-chart"') == 2
    listening = (out / "site/responsibilities/listening.html").read_text()
    assert "Listening" in listening


@pytest.mark.parametrize(
    "markdown",
    [
        "> a quote\n> on two lines\n",
        "```python\nif a < b and c > d:\n    print('<b>')\n```\n",
        '```mermaid\nflowchart TD\n  s1["<b>x</b>"] --> s2\n```\n',
        "- a list with **bold**, `code` and a [link](https://example.com/a?b=1&c=2)\n",
        "| a | b |\n|---|---|\n| 1 < 2 | R&D |\n",
        '!!! warning "Overdue"\n    Review it.\n',
        "[relative](../processes/x.md) and ![chart](assets/charts/x.svg)\n",
    ],
)
def test_markdown_syntax_survives(markdown: str) -> None:
    assert sanitize_markdown(markdown) == markdown


@pytest.mark.parametrize("attack", ATTACKS)
def test_each_attack_is_neutralised(attack: str) -> None:
    clean = sanitize_markdown(attack + "\n")
    lowered = html.unescape(clean).lower().replace("\t", "")
    assert "<script" not in clean.lower()
    assert not re.search(r"<[^>]*\son\w+\s*=", clean), clean
    for scheme in ("javascript:", "vbscript:", "data:"):
        assert scheme not in lowered, clean


def test_an_unclosed_fence_is_not_a_hiding_place() -> None:
    clean = sanitize_markdown("```\n<script>alert(1)</script>\n")
    assert "<script" not in clean


def test_front_matter_keeps_only_safe_plain_text() -> None:
    page = sanitize_page(HOSTILE_PAGE)
    head = page.split("\n---\n", 1)[0]
    assert "<" not in head and "extra" not in head
    assert "title: Board" in head


@pytest.mark.parametrize(
    "markdown",
    [
        "para\n```\n<script>alert(1)</script>\n```\n",
        "- item\n```\n<script>alert(1)</script>\n```\n",
        "> quote\n```\n<script>alert(1)</script>\n```\n",
        "<div>\n```\n<script>alert(1)</script>\n```\n</div>\n",
        "!!! note\n```\n<script>alert(1)</script>\n```\n",
        '=== "Tab"\n```\n<script>alert(1)</script>\n```\n',
        "   ```\n<script>alert(1)</script>\n```\n",
        "````\n```\n<script>alert(1)</script>\n````\n",
        "```js {onclick=x}\n<script>alert(1)</script>\n```\n",
        "`x\n<script>alert(1)</script>\n`\n",
    ],
)
def test_where_a_fence_opens_or_not_the_rendered_html_has_no_script(markdown: str) -> None:
    """What the sanitiser keeps as a fence, Markdown with the playbook's extensions also
    escapes as one; everything else was sanitised."""
    import markdown as python_markdown

    extensions = ["admonition", "tables", "pymdownx.details", "pymdownx.superfences"]
    extensions.append("pymdownx.tabbed")
    rendered = python_markdown.markdown(sanitize_markdown(markdown), extensions=extensions)
    assert "<script" not in rendered


# Ordinary prose that names a tag in angle brackets and never closes it.
UNCLOSED = {
    "style": "Put the <style> guide link in the header.",
    "script": "Put the <script> for the video here.",
    "details": "Open the <details> panel and fill it in.",
    "div": "Wrap the quote in a <div> before pasting it.",
    "table": "Paste the <table> from the spreadsheet.",
}
HIDING = frozenset({"script", "style", "template", "textarea", "noscript", "title"})
PROCESS = """---
slug: weekly-report
title: Weekly listening report
responsibility: listening
purpose: "{sentence}"
steps:
  - do: "{sentence}"
    role: responsible
  - do: Approve the report
    role: accountable
inputs: ["{sentence}"]
---

{sentence}

The words after it stay on the page.
"""


class Visible(HTMLParser):
    """The text and the headings of a page that a reader sees: nothing inside a script,
    style or closed `<details>` (other than its summary)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.text: list[str] = []
        self.headings: list[str] = []
        self.heading: list[str] | None = None

    def hidden(self) -> bool:
        return any(
            tag in HIDING or (tag == "details" and not opened)
            for tag, opened in self.stack
            if tag != "summary"
        ) and not (self.stack and self.stack[-1][0] == "summary")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "img", "hr", "input", "meta", "link", "wbr", "source", "col", "area"):
            return
        self.stack.append((tag, "open" in dict(attrs)))
        if tag in ("h1", "h2", "h3") and not self.hidden():
            self.heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3") and self.heading is not None:
            self.headings.append("".join(self.heading).strip().rstrip("¶").strip())
            self.heading = None
        names = [t for t, _ in self.stack]
        if tag in names:
            del self.stack[len(names) - 1 - names[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if self.hidden():
            return
        self.text.append(data)
        if self.heading is not None:
            self.heading.append(data)


def visible(page: Path) -> Visible:
    seen = Visible()
    seen.feed(page.read_text())
    seen.close()
    seen.text = [" ".join("".join(seen.text).split())]
    return seen


@pytest.mark.parametrize("tag", sorted(UNCLOSED))
def test_a_tag_left_open_in_prose_hides_nothing_after_it(
    ark: Ark, team: Path, tmp_path: Path, tag: str
) -> None:
    sentence = UNCLOSED[tag]
    folder = tmp_path / "processes"
    folder.mkdir()
    (folder / "weekly-report.md").write_text(PROCESS.format(sentence=sentence))
    ark("process", "record", str(folder))
    direction = f"direction: {sentence!r}"
    team.write_text(re.sub(r"direction: .*", direction, team.read_text()))
    ark("apply", str(team))
    out = tmp_path / "book"
    ark("playbook", "build", "--out", str(out))

    process = visible(out / "site/processes/weekly-report.html")
    text = process.text[0]
    assert text.count(sentence) == 5, text  # purpose, step (flow and table), input, body
    assert "The words after it stay on the page." in text
    for heading in ("Steps", "Who does what", "Inputs", "Review", "Revision history"):
        assert heading in process.headings, (heading, process.headings)
    assert process.headings[-1] == "Recent completions"
    home = visible(out / "site/index.html")
    assert sentence in home.text[0]
    assert "Objectives" in home.headings
    assert "##" not in home.text[0]  # no section left as raw Markdown


def test_what_the_sanitiser_drops_is_reported_where_it_was_written(
    ark: Ark, team: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "processes"
    folder.mkdir()
    text = PROCESS.format(sentence="Fine.").replace(
        "The words after it",
        "A <script>alert('x')</script> and <img src=x onerror=alert(1)>.\n\nThe words after it",
    )
    text = text.replace('- do: "Fine."', '- do: "Read [it](javascript:alert(1))"')
    path = folder / "weekly-report.md"
    path.write_text(text)
    result = ark("process", "record", str(folder))
    lines = text.splitlines()
    body = next(i for i, line in enumerate(lines, start=1) if "<script>" in line)
    step = next(i for i, line in enumerate(lines, start=1) if "javascript:" in line)
    assert f"{path}:{body}:1: the tag <script> and its content is dropped" in result.stderr
    assert f"{path}:{body}:1: the attribute onerror of <img> is dropped" in result.stderr
    assert f"{path}:{step}:9: steps[0].do: the link javascript:alert(1) is dropped" in result.stderr
    recorded = ark.json("process", "record", str(folder))
    assert [d["line"] for d in recorded[0]["dropped"]] == [step, body, body]

    check = ark("check").output
    assert f"processes/weekly-report.md:{body}: the tag <script> and its content" in check
    assert f"processes/weekly-report.md:{step}: steps[0].do: the link javascript:" in check

    # In the strategy's language, like every other finding of `ark check`.
    team.write_text(team.read_text().replace("strategy:\n", "strategy:\n  lang: es\n", 1))
    ark("apply", str(team))
    findings = [f for f in ark.json("check")["findings"] if f["code"] == "process-markup"]
    said = {f["message"] for f in findings}
    assert (
        f"processes/weekly-report.md:{body}: la etiqueta <script> y su contenido no aparece"
        " en el manual" in said
    ), said
    assert (
        f"processes/weekly-report.md:{body}: el atributo onerror de <img> no aparece"
        " en el manual" in said
    ), said
    assert {f["fix"] for f in findings} == {
        "escribe una etiqueta que sea texto como &lt;nombre&gt;, pon el código en un bloque "
        "cercado y enlaza solo a http(s), mailto o tel"
    }


def test_a_clean_process_records_without_warnings(ark: Ark, team: Path, tmp_path: Path) -> None:
    folder = tmp_path / "processes"
    folder.mkdir()
    (folder / "weekly-report.md").write_text(
        PROCESS.format(sentence="Keep <b>this</b> & the 1 < 2 rule, see <https://example.com>.")
    )
    result = ark("process", "record", str(folder))
    assert result.stderr == ""
    assert "process-markup" not in ark("check").output


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Open the <details> panel", "Open the &lt;details> panel"),
        ("<b>bold</b> and a stray </div>", "<b>bold</b> and a stray &lt;/div>"),
        ("<!-- never closed", "&lt;!-- never closed"),
        ("<details><summary>s</summary>x</details>", "<details><summary>s</summary>x</details>"),
        ("<b><i>x</b>", "<b>&lt;i>x</b>"),
    ],
)
def test_a_piece_is_balanced_on_its_own(text: str, shown: str) -> None:
    assert sanitize_piece(text) == shown


def test_no_image_makes_readers_call_an_outside_server() -> None:
    text = '![x](https://tracker.example/p.png) <img src="//tracker.example/q.gif" alt="q">\n'
    clean = sanitize_markdown(text)
    assert "tracker.example" not in clean
    assert [(line, str(what)) for line, what in dropped(text)] == [
        (1, "the remote image //tracker.example/q.gif"),
        (1, "the remote image https://tracker.example/p.png"),
    ]
    assert sanitize_markdown("![chart](assets/c.svg) [site](https://a.example)\n") == (
        "![chart](assets/c.svg) [site](https://a.example)\n"
    )


def test_a_title_of_markup_alone_still_names_the_page() -> None:
    page = sanitize_page("---\ntitle: '<script>x</script>'\n---\n\nBody\n", default_title="Board")
    assert page.startswith("---\ntitle: Board\n")


@pytest.mark.parametrize(
    ("lang", "warning"),
    [
        (
            "es",
            "aviso: {path}:{line}:1: la etiqueta <script> y su contenido no aparece en el manual",
        ),
        (
            "it",
            "avviso: {path}:{line}:1: il tag <script> e il suo contenuto viene tolto dal manuale",
        ),
    ],
)
def test_process_record_warns_of_dropped_markup_in_the_strategys_language(
    ark: Ark, team: Path, tmp_path: Path, lang: str, warning: str
) -> None:
    team.write_text(team.read_text().replace("strategy:\n", f"strategy:\n  lang: {lang}\n", 1))
    ark("apply", str(team))
    text = PROCESS.format(sentence="Fine.").replace(
        "The words after it", "A <script>alert('x')</script>.\n\nThe words after it"
    )
    path = tmp_path / "weekly-report.md"
    path.write_text(text)
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "<script>" in row)
    result = ark("process", "record", str(path))
    assert warning.format(path=path, line=line) in result.stderr, result.stderr
    assert "is dropped" not in result.stderr
