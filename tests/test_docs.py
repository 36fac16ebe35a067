"""The documentation stays true to the code.

Every hook, command, option and team-file field has its place in docs/, the example plugins
of the hook reference load and work, the README's tour runs as written, and the site builds
with `mkdocs build --strict`.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from ark import hookspecs
from ark.checks import CORE_CHECKS, run_checks
from ark.cli import cli
from ark.clihelpers import registry
from ark.loop_checks import LOOP_CHECKS
from ark.teamfile import read_team_file, schema
from tests.conftest import schema_objects

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


def sections(path: Path) -> dict[str, str]:
    """Each heading of a Markdown file (backticks stripped) and the text up to the next one."""
    out: dict[str, str] = {}
    title, fenced = "", False
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        match = None if fenced else HEADING.match(line)
        if match:
            out[title] = "\n".join(body)
            title, body = match.group(2).replace("`", ""), []
        else:
            body.append(line)
    out[title] = "\n".join(body)
    return out


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.S | re.M)


# -- the hook reference -----------------------------------------------------------------------


def signature(name: str) -> str:
    """The hook's signature as written in ark/hookspecs.py, e.g. `ark_demo(context: DemoContext) -> None`."""

    def shown(annotation: Any) -> str:
        return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)

    sig = inspect.signature(getattr(hookspecs, name))
    params = ", ".join(f"{p.name}: {shown(p.annotation)}" for p in sig.parameters.values())
    return f"{name}({params}) -> {shown(sig.return_annotation)}"


@pytest.mark.parametrize("name", hookspecs.hook_names())
def test_every_hook_has_a_section_headed_by_its_signature(name: str) -> None:
    headings = sections(DOCS / "hooks.md")
    assert signature(name) in headings, (
        f"docs/hooks.md needs a section headed `## {signature(name)}`; it has: "
        + ", ".join(h for h in headings if h.startswith(f"{name}("))
    )
    body = headings[signature(name)]
    assert "```python" in body and "@hookimpl" in body, f"{name}: the section needs an example"


def test_the_hook_reference_documents_no_hook_that_does_not_exist() -> None:
    documented = {h.split("(")[0] for h in sections(DOCS / "hooks.md") if h.startswith("ark_")}
    assert documented == set(hookspecs.hook_names())


def _install_examples(site: Path) -> dict[str, str]:
    """Each Python example of docs/hooks.md as an installed plugin, found through the `ark`
    entry points like a pip install; returns entry-point name -> the section's hook."""
    site.mkdir()
    expected: dict[str, str] = {}
    entry_points = []
    for title, body in sections(DOCS / "hooks.md").items():
        for index, code in enumerate(code_blocks(body, "python")):
            if title == "Writing a plugin":
                name, module = "hello", "ark_hello"  # as its pyproject.toml says
                assert f'{name} = "{module}"' in body
            else:
                hook = title.split("(")[0]
                name, module = f"{hook}-{index}", f"doc_{hook}_{index}"
                expected[name] = hook
            (site / f"{module}.py").write_text(code, encoding="utf-8")
            entry_points.append(f"{name} = {module}")
    info = site / "ark_doc_examples-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ark-doc-examples\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[ark]\n" + "\n".join(entry_points) + "\n")
    return expected


RUNNER = """
import json, os, sys
from click.testing import CliRunner
from ark.cli import cli
from ark.plugins import hooks

hooks().ark_register_commands(cli=cli)
results = []
for cwd, args in json.loads(sys.argv[1]):
    os.chdir(cwd)
    result = CliRunner().invoke(cli, args)
    results.append([result.exit_code, result.stdout, result.stderr])
print(json.dumps(results))
"""


