"""`ark playbook build` and `ark playbook serve`."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ark.clihelpers import db_option, registry
from ark.params import Number
from ark_playbook.labels import LANGS

OUT_HELP = "Folder for mkdocs.yml, docs/ and site/ (default: playbook/ in the workspace)."
LANG_HELP = "Language of the theme and the headings (default: the strategy's)."


@click.group()
def playbook() -> None:
    """Publish the registry as the team's playbook: an MkDocs site."""


def export_once(
    db_url: str | None, out: Path | None, lang: str | None, *, quiet_if_unchanged: bool = False
) -> tuple[Path, str, int]:
    """Export the registry; returns the folder, the language and how many files changed."""
    from ark.plugins import manager
    from ark.workspace import find_workspace
    from ark_playbook.export import export

    with registry(db_url, write=False) as reg:
        own = reg.strategy().lang
        chosen = lang or (own if own in LANGS else "en")
        folder = out or find_workspace() / "playbook"
        site, done = export(reg, folder, chosen, manager())
    changed = len(done.written) + len(done.removed)
    if quiet_if_unchanged and not changed:
        return folder, chosen, 0
    click.echo(
        f"exported {len(site.pages)} pages to {folder / 'docs'}: {len(done.written)} file(s) "
        f"written, {len(done.removed)} removed"
    )
    return folder, chosen, changed


@playbook.command("build")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help=OUT_HELP)
@click.option("--lang", type=click.Choice(LANGS), help=LANG_HELP)
@db_option
def build_command(out: Path | None, lang: str | None, db_url: str | None) -> None:
    """Export the playbook's pages and mkdocs.yml, then run `mkdocs build`."""
    from ark_playbook.build import build_site

    started = time.perf_counter()
    folder, _, _ = export_once(db_url, out, lang)
    index = build_site(folder)
    click.echo(f"built the site in {time.perf_counter() - started:.1f}s: {index}")


@playbook.command("serve")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help=OUT_HELP)
@click.option("--lang", type=click.Choice(LANGS), help=LANG_HELP)
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, metavar="IP:PORT")
@click.option(
    "--interval",
    default=2.0,
    show_default=True,
    type=Number(0.2, 3600),
    help="Seconds between re-exports of the registry.",
)
@db_option
def serve_command(
    out: Path | None, lang: str | None, dev_addr: str, interval: float, db_url: str | None
) -> None:
    """Serve the playbook with live reload; registry changes show up as they are made."""
    from ark_playbook.build import serve_site

    folder, chosen, _ = export_once(db_url, out, lang)
    serve_site(
        folder,
        dev_addr,
        lambda: export_once(db_url, folder, chosen, quiet_if_unchanged=True),
        interval,
    )
