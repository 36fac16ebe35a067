"""The playbook's process pages: one per process, "due for review", and the usage policy.

Pages are Markdown with YAML front matter; the playbook sanitises them. Everything a page
shows is read in a fixed number of queries, whatever the number of processes, so building
the playbook of a large registry stays close to the cost of writing its files.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ark import formats
from ark.i18n import N_, Context, Nc_, role_titles, translated
from ark.paging import chunked, pager, relative, view_path
from ark.processes import (
    completions,
    due_for_review,
    histories,
    is_overdue,
    processes,
    review_due,
    unified_diff,
)
from ark.registry.results import ProcessRow
from ark.registry.writer import Registry
from ark.sanitize import sanitize_piece
from ark.vocabulary import Role

USAGE_POLICY = "usage-policy"
# The first page of the processes due for review; the further ones are named by `view_path`.
DUE_PAGE = "due-for-review.md"
RECENT = 10
CHANGES = 50
DUE_WITHIN_DAYS = 30
# The pages' words by key, in English; their translations are in Ark's catalogue (`labels`).
LABELS: dict[str, str | Context] = {
    "processes": N_("Processes"),
    "process": N_("Process"),
    "tag.process": N_("process"),
    "changes": N_("What changed"),
    "changes_intro": N_("The latest revisions of the processes, newest first."),
    "diff": N_("Changes"),
    "revision_of": N_("{title}: revision {number}"),
    "changed": N_("Last changed"),
    "changed_text": N_("{on} (revision {revision})"),
    "next_review": N_("Next review"),
    "tag.review": N_("review"),
    "tag.policy": N_("policy"),
    "starters": N_("starter processes"),
    "responsibility": N_("Responsibility"),
    "purpose": N_("Purpose"),
    "trigger": N_("Trigger"),
    "cadence": N_("Cadence"),
    "steps": N_("Steps"),
    "who": N_("Who does what"),
    "step": N_("Step"),
    "role": N_("Role"),
    "people": N_("People"),
    "tool": N_("Tool"),
    "inputs": N_("Inputs"),
    "outputs": N_("Outputs"),
    "kpis": N_("KPIs it moves"),
    "related": N_("Related processes"),
    "details": N_("Details"),
    "review": N_("Review"),
    "reviewed": N_("Last reviewed by {by} on {on}."),
    "never": N_("Not reviewed since it was first recorded on {on}."),
    "next": N_("Next review due on {due} (every {months} months)."),
    "history": N_("Revision history"),
    "revision": N_("Revision"),
    "date": N_("Date"),
    "author": N_("Author"),
    "message": N_("Message"),
    "completions": N_("Recent completions"),
    "task": N_("Task"),
    "by": N_("Who"),
    "outcome": N_("Outcome"),
    "none": N_("None yet."),
    "nobody": N_("nobody"),
    "overdue": N_("Overdue for review"),
    "overdue_text": N_(
        "This process was due for review on {due}. Its owner reads it again with"
        " the people who do it, and records what changed or confirms it."
    ),
    "due": N_("Due for review"),
    "due_intro": N_("Processes whose review falls due by {until}, soonest first."),
    "due_none": N_("No process is due for review by {until}."),
    "due_on": N_("Due on"),
    "overdue_col": Nc_("review column", "Overdue"),
    "yes": N_("yes"),
    "policy": N_("Usage policy"),
    "policy_missing": N_(
        "No usage policy is recorded yet. Write the process of the"
        " `usage-policy` responsibility and record it with `ark process record`."
    ),
    "policy_source": N_("This page is the process [{title}]({link})."),
    "calendar": N_("Editorial calendar"),
    "calendar_intro": N_(
        "Who contributes what, where and when; add pieces with"
        " `ark calendar add`, plan a month with `ark calendar plan`."
    ),
    "calendar_empty": N_("Nothing is planned from this month on."),
    "calendar_columns": N_("Date|Channel|Topic|Contributor|Draft due|Status"),
    "calendar.planned": N_("planned"),
    "calendar.drafted": N_("draft ready"),
    "calendar.published": N_("published"),
    "calendar.dropped": N_("dropped"),
    "cadence.none": N_("As needed"),
    "cadence.daily": N_("Daily"),
    "cadence.weekly": N_("Weekly"),
    "cadence.monthly": N_("Monthly"),
    "cadence.quarterly": N_("Quarterly"),
    "cadence.six-monthly": N_("Every six months"),
}


def labels(lang: str) -> dict[str, str]:
    """The labels in a language (from the catalogue), with the language itself under `lang`
    (for dates)."""
    return {**translated(lang, LABELS), **role_titles(lang), "lang": lang}


def day(value: dt.date, words: dict[str, str]) -> str:
    return formats.day(value, words["lang"])


def _front(title: str, tags: Iterable[str]) -> str:
    """YAML front matter, written as JSON values (valid YAML, and far quicker to emit)."""
    dump = functools.partial(json.dumps, ensure_ascii=False)
    return f"---\ntitle: {dump(title)}\ntags: {dump(list(tags))}\n---\n"


def _cell(value: Any) -> str:
    """Someone's text on one line, sanitised on its own: it stays inside its table cell,
    heading or list item whatever tags it holds."""
    return sanitize_piece(" ".join(str(value).split())).replace("|", "\\|")


def _block(text: str) -> str:
    """Someone's paragraphs (a process body), sanitised on their own."""
    return sanitize_piece(text.strip("\n")) + "\n"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def flowchart(title: str, steps: list[dict[str, Any]], words: dict[str, str]) -> str:
    """The steps as a top-down flow, each box saying who does it: an `ark-flow` fence the
    playbook draws as inline SVG at build time (one line of JSON, so no line of it can end
    the fence)."""
    data = {
        "title": " ".join(title.split()),
        "steps": [{"do": " ".join(s["do"].split()), "role": words[s["role"]]} for s in steps],
    }
    return f"```ark-flow\n{json.dumps(data, ensure_ascii=False)}\n```\n"


