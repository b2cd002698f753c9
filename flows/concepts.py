"""The municipal concept lexicon: shared concepts, their words in each language, their labels.

``flows/languages/concepts.toml`` holds one table per concept: a ``label`` for staff in each
staff language and, per language code, the words residents use for it. ``parse`` reads the
file's text (pure) and says which line of which concept is wrong; ``ConceptLexicon.missing``
names the concepts a language has no words for, so an offered language cannot be left out.
"""

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass

STAFF_LANGUAGES = ("nb", "nn", "en")  # every concept is named in each of these
_FILE = "concepts.toml"


class ConceptFileError(ValueError):
    """The concept file cannot be used; the message names the file, the concept and the key."""


@dataclass(frozen=True, slots=True)
class ConceptLexicon:
    """Each concept's label per staff language and its word patterns per language."""

    labels: Mapping[str, Mapping[str, str]]
    words: Mapping[str, Mapping[str, tuple[str, ...]]]

    def label(self, concept: str, language: str) -> str:
        """Return the concept's name in ``language`` (bokmål's when it has none)."""
        names = self.labels[concept]
        return names.get(language) or names["nb"]

    def missing(self, language: str, lent_from: str = "") -> list[str]:
        """Name the concepts with no words in ``language`` (nor in ``lent_from``'s)."""
        return [
            concept
            for concept, words in self.words.items()
            if not words.get(language) and not (lent_from and words.get(lent_from))
        ]


def parse(text: str, name: str = _FILE) -> ConceptLexicon:
    """Read the concept file's text; raise ConceptFileError naming every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConceptFileError(f"{name}: not valid TOML: {error}") from None
    problems: list[str] = []
    labels: dict[str, dict[str, str]] = {}
    words: dict[str, dict[str, tuple[str, ...]]] = {}
    for concept, table in data.items():
        if not isinstance(table, dict):
            problems.append(f"{concept}: must be a table [{concept}]")
            continue
        label = table.get("label")
        if not isinstance(label, dict) or any(
            not isinstance(label.get(code), str) or not label[code].strip()
            for code in STAFF_LANGUAGES
        ):
            problems.append(f"[{concept}] label: needs a name for each of {STAFF_LANGUAGES}")
            continue
        labels[concept] = {str(code): str(value) for code, value in label.items()}
        words[concept] = {}
        for code, patterns in table.items():
            if code == "label":
                continue
            if not isinstance(patterns, str) or not patterns.split():
                problems.append(f'[{concept}] {code}: must be words in one string, e.g. "bus*"')
                continue
            words[concept][code] = tuple(patterns.casefold().split())
    if problems:
        raise ConceptFileError(f"{name}: " + "; ".join(problems))
    return ConceptLexicon(labels, words)
