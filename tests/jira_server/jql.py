"""The subset of JQL the server understands, parsed into a predicate and a sort order.

Clauses: project, key/issuekey/id, labels, status, statusCategory, assignee, component,
issuetype/type, summary (~), created/updated/duedate (dates, "-5m"-style relative times and
now()), with = != in, not in, > >= < <=, is [not] EMPTY; AND/OR/NOT and parentheses; ORDER BY
key, created, updated, duedate, status, summary with ASC/DESC. Anything else is a 400, as in
Jira, so a client relying on more than this fails loudly.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.jira_server.state import Board, Issue, JiraInputError, now

Predicate = Callable[[Issue], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|>=|<=|!~|=|>|<|~)
      | (?P<punct>[(),])
      | (?P<word>[^\s"'(),=!<>~]+)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "is", "empty", "null", "order", "by", "asc", "desc"}
_RELATIVE = re.compile(r"^([+-]?)(\d+)([wdhm])$")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str

    def keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


def _tokens(text: str) -> list[Token]:
    tokens = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _error(
                f"The character '{text[position]}' at position {position} is not expected."
            )
        position = match.end()
        kind = match.lastgroup or "word"
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append(Token(kind, value))
    return tokens


def _error(message: str) -> JiraInputError:
    return JiraInputError(messages=[f"Error in the JQL Query: {message}"])


@dataclass(frozen=True)
class Query:
    matches: Predicate
    order: list[tuple[str, bool]]
    """(field, descending) pairs."""

    def sort(self, issues: list[Issue]) -> list[Issue]:
        ordered = sorted(issues, key=_key_order, reverse=True)
        for name, descending in reversed(self.order):
            ordered.sort(key=functools.partial(_sort_value, name=name), reverse=descending)
        return ordered


def parse(text: str, board: Board) -> Query:
    """Parse `text`; raise JiraInputError (a 400) for anything outside the subset."""
    parser = _Parser(_tokens(text), board)
    return parser.query()


class _Parser:
    def __init__(self, tokens: list[Token], board: Board) -> None:
        self.tokens = tokens
        self.position = 0
        self.board = board

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise _error("The query ended unexpectedly.")
        self.position += 1
        return token

    def query(self) -> Query:
        matches: Predicate = lambda issue: True  # noqa: E731
        token = self.peek()
        if token is not None and not token.keyword("order"):
            matches = self.disjunction()
        order = self.order_by()
        if self.peek() is not None:
            raise _error(f"Expecting AND, OR or ORDER BY but got '{self.take().text}'.")
        return Query(matches, order)

    def order_by(self) -> list[tuple[str, bool]]:
        token = self.peek()
        if token is None:
            return []
        if not token.keyword("order"):
            raise _error(f"Expecting AND, OR or ORDER BY but got '{token.text}'.")
        self.take()
        if not self.take().keyword("by"):
            raise _error("Expecting 'by' after 'order'.")
        order = []
        while True:
            name = self.take().text.lower()
            if name not in _SORTABLE:
                raise _error(f"Not able to sort using field '{name}'.")
            descending = False
            following = self.peek()
            if following is not None and following.keyword("asc", "desc"):
                descending = self.take().text.lower() == "desc"
            order.append((_ALIASES.get(name, name), descending))
            following = self.peek()
            if following is None or following.text != ",":
                return order
            self.take()

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while (token := self.peek()) is not None and token.keyword("or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else lambda issue: any(p(issue) for p in parts)

    def conjunction(self) -> Predicate:
        parts = [self.negation()]
        while (token := self.peek()) is not None and token.keyword("and"):
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else lambda issue: all(p(issue) for p in parts)

    def negation(self) -> Predicate:
        token = self.take()
        if token.keyword("not"):
            inner = self.negation()
            return lambda issue: not inner(issue)
        if token.text == "(" and token.kind == "punct":
            inner = self.disjunction()
            if self.take().text != ")":
                raise _error("Expecting ')'.")
            return inner
        return self.clause(token)

    def clause(self, field_token: Token) -> Predicate:
        name = _ALIASES.get(field_token.text.lower(), field_token.text.lower())
        if field_token.kind != "word" or name not in _FIELDS:
            raise JiraInputError(
                messages=[
                    f"Field '{field_token.text}' does not exist or you do not have permission to view it."
                ]
            )
        operator = self.take()
        if operator.keyword("is"):
            negate = False
            if (token := self.peek()) is not None and token.keyword("not"):
                self.take()
                negate = True
            if not self.take().keyword("empty", "null"):
                raise _error("Expecting EMPTY or NULL after IS.")
            return lambda issue: _empty(_value(issue, name)) != negate
        if operator.keyword("not"):
            if not self.take().keyword("in"):
                raise _error("Expecting 'in' after 'not'.")
            values = self.value_list(name)
            return lambda issue: not _any_equal(_value(issue, name), values)
        if operator.keyword("in"):
            values = self.value_list(name)
            return lambda issue: _any_equal(_value(issue, name), values)
        if operator.kind != "op":
            raise _error(
                f"Expecting an operator after '{field_token.text}' but got '{operator.text}'."
            )
        value = self.value(name)
        return _compare(name, operator.text, value)

    def value_list(self, name: str) -> list[Any]:
        if self.take().text != "(":
            raise _error("Expecting '(' to start a list of values.")
        values = [self.value(name)]
        while (token := self.take()).text == ",":
            values.append(self.value(name))
        if token.text != ")":
            raise _error("Expecting ')' to close the list of values.")
        return values

    def value(self, name: str) -> Any:
        token = self.take()
        if (
            token.kind == "punct"
            or token.kind == "op"
            or (token.kind == "word" and token.text.lower() in _KEYWORDS)
        ):
            raise _error(f"Expecting a value for '{name}' but got '{token.text}'.")
        text = token.text
        following = self.peek()
        if token.kind == "word" and following is not None and following.text == "(":
            self.take()
            if self.take().text != ")":
                raise _error(f"Only functions without arguments are supported, like '{text}()'.")
            text += "()"
        if text.lower().endswith("()") and token.kind == "word":
            if text.lower() == "now()":
                return now()
            if text.lower() == "currentuser()" and name == "assignee":
                return self.board.bot
            raise _error(f"Unable to find JQL function '{text}'.")
        if name in _DATES:
            return _date(text)
        return _normalise(name, text, self.board)


def _date(text: str) -> dt.datetime:
    relative = _RELATIVE.match(text.strip())
    if relative:
        sign, amount, unit = relative.groups()
        delta = dt.timedelta(**{_UNITS[unit]: int(amount)})
        return now() - delta if sign == "-" else now() + delta
    for pattern in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    raise _error(
        f"Date value '{text}' for field is invalid. Valid formats include: "
        "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
        "format e.g. '-5d', '4w 2d'."
    )


def _normalise(name: str, text: str, board: Board) -> Any:
    """A literal in the form `_value` returns for the field, so comparison is plain equality."""
    if name in ("key", "project"):
        if name == "project" and text == board.project.id:
            return board.project.key
        if name == "key" and text.isdigit():
            try:
                return board.issue(text).key
            except LookupError:
                return text
        return text.upper()
    if name in ("status", "statuscategory", "issuetype"):
        return text.lower()
    return text


def _key_order(issue: Issue) -> tuple[str, int]:
    project, _, number = issue.key.rpartition("-")
    return project, int(number)


def _value(issue: Issue, name: str) -> Any:
    """The issue's value for a JQL field: a scalar, a list (multi-valued) or None."""
    fields = issue.fields
    match name:
        case "project":
            return issue.project
        case "key":
            return issue.key
        case "status":
            return [issue.status.name.lower(), issue.status.id]
        case "statuscategory":
            category = issue.status.category
            return [category.name.lower(), category.key, str(category.id)]
        case "issuetype":
            return str(fields["issuetype"]).lower()
        case "created":
            return issue.created
        case "updated":
            return issue.updated
        case "duedate":
            due = fields["duedate"]
            return dt.datetime.fromisoformat(due).replace(tzinfo=dt.UTC) if due else None
        case "labels" | "component":
            return list(fields["labels" if name == "labels" else "components"]) or None
        case _:
            return fields[name]


