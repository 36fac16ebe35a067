"""Starter processes for the recurring work of the `ark` and `small-firm` templates.

They are package data (one Markdown file per process and language); `ark init` copies them
beside the team file and `ark demo` records them.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

from ark.vocabulary import LANGUAGES

TEMPLATES = ("ark", "small-firm")
RESPONSIBILITY = re.compile(rb"^responsibility: *(\S+) *$", re.M)


def starter_files(lang: str) -> dict[str, bytes]:
    """File name -> bytes of the starter processes in `lang` (English when not shipped)."""
    folder = resources.files(__name__).joinpath(lang if lang in LANGUAGES else "en")
    return {
        item.name: item.read_bytes()
        for item in sorted(folder.iterdir(), key=lambda i: i.name)
        if item.name.endswith(".md")
    }


def write_starters(directory: Path, template: str, lang: str) -> list[Path]:
    """Copy the starters of the template's responsibilities into `directory`, leaving files
    that already exist alone."""
    if template not in TEMPLATES:
        return []
    from ark.files import write_atomic
    from ark.templates import small_firm_responsibilities

    carried = small_firm_responsibilities() if template == "small-firm" else None
    written = []
    for name, raw in starter_files(lang).items():
        found = RESPONSIBILITY.search(raw)
        if carried is not None and (found is None or found.group(1).decode() not in carried):
            continue
        target = directory / name
        if not target.exists() and write_atomic(target, raw):
            written.append(target)
    return written


def record_folder(engine: Any, folder: Path, message: str) -> tuple[int, int]:
    """Record a folder of process files in one transaction: (new revisions, files)."""
    from ark.plugins import hooks
    from ark.registry.writer import transaction
    from ark_processes.document import read

    with transaction(engine, hooks=hooks()) as registry:
        results = registry.record_processes([f.draft for f in read([folder], registry)], message)
    return sum(r.revision is not None for r in results), len(results)
