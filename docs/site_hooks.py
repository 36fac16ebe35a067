"""MkDocs build hooks for the project's site (listed under `hooks:` in mkdocs.yml).

The team file's `$schema` line points at `team.schema.json` on the published site, so the
site serves the package's own copy: one schema, no second file to keep in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

SCHEMA = Path(__file__).resolve().parent.parent / "ark" / "team.schema.json"


def on_files(files: Files, config: Any) -> Files:
    files.append(File.generated(config, "team.schema.json", abs_src_path=str(SCHEMA)))
    return files
