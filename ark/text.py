"""Text that reaches a terminal or names a person: which characters it may hold.

A control character (`ESC`, `BEL`, ...) in a value printed by `ark show` makes the terminal
act on it: write the clipboard, hide text, move the cursor. A format character (a zero-width
space, a direction override) is invisible, so `ana@acme.com` and `ana\u200b@acme.com` would
be two people who look the same. Both are refused wherever text enters Ark (the team file
after YAML's escapes are processed, process files, command-line values), by this one rule.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from functools import cache
from typing import Any

# Line breaks and tabs are layout in multi-line texts (descriptions, notes), not commands.
LAYOUT = "\t\n\r"
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Control and format characters live in planes 0, 1 and 14 only.
PLANES = (range(0x20000), range(0xE0000, 0xE1000))


@cache
def refused_pattern(*, multiline: bool = True) -> re.Pattern[str]:
    """A character class of every refused character (built once, in a few milliseconds)."""
    chars = "".join(
        chr(cp)
        for plane in PLANES
        for cp in plane
        if unicodedata.category(chr(cp)) in REFUSED_CATEGORIES
        and not (multiline and chr(cp) in LAYOUT)
    )
    return re.compile(f"[{re.escape(chars)}]")


def refusal(text: str, *, multiline: bool = True) -> str | None:
    """Why `text` may not be used (for an error message), or None when it is acceptable."""
    found = refused_pattern(multiline=multiline).search(text)
    if found is None:
        return None
    char = found.group()
    kind = "a control" if unicodedata.category(char) == "Cc" else "an invisible"
    name = unicodedata.name(char, "")
    return (
        f"holds {kind} character (U+{ord(char):04X}{' ' + name if name else ''}) "
        f"at position {found.start() + 1}"
    )


def normal_email(text: str) -> str:
    """An e-mail as the registry keys it: no surrounding blanks, composed, lower case.

    Invisible characters are not removed here but refused by `refusal`, so a pasted
    address with a zero-width space is an error its author sees, not a silent new person.
    """
    return unicodedata.normalize("NFC", text.strip()).lower()


def shown(value: Any) -> str:
    """A value as a YAML file spells it: `true`, `null`, `.inf`, `'text'`, `[a, b]`.

    Messages and plans show values this way, never as Python's `True` or `None`.
    """
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if value != value else ("-.inf" if value < 0 else ".inf")
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{shown(k)}: {shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(shown, value)) + "]"
    return repr(str(value))