def _sort_value(issue: Issue, name: str) -> Any:
    if name == "key":
        return _key_order(issue)
    if name == "status":
        return issue.status.name
    value = _value(issue, name)
    if value is None:
        return (1, "")
    return (0, value)


def _empty(value: Any) -> bool:
    return value is None or value == []


def _any_equal(value: Any, wanted: list[Any]) -> bool:
    present = value if isinstance(value, list) else [value]
    return any(v is not None and v in wanted for v in present)


def _compare(name: str, operator: str, wanted: Any) -> Predicate:
    if operator == "=":
        return lambda issue: _any_equal(_value(issue, name), [wanted])
    if operator == "!=":
        return lambda issue: not _any_equal(_value(issue, name), [wanted])
    if operator in ("~", "!~"):
        if name != "summary":
            raise _error(f"The operator '{operator}' is not supported by the '{name}' field.")
        needle = str(wanted).lower()
        contains = operator == "~"
        return lambda issue: (needle in str(issue.fields["summary"]).lower()) == contains
    if name not in _DATES and name != "key":
        raise _error(f"The operator '{operator}' is not supported by the '{name}' field.")
    compare = _ORDERING[operator]
    if name == "key":
        target = _key_order_of(str(wanted))
        return lambda issue: compare(_key_order(issue), target)

    def dated(issue: Issue) -> bool:
        value = _value(issue, name)
        return value is not None and compare(value, wanted)

    return dated


def _key_order_of(key: str) -> tuple[str, int]:
    project, _, number = key.rpartition("-")
    if not number.isdigit():
        raise _error(f"The issue key '{key}' for field 'key' is invalid.")
    return project, int(number)


_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}
_ALIASES = {"issuekey": "key", "id": "key", "type": "issuetype", "components": "component"}
_DATES = {"created", "updated", "duedate"}
_FIELDS = {
    "project",
    "key",
    "labels",
    "status",
    "statuscategory",
    "assignee",
    "component",
    "issuetype",
    "summary",
    *_DATES,
}
_SORTABLE = {"key", "issuekey", "created", "updated", "duedate", "status", "summary"}
