"""The screenshots of docs/web.md, taken of the real thing: `ark demo` in a scratch folder,
`ark serve` on it, and a headless Chromium (tests/browser.py) signed in as the demo's admin
saving each page the docs show as a PNG in docs/img/.

    .venv/bin/python docs/screenshots.py            # rewrites docs/img/web-*.png
    .venv/bin/python docs/screenshots.py --out DIR  # elsewhere (the browser tests do)

The demo's dates follow today's, so a new run gives new pictures of the same pages.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import chromium, new_context, serving  # noqa: E402

ADMIN = "ana.garcia0@example.com"  # the account `ark demo` makes its admin
PASSWORD = "screenshots of the demo"
# Each picture: its file in docs/img/ and the page it shows (the offboarding page with the
# preview of Carla leaving: David takes her accountable roles, Lucía the listening one).
PAGES = {
    "web-home.png": "/",
    "web-matrix.png": "/matrix",
    "web-person.png": "/people/carla.martin2@example.com",
    "web-offboard.png": "/people/carla.martin2@example.com/offboard?preview=1"
    "&to=david.torres3%40example.com&accountable%3Alistening=lucia.navarro10%40example.com",
    "web-tasks.png": "/tasks?view=all",
    "web-kpi.png": "/kpis/leads",
    "web-process.png": "/processes/content-review",
    "web-audit.png": "/audit",
}


def ark(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "ark", *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return done.stdout


def take(out: Path) -> list[Path]:
    """Make the demo, serve it, and save each of PAGES in `out`; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ark-screenshots-") as scratch:
        ark("demo", cwd=Path(scratch))
        workspace = Path(scratch) / "ark-demo"
        link = ark("user", "reset-link", ADMIN, cwd=workspace).strip()
        written = []
        with serving(cwd=workspace) as (base, _), chromium() as browser:
            page = new_context(browser).new_page()
            page.goto(base + link[link.index("/link/") :])
            page.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
            page.get_by_label("The same password again").fill(PASSWORD)
            page.get_by_role("button", name="Set password and sign in").click()
            page.wait_for_url(base + "/")
            for name, path in PAGES.items():
                answer = page.goto(base + path)
                if answer is None or answer.status != 200:
                    raise SystemExit(f"{path}: the demo's page did not answer 200; fix PAGES")
                page.screenshot(path=str(out / name), full_page="offboard" in path)
                written.append(out / name)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "img", help="Folder for the PNGs."
    )
    for path in take(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