def _run_ark(
    steps: list[tuple[Path, list[str]]], site: Path, **env: str
) -> list[tuple[int, str, str]]:
    """`ark` commands in one fresh process that sees the example plugins as installed."""
    environ = {k: v for k, v in os.environ.items() if k != "ARK_DATABASE_URL"}
    environ["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps([[str(cwd), args] for cwd, args in steps])],
        env={**environ, "ARK_USER": "docs", "ARK_DISABLE_PLUGINS": "", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [tuple(r) for r in json.loads(done.stdout)]


def test_the_example_plugins_of_the_hook_reference_load_and_work(tmp_path: Path) -> None:
    site = tmp_path / "site"
    expected = _install_examples(site)
    assert set(expected.values()) == set(hookspecs.hook_names())
    team_file = tmp_path / "solo" / "ark.yaml"
    listed, hello, demo, hours, init, good = _run_ark(
        [
            (tmp_path, ["plugins", "--json"]),
            (tmp_path, ["hello", "team"]),
            (tmp_path, ["demo", "demo"]),
            (tmp_path / "demo", ["hours", "ana.garcia0@example.com"]),
            (tmp_path, ["init", "solo", "--template", "solo"]),
            (tmp_path, ["check", "--file", str(team_file)]),
        ],
        site,
    )
    hooks = {p["name"]: p["hooks"] for p in json.loads(listed[1])}
    for name, hook in expected.items():
        assert hooks.get(name) == [hook], f"the example under {hook} is not loaded as one"
    assert hooks["hello"] == ["ark_register_commands"]
    assert hello[:2] == (0, "Hello, team!\n")
    # The demo runs the check, event, workspace, demo and playbook examples; the template and
    # section examples give a team file that checks, and reject a bad `slack:` section.
    assert demo[0] == 0, demo
    assert re.search(r"^busiest: +\S+@example\.com, \d+ tasks$", demo[1], re.M)
    assert "now answers for listening" in demo[2]
    assert (tmp_path / "demo" / "README.md").is_file()
    page = tmp_path / "demo" / "playbook" / "docs" / "accountable.md"
    assert "Who answers for what" in page.read_text(encoding="utf-8")  # the demo's playbook
    assert re.fullmatch(r"ana\.garcia0@example\.com: \d+ h a week\n", hours[1]), hours
    assert init[0] == 0 and (tmp_path / "solo" / "README.md").is_file(), init
    assert good[0] == 0 and "no-department" not in good[1], good
    with team_file.open("a") as f:
        f.write('\nslack:\n  channel: "social-media"\n')
    blocked, bad = _run_ark(
        [(tmp_path, ["hello"]), (tmp_path, ["check", "--file", str(team_file)])],
        site,
        ARK_DISABLE_PLUGINS="hello,jira",
    )
    assert blocked[0] == 2 and "No such command 'hello'" in blocked[2], blocked
    assert bad[0] == 2 and "slack.channel" in bad[2], bad


# -- the CLI reference ------------------------------------------------------------------------


def commands(group: click.Group, path: str = "ark") -> Iterator[tuple[str, click.Command]]:
    """Every command under `group`, with its full name (`ark tasks plan`), found as click
    finds them (a lazy command is imported)."""
    yield path, group
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, f"{path} {name}"
        if isinstance(command, click.Group):
            yield from commands(command, f"{path} {name}")
        else:
            yield f"{path} {name}", command


def test_every_command_option_and_argument_is_in_the_cli_reference() -> None:
    """Run after the plugins added their commands (tests/conftest.py), as `ark` itself does."""
    documented = {t: b for t, b in sections(DOCS / "cli.md").items() if t.startswith("ark")}
    missing: list[str] = []
    for path, command in commands(cli):
        if path not in documented:
            missing.append(f"a section headed `{path}`")
            continue
        body = documented[path]
        for param in command.params:
            if isinstance(param, click.Option):
                names = [*param.opts, *param.secondary_opts]
            else:
                names = [param.metavar or (param.name or "").upper()]
            for name in names:
                if not re.search(rf"`{re.escape(name)}[` \[]", body):
                    missing.append(f"{name} in the section `{path}`")
            if isinstance(param.type, click.Choice):
                for choice in param.type.choices:
                    if f"`{choice}`" not in body:
                        missing.append(f"the choice `{choice}` of {names[0]} in `{path}`")
    assert not missing, "docs/cli.md lacks:\n" + "\n".join(missing)


def test_the_cli_reference_documents_no_command_that_does_not_exist() -> None:
    real = {path for path, _ in commands(cli)}
    documented = {t for t in sections(DOCS / "cli.md") if re.fullmatch(r"ark( [a-z-]+)*", t)}
    assert documented - real == set()


# -- the team file reference ------------------------------------------------------------------


def test_every_field_of_the_schema_is_in_the_team_file_reference() -> None:
    documented = sections(DOCS / "team-file.md")
    missing: list[str] = []
    for path, node in schema_objects():
        title = path or "The top level"
        if title not in documented:
            missing.append(f"a section headed `{title}`")
            continue
        rows = {
            m.group(1): m.group(0)
            for m in re.finditer(r"^\| `([a-z_]+)` \|.*$", documented[title], re.M)
        }
        if set(rows) - set(node["properties"]):
            missing.append(
                f"no such field in `{title}`: {sorted(set(rows) - set(node['properties']))}"
            )
        for key, prop in node["properties"].items():
            if key not in rows:
                missing.append(f"`{key}` in `{title}`")
                continue
            for value in prop.get("enum", []):
                if f"`{value}`" not in rows[key]:
                    missing.append(f"the value `{value}` of `{title}.{key}`")
    assert not missing, "docs/team-file.md lacks:\n" + "\n".join(missing)


def test_the_schema_line_the_reference_shows_is_the_one_ark_init_writes(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "team")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    first = (tmp_path / "team" / "ark.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema={schema()['$id']}"
    assert f"\n{first}\n" in (DOCS / "team-file.md").read_text(encoding="utf-8")


# -- the checks -------------------------------------------------------------------------------

FINDINGS_TEAM = """\
ark: 1
strategy:
  business_type: commercial
  min_weekly_hours: 3
  expected_departments: [marketing, legal]
departments:
  - {slug: marketing, name: Marketing}
  - {slug: legal, name: Legal}
contributors:
  - {email: ana@acme.test, name: Ana, department: marketing, capacity: 2}
  - {email: bea@acme.test, name: Bea, department: marketing}
kpis:
  - {slug: leads, name: Leads}
responsibilities:
  - slug: listening
    title: Social listening
    assignments:
      - {contributor: ana@acme.test, role: accountable, hours: 3}
  - slug: talking
    title: Talking
    assignments:
      - {contributor: bea@acme.test, role: responsible, hours: 1}
objectives:
  - {slug: vague, title: Be famous}
  - {slug: late, title: More leads, kpi: leads, target: 10, deadline: 2020-01-01}
"""


def test_every_core_finding_is_explained_in_the_checks_page(tmp_path: Path) -> None:
    path = tmp_path / "ark.yaml"
    path.write_text(FINDINGS_TEAM, encoding="utf-8")
    with registry("sqlite://") as reg:
        reg.apply(read_team_file(path))
        codes = {(f.code, str(f.level)) for f in run_checks(reg, (*CORE_CHECKS, *LOOP_CHECKS))}
    assert {c for c, _ in codes} >= {
        "no-accountable",
        "no-responsible",
        "over-capacity",
        "under-minimum",
        "department-missing",
        "not-smart",
        "deadline-passed",
        # the operating loop's
        "never-measured",
        "component-uncarried",
        "core-work-missing",
        "no-owner",
    }
    page = (DOCS / "checks.md").read_text(encoding="utf-8")
    for code, level in codes:
        assert re.search(rf"^\| `{code}` \| {level} \|", page, re.M), f"{code} ({level})"


# -- the site ---------------------------------------------------------------------------------


def test_the_site_builds_strictly_and_publishes_the_schema(tmp_path: Path) -> None:
    site = tmp_path / "site"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(ROOT / "mkdocs.yml"),
            "-d",
            str(site),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    for page in ("index.html", "getting-started/index.html", "hooks/index.html", "cli/index.html"):
        assert (site / page).is_file(), page
    published = json.loads((site / "team.schema.json").read_text(encoding="utf-8"))
    assert published == schema()
    assert published["$id"].startswith("https://ark-team.readthedocs.io/")


IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)|<img[^>]+src=\"([^\"]+)\"")
PNG = b"\x89PNG\r\n\x1a\n"


def referenced_images() -> dict[Path, list[str]]:
    """Each local image the README and docs/ show, with the pages that show it."""
    found: dict[Path, list[str]] = {}
    for page in [README, *sorted(DOCS.rglob("*.md"))]:
        for match in IMAGE.finditer(page.read_text(encoding="utf-8")):
            target = match.group(1) or match.group(2)
            if "://" not in target:
                image = (page.parent / target).resolve()
                found.setdefault(image, []).append(page.relative_to(ROOT).as_posix())
    return found


def test_every_image_the_docs_show_is_there_and_every_image_there_is_shown() -> None:
    shown = referenced_images()
    missing = {str(image): pages for image, pages in shown.items() if not image.is_file()}
    assert not missing, f"images the docs show but the repository lacks: {missing}"
    for image in shown:
        if image.suffix == ".png":
            assert image.read_bytes()[:8] == PNG, f"{image} is not a PNG"
    unused = sorted(
        str(p.relative_to(ROOT))
        for p in (DOCS / "img").rglob("*")
        if p.is_file() and p not in shown
    )
    assert not unused, f"images no page shows (remove them or show them): {unused}"


# -- the README -------------------------------------------------------------------------------


def readme_blocks() -> list[str]:
    return code_blocks(README.read_text(encoding="utf-8"), "sh")


def test_the_readme_opens_with_set_up_and_demo_then_the_ci_test_command() -> None:
    text = README.read_text(encoding="utf-8")
    setup, tests = readme_blocks()[:2]
    assert text.index("```sh") < text.index("\n## "), "the two commands come first"
    assert setup.strip().endswith(".venv/bin/ark demo")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = tests.strip().rsplit("&& ", 1)[1]
    assert test_command in ci.splitlines(), "CI must run the README's test command"


def ark_mentions(text: str) -> list[str]:
    """What follows `ark ` in shell lines and console examples, and in inline code."""
    code = code_blocks(text, "sh") + code_blocks(text, "console")
    lines = "\n".join([*code, *re.findall(r"`(ark [^`]+)`", text)])
    return re.findall(r"^(?:\$ )?(?:\S*/)?ark ([^#\n]*)", lines, re.M)


@pytest.mark.parametrize(
    "page",
    [
        README,
        *(
            DOCS / p
            for p in (
                "index.md",
                "getting-started.md",
                "concepts.md",
                "team-file.md",
                "cli.md",
                "checks.md",
            )
        ),
    ],
    ids=lambda p: p.name,
)
def test_every_ark_command_a_page_shows_exists(page: Path) -> None:
    mentions = ark_mentions(page.read_text(encoding="utf-8"))
    assert mentions, f"{page.name} shows no ark command"
    for mention in mentions:
        command: click.Command = cli
        for word in shlex.split(mention):
            if word.startswith("-"):
                break
            if isinstance(command, click.Group):
                found = command.get_command(click.Context(command), word)
                assert found is not None, f"`ark {mention}`: no command {word!r}"
                command = found


def test_the_readme_tour_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each line of the five-minute tour, in order, in a fresh directory and registry."""
    tour = next(b for b in readme_blocks() if "ark init" in b)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARK_DATABASE_URL", raising=False)
    monkeypatch.setenv("ARK_USER", "tour")
    ran = []
    for line in tour.splitlines():
        command, _, comment = line.partition(" #")
        words = shlex.split(command)
        if not words or words[0] in {".", "source"}:
            continue
        if words[0] == "cd":
            monkeypatch.chdir(words[1])
        elif words[0] == "$EDITOR":
            edit = re.search(r"say (\S+) for (\S+)", comment)
            assert edit, f"say in the comment what the edit is: {line}"
            team = Path(words[1])
            team.write_text(team.read_text().replace(edit.group(2), edit.group(1)))
        elif words[0] == "ark":
            want = re.search(r"exit code (\d)", comment)
            if "--until" in words:
                assert words[words.index("--until") + 1] > dt.date.today().isoformat(), line
            result = CliRunner().invoke(cli, words[1:], catch_exceptions=False)
            assert result.exit_code == (int(want.group(1)) if want else 0), (
                f"{line}\n{result.output}"
            )
            ran.append(words[1])
        else:
            pytest.fail(f"the README's tour has a step this test cannot run: {line}")
    assert {"init", "apply", "check", "who", "assign", "export"} <= set(ran)
    assert (tmp_path / "my-ark" / ".ark" / "ark.db").is_file()
