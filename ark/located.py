"""YAML read with source positions, and problems located in it for a person to fix.

The team file and the process files share this: a compiled parser and validator read a
valid document fast (`quick_load`), and only a doubtful one is read again with positions
(`careful_load`, `check_schema`) so that each problem names file:line:column, the field and
a fix. Both read YAML 1.2's core schema, so they agree on what is valid.

Problems are catalogue messages (`ark.i18n`): JSON Schema's own wording is replaced by
Ark's for every kind of rule a team file or a process file uses, in each language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml

from ark.errors import InvalidTeamFile, Problem
from ark.i18n import N_, Message, Nn_, Plural, bounds, counted, message
from ark.text import refusal, shown
from ark.vocabulary import LANGUAGES

FieldPath = tuple[str | int, ...]
Mark = tuple[int, int]
SLUG_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"
SLUG_MAX = 64
NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A tag (`!foo`, `!!binary`): the compiled parser drops unknown ones without a word.
TAG = re.compile(r"[\s\[{,]!")
BOM = "\ufeff"
YAML_1_1_ONLY = {f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float", "timestamp")}
# YAML 1.2's core schema, as the compiled parser of `quick_load` reads it: `yes`, `no`, `on`
# and `off` stay words, `010` is ten, and dates stay strings for the schema to check.
CORE_SCHEMA = (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9][0-9_]*|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
)


@dataclass
class Located:
    """The parsed document and, for each container, where its keys and items start."""

    data: Any
    marks: dict[int, dict[str | int, Mark]] = field(default_factory=dict)
    starts: dict[int, Mark] = field(default_factory=dict)

    def mark(self, path: FieldPath) -> Mark:
        """Line and column (1-based) of the value at `path`, or of its nearest ancestor."""
        node, best = self.data, self.starts.get(id(self.data), (1, 1))
        for step in path:
            where = self.marks.get(id(node), {})
            if step not in where:
                break
            best, node = where[step], node[step]
        return best


def safe_loader(located: Located) -> type[yaml.SafeLoader]:
    """A safe loader that records positions and rejects duplicate keys.

    It reads scalars by YAML 1.2's core schema (see CORE_SCHEMA): dates stay strings (YAML
    1.1 would turn `2026-13-01` into an error deep in the parser and `2026-01-01` into a
    date), so the schema checks their format and says where.
    """
    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    duplicates: list[tuple[str, Mark]] = []
    aliased: list[Mark] = []
    not_numbers: list[Mark] = []
    too_long: list[Mark] = []

    class Loader(base):  # type: ignore[valid-type,misc]
        yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, Any]]]] = {
            first: [(tag, regexp) for tag, regexp in resolvers if tag not in YAML_1_1_ONLY]
            for first, resolvers in base.yaml_implicit_resolvers.items()
        }

        def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
            # A node met twice was reached through an alias (`*name`): a team file has no
            # use for them, and a few nested ones expand to billions of entries.
            if node in self.constructed_objects:
                aliased.append(position(node.start_mark))
                return None
            return super().construct_object(node, deep=deep)

        def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
            value: float = super().construct_yaml_float(node)
            if value != value:  # .nan passes every bound of a JSON Schema
                not_numbers.append(position(node.start_mark))
            return value

        def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
            text = str(self.construct_scalar(node)).replace("_", "")
            base = {"0o": 8, "0x": 16}.get(text[:2], 10)
            try:
                return int(text[2:] if base != 10 else text, base)
            except ValueError:  # over Python's 4,300-digit limit for reading a number
                too_long.append(position(node.start_mark))
                return 0

        def construct_yaml_map(self, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
            data: dict[Any, Any] = {}
            yield data
            marks: dict[str | int, Mark] = {}
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    key = str(key)
                if key in data:
                    duplicates.append((str(key), position(key_node.start_mark)))
                data[key] = self.construct_object(value_node, deep=True)
                marks[key] = position(value_node.start_mark)
            located.marks[id(data)] = marks
            located.starts[id(data)] = position(node.start_mark)

        def construct_yaml_seq(self, node: yaml.SequenceNode) -> Iterator[list[Any]]:
            data: list[Any] = []
            yield data
            data.extend(self.construct_object(child, deep=True) for child in node.value)
            located.marks[id(data)] = {
                i: position(child.start_mark) for i, child in enumerate(node.value)
            }
            located.starts[id(data)] = position(node.start_mark)

    for name, pattern, first in CORE_SCHEMA:
        Loader.add_implicit_resolver(f"tag:yaml.org,2002:{name}", re.compile(pattern), list(first))
    Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_yaml_int)
    Loader.add_constructor("tag:yaml.org,2002:float", Loader.construct_yaml_float)
    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_yaml_map)
    Loader.add_constructor("tag:yaml.org,2002:seq", Loader.construct_yaml_seq)
    Loader.duplicates = duplicates
    Loader.aliased = aliased
    Loader.not_numbers = not_numbers
    Loader.too_long = too_long
    return Loader


def position(mark: Any) -> Mark:
    return (mark.line + 1, mark.column + 1)


def dotted(path: Iterable[str | int]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


Template = str | Plural | Message


class Report:
    """Collects problems against one file, in the file's language (`lang`) when it says one."""

    def __init__(self, name: str, located: Located | None = None) -> None:
        self.name = name
        self.located = located
        self.problems: list[Problem] = []
        self.lang: str | None = None

    def add(
        self,
        path: FieldPath,
        what: Template,
        fix: Template,
        *,
        mark: Mark | None = None,
        args: Mapping[str, Any] | None = None,
    ) -> None:
        """A problem at `path` (or `mark`): `what` and `fix` are catalogue templates
        (marked with `N_`), filled in with `args` when shown."""
        line, column = mark or (self.located.mark(path) if self.located else (1, 1))
        values = dict(args or {})
        self.problems.append(
            Problem(
                self.name,
                line,
                column,
                dotted(path),
                message(what, **values),
                message(fix, **values),
            )
        )

    def raise_if_any(self) -> None:
        if self.problems:
            self.problems.sort(key=lambda p: (p.line, p.column))
            raise InvalidTeamFile(self.problems, self.lang)


