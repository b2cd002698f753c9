"""Typed answers that mean a button: "ja", "hver uke", "fire", "pensjonist og student".

The words live in the language files (``[answers]``, ``[frequencies]``, ``[severities]``,
``[groups]`` in ``flows/languages/<code>.toml``) beside the option names of the interview file.
The resident's own language is tried first, then every other one, so mixed answers work too.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from flows.content import Content
from flows.language_rules import ANSWER_WORDS, LanguageRules, RuleBook

_TOKEN = re.compile(r"[\w'’ʼ+-]+")
# "4/5", "4 av 5", "4 of 5": the rating, not two numbers
_OUT_OF_FIVE = re.compile(r"\b([1-5])\s*(?:/|av|of|z|з|из)\s*5\b", re.IGNORECASE)


def words_of(text: str) -> tuple[str, ...]:
    """Return the case-folded words of ``text``, punctuation dropped."""
    return tuple(_TOKEN.findall(text.casefold().replace("’", "'").replace("ʼ", "'")))


@dataclass(frozen=True, slots=True)
class _Hit:
    """One phrase found in the words: which key, and which words it covers."""

    key: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Found:
    """The keys a typed list names, and the words that named nothing."""

    keys: tuple[str, ...]
    unknown: tuple[str, ...]


class Phrases:
    """Phrases by key for one kind of answer, per language; finds them as whole words."""

    def __init__(self, by_language: Mapping[str, Mapping[str, Iterable[str]]]) -> None:
        self._by_language = {
            language: [(key, words_of(p)) for key, ps in table.items() for p in ps if words_of(p)]
            for language, table in by_language.items()
        }

    def _order(self, language: str) -> list[str]:
        return [language, *(code for code in self._by_language if code != language)]

    def _found(self, words: Sequence[str], code: str) -> list[_Hit]:
        return [
            _Hit(key, start, start + len(phrase))
            for key, phrase in self._by_language.get(code, [])
            for start in range(len(words) - len(phrase) + 1)
            if tuple(words[start : start + len(phrase)]) == phrase
        ]

    def hits(self, words: Sequence[str], language: str, *, mixed: bool = False) -> list[_Hit]:
        """Find the phrases in ``words``, longest first: in the resident's language if any
        match, else in the first other language that matches (``mixed``: in all of them).
        """
        found: list[_Hit] = []
        for code in self._order(language):
            found += self._found(words, code)
            if found and not mixed:
                break
        # A stable sort: of equally long phrases, the resident's language's come first.
        return sorted(found, key=lambda hit: hit.start - hit.end)

    def one(self, text: str, language: str) -> str | None:
        """Return the key the text means, if its longest phrase names exactly one key."""
        hits = self.hits(words_of(text), language)
        if not hits:
            return None
        longest = hits[0].end - hits[0].start
        keys = {hit.key for hit in hits if hit.end - hit.start == longest}
        return keys.pop() if len(keys) == 1 else None

    def every(self, words: Sequence[str], language: str, ignored: frozenset[str]) -> Found:
        """Return every key the words name (a phrase inside a longer one does not count)."""
        covered: set[int] = set()
        kept: list[_Hit] = []
        for hit in self.hits(words, language, mixed=True):
            span = set(range(hit.start, hit.end))
            if span & covered:
                continue
            covered |= span
            kept.append(hit)
        keys = [hit.key for hit in sorted(kept, key=lambda hit: hit.start)]  # as typed
        unknown = tuple(
            word for i, word in enumerate(words) if i not in covered and word not in ignored
        )
        return Found(tuple(dict.fromkeys(keys)), unknown)


class Answers:
    """What typed words mean at each button question, in every language offered."""

    def __init__(self, content: Content, book: RuleBook) -> None:
        rules = {code: book.get(code) for code in content.languages}
        present = {code: r for code, r in rules.items() if r is not None}
        self.words = Phrases(
            {
                code: {word: r.words("answers", word) for word in ANSWER_WORDS}
                for code, r in present.items()
            }
        )
        frequencies = ((f.key, f.names) for f in content.frequencies)
        self.frequencies = _phrases(content, present, "frequencies", frequencies)
        self.severities = _phrases(content, present, "severities", ())
        groups = ((g.key, g.names) for g in content.groups)
        self.groups = _phrases(content, present, "groups", groups)
        self.joining = frozenset(
            w for r in present.values() for w in r.words("interview", "list_words")
        )

    def word(self, text: str, language: str) -> str | None:
        """Return "yes", "no", "help", "back", "keep" or "go_on" if that is all the text says."""
        words = words_of(text)
        key = self.words.one(text, language)
        if key is None or len(words) > 4:  # a sentence is an answer, not a command word
            return None
        return key

    def severity(self, text: str, language: str) -> str | None:
        """Return "1"…"5" or "unsure" for "4", "4/5", "fire", "very much", "not sure"."""
        text = _OUT_OF_FIVE.sub(r"\1", text)
        digits: set[str] = set(re.findall(r"(?<![\d.,])[1-5](?![\d.,])", text))
        if len(digits) == 1:
            return digits.pop()
        return None if digits else self.severities.one(text, language)

    def group_list(self, text: str, language: str) -> Found:
        """Return every group a typed list names, and the words that named none."""
        return self.groups.every(words_of(text), language, self.joining)


def _phrases(
    content: Content,
    rules: Mapping[str, LanguageRules],
    section: str,
    options: Iterable[tuple[str, Mapping[str, str]]],
) -> Phrases:
    """Merge the option names of the interview file with a language file section's words."""
    table: dict[str, dict[str, list[str]]] = {code: {} for code in content.languages}
    for key, names in options:
        for code, name in names.items():
            table.setdefault(code, {}).setdefault(key, []).append(name)
    for code, r in rules.items():
        for key, phrases in r.entries(section).items():
            table[code].setdefault(key, []).extend(phrases)
    return Phrases(table)
