"""The RACI matrix as CSV, for a spreadsheet: one row per responsibility, one column per person.

Each cell holds the letters of the person's roles there (`A`, `R`, `A/R`), as RACI charts
are drawn by hand; empty where they hold none. Only people holding a role get a column.
"""

from __future__ import annotations

import csv
import io

from ark.spec import TeamSpec
from ark.vocabulary import Role

LETTER = {Role.RESPONSIBLE: "R", Role.ACCOUNTABLE: "A", Role.CONSULTED: "C", Role.INFORMED: "I"}
ORDER = list(LETTER)


def raci_csv(team: TeamSpec) -> str:
    holders = {a.contributor for r in team.responsibilities for a in r.assignments}
    people = [c.email for c in team.contributors if c.email in holders]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["responsibility", "title", *people])
    for r in team.responsibilities:
        roles: dict[str, list[Role]] = {}
        for a in r.assignments:
            roles.setdefault(a.contributor, []).append(Role(a.role))
        writer.writerow(
            [
                r.slug,
                r.title,
                *(
                    "/".join(LETTER[x] for x in sorted(roles.get(p, []), key=ORDER.index))
                    for p in people
                ),
            ]
        )
    return out.getvalue()