def language_of(data: Any) -> str | None:
    """The language a team file says it is written in (`strategy.lang`), if it says one Ark
    speaks: its problems are told in it, as its checks and its playbook are."""
    strategy = data.get("strategy") if isinstance(data, dict) else None
    lang = strategy.get("lang") if isinstance(strategy, dict) else None
    return lang if isinstance(lang, str) and lang in LANGUAGES else None


LANG_LINE = re.compile(r"^[ \t]+lang:[ \t]*['\"]?([a-z]{2})['\"]?[ \t]*(?:#.*)?$", re.MULTILINE)


def written_language(text: str) -> str | None:
    """The `lang:` a file YAML cannot parse seems to say (the first indented one, as
    `strategy.lang` is written), to tell its syntax errors in that language."""
    found = LANG_LINE.search(text)
    return found.group(1) if found and found.group(1) in LANGUAGES else None


# The kinds of YAML values, with the article each language puts before them.
KINDS = {
    "object": N_("a mapping"),
    "array": N_("a list"),
    "string": N_("a string"),
    "number": N_("a number"),
    "integer": N_("a whole number"),
    "boolean": N_("a boolean"),
    "null": N_("a null"),
}
PYTHON_KINDS = {
    dict: "object",
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def kind_of(value: Any) -> Message:
    """What kind of YAML value `value` is, as a message: "a list"."""
    return message(KINDS[PYTHON_KINDS.get(type(value), "string")])


def schema_kind(rule: Any) -> Message:
    """The kind (or kinds) a JSON Schema `type` asks for, as a message."""
    if isinstance(rule, str):
        return message(KINDS.get(rule, rule))
    return message(N_("one of: {kinds}"), kinds=tuple(KINDS.get(r, r) for r in rule))


def short(value: Any, limit: int = 40) -> str:
    """A value as the file spells it, cut to `limit` characters for a message."""
    return shown(value)[:limit]


# Fields a team file or an API request lacks, named as the file or the request names them.
MISSING_FIELDS = Nn_("missing field {fields}", "missing fields {fields}")


def explain(error: Any) -> tuple[Message, Message]:
    """A message and a fix for one JSON Schema error, in Ark's words (not the validator's,
    which are English only)."""
    kind, value, rule = error.validator, error.instance, error.validator_value
    if kind == "additionalProperties":
        known = error.schema.get("properties", {})
        extra = sorted(set(value) - set(known), key=str)
        return (
            counted_list(Nn_("unknown field {fields}", "unknown fields {fields}"), extra),
            message(
                N_("remove it or fix the spelling; allowed here: {allowed}"),
                allowed=", ".join(known),
            ),
        )
    if kind == "required":
        missing = [k for k in rule if k not in value]
        return (
            counted_list(MISSING_FIELDS, missing),
            message(N_("add {field}: ..."), field=missing[0])
            if missing
            else message(N_("add the missing field")),
        )
    if kind == "enum":
        return (
            message(N_("{value} is not allowed here"), value=shown(value)),
            message(N_("use one of: {choices}"), choices=", ".join(map(str, rule))),
        )
    if kind == "const":
        return (
            message(N_("{value} is not a known team file version"), value=shown(value)),
            message(N_("write `ark: {version}`"), version=str(rule)),
        )
    if kind == "type":
        return (
            message(
                N_("expected {expected}, got {got} ({value})"),
                expected=schema_kind(rule),
                got=kind_of(value),
                value=short(value),
            ),
            message(N_("write {expected} here"), expected=schema_kind(rule)),
        )
    if kind == "pattern":
        if "@" in rule:
            return (
                message(N_("{value} is not an e-mail address"), value=shown(value)),
                message(N_("write an address like ana@example.com")),
            )
        if rule != SLUG_PATTERN and "description" in error.schema:  # a plugin's own words
            return (
                message(N_("{value} is not valid here"), value=shown(value)),
                message(error.schema["description"]),
            )
        return (
            message(N_("{value} is not a slug"), value=shown(value)),
            message(N_("use lowercase letters, digits and single hyphens, e.g. customer-service")),
        )
    if kind in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}:
        return (
            message(N_("{value} is out of range"), value=short(value)),
            message(
                N_("use a number {bounds}"),
                bounds=bounds(
                    error.schema.get("minimum"),
                    error.schema.get("maximum"),
                    above=error.schema.get("exclusiveMinimum"),
                ),
            ),
        )
    if kind == "format":
        return (
            message(N_("{value} is not a valid date"), value=shown(value)),
            message(N_("write the date as YYYY-MM-DD, e.g. 2026-12-31")),
        )
    if kind == "uniqueItems":
        return (message(N_("the list repeats an item")), message(N_("list each item once")))
    if kind == "minLength":
        return (
            message(N_("{value} is too short"), value=short(value)),
            counted(
                Nn_("write at least {count} character", "write at least {count} characters"), rule
            ),
        )
    if kind == "maxLength":
        return (
            message(
                N_("{value}... is {length} characters long"), value=short(value), length=len(value)
            ),
            counted(
                Nn_(
                    "shorten it to at most {count} character",
                    "shorten it to at most {count} characters",
                ),
                rule,
            ),
        )
    return (  # a rule no file of Ark uses yet: the validator's words
        message(error.message),
        message(N_("see the team file reference (docs/team-file.md)")),
    )


