"""`ark-playbook`: a thin MkDocs plugin for teams that keep their own `mkdocs.yml`.

It calls the same page writer as `ark playbook build` and hands the pages to MkDocs as
generated files under one folder of the site, so nothing is written into the user's docs
folder. The pages need the playbook's Markdown extensions (admonitions, tables, the
`ark-flow` and `ark-chart` fences that draw figures as inline SVG) and its stylesheet: the
plugin adds them to the site's config, keeping the user's own settings of each extension.
"""

from __future__ import annotations

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from ark_playbook.labels import LANGS


class PlaybookConfig(Config):  # type: ignore[no-untyped-call]
    db = config_options.Optional(config_options.Type(str))
    lang = config_options.Choice(LANGS, default="en")
    folder = config_options.Type(str, default="playbook")


class PlaybookPlugin(BasePlugin[PlaybookConfig]):  # type: ignore[no-untyped-call]
    """Adds the playbook's pages, read from the registry, under `folder/` of the site."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """The extensions and the stylesheet the pages need, and nothing from the internet:
        the theme's web fonts are turned off (Material would fetch them from a third-party
        host), as `ark playbook build` does."""
        from ark_playbook.sources import EXTENSIONS, STYLESHEET

        for name, settings in EXTENSIONS.items():
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
            mine = config.mdx_configs.setdefault(name, {})
            for key, value in settings.items():
                if key == "custom_fences":
                    known = {f.get("name") for f in mine.setdefault(key, [])}
                    mine[key] += [f for f in value if f["name"] not in known]
                else:
                    mine.setdefault(key, value)
        config.extra_css.append(f"{self.config.folder.strip('/')}/{STYLESHEET}")
        if config.theme.name == "material":
            config.theme["font"] = False
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        from ark.clihelpers import registry
        from ark.plugins import manager
        from ark_playbook.sources import render

        folder = self.config.folder.strip("/")
        with registry(self.config.db, write=False) as reg:
            site = render(reg, self.config.lang, manager())
        for path, content in site.files.items():
            uri = f"{folder}/{path}"
            existing = files.get_file_from_path(uri)
            if existing is not None:
                files.remove(existing)
            files.append(File.generated(config, uri, content=content))
        return files