def _people(registry: Registry) -> dict[str, dict[Role, list[str]]]:
    """Current people by responsibility and role, in one read."""
    out: dict[str, dict[Role, list[str]]] = defaultdict(lambda: defaultdict(list))
    for a in registry.read.assignments().items:
        out[a.responsibility][Role(a.role)].append(a.name)
    return out


@dataclass(frozen=True)
class Names:
    """What a page shows instead of a slug: KPI names and process titles."""

    kpis: dict[str, str]
    processes: dict[str, str]


def process_page(
    registry: Registry,
    row: ProcessRow,
    words: dict[str, str],
    people: dict[Role, list[str]],
    history: list[Any],
    log: list[Any],
    names: Names,
) -> str:
    data, today = row.data, registry.today
    nobody = words["nobody"]
    out = [
        _front(row.title, [words["tag.process"], *data.get("tags", ())]),
        f"# {_cell(row.title)}\n",
    ]
    if is_overdue(row, today):
        text = words["overdue_text"].format(due=day(review_due(row), words))
        out.append(f'!!! warning "{words["overdue"]}"\n    {text}\n')
    facts = [
        (words["responsibility"], f"{_cell(row.responsibility_title)} (`{row.responsibility}`)"),
        (words["accountable"], ", ".join(map(_cell, people.get(Role.ACCOUNTABLE, []))) or nobody),
        (words["purpose"], _cell(data.get("purpose") or "")),
        (words["trigger"], _cell(data.get("trigger") or "")),
        (
            words["cadence"],
            words["cadence." + (data.get("cadence") or row.cadence)],
        ),
        (
            words["changed"],
            words["changed_text"].format(
                on=day(row.changed_at.date(), words), revision=row.revision
            ),
        ),
        (words["next_review"], day(review_due(row), words)),
    ]
    out.append("".join(f"- **{k}:** {v}\n" for k, v in facts if v))
    steps = data.get("steps", [])
    out.append(f"## {words['steps']}\n\n{flowchart(row.title, steps, words)}")
    out.append(f"## {words['who']}\n")
    out.append(
        _table(
            ["#", words["step"], words["role"], words["people"], words["tool"]],
            [
                [
                    i,
                    s["do"],
                    words[s["role"]],
                    ", ".join(map(_cell, people.get(Role(s["role"]), []))) or nobody,
                    s.get("tool", ""),
                ]
                for i, s in enumerate(steps, start=1)
            ],
        )
    )
    for key in ("inputs", "outputs"):
        # An item that sanitises to nothing is left out: an empty item would break the list.
        items = [text for text in map(_cell, data.get(key, ())) if text]
        if items:
            out.append(f"## {words[key]}\n\n" + "".join(f"- {text}\n" for text in items))
    if data.get("kpis"):
        out.append(
            f"## {words['kpis']}\n\n"
            + "".join(f"- {_cell(names.kpis.get(k, k))} (`{k}`)\n" for k in data["kpis"])
        )
    if data.get("related"):
        out.append(
            f"## {words['related']}\n\n"
            + "".join(f"- [{_cell(names.processes.get(s, s))}]({s}.md)\n" for s in data["related"])
        )
    if data.get("body"):
        # A body that opens with its own heading needs no "Details" heading above it.
        heading = "" if data["body"].lstrip().startswith("#") else f"## {words['details']}\n\n"
        out.append(heading + _block(data["body"]))
    reviewed = (
        words["reviewed"].format(
            by=_cell(row.last_reviewed_by), on=day(row.last_reviewed_on, words)
        )
        if row.last_reviewed_on
        else words["never"].format(on=day(row.created_at.date(), words))
    )
    due = words["next"].format(due=day(review_due(row), words), months=row.review_months)
    out.append(f"## {words['review']}\n\n{reviewed} {due}\n")
    out.append(f"## {words['history']}\n")
    out.append(
        _table(
            [words["revision"], words["date"], words["author"], words["message"]],
            [[r.number, day(r.at.date(), words), r.author, r.message] for r in history],
        )
    )
    out.append(f"## {words['completions']}\n")
    out.append(
        _table(
            [words["date"], words["task"], words["by"], words["outcome"]],
            [[day(e.date, words), e.task_key, e.who, e.note] for e in log],
        )
        if log
        else words["none"] + "\n"
    )
    return "\n".join(out)


