"""The registry through its database driver alone (sqlite3, psycopg), for the reads that
answer before SQLAlchemy or even the read API's result types would be imported: `ark who`
(`ark.quick`) imports this and nothing else of the registry."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit


def connect(url: str) -> tuple[Any, str] | None:
    """A read-only DB-API connection and its parameter marker, or None if not supported
    (another driver, a database that does not exist: the caller takes the ordinary path)."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        import sqlite3

        path = unquote(parts.path[1:]) if parts.path.startswith("/") else ""
        if not path or path == ":memory:":
            return None
        try:
            return sqlite3.connect(f"file:{path}?mode=ro", uri=True), "?"
        except sqlite3.Error:
            return None
    if parts.scheme in ("postgresql", "postgresql+psycopg"):
        try:
            import psycopg
        except ImportError:
            return None
        conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
        try:
            return psycopg.connect(conninfo, autocommit=True), "%s"
        except psycopg.Error:
            return None
    return None