def counted_list(template: Plural, names: list[Any]) -> Message:
    """`names` quoted and listed in a message with a singular and a plural form."""
    return message(template, count=len(names), fields=", ".join(map(repr, names)))


def decode(raw: bytes, report: Report) -> str | None:
    """The text of UTF-8 bytes, or None with the first bad byte located in `report`."""
    try:
        return raw.decode("utf-8").removeprefix(BOM)  # a byte-order mark is no content
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        report.add(
            (),
            N_("byte 0x{byte} is not valid UTF-8"),
            N_("save the file as UTF-8"),
            mark=(line, column),
            args={"byte": f"{raw[exc.start]:02x}"},
        )
        return None


def quick_load(text: str, validator: Any) -> dict[str, Any] | None:
    """A mapping that `validator` (a jsonschema_rs validator) accepts, read by the compiled
    parser; None at any doubt, for `careful_load` to decide and explain."""
    import yaml_rs

    if (
        NON_PRINTABLE.search(text)  # YAML forbids them; the careful reader says where
        or (not text.isascii() and refusal(text) is not None)
        or "\\" in text  # an escape may spell a refused character: the careful reader looks
        or "\t" in text  # the two parsers differ on tabs before a comment: the careful one rules
        or ("!" in text and (text.startswith("!") or TAG.search(text)))
    ):
        return None
    try:
        data = yaml_rs.loads(
            text,
            parse_datetime=False,
            alias_limits=yaml_rs.AliasLimits(max_total_replayed_events=0),
        )
    except ValueError:  # not YAML, or keys that are not strings
        return None
    try:
        return data if isinstance(data, dict) and validator.is_valid(data) else None
    except ValueError:  # a key that is not a string
        return None


