"""The strategy page: who runs the strategy and since when, where it goes, what sets it
apart, who it speaks to, through which channels, and how each objective is measured and
carried (OGST: objectives, measured goals, strategies, tactics).

It reads the registry through the read API alone (a fixed number of statements whatever the
strategy's size), and progress comes from `ark.progress` through it, so the page, `ark kpis`
and the web pages never disagree on the same reading. Every piece of someone's text is
sanitised on its own (`cell`, `block`), so an unclosed tag in a differentiation statement or
a segment's description cannot hide what follows it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from ark import formats, i18n
from ark.registry.queries import Queries
from ark.registry.results import (
    ChannelRow,
    GoalRow,
    ObjectiveRow,
    SegmentRow,
    StrategyRow,
    TacticRow,
)
from ark_playbook.pages import (
    block,
    cell,
    day,
    front_matter,
    number,
    raw_table,
    responsibility_path,
)


def strategy_page(read: Queries, words: dict[str, str]) -> str:
    """The page, from seven calls of the read API (fourteen statements)."""
    strategy = read.strategy()
    objectives = read.objectives().items
    goals: dict[str, list[GoalRow]] = defaultdict(list)
    for g in read.goals().items:
        goals[g.objective].append(g)
    tactics: dict[str, list[TacticRow]] = defaultdict(list)
    for t in read.tactics().items:
        tactics[t.objective].append(t)
    channels = read.channels().items
    carried: dict[str, list[ChannelRow]] = defaultdict(list)
    for c in channels:
        for slug in c.objectives:
            carried[slug].append(c)
    titles = {o.slug: o.title for o in objectives}
    carriers = {r.slug: r.title for r in read.responsibilities().items}
    out = [front_matter(words["strategy"]), f"# {words['strategy']}\n"]
    out.append(facts(strategy, words))
    out.append(f"## {words['direction']}\n")
    out.append(block(strategy.direction) if strategy.direction else words["no_direction"] + "\n")
    out.append(f"## {words['differentiation_h']}\n")
    out.append(
        block(strategy.differentiation)
        if strategy.differentiation
        else words["no_differentiation"] + "\n"
    )
    out.append(f"## {words['audience']}\n")
    out.append(audience(read.audience().items, words))
    out.append(f"## {words['ecosystem']}\n")
    out.append(ecosystem(channels, titles, words))
    out.append(f"## {words['objectives']}\n")
    if not objectives:
        out.append(words["no_objectives"] + "\n")
    for o in objectives:
        out.append(objective(o, goals[o.slug], tactics[o.slug], carried[o.slug], carriers, words))
    return "\n".join(out)


def facts(strategy: StrategyRow, words: dict[str, str]) -> str:
    owner = words["no_owner"]
    if strategy.owner:
        owner = cell(strategy.owner_name or strategy.owner)
    start = day(strategy.start, words) if strategy.start else words["not_set"]
    return bullets([(words["owner"], owner), (words["start"], start)])


def bullets(items: Iterable[tuple[str, str]]) -> str:
    return "".join(f"- **{label}:** {value}\n" for label, value in items)


def audience(segments: Iterable[SegmentRow], words: dict[str, str]) -> str:
    out = []
    for s in segments:
        out.append(f"### {cell(s.name)}\n")
        if s.description:
            out.append(block(s.description))
        taking_part = ", ".join(words[f"participation.{p}"] for p in s.participation)
        where = "; ".join(text for text in map(cell, s.where) if text)
        out.append(
            bullets(
                [
                    (words["participation"], taking_part or words["not_set"]),
                    (words["where"], where or words["not_set"]),
                ]
            )
        )
    return "\n".join(out) if out else words["no_audience"] + "\n"


def ecosystem(channels: Iterable[ChannelRow], titles: dict[str, str], words: dict[str, str]) -> str:
    rows = [
        [
            cell(c.name),
            words[f"kind.{c.kind}"],
            cell(c.purpose) or "-",
            words[f"value.{c.value}"] if c.value else "-",
            cell(c.owner_name or c.owner) if c.owner else words["nobody"],
            ", ".join(cell(titles.get(slug, slug)) for slug in c.objectives) or "-",
        ]
        for c in channels
    ]
    if not rows:
        return words["no_channels"] + "\n"
    header = [
        words["channel"],
        words["kind"],
        words["purpose"],
        words["value"],
        words["channel_owner"],
        words["objectives"],
    ]
    return raw_table(header, rows)


def objective(
    o: ObjectiveRow,
    goals: list[GoalRow],
    tactics: list[TacticRow],
    channels: list[ChannelRow],
    carriers: dict[str, str],
    words: dict[str, str],
) -> str:
    """An objective in OGST: its measured goals, goals, strategies and tactics, and what
    carries it (`carriers`: responsibility slug -> title)."""
    out = [f"### {cell(o.title)}\n"]
    items = []
    if o.responsibility:
        items.append((words["responsibility"], carrier(o.responsibility, carriers)))
    if channels:
        items.append((words["channels"], ", ".join(cell(c.name) for c in channels)))
    if items:
        out.append(bullets(items))
    if goals:
        out.append(f"**{words['measured_goals']}:**\n\n" + measured(goals, words))
    for key, texts in (("goals", o.goals), ("strategies", o.strategies)):
        kept = [text for text in map(cell, texts) if text]
        if kept:
            out.append(f"**{words[key]}:**\n\n" + "".join(f"- {text}\n" for text in kept))
    if tactics:
        rows = [
            [
                cell(t.title),
                day(t.due, words),
                carrier(t.responsibility, carriers) if t.responsibility else words["no_carrier"],
            ]
            for t in tactics
        ]
        header = [words["tactic"], words["due"], words["responsibility"]]
        out.append(f"**{words['tactics']}:**\n\n" + raw_table(header, rows))
    return "\n".join(out)


def measured(goals: list[GoalRow], words: dict[str, str]) -> str:
    """The goals as a table: the level each KPI must reach, and where its latest reading is."""
    lang = words["lang"]
    rows = []
    for g in goals:
        latest = words["no_readings"]
        if g.latest_value is not None and g.latest_date is not None:
            latest = f"{number(g.latest_value, words)} ({day(g.latest_date, words)})"
        rows.append(
            [
                cell(g.title) or words["objective_kpi"],
                cell(f"{g.kpi_name} ({i18n.unit(lang, g.unit)})"),
                number(g.baseline, words),
                number(g.target, words),
                day(g.deadline, words),
                latest,
                "-" if g.progress is None else formats.percent(g.progress, lang),
            ]
        )
    header = [
        words["goal"],
        words["kpi"],
        words["baseline"],
        words["target"],
        words["deadline"],
        words["latest"],
        words["progress"],
    ]
    return raw_table(header, rows)


def carrier(slug: str, carriers: dict[str, str]) -> str:
    """A link to the responsibility that carries an objective or a tactic."""
    return f"[{cell(carriers.get(slug, slug))}]({responsibility_path(slug)})"
