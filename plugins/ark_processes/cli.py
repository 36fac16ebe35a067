"""`ark process ...`: write, record, read and review documented processes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ark.clihelpers import (
    EXISTS,
    OVERWRITE,
    WROTE,
    ArkSubgroup,
    db_option,
    json_option,
    lang_option,
    parse_date,
    print_json,
    registry,
)
from ark.errors import WARNING, ArkError
from ark.i18n import N_, Nn_, counted, say, speak, tr
from ark.params import NOTE, TEXT, Number

if TYPE_CHECKING:
    from ark.registry.results import ProcessRow
    from ark.registry.writer import Registry


RECENT = 10
REVISION = Number(1, 2**31 - 1, integer=True)


@click.group(
    cls=ArkSubgroup,
    help=N_("Documented processes: Markdown files recorded as revisions in the registry."),
)
def process() -> None:
    pass


def _summary(reg: Registry, row: ProcessRow) -> dict[str, Any]:
    from ark.processes import is_overdue, review_due

    return {
        "slug": row.slug,
        "title": row.title,
        "responsibility": row.responsibility,
        "revision": row.revision,
        "changed_at": row.changed_at.isoformat(),
        "review_months": row.review_months,
        "last_reviewed_by": row.last_reviewed_by,
        "last_reviewed_on": row.last_reviewed_on.isoformat() if row.last_reviewed_on else None,
        "review_due": review_due(row).isoformat(),
        "overdue": is_overdue(row, reg.today),
    }


@process.command("new", help=N_("Write DIR/SLUG.md: a process file with front matter to fill in."))
@click.argument("slug")
@click.option(
    "--responsibility", default="CHANGE-ME", type=TEXT, help=N_("The responsibility it documents.")
)
@click.option("--title", type=TEXT, help=N_("Default: the slug, in words."))
@click.option(
    "--dir",
    "directory",
    default="processes",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help=N_("The folder of the process files."),
)
@lang_option(N_("The language of the headings to fill in."))
@click.option("--force", is_flag=True, help=N_("Overwrite an existing file."))
def process_new(
    slug: str, responsibility: str, title: str | None, directory: Path, lang: str, force: bool
) -> None:
    import re

    from ark.files import write_atomic
    from ark.located import SLUG_MAX
    from ark_processes.document import SLUG, starter

    speak(lang)
    if not re.fullmatch(SLUG, slug) or len(slug) > SLUG_MAX:
        raise ArkError(
            N_("{slug!r} is not a slug"),
            hint=N_(
                "use lowercase letters, digits and single hyphens, e.g. weekly-report, "
                "at most {most} characters"
            ),
            args={"slug": slug[:80], "most": SLUG_MAX},
        )
    target = directory / f"{slug}.md"
    if target.exists() and not force:
        raise ArkError(EXISTS, hint=OVERWRITE, args={"path": target})
    text = starter(slug, title or slug.replace("-", " ").capitalize(), responsibility, lang)
    write_atomic(target, text.encode("utf-8"))
    click.echo(tr(WROTE, path=target))
    click.echo(
        tr(
            N_('next: fill it in, then `ark process record {path} --message "first version"`'),
            path=target,
        )
    )


@process.command(
    "record",
    help=N_(
        "Record process files (or folders of them) as new revisions, in one transaction.\n\n"
        "An unchanged file makes no revision; a bad file records nothing and says where."
    ),
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--message", "-m", default="", type=NOTE, help=N_("Why it changed, kept with the revision.")
)
@db_option
@json_option
def process_record(
    paths: tuple[Path, ...], message: str, db_url: str | None, as_json: bool
) -> None:
    from ark_processes.document import dropped_markup, read

    with registry(db_url) as reg:
        files = read(paths, reg)
        results = reg.record_processes([f.draft for f in files], message)
        notices = {f.draft.slug: [d.problem for d in dropped_markup(f)] for f in files}
        rows = [
            {
                "slug": r.slug,
                "revision": r.revision,
                "created": r.created,
                "dropped": [
                    {"file": n.file, "line": n.line, "field": n.field, "message": say(n.message)}
                    for n in notices[r.slug]
                ],
            }
            for r in results
        ]
    if as_json:
        print_json(rows)
        return
    for notice in (n for found in notices.values() for n in found):
        click.echo(f"{tr(WARNING)} {notice}", err=True)
    for r in rows:
        if r["revision"] is None:
            click.echo("= " + tr(N_("{slug} unchanged"), slug=r["slug"]))
        else:
            sign = "+" if r["created"] else "~"
            click.echo(
                f"{sign} "
                + tr(N_("{slug} revision {number}"), slug=r["slug"], number=str(r["revision"]))
            )
    changed = sum(r["revision"] is not None for r in rows)
    click.echo(
        tr(
            N_("{recorded}, {unchanged} unchanged"),
            recorded=counted(
                Nn_("{count} revision recorded", "{count} revisions recorded"), changed
            ),
            unchanged=len(rows) - changed,
        )
    )


OVERDUE = N_("OVERDUE")


@process.command("list", help=N_("List the processes, with their review dates."))
@db_option
@json_option
def process_list(db_url: str | None, as_json: bool) -> None:
    from ark.processes import processes

    with registry(db_url, write=False) as reg:
        rows = [_summary(reg, p) for p in processes(reg)]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        flag = f"  {tr(OVERDUE)}" if r["overdue"] else ""
        due = tr(REVIEW_BY, date=dt.date.fromisoformat(r["review_due"]))
        click.echo(f"{r['slug']:<28} r{r['revision']:<3} {r['responsibility']:<24} {due}{flag}")
    if not rows:
        click.echo(
            tr(N_("no processes yet: `ark process new SLUG`, then `ark process record PATH`"))
        )


REVIEW_BY = N_("review by {date}")


@process.command("show", help=N_("A process: its review stamp and the text of a revision."))
@click.argument("slug")
@click.option(
    "--revision", "number", type=REVISION, help=N_("Show this revision (default: current).")
)
@db_option
@json_option
def process_show(slug: str, number: int | None, db_url: str | None, as_json: bool) -> None:
    from ark.processes import completions, process, revision

    with registry(db_url, write=False) as reg:
        row = process(reg, slug)
        summary = _summary(reg, row)
        text = revision(reg, slug, number or row.revision).text
        data = dict(row.data)
        log = [
            {"date": e.date.isoformat(), "task": e.task_key, "who": e.who, "note": e.note}
            for e in completions(reg, [slug], limit=RECENT)[slug]
        ]
    if as_json:
        print_json(
            {
                **summary,
                "shown_revision": number or summary["revision"],
                "data": data,
                "text": text,
                "completions": log,
            }
        )
        return
    reviewed = (
        tr(
            N_("last reviewed by {who} on {date}"),
            who=summary["last_reviewed_by"],
            date=row.last_reviewed_on,
        )
        if row.last_reviewed_on
        else tr(N_("never reviewed"))
    )
    click.echo(
        tr(
            N_("{title} ({slug}), revision {number} of {last}, {reviewed}; review by {date}"),
            title=row.title,
            slug=slug,
            number=str(number or row.revision),
            last=str(summary["revision"]),
            reviewed=reviewed,
            date=dt.date.fromisoformat(summary["review_due"]),
        )
        + (f" ({tr(OVERDUE)})" if summary["overdue"] else "")
    )
    click.echo(text, nl=False)
    if log:
        click.echo("\n" + tr(N_("recent completions ({count}):"), count=len(log)))
    for e in log:
        day = say(dt.date.fromisoformat(e["date"]))
        click.echo(f"  {day:<12}  {e['task']:<32} {e['who']:<20} {e['note']}")


@process.command("history", help=N_("The revisions of a process, newest first."))
@click.argument("slug")
@db_option
@json_option
def process_history(slug: str, db_url: str | None, as_json: bool) -> None:
    from ark.processes import histories, process

    with registry(db_url, write=False) as reg:
        rows = histories(reg, [process(reg, slug).slug])[slug]
    data: list[dict[str, Any]] = [
        {
            "revision": r.number,
            "author": r.author,
            "at": r.at.isoformat(),
            "message": r.message,
            "hash": r.content_hash,
        }
        for r in rows
    ]
    if as_json:
        print_json(data)
        return
    for item in data:
        click.echo(
            f"r{item['revision']:<3} {item['at'][:16]}  {item['author']:<20} {item['message']}"
        )


@process.command(
    "diff", help=N_("What changed in a process between revisions OLD and NEW (a unified diff).")
)
@click.argument("slug")
@click.argument("old", type=REVISION)
@click.argument("new", type=REVISION)
@db_option
@json_option
def process_diff(slug: str, old: int, new: int, db_url: str | None, as_json: bool) -> None:
    from ark.processes import unified_diff

    with registry(db_url, write=False) as reg:
        text = unified_diff(reg, slug, old, new)
    if as_json:
        print_json({"slug": slug, "old": old, "new": new, "diff": text})
        return
    same = N_("revisions {old} and {new} of {slug} have the same text")
    click.echo(text or tr(same, old=str(old), new=str(new), slug=slug), nl=not text)


@process.command(
    "review",
    help=N_("Stamp a review: the process was read and still holds (its text is unchanged)."),
)
@click.argument("slug")
@click.option("--on", callback=parse_date, metavar="DATE", help=N_("Default: today."))
@click.option("--by", type=TEXT, help=N_("Who reviewed it (default: ARK_USER)."))
@db_option
def process_review(slug: str, on: dt.date | None, by: str | None, db_url: str | None) -> None:
    from ark.processes import process, review_due

    with registry(db_url) as reg:
        reg.stamp_review(slug, by=by, on=on)
        row = process(reg, slug)
        click.echo(
            tr(
                N_("{slug} reviewed by {who} on {date}; next review by {next}"),
                slug=slug,
                who=row.last_reviewed_by,
                date=row.last_reviewed_on,
                next=review_due(row),
            )
        )


@process.command(
    "archive",
    help=N_("Archive process SLUG: out of the playbook and the checks, its revisions kept."),
)
@click.argument("slug")
@db_option
def process_archive(slug: str, db_url: str | None) -> None:
    with registry(db_url) as reg:
        reg.archive_process(slug)
    click.echo(
        tr(N_("{slug} is archived; `ark process record` of its file brings it back"), slug=slug)
    )


@process.command(
    "export",
    help=N_(
        "Write every process back to DIR/SLUG.md, exactly as recorded.\n\n"
        "A file that already holds the same text is left untouched."
    ),
)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@db_option
def process_export(directory: Path, db_url: str | None) -> None:
    from ark.files import write_atomic
    from ark.processes import current_texts

    with registry(db_url, write=False) as reg:
        texts = current_texts(reg)
    written = sum(
        write_atomic(directory / f"{slug}.md", text.encode("utf-8")) for slug, text in texts.items()
    )
    click.echo(
        tr(
            N_("wrote {written} to {path}, {unchanged} unchanged"),
            written=counted(Nn_("{count} file", "{count} files"), written),
            path=directory,
            unchanged=len(texts) - written,
        )
    )
