"""Process flows and KPI charts, drawn at build time as inline SVG by this small module.

A page carries a figure as a fenced block of JSON (```` ```ark-flow ```` or
```` ```ark-chart ````); the fence's format function, registered with
`pymdownx.superfences`, turns it into an `<svg>` in the page. So a diagram needs no
JavaScript and no file from anywhere (it draws offline, on an intranet), its words are in the
page for search and translation, and the same data always gives the same bytes.

The sanitiser keeps fenced blocks as written, so anyone can write such a fence: the data is
untrusted. Every string is XML-escaped, every number is parsed as a float, and anything that
does not parse is shown as the code block it was written as.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from ark import formats

FLOW = "ark-flow"
CHART = "ark-chart"
FONT = 14
CHAR = 0.56 * FONT  # average width of a character of the theme's sans-serif font
FLOW_WIDTH = 560
BOX_WIDTH = 460
LINE = FONT + 5
GAP = 30
CHART_WIDTH = 600
CHART_HEIGHT = 270
MARGIN = {"left": 58, "right": 18, "top": 44, "bottom": 34}


@dataclass(frozen=True)
class Step:
    text: str
    role: str


def flow_svg(steps: Sequence[Step], title: str) -> str:
    """The steps top-down, one box each (its number, what to do and the role that does it),
    joined by arrows; each box is as tall as its wrapped text."""
    width = int((BOX_WIDTH - 24) / CHAR)
    parts: list[str] = []
    y = 8
    left = (FLOW_WIDTH - BOX_WIDTH) / 2
    for index, step in enumerate(steps, start=1):
        lines = textwrap.wrap(f"{index}. {step.text}", width) or [f"{index}."]
        height = 16 + LINE * (len(lines) + 1)
        if index > 1:
            parts.append(
                f'<path class="ark-flow__arrow" d="M{FLOW_WIDTH / 2} {y - GAP + 2}'
                f' V{y - 4}" stroke="currentColor" marker-end="url(#ark-arrow)"/>'
            )
        texts = "".join(
            f'<tspan x="{FLOW_WIDTH / 2}" dy="{LINE if n else 0}">{escape(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        parts.append(
            f'<g class="ark-flow__step"><rect x="{left}" y="{y}" width="{BOX_WIDTH}"'
            f' height="{height}" rx="6" fill="none" stroke="currentColor"/>'
            f'<text x="{FLOW_WIDTH / 2}" y="{y + 8 + FONT}" text-anchor="middle">{texts}</text>'
            f'<text class="ark-flow__role" x="{FLOW_WIDTH / 2}"'
            f' y="{y + 8 + FONT + LINE * len(lines)}" text-anchor="middle">'
            f"{escape(step.role)}</text></g>"
        )
        y += height + GAP
    total = max(y - GAP + 8, 16)
    return (
        f'<svg class="ark-figure ark-flow" xmlns="http://www.w3.org/2000/svg"'
        f' viewBox="0 0 {FLOW_WIDTH} {total}" width="{FLOW_WIDTH}" role="img"'
        f' aria-label="{escape(title)}"><title>{escape(title)}</title>'
        '<defs><marker id="ark-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"'
        ' markerHeight="7" orient="auto"><path d="M0 0 L10 5 L0 10 z" fill="currentColor"/></marker></defs>'
        + "".join(parts)
        + "</svg>"
    )


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten apart) covering low..high."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    return [first + i * step for i in range(math.ceil((high - first) / step) + 1)]


def month_ticks(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of each month in first..last, thinned to at most seven."""
    months: list[dt.date] = []
    day = first.replace(day=1)
    while day <= last:
        if day >= first:
            months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    step = max(1, math.ceil(len(months) / 7))
    return months[::step] or [first]


