"""Per-language rules as data: one ``flows/languages/<code>.toml`` per language.

A file holds what the free-text checks need to know about its language: the words that join a
typed list, the cue words of a proposed solution, stop words and the stemmer, and the marker
words and letters language detection relies on. ``parse`` reads one file's text (pure);
``RuleBook`` lends a language the rules it leaves out from ``rules_from`` and says what an
offered language still lacks. ``load_rule_book`` is the one function that reads the files.
"""

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SOLUTION_CUES = (
    "conjunction",
    "purpose",
    "benefit",
    "suggestion",
    "imperative",
    "wish",
    "finite",
    "advice",
    "obligation",
    "need",
    "action",
    "passive",
    "speaker",
    "generic",
    "community",
    "authority",
    "burden",
    "problem",
)
STEMMERS = frozenset({"nordic", "english", "prefix"})
SCRIPTS = frozenset({"latin", "cyrillic"})
# Lists of words are written space-separated in one string; lists of patterns as arrays.
_WORDS = {
    ("normalise", "stop_words"),
    ("normalise", "fold"),
    ("detect", "words"),
    ("detect", "norwegian_words"),
    ("detect", "not_distinct"),
}
_ARRAYS = {
    ("interview", "list_words"),
    ("solution", "repeated_with"),
    *(("solution", cue) for cue in SOLUTION_CUES),
    ("normalise", "fold_parts"),
    ("detect", "endings"),
    ("detect", "same_in_both_endings"),
}
_STRINGS = {("normalise", "stemmer"), ("detect", "letters"), ("normalise", "plain")}
# Typed answers that mean a button: fixed words, and phrases per option key of the interview
# file (a frequency, a severity 1–5 or "unsure", a group), matched as whole words.
ANSWER_WORDS = ("yes", "no", "help", "back", "keep", "go_on")
ANSWER_SECTIONS = frozenset({"frequencies", "severities", "groups"})
_ARRAYS |= {("answers", word) for word in ANSWER_WORDS}
_KNOWN = _WORDS | _ARRAYS | _STRINGS
# What every language the interview offers must have, its own or lent by ``rules_from``.
REQUIRED = (
    ("interview", "list_words"),
    ("solution", "repeated_with"),
    *(("solution", cue) for cue in SOLUTION_CUES),
    ("normalise", "stemmer"),
    ("normalise", "stop_words"),
    ("detect", "words"),
)
LANGUAGES_DIRECTORY = Path(__file__).with_name("languages")
CONCEPTS_FILE = "concepts.toml"


class LanguageFileError(ValueError):
    """A language file that cannot be used; the message names the file and every problem."""


@dataclass(frozen=True, slots=True)
class LanguageFile:
    """One language file as written: its own rules, before any are lent by ``rules_from``."""

    code: str
    script: str
    aliases: tuple[str, ...] = ()
    rules_from: str = ""
    values: Mapping[tuple[str, str], Any] = field(default_factory=dict)


