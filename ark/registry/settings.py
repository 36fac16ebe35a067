"""Key-value settings: the strategy, plugins' team-file sections and plugins' saved state."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select

from ark.models import (
    AuditRecord,
    Setting,
)
from ark.registry.base import RegistryBase
from ark.spec import (
    STRATEGY_KEYS,
    SectionSpec,
    StrategySpec,
)

SECTION_PREFIX = "section."
STATE_PREFIX = "state."
IDENTITY = "registry.id"
# The digest of the team file last applied or exported, and the audit log's high-water mark
# then: what tells an unchanged registry and the edits made since (ark/drift.py). Read
# without the ORM by ark/quick.py.
FILE_MARK = "file.mark"
CHUNK = 500  # keys per DELETE, well under every database's limit of bound values
STRATEGY = select(Setting.key, Setting.value).where(Setting.key.in_(STRATEGY_KEYS))


class Settings(RegistryBase):
    """The strategy, sections and plugin state, stored as settings."""

    def strategy(self) -> StrategySpec:
        """The strategy (its language is read on every web request that says something)."""
        values: dict[str, Any] = {row.key: row.value for row in self.columns(STRATEGY)}
        return StrategySpec.from_settings(values)

    def _set_strategy(self, strategy: StrategySpec) -> None:
        values = strategy.as_dict(keep_defaults=True)
        for key in STRATEGY_KEYS:
            self._put_setting(key, values[key])

    def _put_setting(self, key: str, value: Any) -> None:
        """Set (or, with None, delete) one setting."""
        row = self.session.get(Setting, key)
        if value is None:
            if row is not None:
                self.session.delete(row)
        elif row is None:
            self.session.add(Setting(key=key, value=value))
        else:
            row.value = value

    def sections(self) -> tuple[SectionSpec, ...]:
        """Plugins' team-file sections, as stored by the last apply."""
        rows = self.session.execute(
            select(Setting.key, Setting.value).where(Setting.key.startswith(SECTION_PREFIX))
        )
        return tuple(
            SectionSpec.of(key.removeprefix(SECTION_PREFIX), value) for key, value in sorted(rows)
        )

    def stored_identity(self) -> str | None:
        row = self.session.get(Setting, IDENTITY)
        return None if row is None else str(row.value)

    def identity(self) -> str:
        """This registry's identity, created once: it travels in the team file, so a
        registry rebuilt from that file is the same registry to the systems Ark writes to
        (the Jira plugin puts it in its marker labels), and another team's is not."""
        found = self.stored_identity()
        if found is None:
            found = secrets.token_hex(8)
            self._put_setting(IDENTITY, found)
            self.audit("add", "registry", found, None, {"registry": found})
        return found

    def state(self, key: str) -> Any:
        """A plugin's saved value (a watermark, a cache), or None."""
        row = self.session.get(Setting, STATE_PREFIX + key)
        return None if row is None else row.value

    def set_state(self, key: str, value: Any) -> None:
        self._put_setting(STATE_PREFIX + key, value)

    def states(self, prefix: str) -> dict[str, Any]:
        """Every saved value whose key starts with `prefix`, by key."""
        rows = self.session.execute(
            select(Setting.key, Setting.value).where(
                Setting.key.startswith(STATE_PREFIX + prefix, autoescape=True)
            )
        )
        return {key.removeprefix(STATE_PREFIX): value for key, value in rows}

    def forget_states(self, keys: Iterable[str]) -> None:
        """Delete these saved values (a few statements however many)."""
        names = [STATE_PREFIX + key for key in keys]
        for start in range(0, len(names), CHUNK):
            chunk = names[start : start + CHUNK]
            self.session.execute(delete(Setting).where(Setting.key.in_(chunk)))

    # -- the team file's mark --------------------------------------------------------------

    def file_mark(self) -> dict[str, Any] | None:
        """The digest and audit high-water mark of the last team file applied or exported."""
        row = self.session.get(Setting, FILE_MARK)
        return None if row is None else dict(row.value)

    def mark_file(self, digest: str) -> None:
        """Note that the registry now says what the team file with this digest says."""
        self.flush()
        last = self.session.scalar(select(func.max(AuditRecord.id))) or 0
        self._put_setting(FILE_MARK, {"digest": digest, "audit": last})
        self.session.flush()

    def edits_since_mark(self) -> list[AuditRecord]:
        """Audit records of the changes commands made after the team file was last applied
        or exported (without a mark: all of them), oldest first."""
        mark = self.file_mark()
        query = select(AuditRecord).where(AuditRecord.via.is_not(None), AuditRecord.via != "apply")
        if mark is not None:
            query = query.where(AuditRecord.id > int(mark["audit"]))
        return list(self.session.scalars(query.order_by(AuditRecord.id)))