def due_pages(
    registry: Registry, words: dict[str, str], people: dict[str, dict[Role, list[str]]]
) -> dict[str, str]:
    """Processes due for review within the next month, and those already overdue, soonest
    first and `LIST_PAGE` to a page: in a large company's first year thousands fall due at
    once, and one page of them all would pass a megabyte."""
    until = registry.today + dt.timedelta(days=DUE_WITHIN_DAYS)
    parts = chunked(due_for_review(registry, until))
    return {
        view_path(DUE_PAGE, number): due_page(registry, words, people, until, parts, number)
        for number in range(1, len(parts) + 1)
    }


def due_page(
    registry: Registry,
    words: dict[str, str],
    people: dict[str, dict[Role, list[str]]],
    until: dt.date,
    parts: list[list[ProcessRow]],
    number: int,
) -> str:
    """Page `number` of the processes due for review, with who is accountable for each (the
    person who sees the review through). Only the first page carries the review tag, so the
    tag's page lists the list once."""
    here = view_path(DUE_PAGE, number)
    tags = [words["tag.review"]] if number == 1 else []
    out = [_front(words["due"], tags), f"# {words['due']}\n"]
    due = parts[number - 1]
    if not due:
        out.append(words["due_none"].format(until=day(until, words)) + "\n")
        return "\n".join(out)
    out.append(words["due_intro"].format(until=day(until, words)) + "\n")
    out.append(
        _table(
            [
                words["process"],
                words["responsibility"],
                words["accountable"],
                words["due_on"],
                words["overdue_col"],
            ],
            [
                [
                    f"[{_cell(p.title)}]({relative(f'processes/{p.slug}.md', here)})",
                    _cell(p.responsibility_title),
                    ", ".join(
                        map(_cell, people.get(p.responsibility, {}).get(Role.ACCOUNTABLE, []))
                    )
                    or words["nobody"],
                    day(review_due(p), words),
                    words["yes"] if is_overdue(p, registry.today) else "",
                ]
                for p in due
            ],
        )
    )
    more = pager(number, len(parts), functools.partial(view_path, DUE_PAGE), words["lang"])
    if more:
        out.append(more)
    return "\n".join(out)


