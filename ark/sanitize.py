"""Making a Markdown page safe to publish, whoever wrote it.

Pages hold text from many people (process steps, responsibility descriptions, names). Each
piece of it is sanitised on its own before it joins a page (`sanitize_piece`), balanced, so no
piece can open, close or hide the page's sections; and every page, generated or contributed,
goes through here again before it is written. The page stays Markdown: the sanitiser (nh3,
the Python binding of the Rust `ammonia` library) runs over the text *outside* fenced code
blocks, so raw HTML is cut down to an allow-list while blockquotes and fences (the playbook's
figures among them) keep their syntax. Three things nh3 cannot see are handled here:
Markdown link and image destinations (`[x](javascript:...)`), titles and tags in the front
matter (MkDocs' templates print them without escaping), and autolinks, which an HTML parser
would take for tags. `dropped` says what sanitising removes, so it is never silent.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterator
from typing import Any

import nh3
import yaml

from ark.i18n import N_, Message, message

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
    # Markdown inside the block (`md_in_html`), as the playbook's own tables use it.
    "div": {"markdown"},
}
# The playbook's own styling hooks: harmless to anyone who uses them too.
CLASSES = {
    "div": {"ark-raci"},
    "span": {"ark-role", "ark-role-r", "ark-role-a", "ark-role-c", "ark-role-i"},
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
# What an HTML parser takes for a tag; attribute values in quotes may hold `>`.
TAG = re.compile(
    r"""<(?P<close>/?)(?P<name>[A-Za-z][^\s/>]*)(?P<attrs>(?:[^>"']|"[^"]*"|'[^']*')*)>"""
)
ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
VOID = frozenset(
    {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
# Elements whose content an HTML parser reads as text up to their own end tag.
RAW_TEXT = frozenset(
    {
        "script",
        "style",
        "textarea",
        "title",
        "xmp",
        "iframe",
        "noembed",
        "noframes",
        "noscript",
        "plaintext",
    }
)
# Text without these holds no markup and no link to check: nothing to sanitise.
UNSAFE_HINT = re.compile(r"[<&]|\]\s*[(:]")


def sanitize_page(text: str, default_title: str = "") -> str:
    """A page's front matter and body, made safe; Markdown syntax is kept.

    Every page gets a title in its front matter (else its first heading, else
    `default_title`): MkDocs would otherwise take it from the rendered heading, unescaped.
    """
    return sanitized_page(text, default_title)[1]


def sanitized_page(text: str, default_title: str = "") -> tuple[dict[str, Any], str]:
    """`sanitize_page`, with the clean front matter it wrote (title and tags, for an index of
    the pages, without reading them back)."""
    meta, body = split_front_matter(text)
    if not meta.get("title"):
        heading = HEADING.search(body)
        meta["title"] = heading.group(1) if heading else default_title
    clean = clean_meta(meta)
    if not clean.get("title"):
        # A title of markup alone leaves nothing: the page would have no name in the menu.
        clean = {**clean, "title": plain_text(default_title) or "-"}
    head = ""
    if clean:
        head = "---\n" + yaml.safe_dump(clean, allow_unicode=True, sort_keys=False) + "---\n\n"
    return clean, head + sanitize_markdown(body)


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
    return "".join(
        text if fenced else _sanitize_prose(balance(text)) for fenced, text, _ in chunks(body)
    )


def chunks(body: str) -> Iterator[tuple[bool, str, int]]:
    """The body cut into prose and fenced code blocks: (fenced, text, first line number)."""
    prose: list[str] = []
    lines = body.splitlines(keepends=True)
    index = start = 0
    while index < len(lines):
        opening = FENCE_OPEN.match(lines[index].rstrip("\r\n"))
        close = _closing(lines, index, opening.group("fence")) if opening else None
        if close is None:
            prose.append(lines[index])
            index += 1
            continue
        yield False, "".join(prose), start + 1
        prose = []
        yield True, "".join(lines[index : close + 1]), index + 1
        index = start = close + 1
    yield False, "".join(prose), start + 1


@functools.lru_cache(maxsize=4096)
def sanitize_piece(text: str) -> str:
    """One piece of someone's text (a name, a description, a process body), sanitised on its
    own before it joins a page: whatever it opens is closed or shown as text inside it, so no
    piece can close, open or hide the page's own sections or another piece."""
    if not UNSAFE_HINT.search(text):
        return text
    return sanitize_markdown(text)


def balance(text: str) -> str:
    """Show as text every tag that is opened and never closed (or closed and never opened),
    and every comment or declaration that never ends.

    An HTML parser would close such a tag at the end of the text, so "put the <style> guide
    here" would lose everything after `<style>` and "open the <details> panel" would fold the
    rest into a closed box; shown as typed, the writer's words stay on the page.
    """
    shown: list[int] = []
    stack: list[tuple[str, int]] = []
    index = text.find("<")
    while index >= 0:
        after = index + 1
        if text.startswith("<!--", index):
            end = text.find("-->", index + 4)
            if end < 0:
                shown.append(index)
            else:
                after = end + 3
        elif text.startswith(("<!", "<?"), index):
            end = text.find(">", index)
            if end < 0:
                shown.append(index)
            else:
                after = end + 1
        elif (tag := TAG.match(text, index)) is not None:
            after = tag.end()
            name = tag.group("name").lower()
            if tag.group("close"):
                names = [open_name for open_name, _ in stack]
                if name in names:
                    where = len(names) - 1 - names[::-1].index(name)
                    shown.extend(position for _, position in stack[where + 1 :])
                    del stack[where:]
                else:
                    shown.append(index)
            elif name in RAW_TEXT:
                end_tag = re.compile(rf"</{re.escape(name)}[\s/>]", re.IGNORECASE)
                closing = end_tag.search(text, after)
                if closing is None or name == "plaintext":
                    shown.append(index)
                else:
                    end = text.find(">", closing.start())
                    after = end + 1 if end >= 0 else len(text)
            elif name not in VOID and not tag.group("attrs").rstrip().endswith("/"):
                stack.append((name, index))
        index = text.find("<", after)
    shown.extend(position for _, position in stack)
    if not shown:
        return text
    out: list[str] = []
    last = 0
    for position in sorted(shown):
        out += [text[last:position], "&lt;"]
        last = position + 1
    out.append(text[last:])
    return "".join(out)


def dropped(body: str) -> list[tuple[int, Message]]:
    """What sanitising a piece of text removes, as (line, what) with lines counted from 1:
    tags and attributes outside the allow-list, comments, and links with a forbidden scheme.
    `ark process record` and `ark check` say it, so nothing disappears silently."""
    found: list[tuple[int, Message]] = []
    for fenced, text, first in chunks(body):
        if fenced or not UNSAFE_HINT.search(text):
            continue
        text = balance(text)

        def line(index: int, text: str = text, first: int = first) -> int:
            return first + text.count("\n", 0, index)

        index = text.find("<")
        while index >= 0:
            after = index + 1
            if text.startswith("<!", index) or text.startswith("<?", index):
                end = text.find("-->" if text.startswith("<!--", index) else ">", index + 2)
                after = end + 1
                found.append((line(index), message(N_("an HTML comment or declaration"))))
            elif (tag := TAG.match(text, index)) is not None:
                after = tag.end()
                name = tag.group("name").lower()
                if tag.group("close"):
                    pass
                elif name not in TAGS:
                    what = (
                        N_("the tag <{tag}> and its content")
                        if name in ("script", "style")
                        else N_("the tag <{tag}>")
                    )
                    found.append((line(index), message(what, tag=name)))
                    if name in RAW_TEXT:
                        end_tag = re.compile(rf"</{re.escape(name)}[\s/>]", re.IGNORECASE)
                        closing = end_tag.search(text, after)
                        after = closing.end() if closing else len(text)
                else:
                    for attribute, value in ATTRIBUTE.findall(tag.group("attrs")):
                        key = attribute.lower()
                        if key not in ATTRIBUTES.get(name, ()) and key != "class":
                            found.append(
                                (
                                    line(index),
                                    message(
                                        N_("the attribute {attribute} of <{tag}>"),
                                        attribute=key,
                                        tag=name,
                                    ),
                                )
                            )
                        elif key == "src" and name == "img" and not local_url(value.strip("\"'")):
                            found.append((line(index), remote_image(value.strip("\"'"))))
                        elif key in ("href", "src") and not safe_url(value.strip("\"'")):
                            found.append((line(index), bad_link(value.strip("\"'"))))
            index = text.find("<", after)
        for match in REFERENCE.finditer(text):
            if not safe_url(match.group(2).strip("<>")):
                found.append((line(match.start()), bad_link(match.group(2))))
        for match in LINK_START.finditer(text):
            start = match.end()
            destination = text[start : _parenthesis_end(text, start)].strip()
            if not safe_url(destination.lstrip("<")):
                found.append((line(start), bad_link(destination)))
            elif _is_image(text, match.start()) and not local_url(destination.lstrip("<")):
                found.append((line(start), remote_image(destination)))
    return sorted(found, key=lambda item: (item[0], str(item[1])))


def bad_link(url: str) -> Message:
    return message(N_("the link {url}"), url=url)


def remote_image(url: str) -> Message:
    return message(N_("the remote image {url}"), url=url)


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
        allowed_classes={k: set(v) for k, v in CLASSES.items()},
        attribute_filter=_local_images,
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
        destination = text[start:end].strip().lstrip("<")
        if not safe_url(destination) or (
            _is_image(text, match.start()) and not local_url(destination)
        ):
            out.append(text[position:start])
            out.append(BLOCKED)
            position = end
    out.append(text[position:])
    return "".join(out)


def local_url(url: str) -> bool:
    """True for a path on the site itself: what an image may load, so that no page makes
    every reader's browser call an outside server."""
    probe = INVISIBLE.sub("", html.unescape(url)).lower()
    return SCHEME.match(probe) is None and not probe.startswith("//")


def _is_image(text: str, close: int) -> bool:
    """Whether the `]` at `close` ends the text of an image (`![...]`), not of a link."""
    depth = 0
    for index in range(close - 1, -1, -1):
        char = text[index]
        if char == "]":
            depth += 1
        elif char == "[":
            if depth == 0:
                return index > 0 and text[index - 1] == "!"
            depth -= 1
    return False


def _local_images(element: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: an image's source must be on the site."""
    if element == "img" and attribute == "src" and not local_url(value):
        return None
    return value


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
