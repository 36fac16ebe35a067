"""The process file: Markdown with YAML front matter, read with located errors.

A file is recorded byte for byte; what is parsed out of it (steps, roles, KPIs, ...) is what
the playbook and the checks use. Every problem in every file of a batch is reported at once,
as file:line:column, the field, and a fix, and then nothing is recorded. Positions come from
the same position-recording YAML loader the team file uses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ark.errors import ArkError, Problem, ProblemsError
from ark.files import MiB, UnreadableFile, read_bounded
from ark.i18n import N_, Message, Nn_, counted, message, translated
from ark.located import (
    SLUG_MAX,
    SLUG_PATTERN,
    Located,
    Report,
    careful_load,
    decode,
    explain,
    kind_of,
    quick_load,
)
from ark.processes import DEFAULT_REVIEW_MONTHS, ProcessDraft
from ark.processes import processes as current_processes
from ark.registry.writer import Registry
from ark.sanitize import UNSAFE_HINT, dropped
from ark.vocabulary import LANGUAGES, Cadence, Role

SLUG = SLUG_PATTERN
MAX_BYTES = MiB
FENCE = "---"
Found = tuple[tuple[str | int, ...], Message, Message]  # where, what is wrong, the fix
FIELDS: dict[str, Any] = {
    "slug": {"type": "string", "pattern": SLUG, "maxLength": SLUG_MAX},
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "responsibility": {"type": "string", "pattern": SLUG},
    "purpose": {"type": "string"},
    "trigger": {"type": "string"},
    "cadence": {"enum": [c.value for c in Cadence]},
    "review_months": {"type": "integer", "minimum": 1, "maximum": 36},
    "steps": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["do", "role"],
            "additionalProperties": False,
            "properties": {
                "do": {"type": "string", "minLength": 1},
                "role": {"enum": [r.value for r in Role]},
                "tool": {"type": "string"},
            },
        },
    },
    "inputs": {"type": "array", "items": {"type": "string"}},
    "outputs": {"type": "array", "items": {"type": "string"}},
    "kpis": {"type": "array", "items": {"type": "string", "pattern": SLUG}, "uniqueItems": True},
    "related": {
        "type": "array",
        "items": {"type": "string", "pattern": SLUG},
        "uniqueItems": True,
    },
    "tags": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True},
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["slug", "title", "responsibility", "steps"],
    "additionalProperties": False,
    "properties": FIELDS,
}


NAME_ONE = N_("name a process file or folder")


class InvalidProcessFiles(ProblemsError):
    """Process files with problems; all are reported, nothing is recorded (exit code 2)."""

    def __init__(self, problems: list[Problem]) -> None:
        files = len({p.file for p in problems})
        super().__init__(
            problems,
            N_("{problems} in {files}; nothing was recorded"),
            {
                "problems": counted(Nn_("{count} problem", "{count} problems"), len(problems)),
                "files": counted(Nn_("{count} process file", "{count} process files"), files),
            },
        )


@dataclass(frozen=True)
class ProcessFile:
    """A parsed file: the draft to record and where each of its fields sits."""

    name: str
    draft: ProcessDraft
    located: Located | None  # None when it was read without positions (it was valid)


def split(text: str) -> tuple[str, str] | None:
    """Front matter (with its opening fence blanked, so YAML lines are file lines) and body."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != FENCE:
        return None
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip("\r\n") == FENCE:
            return "\n" + "".join(lines[1:index]), "".join(lines[index + 1 :])
    return None


def parse(raw: bytes, name: str) -> tuple[ProcessFile | None, list[Problem]]:
    """Parse one file's bytes; `name` is used in error messages."""
    report = Report(name)
    text = decode(raw, report)
    if text is None:
        return None, report.problems
    parts = split(text)
    if parts is None:
        closed = text.startswith(FENCE)
        report.add(
            (),
            N_("the front matter is never closed")
            if closed
            else N_("the file does not start with front matter"),
            N_("end the front matter with a line holding only ---")
            if closed
            else N_(
                "start the file with a line holding only ---, the fields, and another ---"
                " (`ark process new SLUG` writes one to fill in)"
            ),
            mark=(1, 1),
        )
        return None, report.problems
    front, body = parts
    located: Located | None = None
    data = _quick(front)
    if data is None:
        located, problems = _careful(front, name)
        if problems:
            return None, problems
        data = located.data
    draft = ProcessDraft(
        slug=data["slug"],
        title=data["title"],
        responsibility=data["responsibility"],
        text=text,
        data={**data, "body": body.strip("\n")},
        review_months=int(data.get("review_months", DEFAULT_REVIEW_MONTHS)),
    )
    return ProcessFile(name, draft, located), []


