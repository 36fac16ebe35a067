"""The playbook part of `ark demo`: sample KPI readings, then the site."""

from __future__ import annotations

import datetime as dt

from ark.demo import DemoContext
from ark.models import Objective
from ark.plugins import manager
from ark.service import Registry, transaction
from ark_playbook.build import build_site
from ark_playbook.export import export
from ark_playbook.labels import LANGS

MONTHS = 4


def sample_readings(registry: Registry) -> int:
    """Fictitious monthly readings for each objective's KPI that has none, climbing from the
    baseline towards the target, so the demo's home page has charts to show."""
    from sqlalchemy import select

    added = 0
    for o in registry.session.scalars(select(Objective).where(Objective.archived.is_(False))):
        if o.kpi is None or o.target is None or registry.readings(o.kpi):
            continue
        start = o.baseline or 0.0
        for month in range(MONTHS):
            day = registry.today - dt.timedelta(days=30 * (MONTHS - 1 - month))
            value = start + (o.target - start) * (month + 1) / (MONTHS + 2)
            registry.record_kpi(o.kpi.slug, round(value, 1), day)
            added += 1
    return added


def build_demo_playbook(context: DemoContext) -> None:
    hook = manager().hook
    with transaction(context.engine, hook=hook) as registry:
        readings = sample_readings(registry)
    folder = context.workspace / "playbook"
    with transaction(context.engine, hook=hook, write=False) as registry:
        lang = registry.strategy().lang
        site, _ = export(registry, folder, lang if lang in LANGS else "en", manager())
    index = build_site(folder)
    context.echo(
        f"playbook:    {len(site.pages)} pages ({readings} sample KPI readings), "
        f"open {index.resolve()}"
    )
    context.echo(f"             or serve it: cd {context.workspace} && ark playbook serve")
