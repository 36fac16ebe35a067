"""The whole playbook on paper: one print view of every page in reading order, and a PDF of
it printed by a headless Chromium.

The print view is made from the built site (each page's article, in the order of the
sources' contents: the menu, each page followed by the pages it lists; each from a new
sheet) rather than being a page of the site: at thousands of processes it weighs tens of
megabytes, which no reader of the site should download by accident. It sits
beside `site/`, takes the site's own stylesheets and adds print rules; a browser prints it as
it is, and `ark playbook pdf` has Chromium do so. It holds no script and asks for nothing
outside the site.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ark import formats
from ark.errors import ArkError
from ark.files import write_atomic
from ark_playbook.sources import CONFIG, CONTENTS, SITE

PRINT_PAGE = "print.html"
CHROMIUM_ENV = "ARK_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
ARTICLE = re.compile(
    r'<article class="md-content__inner md-typeset">(.*?)</article>', re.DOTALL | re.IGNORECASE
)
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
RELATIVE = re.compile(r'\b(href|src)="(?![a-z][a-z0-9+.-]*:|/|#)([^"]*)"', re.IGNORECASE)
PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm; }
html, body { background: #fff; }
body { margin: 0 auto; max-width: 60rem; }
.ark-print-cover { display: flex; flex-direction: column; justify-content: center;
  min-height: 80vh; }
.ark-print-page { break-before: page; padding: 0 .8rem; }
.md-typeset .headerlink { display: none; }
.md-typeset a { color: inherit; text-decoration: underline; }
"""


def find_chromium() -> Path | None:
    """The Chromium to print with: `ARK_CHROMIUM`, else the first on the PATH, else Debian's."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return Path(named) if Path(named).is_file() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return DEBIAN_CHROMIUM if DEBIAN_CHROMIUM.is_file() else None


def from_root(page: str, url: str) -> str:
    """A link of a page in a sub-folder, written from the site's root, where the print view
    reads it."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), url))


def print_view(out: Path, today: dt.date) -> Path:
    """Write `out/print.html`, every page of the built site in reading order in one document."""
    from mkdocs.config import load_config

    config = load_config(str(out / CONFIG))
    site = out / SITE
    lang = str(config.theme.get("language") or "en")
    title = html.escape(config.site_name)
    index = (site / "index.html").read_text(encoding="utf-8")
    styles = "".join(
        f'<link rel="stylesheet" href="{href}">\n' for href in STYLESHEET.findall(index)
    )
    sections = [
        f'<section class="ark-print-cover md-typeset"><h1>{title}</h1>'
        f"<p>{html.escape(formats.day(today, lang))}</p></section>\n"
    ]
    for page in (out / CONTENTS).read_text(encoding="utf-8").splitlines():
        built = site / (page.removesuffix(".md") + ".html")
        if not built.is_file():
            continue
        found = ARTICLE.search(built.read_text(encoding="utf-8"))
        if found is None:
            continue
        body = RELATIVE.sub(
            lambda m, page=page: f'{m.group(1)}="{from_root(page, m.group(2))}"', found.group(1)
        )
        sections.append(f'<section class="ark-print-page md-typeset">{body}</section>\n')
    document = (
        f'<!doctype html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        # Every relative address (stylesheets, links, images) is one of the built site's.
        f'<base href="{SITE}/">\n<title>{title}</title>\n{styles}<style>{PRINT_CSS}</style>\n'
        f'</head>\n<body>\n<main class="md-content">\n{"".join(sections)}</main>\n</body>\n'
        "</html>\n"
    )
    target = out / PRINT_PAGE
    write_atomic(target, document.encode("utf-8"))
    return target


def print_pdf(view: Path, pdf: Path) -> Path:
    """Print the view to `pdf` with a headless Chromium, in a profile of its own."""
    chromium = find_chromium()
    if chromium is None:
        raise ArkError(
            "no Chromium to print the PDF with",
            hint=f"install chromium, or set {CHROMIUM_ENV} to its path; or open {view} in a "
            "browser and print it",
        )
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ark-print-") as profile:
        partial = Path(profile) / "playbook.pdf"
        command = [
            str(chromium),
            "--headless",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={partial}",
            view.resolve().as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to start as root without it
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
            said = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise ArkError(
                f"{chromium} could not print {view} (exit {done.returncode}): {said}",
                hint=f"open {view} in a browser and print it",
            )
        write_atomic(pdf, partial.read_bytes())
    return pdf
