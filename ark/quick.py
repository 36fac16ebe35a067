"""`ark who` on the database driver alone, for people who run it many times a day.

Importing SQLAlchemy's ORM costs more than the whole answer, so this reads the registry
through the DB-API driver (sqlite3, psycopg) with one query. Whenever it cannot answer for
sure (another driver, a database that does not exist or is not migrated yet, an unknown
slug, a schema at another revision), it returns None and the caller takes the ordinary path,
which upgrades an old registry, refuses a newer one and words the errors. tests/test_quick.py keeps both paths' answers identical.
The same query reads the strategy's language, which the command then speaks (`ark.i18n`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ark.i18n import speak
from ark.registry.driver import connect
from ark.revision import SCHEMA_HEAD

LANG = "(SELECT value FROM setting WHERE key = 'lang')"
WHO = f"""
SELECT r.title, c.email, c.name, a.role, a.hours, a.valid_from, a.valid_to, {LANG}
FROM responsibility r
LEFT JOIN assignment a ON a.responsibility_id = r.id AND a.valid_to IS NULL
LEFT JOIN contributor c ON c.id = a.contributor_id
WHERE r.slug = {{p}} AND NOT r.archived
  AND (SELECT version_num FROM alembic_version) = {{p}}
ORDER BY a.role, a.id
"""


def speak_stored(lang: Any) -> None:
    """Speak a stored language: a JSON string, text with its quotes from SQLite, decoded by
    psycopg; none stored is English."""
    speak(str(lang).strip('"') if lang is not None else "en")


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def who(url: str, slug: str) -> dict[str, Any] | None:
    """The current assignments of `slug`, shaped like `ark who --json`; None to fall back."""
    connected = connect(url)
    if connected is None:
        return None
    connection, marker = connected
    try:
        rows = connection.execute(WHO.format(p=marker), (slug, SCHEMA_HEAD)).fetchall()
    except Exception:  # noqa: BLE001 - any failure here means: take the ordinary path
        return None
    finally:
        connection.close()
    if not rows:
        return None
    speak_stored(rows[0][7])
    return {
        "responsibility": slug,
        "title": rows[0][0],
        "assignments": [
            {
                "contributor": email,
                "name": name,
                "responsibility": slug,
                "role": role,
                "hours": float(hours),
                "from": _iso(since),
                "to": _iso(until),
            }
            for _, email, name, role, hours, since, until, _ in rows
            if email is not None
        ],
    }


MARK = f"""
SELECT s.value, (SELECT max(id) FROM audit), {LANG} FROM setting s
WHERE s.key = {{p}} AND (SELECT version_num FROM alembic_version) = {{p}}
"""


def unchanged(url: str, digest: str) -> bool:
    """Whether the registry says what the team file with `digest` says, known from the file
    mark alone: that file was the last applied or exported, and nothing changed since (and
    so the command speaks the strategy's language, the file's)."""
    connected = connect(url)
    if connected is None:
        return False
    connection, marker = connected
    try:
        row = connection.execute(MARK.format(p=marker), ("file.mark", SCHEMA_HEAD)).fetchone()
    except Exception:  # noqa: BLE001 - any failure here means: take the ordinary path
        return False
    finally:
        connection.close()
    if row is None:
        return False
    mark = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    same = bool(mark.get("digest") == digest and mark.get("audit") == (row[1] or 0))
    if same:
        speak_stored(row[2])
    return same
