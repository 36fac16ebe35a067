"""The playbook's Jira page: which issue carries each task Ark has put on the board."""

from __future__ import annotations

from ark.i18n import N_, translated
from ark.registry.writer import Registry
from ark.sanitize import sanitize_piece
from ark_jira.config import issue_url
from ark_jira.sync import SYSTEM

LABELS: dict[str, str] = {
    "title": N_("Jira board"),
    "task": N_("Task"),
    "issue": N_("Issue"),
    "status": N_("Status"),
}


def board_page(registry: Registry, lang: str) -> str:
    """The page's Markdown, or "" when no task has an issue yet."""
    page_of = issue_url(registry)
    rows = [t for t in registry.read.tasks(linked_to=SYSTEM).items if t.external_key]
    if not rows:
        return ""
    label = translated(lang, LABELS)
    lines = [
        "---",
        f"title: {label['title']}",
        "tags: [jira]",
        "---",
        "",
        f"# {label['title']}",
        "",
        f"| {label['task']} | {label['issue']} | {label['status']} |",
        "| --- | --- | --- |",
    ]
    for t in rows:
        issue = t.external_key or ""  # rows without one were left out above
        link = issue if page_of is None else f"[{issue}]({page_of.replace('{key}', issue)})"
        # A title is sanitised on its own, so no tag in it can spill into the next row.
        text = sanitize_piece(" ".join(t.title.split())).replace("|", "\\|")
        lines.append(f"| {text} (`{t.key}`) | {link} | {t.status} |")
    return "\n".join(lines) + "\n"
