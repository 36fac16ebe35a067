"""Getting started: the pages a new contributor opens first.

One page for everyone (who to ask, what to read first, where to find what is yours) and one
per person who holds a role, linked from their person page, with their own answers: the
people accountable for what they carry, the processes they follow, what is theirs. Both are
built from the same snapshot as the other pages, so they cost no query of their own, and the
general page's length grows with the departments, never with the people.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from ark.registry.results import PersonRow
from ark.vocabulary import Role
from ark_playbook.pages import (
    PROCESS_PAGE,
    STRATEGY_PAGE,
    TEAM,
    Snapshot,
    badge,
    carried,
    cell,
    changed_line,
    department_link,
    department_path,
    first_processes,
    front_matter,
    number,
    onboarding_path,
    person_path,
    person_things,
    raw_table,
    responsibility_path,
)

GENERAL_PAGE = "onboarding.md"
POLICY_PAGE = "usage-policy.md"
USAGE_POLICY = "usage-policy"  # the responsibility whose process is the usage policy


def onboarding_pages(
    snapshot: Snapshot, words: dict[str, str], known: Callable[[str], bool]
) -> dict[str, str]:
    """The general page, and one per person who holds a role."""
    guide = Guide(snapshot, words, known)
    pages = {GENERAL_PAGE: guide.general()}
    for c in snapshot.contributors:
        if c.email in guide.held:
            pages[onboarding_path(c)] = guide.personal(c)
    return pages


class Guide:
    """What the pages share: who is accountable where, who has a page, the reading list."""

    def __init__(
        self, snapshot: Snapshot, words: dict[str, str], known: Callable[[str], bool]
    ) -> None:
        self.snapshot, self.words, self.known = snapshot, words, known
        self.held = snapshot.held
        self.people = {c.email: c for c in snapshot.contributors}
        # The people accountable for each responsibility, and for each department's.
        self.accountable: dict[str, list[PersonRow]] = defaultdict(list)
        self.leads: dict[str | None, dict[str, PersonRow]] = defaultdict(dict)
        for r in snapshot.responsibilities:
            for a in snapshot.assignments.get(r.slug, []):
                if Role(a.role) == Role.ACCOUNTABLE and a.email in self.people:
                    self.accountable[r.slug].append(self.people[a.email])
                    self.leads[r.department][a.email] = self.people[a.email]
        self.owner = self.people.get(snapshot.strategy.owner or "")

    def person(self, c: PersonRow, up: str) -> str:
        """A name, linked to their page when they have one."""
        return f"[{cell(c.name)}]({up}{person_path(c)})" if c.email in self.held else cell(c.name)

    def department_leads(self, department: str | None, but: str = "") -> list[PersonRow]:
        found = (c for c in self.leads.get(department, {}).values() if c.email != but)
        return sorted(found, key=lambda c: (c.name.casefold(), c.email))

    def owner_line(self, up: str) -> str:
        w = self.words
        who = self.person(self.owner, up) if self.owner else w["onboarding.no_owner"]
        return f"- **{w['onboarding.owner']}:** {who}\n"

    def reading(self, up: str) -> list[str]:
        """What everyone reads first: the usage policy, the strategy, the matrix."""
        w = self.words
        items = []
        if self.known(POLICY_PAGE):
            items.append(f"[{w['onboarding.policy']}]({up}{POLICY_PAGE})")
        items.append(f"[{w['onboarding.strategy']}]({up}{STRATEGY_PAGE})")
        items.append(f"[{w['raci']}]({up}raci.md)")
        return items

    def general(self) -> str:
        w, snapshot = self.words, self.snapshot
        out = [front_matter(w["onboarding"], [w["team"]]), f"# {w['onboarding']}\n"]
        out.append(w["onboarding.intro"] + "\n")
        out.append(f"## {w['onboarding.ask']}\n")
        out.append(self.owner_line(""))
        rows = [
            [
                f"[{cell(d.name)}]({department_path(d.slug)})",
                ", ".join(self.person(c, "") for c in self.department_leads(d.slug)) or w["nobody"],
            ]
            for d in sorted(snapshot.departments, key=lambda d: (d.name.casefold(), d.slug))
        ]
        if rows:
            out.append(raw_table([w["department"], w["onboarding.accountable"]], rows))
        out.append(f"## {w['onboarding.read']}\n")
        reading = [*self.reading(""), w["onboarding.own_processes"]]
        out.append("".join(f"{n}. {item}\n" for n, item in enumerate(reading, start=1)))
        out.append(f"## {w['onboarding.yours']}\n")
        out.append(w["onboarding.find_yourself"].format(roster="team.md") + "\n")
        out.append(changed_line(snapshot.last_changed(*TEAM), w))
        return "\n".join(out)

    def personal(self, c: PersonRow) -> str:
        w, snapshot, up = self.words, self.snapshot, "../"
        title = w["onboarding.for"].format(name=c.name)
        out = [front_matter(title, [w["person"]]), f"# {cell(title)}\n"]
        out.append(w["onboarding.intro"] + "\n")
        mine = sorted(
            carried(snapshot, self.held[c.email]),
            key=lambda ar: (ar[1].title.casefold(), ar[0].role),
        )

        out.append(f"## {w['onboarding.ask']}\n")
        ask = [self.owner_line(up)]
        for _, r in mine:
            others = [o for o in self.accountable.get(r.slug, []) if o.email != c.email]
            if others:
                names = ", ".join(self.person(o, up) for o in others)
                ask.append(f"- [{cell(r.title)}]({up}{responsibility_path(r.slug)}): {names}\n")
        leads = self.department_leads(c.department, but=c.email)
        if leads:
            names = ", ".join(self.person(o, up) for o in leads)
            ask.append(f"- {department_link(snapshot, c, up)}: {names}\n")
        out.append("".join(dict.fromkeys(ask)))

        out.append(f"## {w['onboarding.read']}\n")
        # The processes of what they do (R, A) before those they are consulted or informed
        # on, a few of each responsibility and a link to the rest; the usage policy's
        # process is already first, as its own page.
        rank = list(Role)
        carrying = {
            r.slug: r
            for a, r in sorted(mine, key=lambda ar: rank.index(Role(ar[0].role)))
            if not (r.slug == USAGE_POLICY and self.known(POLICY_PAGE))
            and any(
                self.known(PROCESS_PAGE.format(slug=p.slug))
                for p in snapshot.processes.get(r.slug, [])
            )
        }
        reading = self.reading(up) + [
            link for r in carrying.values() for link in first_processes(snapshot, r, up, w)
        ]
        out.append("".join(f"{n}. {item}\n" for n, item in enumerate(reading, start=1)))

        out.append(f"## {w['onboarding.yours']}\n")
        rows = [
            [
                f"[{cell(r.title)}]({up}{responsibility_path(r.slug)})",
                badge(Role(a.role)),
                number(a.hours, w),
            ]
            for a, r in mine
        ]
        out.append(raw_table([w["responsibility"], w["role"], w["hours"]], rows))
        page = f"[{cell(c.name)}]({up}{person_path(c)})"
        out.append(w["onboarding.tasks"].format(page=page) + "\n")
        things = person_things(snapshot, c, self.held[c.email])
        out.append(changed_line(snapshot.last_changed(*things), w))
        return "\n".join(out)
