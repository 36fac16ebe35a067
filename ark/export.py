"""Writing a team file, keeping a hand-edited file's comments, key order and quoting.

ruamel.yaml's round-trip mode keeps comments attached to the nodes they follow, so the new
state is merged *into* the loaded document, node by node, instead of replacing it.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from ark.errors import ArkError
from ark.i18n import N_
from ark.spec import TeamSpec

DATE_KEYS = {"from", "due", "deadline", "start"}
SCHEMA_COMMENT = (
    "# yaml-language-server: $schema=https://ark-team.readthedocs.io/team.schema.json\n"
)


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _identity(item: Any) -> Any:
    if not isinstance(item, dict):
        return None
    for key in ("slug", "email"):
        if key in item:
            return item[key]
    if "contributor" in item:
        return (item["contributor"], item.get("role"))
    return None


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, dt.date):
        old = old.isoformat()
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(old) == float(new)
    return bool(old == new)


def merge(old: Any, full: Any, sparse: Any) -> Any:
    """The new content in `old`'s clothes: unchanged nodes (and their comments) are kept.

    `full` is the new content with every default spelled out, `sparse` without defaults: a
    key the file already has is updated from `full` (so `hours: 0` written by hand stays),
    a key it lacks is added only when `sparse` has it.
    """
    new = full
    if isinstance(old, dict) and isinstance(full, dict):
        for key in [k for k in old if k not in full]:
            del old[key]
        for key, value in full.items():
            if key in old:
                old[key] = merge(old[key], value, sparse.get(key, value))
            elif key in sparse:
                old[key] = _typed(key, sparse[key])
        return old
    if isinstance(old, list) and isinstance(full, list):
        if all(_identity(i) is not None for i in [*old, *full]):
            wanted = {_identity(f): (f, s) for f, s in zip(full, sparse, strict=True)}
            for index in reversed(range(len(old))):
                if _identity(old[index]) not in wanted:
                    del old[index]
            present = {_identity(i): index for index, i in enumerate(old)}
            for identity, (f, s) in wanted.items():
                if identity in present:
                    old[present[identity]] = merge(old[present[identity]], f, s)
                else:
                    old.append(_typed(None, s))
            return old
        if len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True)):
            return old
        return _typed(None, new)
    return old if _same(old, new) else new


def _typed(key: Any, value: Any) -> Any:
    """Dates as dates (written unquoted), containers as ruamel's commented containers."""
    if key in DATE_KEYS and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _typed(k, v)
        return out
    if isinstance(value, list):
        return CommentedSeq(_typed(None, v) for v in value)
    return value


def _fresh(document: dict[str, Any]) -> str:
    """A new file, written by the compiled emitter of the parser that reads it.

    ruamel's round-trip emitter takes most of a minute for a company-sized team; a new file
    has no comments to keep, so the compiled one writes it (dates plain, words such as
    `yes` quoted).
    """
    import yaml_rs

    text: str = yaml_rs.dumps(document).removeprefix("---\n")
    return text if text.endswith("\n") else text + "\n"  # a text file ends its last line


def _says(text: str, spec: TeamSpec) -> bool:
    """Whether the file already says exactly `spec` (merging a big team takes a minute)."""
    from ark.errors import InvalidTeamFile
    from ark.teamfile import parse_team_bytes

    try:
        return parse_team_bytes(text.encode("utf-8"), "") == spec
    except InvalidTeamFile:
        return False


def dump_team(spec: TeamSpec, existing: str | None = None, header: str = "") -> str:
    """The team file for `spec`; merged into `existing` (a file's text) when given."""
    document = spec.as_document()
    if not existing:
        return SCHEMA_COMMENT + header + _fresh(document)
    if _says(existing, spec):
        return existing  # nothing to merge: the file keeps every byte
    yaml = _yaml()
    try:
        old = yaml.load(existing)
    except YAMLError as exc:
        raise ArkError(  # the YAML parser's reason, in its words
            N_("the file to export into is not YAML, so it cannot keep its comments: {reason}"),
            hint=N_("fix it, or pass --force to replace it"),
            args={"reason": str(exc).splitlines()[0]},
        ) from None
    data = merge(old, spec.as_document(keep_defaults=True), document)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
