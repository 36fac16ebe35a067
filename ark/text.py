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
import unicodedata
from typing import Any

from ark.i18n import N_, Message, message

# Line breaks and tabs are layout in multi-line texts (descriptions, notes), not commands.
LAYOUT = "\t\n\r"
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def refusal(text: str, *, multiline: bool = True) -> Message | None:
    """Why `text` may not be used (a piece of an error message), or None when it is
    acceptable.

    The distinct characters are looked at, not every position: a 6 MiB team file has a
    few hundred of them, so the answer costs one pass in C.
    """
    bad = [
        char
        for char in set(text)
        if unicodedata.category(char) in REFUSED_CATEGORIES and not (multiline and char in LAYOUT)
    ]
    if not bad:
        return None
    index = min(text.index(char) for char in bad)
    char = text[index]
    control = unicodedata.category(char) == "Cc"
    name = unicodedata.name(char, "")
    return message(
        N_("holds a control character ({character}) at position {position}")
        if control
        else N_("holds an invisible character ({character}) at position {position}"),
        character=f"U+{ord(char):04X}{' ' + name if name else ''}",
        position=index + 1,
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
