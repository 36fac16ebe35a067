"""The `playbook` background job: rewrite the playbook's pages after registry changes and rebuild
the site when a page changed, so the served playbook is never older than a minute."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ark.i18n import N_, Nn_, counted, tr
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
    changed, pages = len(done.written) + len(done.removed), len(site.pages)
    if not changed and (folder / SITE).is_dir():
        return tr(Nn_("{count} page, none changed", "{count} pages, none changed"), count=pages)
    build_site(folder)
    rebuilt = Nn_(
        "{pages}, {count} file changed, site rebuilt in {folder}",
        "{pages}, {count} files changed, site rebuilt in {folder}",
    )
    return tr(
        rebuilt,
        pages=counted(Nn_("{count} page", "{count} pages"), pages),
        count=changed,
        folder=folder,
    )


JOB = Job(
    "playbook",
    N_(
        "Rewrites the playbook's pages after registry changes and rebuilds the site when a "
        "page changed."
    ),
    rebuild,
    Schedule(on_change=True),
)
