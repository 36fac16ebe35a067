"""A KPI's readings against its baseline and targets, as the numbers of an inline SVG chart.

Drawn on the server, so the chart needs no script and no charting library in the browser;
the template only places the shapes computed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ark.i18n import N_, say, tr
from ark_web.reads import KpiRow

WIDTH, HEIGHT, MARGIN = 640, 220, 36


@dataclass(frozen=True)
class Level:
    """A horizontal line: a baseline or a target."""

    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: str
    dots: tuple[tuple[float, float, str], ...]
    levels: tuple[Level, ...]
    summary: str


def kpi_chart(row: KpiRow) -> Chart | None:
    """None when there is nothing to draw (no reading)."""
    if not row.readings:
        return None
    levels = [
        (
            t.baseline,
            tr(N_("baseline {value} ({objective})"), value=t.baseline, objective=t.objective),
        )
        for t in row.targets
        if t.baseline is not None
    ]
    levels += [
        (
            t.target,
            tr(
                N_("target {value} by {day} ({objective})"),
                value=t.target,
                day=t.deadline or "?",
                objective=t.objective,
            ),
        )
        for t in row.targets
        if t.target is not None
    ]
    values = [v for _, v in row.readings] + [v for v, _ in levels]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    first, last = row.readings[0][0], row.readings[-1][0]
    days = (last - first).days or 1

    def x(day_index: int) -> float:
        return MARGIN + (WIDTH - 2 * MARGIN) * day_index / days

    def y(value: float) -> float:
        return HEIGHT - MARGIN - (HEIGHT - 2 * MARGIN) * (value - low) / span

    dots = tuple(
        (round(x((on - first).days), 1), round(y(value), 1), f"{say(on)}: {say(value)}")
        for on, value in row.readings
    )
    latest_on, latest = row.readings[-1]
    return Chart(
        WIDTH,
        HEIGHT,
        " ".join(f"{px},{py}" for px, py, _ in dots),
        dots,
        tuple(Level(round(y(v), 1), label) for v, label in levels),
        tr(
            N_("{count} reading(s) of {name} from {first} to {last}, latest {latest}"),
            count=len(row.readings),
            name=row.name,
            first=first,
            last=latest_on,
            latest=latest,
        ),
    )
