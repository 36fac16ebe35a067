"""Errors a user can act on: each says what is wrong, where, and what to do.

The CLI turns them into a message on stderr and an exit code; nothing else catches them.
With `args`, the message and hint are catalogue templates (marked with `N_`), written in the
command's language when they are shown, not when raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ark.i18n import N_, Message, Nn_, Plural, render, speaking, value
from ark.text import normal_email

# The labels of every error's parts, as the CLI prints them.
ERROR = N_("error:")
HINT = N_("hint:")
FIX = N_("fix:")
WARNING = N_("warning:")


class ArkError(Exception):
    """A failure with a hint; exit code 1 unless a subclass says otherwise."""

    exit_code = 1

    def __init__(
        self,
        message: str | Plural,
        *,
        hint: str | Message = "",
        args: Mapping[str, Any] | None = None,
        lang: str | None = None,
    ) -> None:
        super().__init__(message)
        self.template = message
        self.hint_template = hint
        self.values = dict(args or {})
        self.lang = lang

    @property
    def language(self) -> str:
        """The error's own language when it has one (a team file's, read before any
        registry), else the command's."""
        return self.lang or speaking()

    @property
    def message(self) -> str:
        return render(self.language, self.template, self.values)

    @property
    def hint(self) -> str:
        if isinstance(self.hint_template, Message):  # a message with values of its own
            return value(self.language, self.hint_template)
        return render(self.language, self.hint_template, self.values) if self.hint_template else ""

    def __str__(self) -> str:
        hint = self.hint
        label = render(self.language, HINT)
        return f"{self.message}\n  {label} {hint}" if hint else self.message


# A slug or e-mail that names nothing, by what was looked for: one message each, as the
# languages put the noun's gender on the words around it.
NOT_FOUND = {
    "contributor": N_("no contributor {value!r} in the registry"),
    "responsibility": N_("no responsibility {value!r} in the registry"),
    "KPI": N_("no KPI {value!r} in the registry"),
    "channel": N_("no channel {value!r} in the registry"),
    "department": N_("no department {value!r} in the registry"),
    "process": N_("no process {value!r} in the registry"),
}


class NotFound(ArkError):
    """A slug or e-mail that names nothing in the registry."""

    @classmethod
    def of(cls, what: str, value: str, listing: str) -> NotFound:
        """No current `what` (a key of `NOT_FOUND`) is `value`; `listing` lists them."""
        return cls(
            NOT_FOUND[what], hint=N_("see `{listing}`"), args={"value": value, "listing": listing}
        )

    @classmethod
    def contributor(cls, email: str) -> NotFound:
        """No current contributor has this e-mail: the hint finds those with a like one."""
        return cls.of(
            "contributor", normal_email(email), f"ark people --search {email.strip().split('@')[0]}"
        )

    @classmethod
    def responsibility(cls, slug: str) -> NotFound:
        return cls.of("responsibility", slug, "ark responsibilities")

    @classmethod
    def kpi(cls, slug: str) -> NotFound:
        return cls.of("KPI", slug, "ark kpis")

    @classmethod
    def task(cls, key: str) -> NotFound:
        return cls(N_("no task {key!r}"), hint=N_("see `ark tasks list`"), args={"key": key})


class Conflict(ArkError):
    """A change refused because it would break an invariant (or lost a race)."""


@dataclass(frozen=True)
class Problem:
    """One reason a file was rejected, located to file:line:column and field; its message
    and fix are catalogue messages, written in the language of whoever shows them."""

    file: str
    line: int
    column: int
    field: str
    message: Message
    fix: Message

    def said(self, lang: str) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        field = f" {self.field}:" if self.field else ""
        fix = render(lang, FIX)
        return f"{where}:{field} {value(lang, self.message)}\n    {fix} {value(lang, self.fix)}"

    def as_json(self, lang: str) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": value(lang, self.message),
            "fix": value(lang, self.fix),
        }

    def __str__(self) -> str:
        return self.said(speaking())


class ProblemsError(ArkError):
    """A file (or files) with problems, every one reported at once: exit code 2."""

    exit_code = 2

    def __init__(
        self,
        problems: list[Problem],
        message: str | Plural,
        args: Mapping[str, Any],
        lang: str | None = None,
    ) -> None:
        self.problems = problems
        super().__init__(message, args=args, lang=lang)

    def __str__(self) -> str:
        return "\n".join([*(p.said(self.language) for p in self.problems), self.message])


class InvalidTeamFile(ProblemsError):
    """A team file with problems, told in the file's own language (`lang`) when it says one:
    it is read before any registry, whose language is not known yet."""

    def __init__(self, problems: list[Problem], lang: str | None = None) -> None:
        super().__init__(
            problems,
            Nn_(
                "{count} problem in the team file; nothing was changed",
                "{count} problems in the team file; nothing was changed",
            ),
            {"count": len(problems)},
            lang,
        )