def chart_svg(data: dict[str, Any]) -> str:
    """Readings over time as a line with dots, the target as a dashed line, with the axes
    labelled in the page's language (`lang` in `data`): its month names and numbers."""
    lang = str(data.get("lang", "en"))
    months = formats.months(lang)

    def number(value: float) -> str:
        return formats.number(value, lang)

    points = [(dt.date.fromisoformat(str(day)), float(value)) for day, value in data["points"]]
    target = None if data.get("target") is None else float(data["target"])
    title, readings_label, target_label = (
        str(data["title"]),
        str(data["readings"]),
        str(data["target_label"]),
    )
    if not points:
        raise ValueError("a chart needs readings")
    values = [v for _, v in points] + ([target] if target is not None else [])
    ticks = nice_ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)
    inner_w = CHART_WIDTH - MARGIN["left"] - MARGIN["right"]
    inner_h = CHART_HEIGHT - MARGIN["top"] - MARGIN["bottom"]

    def x(day: dt.date) -> float:
        if first == last:
            return MARGIN["left"] + inner_w / 2
        return round(MARGIN["left"] + (day - first).days / span * inner_w, 1)

    def y(value: float) -> float:
        return round(MARGIN["top"] + (high - value) / (high - low) * inner_h, 1)

    parts = [f'<text class="ark-chart__title" x="{MARGIN["left"]}" y="18">{escape(title)}</text>']
    for tick in ticks:
        parts.append(
            f'<line class="ark-chart__grid" x1="{MARGIN["left"]}" x2="{CHART_WIDTH - MARGIN["right"]}"'
            f' y1="{y(tick)}" y2="{y(tick)}" stroke="#ccc"/>'
            f'<text x="{MARGIN["left"] - 6}" y="{y(tick) + 4}" text-anchor="end">'
            f"{escape(number(tick))}</text>"
        )
    for month in month_ticks(first, last):
        label = months[month.month - 1] + (f" {month.year}" if month.month == 1 else "")
        parts.append(
            f'<text x="{x(month)}" y="{CHART_HEIGHT - 10}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    if target is not None:
        parts.append(
            f'<line class="ark-chart__target" x1="{MARGIN["left"]}"'
            f' x2="{CHART_WIDTH - MARGIN["right"]}" y1="{y(target)}" y2="{y(target)}" stroke="green" stroke-dasharray="6 4"/>'
        )
    line = " ".join(f"{x(day)},{y(value)}" for day, value in points)
    parts.append(f'<polyline class="ark-chart__line" points="{line}" fill="none" stroke="blue"/>')
    parts += [
        f'<circle class="ark-chart__dot" cx="{x(day)}" cy="{y(value)}" r="3.5">'
        f"<title>{escape(formats.day(day, lang))}: {escape(number(value))}</title></circle>"
        for day, value in points
    ]
    legend_x = CHART_WIDTH - MARGIN["right"] - 230
    parts.append(
        f'<g class="ark-chart__legend"><line class="ark-chart__line" x1="{legend_x}"'
        f' x2="{legend_x + 18}" y1="30" y2="30"/><text x="{legend_x + 24}" y="34">'
        f"{escape(readings_label)}</text>"
        + (
            f'<line class="ark-chart__target" x1="{legend_x + 120}" x2="{legend_x + 138}"'
            f' y1="30" y2="30"/><text x="{legend_x + 144}" y="34">{escape(target_label)}</text>'
            if target is not None
            else ""
        )
        + "</g>"
    )
    return (
        f'<svg class="ark-figure ark-chart" xmlns="http://www.w3.org/2000/svg"'
        f' viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" width="{CHART_WIDTH}" role="img"'
        f' aria-label="{escape(str(data.get("alt", title)))}">'
        f"<title>{escape(str(data.get('alt', title)))}</title>" + "".join(parts) + "</svg>"
    )


def flow_fence(source: str, language: str, class_name: str, options: Any, md: Any, **_: Any) -> str:
    """`pymdownx.superfences` format function for ```` ```ark-flow ````."""
    try:
        data = json.loads(source)
        steps = [Step(str(s["do"]), str(s["role"])) for s in data["steps"]]
        return flow_svg(steps, str(data.get("title", "")))
    except (ValueError, TypeError, KeyError, AttributeError):
        return code_block(source)


def chart_fence(
    source: str, language: str, class_name: str, options: Any, md: Any, **_: Any
) -> str:
    """`pymdownx.superfences` format function for ```` ```ark-chart ````."""
    try:
        return chart_svg(json.loads(source))
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return code_block(source)


def code_block(source: str) -> str:
    return f"<pre><code>{escape(source)}</code></pre>"


def fence(kind: str, data: dict[str, Any]) -> str:
    """A figure as the fenced block a page carries."""
    return f"```{kind}\n{json.dumps(data, ensure_ascii=False, sort_keys=True)}\n```\n"
