"""The playbook part of `ark demo`: sample KPI readings, then the site."""

from __future__ import annotations

import datetime as dt

from ark.demo import DemoContext
from ark.i18n import N_, Nn_, counted, tr
from ark.plugins import hooks, manager
from ark.registry.writer import Registry, transaction
from ark_playbook.build import build_site
from ark_playbook.labels import LANGS
from ark_playbook.sources import mark_built, state, write_sources

MONTHS = 4


def sample_readings(registry: Registry) -> int:
    """Fictitious monthly readings for each objective's KPI that has none, climbing from the
    baseline towards the target, so the demo's home page has charts to show."""
    added = 0
    read = {k.slug for k in registry.read.kpis().items if k.readings}
    for o in registry.read.objectives().items:
        if o.kpi is None or o.target is None or o.kpi in read:
            continue
        read.add(o.kpi)
        start = o.baseline or 0.0
        for month in range(MONTHS):
            day = registry.today - dt.timedelta(days=30 * (MONTHS - 1 - month))
            value = start + (o.target - start) * (month + 1) / (MONTHS + 2)
            registry.record_kpi(o.kpi, round(value, 1), day)
            added += 1
    return added


def build_demo_playbook(context: DemoContext) -> None:
    hook = hooks()
    with transaction(context.engine, hooks=hook) as registry:
        readings = sample_readings(registry)
    folder = context.workspace / "playbook"
    with transaction(context.engine, hooks=hook, write=False) as registry:
        lang = registry.strategy().lang
        chosen = lang if lang in LANGS else "en"
        site, _ = write_sources(registry, folder, chosen, manager())
        current = state(registry, chosen, manager())
    index = build_site(folder)
    mark_built(folder, current)
    context.report(
        N_("playbook:"),
        tr(
            N_("{pages} ({readings}), open {index}"),
            pages=counted(Nn_("{count} page", "{count} pages"), len(site.pages)),
            readings=counted(
                Nn_("{count} sample KPI reading", "{count} sample KPI readings"), readings
            ),
            index=index.resolve(),
        ),
    )
    context.report(
        "",
        tr(N_("or serve it: cd {workspace} && ark playbook serve"), workspace=context.workspace),
    )
