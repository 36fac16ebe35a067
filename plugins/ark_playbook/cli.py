"""`ark playbook build` and `ark playbook serve`."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import click

from ark.clihelpers import ArkSubgroup, db_option, registry
from ark.i18n import N_, Nn_, counted, tr
from ark.params import Number
from ark_playbook.labels import LANGS

OUT_HELP = N_("Folder for mkdocs.yml, docs/ and site/ (default: playbook/ in the workspace).")
LANG_HELP = N_("Language of the theme and the headings (default: the strategy's).")
FORCE_HELP = N_("Export and build even if the registry has not changed.")


@click.group(
    cls=ArkSubgroup, help=N_("Publish the registry as the team's playbook: an MkDocs site.")
)
def playbook() -> None:
    pass


def write_once(
    db_url: str | None,
    out: Path | None,
    lang: str | None,
    *,
    quiet_if_unchanged: bool = False,
    skip: Callable[[Path, str], bool] = lambda folder, state: False,
) -> tuple[Path, str, int, str]:
    """Write the playbook's sources unless `skip(folder, state)` says the registry's state needs none;
    returns the folder, the language, how many files changed (-1: skipped) and the state."""
    from ark.plugins import manager
    from ark.workspace import find_workspace
    from ark_playbook.sources import state, write_sources

    pm = manager()
    with registry(db_url, write=False) as reg:
        own = reg.strategy().lang
        chosen = lang or (own if own in LANGS else "en")
        folder = out or find_workspace() / "playbook"
        current = state(reg, chosen, pm)
        if skip(folder, current):
            return folder, chosen, -1, current
        site, done = write_sources(reg, folder, chosen, pm)
    changed = len(done.written) + len(done.removed)
    if quiet_if_unchanged and not changed:
        return folder, chosen, 0, current
    click.echo(
        tr(
            N_("wrote {pages} to {path}: {written}, {removed} removed"),
            pages=counted(Nn_("{count} page", "{count} pages"), len(site.pages)),
            path=folder / "docs",
            written=counted(
                Nn_("{count} file written", "{count} files written"), len(done.written)
            ),
            removed=len(done.removed),
        )
    )
    return folder, chosen, changed, current


@playbook.command(
    "build",
    help=N_(
        "Export the playbook's pages and mkdocs.yml, then run `mkdocs build`.\n\n"
        "When the registry has not changed since the last build (same newest change, same"
        " day, language and plugins), nothing is written and nothing is built."
    ),
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help=OUT_HELP)
@click.option("--lang", type=click.Choice(LANGS), help=LANG_HELP)
@click.option("--force", is_flag=True, help=FORCE_HELP)
@db_option
def build_command(out: Path | None, lang: str | None, force: bool, db_url: str | None) -> None:
    build_once(db_url, out, lang, force)


def build_once(
    db_url: str | None, out: Path | None, lang: str | None, force: bool
) -> tuple[Path, str]:
    """`ark playbook build`; returns the folder and the language."""
    from ark_playbook.build import build_site
    from ark_playbook.sources import SITE, built_from, mark_built

    started = time.perf_counter()
    folder, chosen, changed, current = write_once(
        db_url, out, lang, skip=lambda folder, state: not force and built_from(folder, state)
    )
    if changed < 0:
        click.echo(
            tr(
                N_(
                    "the registry has not changed since the last build: nothing to do "
                    "({seconds} s): {path}"
                ),
                seconds=round(time.perf_counter() - started, 2),
                path=folder / SITE / "index.html",
            )
        )
        return folder, chosen
    index = build_site(folder)
    mark_built(folder, current)
    click.echo(
        tr(
            N_("built the site in {seconds} s: {path}"),
            seconds=round(time.perf_counter() - started, 1),
            path=index,
        )
    )
    if not (folder / SITE / "sitemap.xml").exists():
        click.echo(
            tr(
                N_(
                    "no sitemap.xml: a sitemap lists full addresses; set `playbook: site_url:` "
                    "in the team file to where the site is published, then `ark apply`"
                )
            )
        )
    return folder, chosen


@playbook.command(
    "pdf",
    help=N_(
        "The whole playbook as one PDF, in the chosen language.\n\n"
        "Builds the site (unless the registry has not changed), writes print.html beside "
        "it (every page of the menu, each from a new sheet: a browser prints it as it "
        "is), and prints that to a PDF with a headless Chromium (the first on the PATH, "
        "or ARK_CHROMIUM)."
    ),
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help=OUT_HELP)
@click.option("--lang", type=click.Choice(LANGS), help=LANG_HELP)
@click.option(
    "--pdf",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("Where to write the PDF (default: playbook-LANG.pdf in the --out folder)."),
)
@click.option("--force", is_flag=True, help=FORCE_HELP)
@db_option
def pdf_command(
    out: Path | None, lang: str | None, target: Path | None, force: bool, db_url: str | None
) -> None:
    import datetime as dt

    from ark_playbook.pdf import print_pdf, print_view

    folder, chosen = build_once(db_url, out, lang, force)
    view = print_view(folder, dt.date.today())
    click.echo(tr(N_("print view: {path}"), path=view))
    pdf = print_pdf(view, target or folder / f"playbook-{chosen}.pdf")
    click.echo(tr(N_("wrote {path} ({size} KB)"), path=pdf, size=pdf.stat().st_size // 1024))


@playbook.command(
    "serve",
    help=N_("Serve the playbook with live reload; registry changes show up as they are made."),
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help=OUT_HELP)
@click.option("--lang", type=click.Choice(LANGS), help=LANG_HELP)
@click.option(
    "--dev-addr",
    default="127.0.0.1:8000",
    show_default=True,
    metavar="IP:PORT",
    help=N_("Address and port to serve on."),
)
@click.option(
    "--interval",
    default=2.0,
    show_default=True,
    type=Number(0.2, 3600),
    help=N_("Seconds between rewrites of the pages."),
)
@db_option
def serve_command(
    out: Path | None, lang: str | None, dev_addr: str, interval: float, db_url: str | None
) -> None:
    from ark_playbook.build import serve_site

    folder, chosen, _, first = write_once(db_url, out, lang)
    seen = [first]

    def refresh() -> None:
        """Rewrite the pages when the registry's state moved since the last look."""
        *_, current = write_once(
            db_url,
            folder,
            chosen,
            quiet_if_unchanged=True,
            skip=lambda folder, state: state == seen[0],
        )
        seen[0] = current

    serve_site(folder, dev_addr, refresh, interval)
