"""Errors a user can act on: each says what is wrong, where, and what to do.

The CLI turns them into a message on stderr and an exit code; nothing else catches them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ark.text import normal_email


class ArkError(Exception):
    """A failure with a hint; exit code 1 unless a subclass says otherwise."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class NotFound(ArkError):
    """A slug or e-mail that names nothing in the registry."""

    @classmethod
    def contributor(cls, email: str) -> NotFound:
        """No current contributor has this e-mail: the hint finds those with a like one."""
        return cls(
            f"no contributor {normal_email(email)!r} in the registry",
            hint=f"see `ark people --search {email.strip().split('@')[0]}`",
        )

    @classmethod
    def responsibility(cls, slug: str) -> NotFound:
        return cls(f"no responsibility {slug!r} in the registry", hint="see `ark responsibilities`")

    @classmethod
    def kpi(cls, slug: str) -> NotFound:
        return cls(f"no KPI {slug!r} in the registry", hint="see `ark kpis`")

    @classmethod
    def task(cls, key: str) -> NotFound:
        return cls(f"no task {key!r}", hint="see `ark tasks list`")


class Conflict(ArkError):
    """A change refused because it would break an invariant (or lost a race)."""


@dataclass(frozen=True)
class Problem:
    """One reason a team file was rejected, located to file:line:column and field."""

    file: str
    line: int
    column: int
    field: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}\n    fix: {self.fix}"


class InvalidTeamFile(ArkError):
    """A team file with problems; every problem is reported at once, exit code 2."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the team file; nothing was changed"
        )

    def __str__(self) -> str:
        return "\n".join([*map(str, self.problems), self.message])
