"""Texts by key in several languages: parsed from TOML, checked, and filled in for an output.

Both text files use this module: the interview's ``[texts.*]`` tables and the staff texts. A
template may use <b>, <i> and <u>; ``Texts.html`` escapes every value for Telegram's HTML
parse mode, ``Texts.plain`` drops the tags and keeps every value as it is.
"""

import re
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from types import MappingProxyType
from typing import Any

Params = Mapping[str, frozenset[str]]
"""Every text key, with the placeholders the code fills in for it."""

_TOML_POSITION = re.compile(r"^(.*) \(at (?:line (\d+), column (\d+)|end of document)\)$", re.S)
_MARKUP = re.compile(r"<(/?)([^<>]*)>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[<>&]")
_FORMAT_TAG = re.compile(r"</?(?:b|i|u)>")
_TAGS = frozenset({"b", "i", "u"})
_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})
_ESCAPES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_HEADER = re.compile(r"\s*\[(\[?)([^\[\]]+)\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(r"\s*([\w\"' .-]+?)\s*=")


class ContentError(ValueError):
    """A content file cannot be used; the message lists every problem, one per line."""

    def __init__(self, path: str, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{path}: {problem}" for problem in self.problems))


class Markup(str):
    """Text already in HTML: filling it into a template does not escape it again."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Texts:
    """Templates by language and key, checked when parsed; the first language is the fallback."""

    source: str
    languages: tuple[str, ...]
    templates: Mapping[str, Mapping[str, str]]

    def template(self, key: str, language: str) -> str:
        """Return the template ``key`` in ``language``, else in the first language."""
        found = self.templates.get(language, {}).get(key)
        return found if found is not None else self.templates[self.languages[0]][key]

    def html(self, key: str, language: str, **values: str) -> Markup:
        """Fill ``key`` for Telegram's HTML parse mode, escaping every value but ``Markup``."""
        safe = {name: v if isinstance(v, Markup) else escape(v) for name, v in values.items()}
        return Markup(fill(self.template(key, language), safe))

    def plain(self, key: str, language: str, **values: str) -> str:
        """Fill ``key`` as plain text: without its tags, every value as it is."""
        return fill(strip_tags(self.template(key, language)), values)


def strip_tags(text: str) -> str:
    """Remove the formatting tags that templates may use (for plain-text outputs)."""
    return _FORMAT_TAG.sub("", text)


def fill(template: str, values: Mapping[str, str]) -> str:
    """Format ``template``, dropping each line whose placeholders are all empty."""
    kept = []
    for line in template.split("\n"):
        names = [field for _, field, _, _ in string.Formatter().parse(line) if field]
        if names and all(not values.get(name, "") for name in names):
            continue
        kept.append(line.format_map(_Missing(values)))
    return "\n".join(kept).strip("\n")


class _Missing(dict[str, str]):
    """Leave an unknown placeholder visible instead of failing a reply."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# -- reading TOML with line numbers ------------------------------------------------------------


def read_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML ``text``; a syntax error names the line and column of ``source``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = _TOML_POSITION.match(str(error))
        if match is None:
            problem = str(error)
        elif match[2]:
            problem = f"line {match[2]}, column {match[3]}: {match[1]}"
        else:
            problem = f"end of the file: {match[1]}"
    raise ContentError(source, [problem]) from None


def with_lines(problems: Sequence[str], text: str) -> list[str]:
    """Add to each "where: what" problem the line of ``text`` that holds ``where``, if any."""
    lines = key_lines(text)
    located = []
    for problem in problems:
        number = _line_of(problem.split(": ", 1)[0], lines)
        located.append(problem if number is None else f"{problem} (line {number})")
    return located


def key_lines(text: str) -> dict[str, int]:
    """Map the keys and tables of TOML ``text`` to their first line, as problems name them.

    tomllib keeps no positions, so this scans the lines: "[texts.nb]" and "[[groups]]" open
    tables ("texts.nb", "groups[2]"), "key = ..." sets a key in the open table.
    """
    lines: dict[str, int] = {}
    blocks: dict[str, int] = {}
    table, closing = "", ""  # closing: the quotes that end an open multi-line string
    for number, line in enumerate(text.splitlines(), 1):
        if closing:
            closing = "" if closing in line else closing
        elif header := _HEADER.match(line):
            table = _dotted(header[2])
            if header[1]:
                blocks[table] = blocks.get(table, 0) + 1
                table = f"{table}[{blocks[table]}]"
            lines.setdefault(table, number)
        elif assign := _ASSIGN.match(line):
            key = _dotted(assign[1])
            lines.setdefault(f"{table}.{key}" if table else key, number)
            value = line[assign.end() :].strip()
            closing = next((q for q in ('"""', "'''") if value.count(q) == 1), "")
    return lines


def _dotted(key: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in key.split("."))


def _line_of(where: str, lines: Mapping[str, int]) -> int | None:
    """Return the line of ``where``, else of the nearest table around it that the text has."""
    while where:
        if where in lines:
            return lines[where]
        where = where[: max(where.rfind("."), where.rfind("["), 0)]
    return None


# -- checking ----------------------------------------------------------------------------------


def as_table(value: Any, where: str, problems: list[str]) -> dict[str, Any]:
    """Return ``value`` if it is a table, else note the problem and return an empty one."""
    if isinstance(value, dict):
        return value
    problems.append(f"{where}: missing" if value is None else f"{where}: must be a table")
    return {}


def as_text(value: Any, where: str, problems: list[str]) -> str:
    """Return ``value`` stripped if it is non-blank text, else note the problem."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    problems.append(f"{where}: missing" if value is None else f"{where}: {value!r} must be text")
    return ""


def check_texts(
    table: Mapping[str, Any],
    where: str,
    languages: Sequence[str],
    params: Params,
    problems: list[str],
    plain_limits: Mapping[str, int] = MappingProxyType({}),
) -> Mapping[str, Mapping[str, str]]:
    """Check a table of texts by language and key against ``params``; return the templates.

    Every language needs every key; the first language's placeholders are the ones every other
    language must use. A key whose prefix is in ``plain_limits`` is plain text of that length.
    """
    problems.extend(
        f"{_at(where, language)}: unknown language (not in languages)"
        for language in (table if languages else ())
        if language not in languages
    )
    texts: dict[str, Mapping[str, str]] = {}
    base: dict[str, frozenset[str]] = {}  # placeholders of the first language, per key
    for language in languages:
        if language not in table:
            problems.append(f"{_at(where, language)}: missing (every language needs every text)")
            continue
        default = None if language == languages[0] else languages[0]
        at = _at(where, language)
        texts[language] = _language_texts(
            as_table(table[language], at, problems),
            at,
            default,
            base,
            params,
            plain_limits,
            problems,
        )
    return MappingProxyType(texts)


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _language_texts(
    templates: Mapping[str, Any],
    where: str,
    default: str | None,
    base: dict[str, frozenset[str]],
    params: Params,
    plain_limits: Mapping[str, int],
    problems: list[str],
) -> Mapping[str, str]:
    problems.extend(
        f"{where}.{key}: missing (every language needs every text key)"
        for key in params
        if key not in templates
    )
    problems.extend(
        f"{where}.{key}: unknown text key (a typo?)" for key in templates if key not in params
    )
    checked = {}
    for key in (key for key in params if key in templates):
        at = f"{where}.{key}"
        checked[key] = template = _template_text(templates[key], at, problems)
        limit = plain_limits.get(key[:4], 0)
        if limit and len(template) > limit:
            problems.append(f"{at}: longer than {limit} characters")
        fields = _template(template, at, plain=bool(limit), problems=problems)
        if fields is None:
            continue
        if default is None or key not in base:
            unknown = fields - params[key]
            problems.extend(
                f"{at}: the bot does not fill in {{{name}}} here ({_available(params[key])})"
                for name in sorted(unknown)
            )
            if default is None and not unknown:  # compare the others with a sound default only
                base[key] = fields
        else:
            for name in sorted(base[key] - fields):
                problems.append(
                    f"{at}: placeholder {{{name}}} is missing (the {default} text has it)"
                )
            for name in sorted(fields - base[key]):
                problems.append(
                    f"{at}: placeholder {{{name}}} is not in the {default} text (a typo?)"
                )
    return MappingProxyType(checked)


def _template_text(value: Any, where: str, problems: list[str]) -> str:
    # Only line breaks go: a multi-line string starts with one, but indentation is meant.
    return value.strip("\n") if as_text(value, where, problems) else ""


def _available(params: frozenset[str]) -> str:
    names = ", ".join(f"{{{name}}}" for name in sorted(params))
    return f"available: {names}" if names else "this text takes no placeholders"


def _template(
    template: str, where: str, plain: bool, problems: list[str]
) -> frozenset[str] | None:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        problems.append(f"{where}: {error}; write {{{{ or }}}} for a literal brace")
        return None
    fields, valid = set(), True
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            shown = field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            problems.append(f"{where}: {{{shown}}} is not a plain named placeholder like {{name}}")
            valid = False
        fields.add(field)
    problems.extend(f"{where}: {problem}" for problem in _markup(template, plain))
    return frozenset(fields) if valid else None


def _markup(template: str, plain: bool) -> list[str]:
    """List what Telegram's HTML parse mode would refuse or show wrongly in ``template``."""
    problems, open_tags = [], list[str]()
    for match in _MARKUP.finditer(template):
        closing, tag, entity = match[1], match[2], match[3]
        if tag is not None and plain:
            problems.append(f"{match[0]} would show as is: this text is plain, without HTML")
        elif tag is not None and tag not in _TAGS:
            problems.append(f"tag {match[0]} is not allowed: only <b>, <i> and <u>")
        elif tag is not None and not closing:
            open_tags.append(tag)
        elif tag is not None and open_tags[-1:] != [tag]:
            opened = f"<{open_tags[-1]}> is still open" if open_tags else "nothing is open"
            problems.append(f"{match[0]} closes nothing here ({opened})")
        elif tag is not None:
            open_tags.pop()
        elif entity is not None and not entity.startswith("#") and entity not in _ENTITIES:
            problems.append(f"&{entity}; is not known to Telegram: use &lt; &gt; &amp; or &quot;")
        elif entity is None and not plain:
            problems.append(f"a bare {match[0]!r} breaks the message: write {_ESCAPES[match[0]]}")
    problems.extend(f"<{tag}> is never closed" for tag in reversed(open_tags))
    return problems