def _quick(front: str) -> dict[str, Any] | None:
    """The fields of valid front matter, without positions (see `ark.located`)."""
    return quick_load(front, _fast_validator())


@cache
def _fast_validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(SCHEMA)


def _careful(front: str, name: str) -> tuple[Located, list[Problem]]:
    """Parse front matter with positions and name every problem in it."""
    report = Report(name)
    located = careful_load(front, report)
    if located is None or report.problems:
        return located or Located(None), report.problems
    if not isinstance(located.data, dict):
        report.add(
            (),
            N_("the front matter must be a mapping of fields, not {kind}"),
            N_("write fields as `name: value` lines, starting with slug, title and responsibility"),
            mark=(2, 1),
            args={"kind": kind_of(located.data)},
        )
        return located, report.problems
    _validate(located.data, report)
    return located, report.problems


def _positions(item: ProcessFile) -> Located:
    """Where the fields of a parsed file sit (read again only when a problem must be shown)."""
    if item.located is not None:
        return item.located
    parts = split(item.draft.text)
    assert parts is not None  # it was split once already
    return _careful(parts[0], item.name)[0]


def _validate(data: dict[str, Any], report: Report) -> None:
    from jsonschema import Draft202012Validator

    for error in Draft202012Validator(SCHEMA).iter_errors(data):
        what, fix = explain(error)
        if error.validator == "enum" and error.absolute_path and error.absolute_path[-1] == "role":
            fix = message(N_("use a RACI role: {roles}"), roles=", ".join(r.value for r in Role))
        report.add(tuple(error.absolute_path), what, fix)


def files_in(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the `*.md` files under the folders named, in a stable order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.rglob("*.md"))
            if not found:
                raise ArkError(N_("{path} holds no .md files"), hint=NAME_ONE, args={"path": path})
            out.extend(found)
        elif path.exists() or path.is_symlink():
            out.append(path)  # the reader says what is wrong with one that is not a file
        else:
            raise ArkError(N_("{path} does not exist"), hint=NAME_ONE, args={"path": path})
    return out


def read(paths: Sequence[Path], registry: Registry) -> list[ProcessFile]:
    """Parse and check every file against each other and the registry; all or nothing."""
    parsed: list[ProcessFile] = []
    problems: list[Problem] = []
    for path in files_in(paths):
        try:
            raw = read_bounded(path, MAX_BYTES, what="process file")
        except UnreadableFile as exc:
            fix = message(N_("split it, or check the path"))
            problems.append(Problem(str(path), 1, 1, "", exc.reason, fix))
            continue
        result, found = parse(raw, str(path))
        problems.extend(found)
        if result is not None:
            parsed.append(result)
    problems.extend(_cross_check(parsed, registry))
    if problems:
        raise InvalidProcessFiles(sorted(problems, key=lambda p: (p.file, p.line, p.column)))
    return parsed


DROPPED = N_("{what} is dropped from the playbook")
DROPPED_FIX = N_(
    "write a tag meant as text as &lt;name&gt;, put code in a fenced block, "
    "and link only to http(s), mailto or tel"
)


@dataclass(frozen=True)
class Dropped:
    """Something the sanitiser removes, located; `ark process record` warns of it and
    `ark check` reports it, both in the strategy's language."""

    problem: Problem
    what: Message


def dropped_markup(item: ProcessFile) -> list[Dropped]:
    """What the playbook's sanitiser removes from a file's text, each at its file:line, so a
    writer learns it when recording instead of finding a page with words missing."""
    if not UNSAFE_HINT.search(item.draft.text):
        return []
    data = item.draft.data
    pieces: list[tuple[tuple[str | int, ...], str]] = [
        (("title",), data["title"]),
        *(((key,), data[key]) for key in ("purpose", "trigger") if data.get(key)),
        *(
            (("steps", i, key), step[key])
            for i, step in enumerate(data["steps"])
            for key in ("do", "tool")
            if step.get(key)
        ),
        *(
            ((key, i), value)
            for key in ("inputs", "outputs", "tags")
            for i, value in enumerate(data.get(key, ()))
        ),
    ]
    found = [(path, what) for path, value in pieces for _, what in dropped(value)]
    parts = split(item.draft.text)
    assert parts is not None  # it was split once already
    front, body = parts
    first = front.count("\n") + 2
    lines = [(first + line - 1, what) for line, what in dropped(body)]
    if not found and not lines:
        return []
    report = Report(item.name, _positions(item) if found else None)
    for path, what in found:
        report.add(path, DROPPED, DROPPED_FIX, args={"what": what})
    for line, what in lines:
        report.add((), DROPPED, DROPPED_FIX, mark=(line, 1), args={"what": what})
    whats = [what for _, what in found] + [what for _, what in lines]
    return [Dropped(p, what) for p, what in zip(report.problems, whats, strict=True)]