def parse(text: str, name: str) -> LanguageFile:
    """Read one language file named ``name`` ("de.toml"); raise LanguageFileError if wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LanguageFileError(f"{name}: not valid TOML: {error}") from None
    problems: list[str] = []
    script = data.pop("script", None)
    if script not in SCRIPTS:
        problems.append(f"script: {script!r} must be one of {sorted(SCRIPTS)}")
    aliases, rules_from = data.pop("aliases", []), data.pop("rules_from", "")
    if not (isinstance(aliases, list) and all(isinstance(a, str) for a in aliases)):
        problems.append('aliases: must be a list of codes like ["no"]')
        aliases = []
    if not isinstance(rules_from, str):
        problems.append('rules_from: must be a language code like "nb"')
        rules_from = ""
    values: dict[tuple[str, str], Any] = {}
    for section, table in data.items():
        if not isinstance(table, dict):
            problems.append(f"{section}: unknown setting (a typo?)")
            continue
        for key, value in table.items():
            found = _value((section, key), value, problems)
            if found is not None:
                values[section, key] = found
    if problems:
        raise LanguageFileError(f"{name}: " + "; ".join(problems))
    code = name.removesuffix(".toml")
    return LanguageFile(code, str(script), tuple(aliases), rules_from, values)


def _value(where: tuple[str, str], value: Any, problems: list[str]) -> Any:
    """Check one setting and return it in its stored form (None if wrong)."""
    shown = ".".join(where)
    if where[0] in ANSWER_SECTIONS and isinstance(value, list):
        if all(isinstance(v, str) and v.strip() for v in value):
            return tuple(value)
        problems.append(f"{shown}: must be a list of phrases")
    elif where not in _KNOWN:
        problems.append(f"{shown}: unknown setting (a typo?)")
    elif where in _WORDS and isinstance(value, str):
        return tuple(value.split())
    elif where in _ARRAYS and isinstance(value, list) and all(isinstance(v, str) for v in value):
        broken = [v for v in value if where[0] == "solution" and not _compiles(v)]
        if broken:
            problems.append(f"{shown}: not a regular expression: {broken[0]!r}")
            return None
        return tuple(value)
    elif where in _STRINGS and isinstance(value, str):
        if where == ("normalise", "stemmer") and value not in STEMMERS:
            problems.append(f"{shown}: {value!r} must be one of {sorted(STEMMERS)}")
            return None
        return value
    else:
        kind = "words in one string" if where in _WORDS else "a list of strings"
        problems.append(f"{shown}: must be {kind if where not in _STRINGS else 'a string'}")
    return None


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


@dataclass(frozen=True, slots=True)
class LanguageRules:
    """One language's rules, with what ``rules_from`` lent it filled in."""

    code: str
    script: str
    aliases: tuple[str, ...]
    values: Mapping[tuple[str, str], Any]

    def words(self, section: str, key: str) -> tuple[str, ...]:
        """Return a list of words or patterns; () when the language has none."""
        found: tuple[str, ...] = self.values.get((section, key), ())
        return found

    def text(self, section: str, key: str, default: str = "") -> str:
        """Return a single setting such as the stemmer."""
        found: str = self.values.get((section, key), default)
        return found

    def entries(self, section: str) -> dict[str, tuple[str, ...]]:
        """Return every key of ``section`` with its list, e.g. the phrases per frequency."""
        return {key: found for (part, key), found in self.values.items() if part == section}

    def pairs(self, section: str, key: str, separator: str) -> tuple[tuple[str, str], ...]:
        """Return "a=b" (or "a:b") entries as pairs."""
        split = (entry.partition(separator) for entry in self.words(section, key))
        return tuple((left, right) for left, _, right in split)


class RuleBook:
    """Every language's rules, by code (an alias finds its language too)."""

    def __init__(self, files: Iterable[LanguageFile], concepts: str = "") -> None:
        own = {f.code: f for f in files}
        self.concepts = concepts  # the text of the shared domain lexicon (flows/concepts.py)
        self.languages: dict[str, LanguageRules] = {}
        for code, file in own.items():
            lent = own.get(file.rules_from)
            if file.rules_from and lent is None:
                raise LanguageFileError(f"{code}.toml: rules_from: no {file.rules_from}.toml")
            values = {**(lent.values if lent else {}), **file.values}
            self.languages[code] = LanguageRules(code, file.script, file.aliases, values)
        self._by_code = {alias: r for r in self.languages.values() for alias in r.aliases}
        self._by_code |= self.languages

    def get(self, code: str) -> LanguageRules | None:
        """Return the rules for ``code`` ("nb", "en-GB" → en), or None for a language we lack."""
        return self._by_code.get(code.split("-")[0].lower())

    def missing(self, code: str) -> list[str]:
        """Name every required rule the language ``code`` lacks (all of them without a file)."""
        rules = self.get(code)
        if rules is None:
            return [f"{code}.toml"]
        return [".".join(need) for need in REQUIRED if not rules.values.get(need)]

    def union(self, section: str, key: str) -> tuple[str, ...]:
        """Return the words of ``section.key`` of every language, each once, in file order."""
        return tuple(
            dict.fromkeys(w for r in self.languages.values() for w in r.words(section, key))
        )


def load_rule_book(directory: Path = LANGUAGES_DIRECTORY) -> RuleBook:
    """Read every ``<code>.toml`` in ``directory`` and its ``concepts.toml`` (file access)."""
    paths = sorted(directory.glob("*.toml"))
    files = [parse(p.read_text("utf-8"), p.name) for p in paths if p.name != CONCEPTS_FILE]
    return RuleBook(files, (directory / CONCEPTS_FILE).read_text("utf-8"))


@functools.cache
def packaged_rule_book() -> RuleBook:
    """Return the rules of the language files shipped in ``flows/languages``, read once."""
    return load_rule_book()
