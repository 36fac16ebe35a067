"""Running MkDocs on the playbook's sources: build once, or serve with live reload.

MkDocs runs in-process through its Python API (what its own command line calls), which
spares a second interpreter start and lets errors come back as Ark errors.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from ark.errors import ArkError
from ark.i18n import N_
from ark_playbook.sources import CONFIG, SITE

SITEMAPS = ("sitemap.xml", "sitemap.xml.gz")


def build_site(out: Path) -> Path:
    """`mkdocs build` of the sources' folder; returns the site's `index.html`.

    A sitemap lists full addresses (the sitemap protocol has no relative ones), so without
    the team file's `playbook.site_url` MkDocs writes one with no page in it: that empty
    file is removed rather than published, and `ark playbook build` says why."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    try:
        config = load_config(str(out / CONFIG))
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
        if not config.site_url:
            for name in SITEMAPS:
                (out / SITE / name).unlink(missing_ok=True)
    except MkDocsException as exc:
        raise ArkError(
            N_("mkdocs could not build {path}: {reason}"),
            hint=N_("run `mkdocs build -f` on that file for details"),
            args={"path": out / CONFIG, "reason": exc},
        ) from exc
    return out / SITE / "index.html"


def serve_site(out: Path, dev_addr: str, refresh: Callable[[], object], interval: float) -> None:
    """`mkdocs serve` of the sources' folder while `refresh` rewrites them every `interval`
    seconds; since unchanged sources are not rewritten, the server rebuilds only on change."""
    from mkdocs.commands.serve import serve

    # MkDocs' command line sets up its log output; through the API it is ours to do.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(handler)
    mkdocs_log.setLevel(logging.INFO)
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(interval):
            try:
                refresh()
            except ArkError as exc:  # keep serving the last good sources
                logging.getLogger("ark.playbook").warning("playbook not refreshed: %s", exc)
            except Exception:  # one failed refresh must not end the refreshing
                logging.getLogger("ark.playbook").exception("playbook not refreshed")

    watcher = threading.Thread(target=poll, name="playbook-refresh", daemon=True)
    watcher.start()
    try:
        serve(config_file=str(out / CONFIG), dev_addr=dev_addr, livereload=True)
    finally:
        stop.set()
