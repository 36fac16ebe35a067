"""The `playbook` background job: rewrite the playbook's pages after registry changes and rebuild
the site when a page changed, so the served playbook is never older than a minute."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ark.jobs.model import Job, Schedule

if TYPE_CHECKING:
    from ark.jobs.model import JobContext


def rebuild(context: JobContext) -> str:
    from ark.plugins import manager
    from ark.workspace import find_workspace
    from ark_playbook.build import build_site
    from ark_playbook.labels import LANGS
    from ark_playbook.sources import SITE, write_sources

    folder = find_workspace() / "playbook"
    with context.transaction(write=False) as registry:
        own = registry.strategy().lang
        site, done = write_sources(registry, folder, own if own in LANGS else "en", manager())
    changed = len(done.written) + len(done.removed)
    if not changed and (folder / SITE).is_dir():
        return f"{len(site.pages)} pages, none changed"
    build_site(folder)
    return f"{len(site.pages)} pages, {changed} file(s) changed, site rebuilt in {folder}"


JOB = Job(
    "playbook",
    "Rewrites the playbook's pages after registry changes and rebuilds the site when a page changed.",
    rebuild,
    Schedule(on_change=True),
)