def change_pages(
    registry: Registry,
    words: dict[str, str],
    history: dict[str, list[Any]],
    names: Names,
) -> dict[str, str]:
    """ "What changed": the latest revisions of every process, newest first, each with a page
    showing what that revision changed (a diff against the one before)."""
    latest = sorted(
        ((r.at, slug, r) for slug, revisions in history.items() for r in revisions),
        key=lambda item: (item[0], item[1]),
        reverse=True,
    )[:CHANGES]
    out: dict[str, str] = {}
    rows = []
    for _, slug, r in latest:
        title = names.processes.get(slug, slug)
        diff = ""
        if r.number > 1:
            page = f"{slug}-{r.number}.md"
            out[f"changes/{page}"] = diff_page(registry, words, slug, title, r)
            diff = f"[{words['diff']}]({page})"
        rows.append(
            [
                day(r.at.date(), words),
                f"[{_cell(title)}](../processes/{slug}.md)",
                r.number,
                r.author,
                r.message,
                diff,
            ]
        )
    index = [_front(words["changes"], [words["tag.review"]]), f"# {words['changes']}\n"]
    index.append(words["changes_intro"] + "\n")
    index.append(
        _table(
            [
                words["date"],
                words["process"],
                words["revision"],
                words["author"],
                words["message"],
                words["diff"],
            ],
            rows,
        )
        if rows
        else words["none"] + "\n"
    )
    out["changes/index.md"] = "\n".join(index)
    return out


def diff_page(registry: Registry, words: dict[str, str], slug: str, title: str, r: Any) -> str:
    """One revision's change, as a unified diff in a fence no line of it can close."""
    diff = unified_diff(registry, slug, r.number - 1, r.number)
    longest = max((len(m) for m in re.findall(r"^ *(`{3,})", diff, re.MULTILINE)), default=2)
    fence = "`" * (longest + 1)
    heading = words["revision_of"].format(title=title, number=r.number)
    return "\n".join(
        [
            _front(heading, [words["tag.process"]]),
            f"# {_cell(heading)}\n",
            f"{day(r.at.date(), words)}, {_cell(r.author)}: {_cell(r.message)}\n",
            f"{fence}diff\n{diff}{'' if diff.endswith(chr(10)) else chr(10)}{fence}\n",
            f"[{_cell(title)}](../processes/{slug}.md)\n",
        ]
    )


def policy_page(rows: list[ProcessRow], words: dict[str, str]) -> str:
    """The usage policy as staff read it: the body of the usage-policy responsibility's process."""
    policy = next((p for p in rows if p.responsibility == USAGE_POLICY), None)
    out = [_front(words["policy"], [words["tag.policy"]]), f"# {words['policy']}\n"]
    if policy is None:
        out.append(words["policy_missing"] + "\n")
        return "\n".join(out)
    if policy.data.get("purpose"):
        out.append(_block(policy.data["purpose"]))
    if policy.data.get("body"):
        out.append(_block(policy.data["body"]))
    link = f"processes/{policy.slug}.md"
    out.append(words["policy_source"].format(title=_cell(policy.title), link=link) + "\n")
    return "\n".join(out)


def pages(registry: Registry, lang: str) -> dict[str, str]:
    """Every process page, by relative path."""
    words = labels(lang)
    rows = processes(registry)
    people = _people(registry)
    history = histories(registry)
    logs = completions(registry, limit=RECENT)
    kpis = {k.slug: k.name for k in registry.read.kpis().items}
    names = Names(kpis, {p.slug: p.title for p in rows})
    out = {
        f"processes/{p.slug}.md": process_page(
            registry,
            p,
            words,
            people.get(p.responsibility, {}),
            history[p.slug],
            logs[p.slug],
            names,
        )
        for p in rows
    }
    out.update(due_pages(registry, words, people))
    out.update(change_pages(registry, words, history, names))
    out["usage-policy.md"] = policy_page(rows, words)
    out["calendar.md"] = calendar_page(registry, lang, words)
    return out


def calendar_page(registry: Registry, lang: str, words: dict[str, str]) -> str:
    """The editorial calendar from this month on, dates and statuses in the playbook's
    language."""
    from ark.i18n import value

    since = registry.today.replace(day=1)
    out = [_front(words["calendar"], ["calendar"]), f"# {words['calendar']}\n"]
    out.append(words["calendar_intro"] + "\n")
    entries = registry.read.calendar(start=since).items
    if not entries:
        out.append(words["calendar_empty"] + "\n")
        return "\n".join(out)
    rows = [
        [
            value(lang, e.date),
            e.channel_name or "-",
            e.topic,
            e.contributor_name or e.department_name or "-",
            value(lang, e.draft_due) if e.draft_due else "-",
            words[f"calendar.{e.status}"],
        ]
        for e in entries
    ]
    out.append(_table(words["calendar_columns"].split("|"), rows))
    return "\n".join(out)
