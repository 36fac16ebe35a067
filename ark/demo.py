"""`ark demo`: the whole job on the embedded default, with a sample team of fictitious people."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ark.errors import ArkError
from ark.i18n import N_, speak, tr
from ark.spec import TeamSpec
from ark.vocabulary import BusinessType

FIRST = (
    "Ana",
    "Bruno",
    "Carla",
    "David",
    "Elena",
    "Fernando",
    "Gloria",
    "Hugo",
    "Irene",
    "Javier",
    "Lucía",
    "Marcos",
    "Nora",
    "Óscar",
    "Paula",
    "Raúl",
    "Sara",
    "Tomás",
)
DEMO_DIGEST = "demo.team-file"  # the digest of the ark.yaml the demo last wrote
LAST = ("García", "Martín", "López", "Sánchez", "Romero", "Navarro", "Torres", "Vidal", "Molina")


@dataclass
class DemoContext:
    """What a plugin's `ark_demo` part gets: where the demo lives and how to report."""

    workspace: Path
    engine: Any
    team_file: Path
    echo: Callable[[str], None]

    def report(self, label: str, text: str) -> None:
        """One line of the demo's report: `label` (marked with `N_`) in the strategy's
        language, aligned with the others, then `text`; "" continues the line above."""
        self.echo(line(label, text))


def fictitious(spec: TeamSpec) -> TeamSpec:
    """Replace the template's placeholder people with fictitious named people."""
    names: dict[str, tuple[str, str]] = {}
    for index, c in enumerate(spec.contributors):
        first, last = FIRST[index % len(FIRST)], LAST[(index * 5) % len(LAST)]
        ascii_first = first.translate(str.maketrans("áéíóúÓ", "aeiouo")).lower()
        ascii_last = last.translate(str.maketrans("áéíóúÓ", "aeiouo")).lower()
        names[c.email] = (f"{ascii_first}.{ascii_last}{index}@example.com", f"{first} {last}")
    return dataclasses.replace(
        spec,
        strategy=dataclasses.replace(
            spec.strategy,
            owner=names[spec.strategy.owner][0] if spec.strategy.owner else None,
        ),
        channels=tuple(
            dataclasses.replace(c, owner=names[c.owner][0] if c.owner else None)
            for c in spec.channels
        ),
        contributors=tuple(
            dataclasses.replace(c, email=names[c.email][0], name=names[c.email][1])
            for c in spec.contributors
        ),
        responsibilities=tuple(
            dataclasses.replace(
                r,
                assignments=tuple(
                    dataclasses.replace(a, contributor=names[a.contributor][0])
                    for a in r.assignments
                ),
            )
            for r in spec.responsibilities
        ),
    )


def run_demo(directory: Path, lang: str, db_url: str | None, *, force: bool = False) -> None:
    from ark.checks import check_team
    from ark.cli import tally
    from ark.db import open_engine
    from ark.drift import file_digest
    from ark.export import dump_team
    from ark.files import read_bounded, write_atomic
    from ark.i18n import LEVEL_LABELS
    from ark.plugins import hooks
    from ark.registry.writer import transaction
    from ark.teamfile import MAX_BYTES
    from ark.templates import ARK_TEMPLATE

    speak(lang)
    today = dt.date.today()
    team_file = directory / "ark.yaml"
    engine = open_engine(db_url, workspace=directory)
    if team_file.exists() and not force:
        with transaction(engine, write=False) as reg:
            written = reg.state(DEMO_DIGEST)
        if written != file_digest(read_bounded(team_file, MAX_BYTES, what="team file")):
            raise ArkError(
                N_("{path} was edited since `ark demo` wrote it (or is not the demo's)"),
                hint=N_("pass --force to start the demo afresh, or name another DIRECTORY"),
                args={"path": team_file},
            )
    spec = fictitious(ARK_TEMPLATE.render(BusinessType.COMMERCIAL, lang, today))
    write_atomic(
        team_file, dump_team(spec, header="# Ark demo team: fictitious people.\n").encode()
    )
    click.echo(line(N_("team file:"), str(team_file)))
    pm = hooks()
    pm.ark_init_workspace(directory=directory, template=ARK_TEMPLATE.name, lang=lang)
    with transaction(engine, hooks=pm, via="demo") as reg:
        plan = reg.apply(spec)
        digest = file_digest(team_file.read_bytes())
        reg.mark_file(digest)
        reg.set_state(DEMO_DIGEST, digest)
    click.echo(line(N_("registry:"), engine.url.render_as_string()))
    click.echo(
        line(
            N_("applied:"),
            tr(
                N_("{changes} changes ({people} people, {responsibilities} responsibilities)"),
                changes=len(plan.changes),
                people=len(spec.contributors),
                responsibilities=len(spec.responsibilities),
            ),
        )
    )
    with transaction(engine, hooks=pm) as reg:
        planned = reg.plan_tasks(today + dt.timedelta(days=91), today)
        open_tasks = reg.read.tasks(limit=0).total
    click.echo(
        line(
            N_("tasks:"),
            tr(
                N_("{planned} planned for the next quarter ({count} in all)"),
                planned=len(planned),
                count=open_tasks,
            ),
        )
    )
    pm.ark_demo(context=DemoContext(directory, engine, team_file, click.echo))
    # Checked last, so what the plugins added (documented processes, say) counts.
    with transaction(engine, hooks=pm, write=False) as reg:
        findings = check_team(reg, pm)
    errors = sum(f.level == "error" for f in findings)
    click.echo(line(N_("checks:"), tally(errors, len(findings) - errors)))
    for f in findings[:5]:
        click.echo(line("", f"{tr(LEVEL_LABELS[f.level])}: {f.message}"))
    click.echo(
        line(
            N_("next:"),
            tr(
                N_(
                    "cd {directory} && ark check && ark who listening && ark tasks list; "
                    "for your own team: ark init my-ark"
                ),
                directory=directory,
            ),
        )
    )


def line(label: str, text: str) -> str:
    """One line of the demo's report: a label of the catalogue, then what it says."""
    return f"{tr(label) if label else '':<12} {text}"
