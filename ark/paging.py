"""Long lists of the playbook cut into pages of `LIST_PAGE` entries, and the line that steps
through them ("Page 2 of 5 · Previous · Next").

Here in the core rather than in the playbook plugin because plugins page their lists too
(the processes due for review), and no plugin imports another. A list's further pages are
named one way (`view_path`), so the playbook tells them from the pages of its menu
(`continued`) whichever plugin wrote them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import TypeVar

from ark.i18n import N_, Context, translated

# Entries on one page of a long list (a tag's pages, a responsibility's processes): past it
# the list goes on over further pages, so no page grows with the playbook.
LIST_PAGE = 200
# The pager's words, looked up in the page's language (see `pager`).
PAGER: dict[str, str | Context] = {
    "page_of": N_("Page {n} of {count}"),
    "previous": N_("Previous"),
    "next": N_("Next"),
}
FURTHER = re.compile(r"(.+)/([2-9]|[1-9][0-9]+)\.md")
T = TypeVar("T")


def chunked(entries: list[T], size: int = LIST_PAGE) -> list[list[T]]:
    """A long list cut into pages of `size` entries (an empty list is one empty page)."""
    return [entries[i : i + size] for i in range(0, len(entries), size)] or [[]]


def relative(target: str, page: str) -> str:
    """A link from `page` to `target`, both paths in the docs folder."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


def view_path(first: str, number: int) -> str:
    """Page `number` of a list whose first page is `first`: `raci/sales.md`, then
    `raci/sales/2.md`, `raci/sales/3.md`..."""
    return first if number == 1 else f"{first.removesuffix('.md')}/{number}.md"


def continued(path: str) -> tuple[str, int] | None:
    """The first page and the number of `path` where `view_path` would name it page 2 or
    later of a list (`raci/sales/2.md` is page 2 of `raci/sales.md`), else None."""
    found = FURTHER.fullmatch(path)
    return (f"{found[1]}.md", int(found[2])) if found else None


def pager(number: int, count: int, path_of: Callable[[int], str], lang: str) -> str:
    """The line under one page of a long list ("Page 2 of 5 · Previous · Next"), in `lang`:
    a reader steps through the list, and what each page carries stays the same however long
    it grows."""
    if count <= 1:
        return ""
    words = translated(lang, PAGER)
    here = path_of(number)
    parts = [words["page_of"].format(n=number, count=count)]
    if number > 1:
        parts.append(f"[← {words['previous']}]({relative(path_of(number - 1), here)})")
    if number < count:
        parts.append(f"[{words['next']} →]({relative(path_of(number + 1), here)})")
    return " · ".join(parts) + "\n"
