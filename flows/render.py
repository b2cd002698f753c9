"""Turn a ``Reply`` into text and buttons in one language: the only place texts are built."""

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from string import Formatter

from flows.content import Content
from flows.outputs import Choice, Label, ParamValue, Reply

Escape = Callable[[str], str]
_TAG = re.compile(r"</?(?:b|i|u)>")


@dataclass(frozen=True, slots=True)
class Button:
    """A rendered button: what the resident sees and what comes back when pressed."""

    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Rendered:
    """A reply ready for a transport: text (HTML with <b>/<i>/<u> only) and rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    edit: bool = False


def render(reply: Reply, content: Content, language: str, escape: Escape) -> Rendered:
    """Render ``reply`` in ``language``; ``escape`` protects every parameter for the parse mode."""
    template = content.text(reply.key, language)
    values = {name: escape(_value(v, content, language)) for name, v in reply.params.items()}
    text = _fill(template, values)
    buttons = tuple(tuple(_button(c, content, language) for c in row) for row in reply.choices)
    return Rendered(text, buttons, reply.edit)


def strip_tags(text: str) -> str:
    """Remove the formatting tags that templates may use (for plain-text transports)."""
    return _TAG.sub("", text)


def _value(value: ParamValue, content: Content, language: str) -> str:
    if isinstance(value, Label):
        return content.name(value.key, language)
    if isinstance(value, tuple):
        return ", ".join(content.name(label.key, language) for label in value)
    return str(value)


def _fill(template: str, values: Mapping[str, str]) -> str:
    """Format ``template``, dropping each line whose placeholders are all empty."""
    kept = []
    for line in template.split("\n"):
        names = [field for _, field, _, _ in Formatter().parse(line) if field]
        if names and all(not values.get(name, "") for name in names):
            continue
        kept.append(line.format_map(_Missing(values)))
    return "\n".join(kept).strip("\n")


class _Missing(dict[str, str]):
    """Leave an unknown placeholder visible instead of failing a resident's reply."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _button(choice: Choice, content: Content, language: str) -> Button:
    label = choice.text or (content.name(choice.label.key, language) if choice.label else "")
    return Button(f"✓ {label}" if choice.selected else label, choice.data)


def visible_length(text: str) -> int:
    """Return the length Telegram counts for HTML text: tags removed, entities as one char."""
    return len(html.unescape(strip_tags(text)))


def split_text(text: str, limit: int = 4096) -> list[str]:
    """Split HTML text into messages of at most ``limit`` visible characters, at line ends.

    A single line longer than ``limit`` loses its formatting tags and is cut at spaces (or hard,
    if it has none), so no chunk ends inside a tag or an entity such as ``&amp;``.
    """
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        pieces = [line] if visible_length(line) <= limit else _cut_line(strip_tags(line), limit)
        for piece in pieces:
            extra = visible_length(piece) + (1 if current else 0)
            if current and size + extra > limit:
                chunks.append("\n".join(current))
                current, size, extra = [], 0, visible_length(piece)
            current.append(piece)
            size += extra
    if current:
        chunks.append("\n".join(current))
    return [chunk for chunk in chunks if chunk.strip()] or [text[:limit]]


def _cut_line(line: str, limit: int) -> list[str]:
    """Cut an over-long line (escaped, without tags) into pieces of ``limit`` visible chars."""
    pieces: list[str] = []
    rest = html.unescape(line)
    while rest:
        cut = len(rest) if len(rest) <= limit else rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(html.escape(rest[:cut].rstrip(), quote=False))
        rest = rest[cut:].lstrip()
    return pieces
