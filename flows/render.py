"""Turn a ``Reply`` into text and buttons in one language, and split long text for Telegram."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flows.content import Content
from flows.outputs import Choice, Label, Nested, ParamValue, Reply
from flows.privacy import EMAIL_MASK, ID_NUMBER_MASK, PHONE_MASK
from flows.texts import fill

Escape = Callable[[str], str]


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
    """Render ``reply`` in ``language``; ``escape`` protects every parameter for the parse mode.

    Its lead comes first, each text a paragraph of its own.
    """
    texts = [_text(part, content, language, escape) for part in (*reply.lead, reply)]
    buttons = tuple(tuple(_button(c, content, language) for c in row) for row in reply.choices)
    return Rendered("\n\n".join(texts), buttons, reply.edit)


def render_messages(
    reply: Reply, content: Content, language: str, escape: Escape, limit: int = 4096
) -> list[Rendered]:
    """Render ``reply`` as one message, or as its parts when together they would not fit.

    A long read-back card led by a note is sent as the note and the card, as before, rather
    than cut at an arbitrary line.
    """
    whole = render(reply, content, language, escape)
    if not reply.lead or reply.edit or _fits(whole.text, limit):
        return [whole]  # an edit too long for one message is sent anew by the transport
    return [render(part, content, language, escape) for part in reply.parts()]


def _fits(text: str, limit: int) -> bool:
    """Tell whether ``text`` is one message (counted cheaply first: it almost always is)."""
    return len(text.encode("utf-16-le")) <= 2 * limit or visible_length(text) <= limit


def _text(reply: Reply, content: Content, language: str, escape: Escape) -> str:
    template = content.text(reply.key, language)
    values = {name: _param(v, content, language, escape) for name, v in reply.params.items()}
    return fill(template, values)


# Masked personal data reads in the reader's language: "[phone]" → "[telefonnummer]".
_MASKS = {PHONE_MASK: "mask_phone", EMAIL_MASK: "mask_email", ID_NUMBER_MASK: "mask_id"}
_MASKED = re.compile("|".join(re.escape(mask) for mask in _MASKS))


def _param(value: ParamValue, content: Content, language: str, escape: Escape) -> str:
    """Render one parameter: nested replies as they are, everything else escaped."""
    if isinstance(value, Nested):
        return render(value.reply, content, language, escape).text
    if isinstance(value, tuple) and value and isinstance(value[0], Nested):
        return "\n\n".join(_param(item, content, language, escape) for item in value)
    shown = escape(_value(value, content, language))
    return _MASKED.sub(lambda found: content.text(_MASKS[found[0]], language), shown)


def _value(value: ParamValue, content: Content, language: str) -> str:
    if isinstance(value, Label):
        return content.name(value.key, language)
    if isinstance(value, tuple):
        return ", ".join(
            content.name(label.key, language) for label in value if isinstance(label, Label)
        )
    return str(value)


def _button(choice: Choice, content: Content, language: str) -> Button:
    label = choice.text or (content.name(choice.label.key, language) if choice.label else "")
    return Button(f"✓ {label}" if choice.selected else label, choice.data)


# -- splitting: the one splitter of the project --------------------------------------------------

_HTML_TOKEN = re.compile(r"<[^<>]*>|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);|.", re.S)
_PLAIN_TOKEN = re.compile(r".", re.S)
_ANY_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*>")


def visible_length(text: str) -> int:
    """Return the length Telegram counts for HTML text, in UTF-16 units (tags 0, entities 1)."""
    return _width(_HTML_TOKEN.findall(text))


def split_message(text: str, limit: int = 4096, *, html: bool = True) -> list[str]:
    """Split ``text`` into non-empty messages of at most ``limit`` characters as Telegram counts.

    Cuts at line breaks, else between words, else anywhere but inside a tag or an entity.
    Tags and entities count as Telegram parses them (a tag as 0, "&amp;" as 1), characters
    outside the Basic Multilingual Plane as 2 (UTF-16), which is never less than Telegram's
    count. A formatting tag left open at a cut is closed there and reopened in the next part.
    """
    token = _HTML_TOKEN if html else _PLAIN_TOKEN
    # Almost every reply fits even with its tags counted: one piece, not measured token by
    # token (that cost ~0.3 ms a message on the path of every answer).
    fits = len(text.encode("utf-16-le")) <= 2 * limit
    pieces = [text] if fits else _pieces(text, token, limit)
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for piece in pieces:
        width = _width(token.findall(piece)) if len(pieces) > 1 else 0
        if current and used + 1 + width > limit:
            chunks.append("\n".join(current))
            current, used = [], 0
        used += width + (1 if current else 0)
        current.append(piece)
    chunks.append("\n".join(current))
    # Balance before dropping blank chunks: a dropped chunk may hold a tag the next one closes.
    stripped = [chunk.strip("\n") for chunk in chunks]
    return [c for c in (_balance(stripped) if html else stripped) if _shows(c, token)]


def _pieces(text: str, token: re.Pattern[str], limit: int) -> list[str]:
    """Return the lines of ``text``, a line too long for one message cut in several."""
    pieces: list[str] = []
    for line in text.split("\n"):
        tokens = token.findall(line)
        if _width(tokens) <= limit:
            pieces.append(line)
        else:
            pieces.extend(_split_line(tokens, limit))
    return pieces


def _shows(chunk: str, token: re.Pattern[str]) -> bool:
    return any(not t.isspace() for t in token.findall(chunk) if _token_width(t))


def _token_width(token: str) -> int:
    if len(token) > 1 and token[0] == "<":
        return 0
    if len(token) > 1 and token[0] == "&":
        return 1
    return 2 if ord(token) > 0xFFFF else 1


def _width(tokens: Iterable[str]) -> int:
    return sum(_token_width(token) for token in tokens)


def _split_line(tokens: list[str], limit: int) -> list[str]:
    """Cut one long line at its last space before ``limit``, else right at ``limit``."""
    pieces: list[str] = []
    start = width = 0
    space: int | None = None
    i = 0
    while i < len(tokens):
        step = _token_width(tokens[i])
        if width + step > limit and i > start:
            cut = space if space is not None and space > start else i
            pieces.append("".join(tokens[start:cut]))
            start = cut + 1 if cut == space else cut
            width, space = _width(tokens[start:i]), None
            continue
        if tokens[i].isspace():
            space = i
        width += step
        i += 1
    pieces.append("".join(tokens[start:]))
    return pieces


def _balance(chunks: list[str]) -> list[str]:
    """Close tags left open at the end of a chunk and reopen them at the start of the next."""
    balanced: list[str] = []
    carried: list[tuple[str, str]] = []
    for chunk in chunks:
        stack = list(carried)
        for match in _ANY_TAG.finditer(chunk):
            if not match.group(1):
                stack.append((match.group(2).lower(), match.group(0)))
            elif stack and stack[-1][0] == match.group(2).lower():
                stack.pop()
        opening = "".join(tag for _, tag in carried)
        closing = "".join(f"</{name}>" for name, _ in reversed(stack))
        balanced.append(opening + chunk + closing)
        carried = stack
    return balanced