def _cross_check(parsed: list[ProcessFile], registry: Registry) -> list[Problem]:
    """Slugs unique across the batch; responsibility, KPIs and related processes known."""
    responsibilities = {r.slug for r in registry.read.responsibilities().items}
    kpis = {k.slug for k in registry.read.kpis().items}
    processes = {p.slug for p in current_processes(registry)}
    processes |= {p.draft.slug for p in parsed}
    seen: set[str] = set()
    problems: list[Problem] = []
    for item in parsed:
        found: list[Found] = []
        if item.draft.slug in seen:
            found.append(
                (
                    ("slug",),
                    message(
                        N_("another file of this batch is also process {slug}"),
                        slug=repr(item.draft.slug),
                    ),
                    message(N_("give each process its own slug")),
                )
            )
        seen.add(item.draft.slug)
        data = item.draft.data
        refs = [
            (
                ("responsibility",),
                item.draft.responsibility,
                responsibilities,
                N_("unknown responsibility {value}"),
                N_("use a responsibility of the registry (`ark responsibilities`); known: {some}"),
            ),
            *(
                (
                    ("kpis", i),
                    kpi,
                    kpis,
                    N_("unknown KPI {value}"),
                    N_("use a KPI of the registry (`ark kpis`); known: {some}"),
                )
                for i, kpi in enumerate(data.get("kpis", ()))
            ),
            *(
                (
                    ("related", i),
                    other,
                    processes,
                    N_("unknown process {value}"),
                    N_("record that process too; known: {some}"),
                )
                for i, other in enumerate(data.get("related", ()))
            ),
        ]
        for path, value, known, unknown, hint in refs:
            if value not in known:
                some = ", ".join(sorted(known)[:8]) or "-"
                found.append((path, message(unknown, value=repr(value)), message(hint, some=some)))
        found += [
            (
                path,
                message(
                    N_("still holds the placeholder text of `ark process new`")
                    if path
                    else N_(
                        "the text after the front matter still holds the placeholder text "
                        "of `ark process new`"
                    )
                ),
                message(N_("write the real one")),
            )
            for path, value in _texts(data)
            if value.strip() in placeholder_texts()
        ]
        if found:
            report = Report(item.name, _positions(item))
            for path, what, fix in found:
                report.add(path, what, fix)
            problems.extend(report.problems)
    return problems


def _texts(data: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """The free-text fields a writer fills in, with their paths (the body at the top)."""
    yield (), str(data.get("body", ""))
    for key in ("purpose", "trigger"):
        yield (key,), str(data.get(key, ""))
    for i, step in enumerate(data.get("steps", ())):
        for key in ("do", "tool"):
            yield ("steps", i, key), str(step.get(key, ""))


def starter(slug: str, title: str, responsibility: str, lang: str) -> str:
    """A new process file to fill in: one layout, the placeholder words in the strategy's language."""
    return NEW_FILE.format(
        slug=slug,
        title=json.dumps(title, ensure_ascii=False),
        responsibility=json.dumps(responsibility, ensure_ascii=False),
        **translated(lang, NEW_FILE_WORDS),
    )


NEW_FILE = """---
slug: {slug}
title: {title}
responsibility: {responsibility}
purpose: {purpose}
trigger: {trigger}
review_months: 6
steps:
  - do: {first}
    role: responsible
    tool: {tool}
  - do: {check}
    role: accountable
inputs: []
outputs: []
kpis: []
related: []
tags: []
---

{details}
"""

# The placeholders of a new file, in English; their translations are in Ark's catalogue.
NEW_FILE_WORDS: dict[str, str] = {
    "purpose": N_("Why this process exists and what it achieves."),
    "trigger": N_("What starts it (a day of the week, a request, an event)."),
    "first": N_("The first step, as an instruction"),
    "tool": N_("The tool it uses"),
    "check": N_("The check before it is done"),
    "details": N_("Details, checklists and examples, in Markdown."),
}


@cache
def placeholder_texts() -> frozenset[str]:
    """The placeholders of `ark process new` in every language: a file recorded with one
    still in it was never filled in, whichever language it was written in."""
    return frozenset(
        text for lang in LANGUAGES for text in translated(lang, NEW_FILE_WORDS).values()
    )
