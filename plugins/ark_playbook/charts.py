"""KPI charts, drawn at build time as SVG files the pages show as images.

matplotlib rather than pygal: pygal stamps every chart with a random id and the day it was
drawn, so each build would rewrite every chart and `mkdocs serve` would rebuild for nothing;
matplotlib writes the same bytes for the same readings once its SVG hash salt is fixed and
its date metadata dropped. The chart is a separate `.svg` shown through `<img>`, so nothing in
it can run script even if a KPI name were hostile (matplotlib escapes text anyway).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence


def kpi_chart(
    title: str,
    readings: Sequence[tuple[dt.date, float]],
    target: float | None,
    labels: tuple[str, str],
) -> bytes:
    """Readings over time as a line, the target as a dashed line; the same input, the same
    bytes."""
    import matplotlib
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure

    readings_label, target_label = labels
    with matplotlib.rc_context(
        {"svg.hashsalt": "ark-playbook", "svg.fonttype": "none", "font.size": 9}
    ):
        figure = Figure(figsize=(7, 2.8))
        axes = figure.subplots()
        days = date2num([day for day, _ in readings])  # type: ignore[no-untyped-call]
        axes.plot(days, [v for _, v in readings], marker="o", label=readings_label)
        if target is not None:
            axes.axhline(target, linestyle="--", color="tab:green", label=target_label)
        locator = AutoDateLocator()  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        axes.set_title(title)
        axes.grid(alpha=0.3)
        axes.legend(loc="best")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()
