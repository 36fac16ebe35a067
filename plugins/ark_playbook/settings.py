"""The team file's `playbook:` section: where the site is published and where its processes
are edited.

The addresses are kept in the team file rather than passed to each build, so every build (the
command, the background job, the MkDocs plugin) makes the same pages, and a change of address
is a change of the registry that the next build picks up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pluggy

from ark.registry.writer import Registry
from ark.spec import SectionSchema

NAME = "playbook"
WEB_PLUGIN = "web"
DEFAULT_EDIT_URI = "edit/main/processes/"
URL = {"type": "string", "pattern": "^https?://[^\\s]+$", "maxLength": 500}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "site_url": {
            **URL,
            "description": "Where the playbook is published; its sitemap lists full addresses.",
        },
        "repo_url": {
            **URL,
            "description": "The repository that holds the workspace's process files.",
        },
        "edit_uri": {
            "type": "string",
            "pattern": "^[^\\s]*$",
            "maxLength": 300,
            "description": "Where, from repo_url, a process file is edited "
            f"(default {DEFAULT_EDIT_URI}).",
        },
        "workspace_url": {
            **URL,
            "description": "Where `ark serve` is reached: each process page links to its page "
            "there.",
        },
    },
}
SECTION = SectionSchema(
    NAME,
    SCHEMA,
    "Where the playbook is published (`site_url`) and where its processes are edited "
    "(`repo_url` with `edit_uri`, and `workspace_url` of `ark serve`).",
)


@dataclass(frozen=True)
class PlaybookSettings:
    site_url: str | None = None
    repo_url: str | None = None
    edit_uri: str = DEFAULT_EDIT_URI
    workspace_url: str | None = None

    @classmethod
    def read(cls, registry: Registry) -> PlaybookSettings:
        value = next((s.value for s in registry.sections() if s.name == NAME), None) or {}
        return cls(
            site_url=value.get("site_url"),
            repo_url=value.get("repo_url"),
            edit_uri=value.get("edit_uri", DEFAULT_EDIT_URI),
            workspace_url=value.get("workspace_url"),
        )

    def edit_links(self, slug: str, pm: pluggy.PluginManager) -> dict[str, str]:
        """Where process `slug` is edited, by kind: its file in the team's repository (the
        way MkDocs joins `repo_url` and `edit_uri`), and its page in the web workspace when
        the web plugin is installed and its address is known."""
        links: dict[str, str] = {}
        if self.repo_url:
            uri = self.edit_uri.strip("/")
            links["repository"] = "/".join(
                part for part in (self.repo_url.rstrip("/"), uri, f"{slug}.md") if part
            )
        if self.workspace_url and pm.get_plugin(WEB_PLUGIN) is not None:
            links["workspace"] = f"{self.workspace_url.rstrip('/')}/processes/{slug}"
        return {kind: quote(url, safe=":/?#@!$&'*+,;=%~-._") for kind, url in links.items()}