def careful_load(text: str, report: Report) -> Located | None:
    """The document with positions, its YAML-level problems added to `report`.

    None when the text is not YAML at all; otherwise `report.located` is set, so later
    problems (schema, references) are located by field path.
    """
    located = Located(None)
    report.lang = written_language(text)  # a file YAML cannot read still says its language
    loader = safe_loader(located)
    try:
        located.data = yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = position(mark) if mark else (1, 1)
        # PyYAML's own words (English) for what it met, put into Ark's message.
        problem = (exc.problem or "") + (f" ({exc.context})" if exc.context else "")
        tag = isinstance(exc, yaml.constructor.ConstructorError)
        report.add(
            (),
            N_("YAML tag error: {problem}") if tag else N_("YAML syntax error: {problem}"),
            N_("remove the tag: Ark's files take plain values")
            if tag
            else N_("fix the YAML syntax at this position (indentation, quotes, colons)"),
            mark=where,
            args={"problem": problem.strip()},
        )
        return None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, raw in the text
        before = text[: exc.position]
        report.add(
            (),
            N_("the file holds a control character (U+{code}) that YAML does not allow"),
            N_("remove it; write plain text"),
            mark=(before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1),
            args={"code": f"{exc.character:04X}"},
        )
        return None
    except yaml.YAMLError as exc:
        report.add(
            (), N_("YAML error: {problem}"), N_("fix the YAML syntax"), args={"problem": str(exc)}
        )
        return None
    report.located = located
    report.lang = language_of(located.data) or report.lang
    for key, mark in loader.duplicates:  # type: ignore[attr-defined]
        report.add(
            (),
            N_("the key {key} appears twice in one mapping"),
            N_("keep one of them; YAML would silently drop the first"),
            mark=mark,
            args={"key": repr(key)},
        )
    for mark in loader.not_numbers:  # type: ignore[attr-defined]
        report.add((), N_("'.nan' is not a number"), WRITE_A_NUMBER, mark=mark)
    for mark in loader.too_long:  # type: ignore[attr-defined]
        report.add((), N_("this number has too many digits"), WRITE_A_NUMBER, mark=mark)
    for mark in dict.fromkeys(loader.aliased):  # type: ignore[attr-defined]
        report.add(
            (),
            N_("this value is reused through a YAML alias (*name)"),
            N_("write the value out where it is used; team files take no anchors or aliases"),
            mark=mark,
        )
    for path, value in texts(located.data):
        why = refusal(value)
        if why is not None:
            report.add(
                path,
                N_("the text {why}"),
                N_("remove it; write plain text (no escapes for it)"),
                args={"why": why},
            )
    return located


WRITE_A_NUMBER = N_("write a number here")


def texts(data: Any, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str]]:
    """Every text in `data`, keys and values, with the path of the value it is or keys."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str):
                yield (*path, key), key
            yield from texts(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from texts(value, (*path, index))


def check_schema(data: Any, schema: dict[str, Any], report: Report) -> None:
    """Add every JSON Schema error of `data`, worded by `explain`, to `report`."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for error in validator.iter_errors(data):
        message, fix = explain(error)
        report.add(tuple(error.absolute_path), message, fix)
