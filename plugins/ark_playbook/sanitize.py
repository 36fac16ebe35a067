"""Making a Markdown page safe to publish, whoever wrote it.

Pages hold text from many people (process steps, responsibility descriptions, names), so
every page, generated or contributed, goes through here before it is written. The page stays
Markdown: the sanitiser (nh3, the Python binding of the Rust `ammonia` library) runs over the
text *outside* fenced code blocks, so raw HTML is cut down to an allow-list while blockquotes
and fences (mermaid among them) keep their syntax. Three things nh3 cannot see are handled
here: Markdown link and image destinations (`[x](javascript:...)`), titles and tags in the
front matter (MkDocs' templates print them without escaping), and autolinks, which an HTML
parser would take for tags.
"""

from __future__ import annotations

import html
import re
from typing import Any

import nh3
import yaml

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "details": {"open"},
    "ol": {"start"},
}
FRONT_MATTER_KEYS = ("title", "tags", "description")
FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*[\w#.+-]*[ \t]*$")
AUTOLINK = re.compile(r"<((?:https?|mailto):[^\s<>]+)>", re.IGNORECASE)
LINK_START = re.compile(r"\]\s*\(")
REFERENCE = re.compile(r"^( {0,3}\[[^\]\n]+\]:[ \t]*)(<[^>\n]*>|\S+)", re.MULTILINE)
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
INVISIBLE = re.compile(r"[\x00-\x20\x7f\\]+")
TEXT_LT = re.compile(r"&lt;(?![A-Za-z/!?])")
BLOCKED = "#blocked-link"
HEADING = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def sanitize_page(text: str, default_title: str = "") -> str:
    """A page's front matter and body, made safe; Markdown syntax is kept.

    Every page gets a title in its front matter (else its first heading, else
    `default_title`): MkDocs would otherwise take it from the rendered heading, unescaped.
    """
    meta, body = split_front_matter(text)
    if not meta.get("title"):
        heading = HEADING.search(body)
        meta["title"] = heading.group(1) if heading else default_title
    clean = clean_meta(meta)
    head = ""
    if clean:
        head = "---\n" + yaml.safe_dump(clean, allow_unicode=True, sort_keys=False) + "---\n\n"
    return head + sanitize_markdown(body)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter (a mapping, else nothing) and the body after it."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 3)
    if end < 0:
        return {}, text
    try:
        meta = yaml.safe_load(text[4:end])
    except yaml.YAMLError:
        meta = None
    body = text[end + 5 :].lstrip("\n")
    return (meta if isinstance(meta, dict) else {}), body


def clean_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Only the keys the playbook uses, as plain escaped text."""
    out: dict[str, Any] = {}
    for key in FRONT_MATTER_KEYS:
        value = meta.get(key)
        if value is None:
            continue
        if key == "tags":
            items = value if isinstance(value, list) else [value]
            out[key] = [t for t in (plain_text(str(v)) for v in items) if t]
        else:
            out[key] = plain_text(str(value))
    return out


def plain_text(text: str) -> str:
    """Text with every tag removed and `<>&"'` escaped, on one line: safe where a template
    prints it raw (titles, tags, the site name), in element text and attributes alike."""
    stripped = html.unescape(nh3.clean(text, tags=set()))
    return html.escape(" ".join(stripped.split()), quote=True)


def sanitize_markdown(body: str) -> str:
    """Sanitise the text between fenced code blocks; the fences are kept as written."""
    out: list[str] = []
    prose: list[str] = []
    lines = body.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        opening = FENCE_OPEN.match(lines[index].rstrip("\r\n"))
        close = _closing(lines, index, opening.group("fence")) if opening else None
        if close is None:
            prose.append(lines[index])
            index += 1
            continue
        out.append(_sanitize_prose("".join(prose)))
        prose = []
        out.append("".join(lines[index : close + 1]))
        index = close + 1
    out.append(_sanitize_prose("".join(prose)))
    return "".join(out)


def _closing(lines: list[str], start: int, fence: str) -> int | None:
    """The line that closes a fence opened at `start`: the same character, at least as long,
    with nothing else on it. An unclosed fence is no fence (Markdown renders it as text)."""
    char, length = fence[0], len(fence)
    for index in range(start + 1, len(lines)):
        line = lines[index].rstrip("\r\n").rstrip(" \t")
        if len(line) >= length and line == char * len(line):
            return index
    return None


def _sanitize_prose(text: str) -> str:
    if not text:
        return text
    text = AUTOLINK.sub(r"[\1](\1)", text)
    cleaned = nh3.clean(
        text,
        tags=set(TAGS),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel="noopener noreferrer",
    )
    # The HTML serialiser escapes `>` (blockquotes), `&` and every `<`. Undo what cannot open
    # a tag: `>`, `&` (an entity only ever makes text) and a `<` that no letter, `/`, `!` or
    # `?` follows; a `<` that could open a tag stays `&lt;`.
    cleaned = cleaned.replace("&gt;", ">").replace("&amp;", "&")
    cleaned = TEXT_LT.sub("<", cleaned)
    if text.endswith("\n") and not cleaned.endswith("\n"):
        cleaned += "\n"
    return _neutralise_links(cleaned)


def safe_url(url: str) -> bool:
    """True for relative URLs and the allowed schemes, after undoing the tricks a browser
    forgives: entities, whitespace and control characters inside the scheme, backslashes."""
    probe = INVISIBLE.sub("", html.unescape(url)).lower()
    match = SCHEME.match(probe)
    return match is None or match.group(1) in ALLOWED_SCHEMES


def _neutralise_links(text: str) -> str:
    """Replace unsafe destinations of inline links/images and of reference definitions.

    An inline link's whole parenthesis is judged, not just what looks like its destination,
    since Markdown parsers differ on where a destination with odd whitespace ends.
    """
    text = REFERENCE.sub(
        lambda m: m.group(1) + (m.group(2) if safe_url(m.group(2).strip("<>")) else BLOCKED),
        text,
    )
    out: list[str] = []
    position = 0
    for match in LINK_START.finditer(text):
        start = match.end()
        if start <= position:
            continue
        end = _parenthesis_end(text, start)
        if not safe_url(text[start:end].strip().lstrip("<")):
            out.append(text[position:start])
            out.append(BLOCKED)
            position = end
    out.append(text[position:])
    return "".join(out)


def _parenthesis_end(text: str, start: int) -> int:
    """Where the parenthesis opened just before `start` closes (nested ones count, escaped
    ones do not), or the end of the paragraph if it never does."""
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if text.startswith("\n\n", index):
            break
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        index += 1
    return min(index, len(text))
