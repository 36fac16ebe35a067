"""Where a team's files and registry live, known without importing the database layer."""

from __future__ import annotations

import os
from pathlib import Path

TEAM_FILE = "ark.yaml"
ENV_URL = "ARK_DATABASE_URL"


def find_workspace(start: Path | None = None) -> Path:
    """The directory holding `ark.yaml`, searched upwards like git finds `.git`; else `start`."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / TEAM_FILE).is_file():
            return folder
    return here


def default_url(workspace: Path | None = None, *, create: bool = True) -> str:
    """`ARK_DATABASE_URL`, else a SQLite file in the workspace's `.ark/` folder."""
    url = os.environ.get(ENV_URL)
    if url:
        return url
    folder = find_workspace(workspace) / ".ark"
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'ark.db'}"
