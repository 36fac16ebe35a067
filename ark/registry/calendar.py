"""The editorial calendar: who contributes what, where and when, as data.

Each entry is a piece to publish (a date, a channel, a topic) with the department or person
who contributes it and the draft's deadline. Planning a month gives every contributing
department its monthly piece and a task to deliver the draft, which the task plugins (Jira)
then carry; publishing stays with the tools that publish.
"""

from __future__ import annotations

import calendar as months
import datetime as dt
from typing import Any

from sqlalchemy import and_, func, select

from ark.errors import Conflict, NotFound
from ark.i18n import N_, period_title
from ark.models import Assignment, CalendarEntry, Channel, Contributor, Department, Task
from ark.registry.tasks import Tasks
from ark.vocabulary import Cadence, CalendarStatus, Role

LATE_DRAFT = N_("the draft ({due}) would be due after publishing ({day})")

DRAFT_DAYS = 7  # a draft is due a week before the piece is published


class Calendar(Tasks):
    """Reading, adding, moving and planning the editorial calendar's entries."""

    def calendar_entry(self, number: int) -> CalendarEntry:
        row = self.session.get(CalendarEntry, number)
        if row is None:
            raise NotFound(
                N_("no calendar entry {number}"),
                hint=N_("see `ark calendar list`"),
                args={"number": str(number)},
            )
        return row

    def add_calendar_entry(
        self,
        day: dt.date,
        topic: str,
        *,
        channel: str | None = None,
        department: str | None = None,
        contributor: str | None = None,
        draft: dt.date | None = None,
    ) -> CalendarEntry:
        """A new piece in the calendar; the draft is due a week before, unless given."""
        person = self.contributor(contributor) if contributor else None
        due = draft or day - dt.timedelta(days=DRAFT_DAYS)
        if due > day:
            raise Conflict(
                LATE_DRAFT,
                hint=N_("pass --draft on or before the date"),
                args={"due": due, "day": day},
            )
        entry = CalendarEntry(
            date=day,
            topic=topic,
            channel_id=self._one(Channel, Channel.slug, channel, "channel", "ark export").id
            if channel
            else None,
            department_id=(
                self._one(Department, Department.slug, department, "department", "ark export").id
                if department
                else person.department_id
                if person
                else None
            ),
            contributor_id=person.id if person else None,
            draft_due=due,
            status=CalendarStatus.PLANNED,
        )
        self.session.add(entry)
        self.session.flush()
        self.audit("add", "calendar", str(entry.id), None, self._entry_view(entry))
        return entry

    def move_calendar_entry(
        self, number: int, day: dt.date, draft: dt.date | None = None
    ) -> CalendarEntry:
        """Publish the piece on another day; its draft deadline moves with it unless given."""
        entry = self.calendar_entry(number)
        before = self._entry_view(entry)
        due = draft or (entry.draft_due + (day - entry.date) if entry.draft_due else None)
        if due is not None and due > day:
            raise Conflict(
                LATE_DRAFT,
                hint=N_("pass --draft on or before the new date"),
                args={"due": due, "day": day},
            )
        entry.date, entry.draft_due = day, due
        self.session.flush()
        self.audit("change", "calendar", str(entry.id), before, self._entry_view(entry))
        return entry

    def plan_calendar(
        self, month: dt.date, responsibility: str, departments: list[str] | None = None
    ) -> tuple[list[CalendarEntry], list[Task]]:
        """Each contributing department's piece of `month`, spread over the month, and a task
        to deliver its draft; planning a month twice adds nothing."""
        carried_by = self.responsibility(responsibility)
        strategy = self.strategy()
        first = month.replace(day=1)
        length = months.monthrange(first.year, first.month)[1]
        slugs = (
            departments
            or list(strategy.expected_departments)
            or [
                d.slug
                for d in self.session.scalars(
                    select(Department)
                    .where(Department.archived.is_(False))
                    .order_by(Department.slug)
                )
            ]
        )
        ids = {
            d.slug: d
            for d in self.session.scalars(select(Department).where(Department.slug.in_(slugs)))
        }
        unknown = [s for s in slugs if s not in ids]
        if unknown:
            raise NotFound.of("department", unknown[0], "ark export")
        people = self._contributors_of([ids[s].id for s in slugs])
        planned: set[int] = set(
            self.session.scalars(
                select(CalendarEntry.department_id).where(
                    CalendarEntry.date >= first,
                    CalendarEntry.date <= first.replace(day=length),
                    CalendarEntry.department_id.is_not(None),
                )
            )
        )
        entries: list[CalendarEntry] = []
        wanted: dict[str, dict[str, Any]] = {}
        code = f"{first:%Y-%m}"
        when = period_title(strategy.lang, Cadence.MONTHLY, code, first)
        for index, slug in enumerate(slugs):
            department = ids[slug]
            day = first + dt.timedelta(
                days=DRAFT_DAYS + index * (length - DRAFT_DAYS) // len(slugs)
            )
            if department.id not in planned:
                entries.append(
                    self.add_calendar_entry(
                        day,
                        f"{department.name}: {when}",
                        department=slug,
                        contributor=people[department.id].email
                        if department.id in people
                        else None,
                    )
                )
            wanted[f"calendar/{code}/{slug}"] = {
                "title": f"{carried_by.task_title or carried_by.title}: {department.name} {when}",
                "responsibility_id": carried_by.id,
                "period": code,
                "due": day - dt.timedelta(days=DRAFT_DAYS),
                "assignee_id": people[department.id].id if department.id in people else None,
            }
        return entries, self.add_tasks(wanted)

    def _contributors_of(self, department_ids: list[int]) -> dict[int, Contributor]:
        """Who contributes for each department: its person with the most hours as
        responsible or accountable (the first listed when nobody has any)."""
        running = and_(
            Assignment.valid_to.is_(None),
            Assignment.role.in_([Role.RESPONSIBLE, Role.ACCOUNTABLE]),
        )
        rows = self.session.execute(
            select(Contributor, func.coalesce(func.sum(Assignment.hours), 0.0))
            .outerjoin(Assignment, and_(Assignment.contributor_id == Contributor.id, running))
            .where(Contributor.department_id.in_(department_ids), Contributor.archived.is_(False))
            .group_by(Contributor.id)
            .order_by(Contributor.id)
        )
        best: dict[int, tuple[float, Contributor]] = {}
        for person, hours in rows:
            held = best.get(person.department_id)
            if held is None or hours > held[0]:
                best[person.department_id] = (hours, person)
        return {department: person for department, (_, person) in best.items()}

    @staticmethod
    def _entry_view(entry: CalendarEntry) -> dict[str, Any]:
        return {
            "date": entry.date.isoformat(),
            "topic": entry.topic,
            "channel_id": entry.channel_id,
            "department_id": entry.department_id,
            "contributor_id": entry.contributor_id,
            "draft_due": entry.draft_due.isoformat() if entry.draft_due else None,
            "status": str(entry.status),
        }
