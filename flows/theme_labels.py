"""What staff read of a theme: labels in their language, and a few members to quote.

A label joins a theme's most telling terms (centroid weight × idf) with " · ". A concept is
shown by its name in the reader's language (``flows/languages/concepts.toml``), so a theme of
Polish and Ukrainian reports reads "fortau · skolevei" to a bokmål reader. Any other word is
shown only to readers of its own language (bokmål and nynorsk read each other), and only when
several problems of the theme use it; stop words and masking placeholders never show. Words
of members staff withheld (quotes they hid) count for nothing: a term shows only if enough of
the other members use it.
"""

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from flows.concepts import STAFF_LANGUAGES
from flows.text_normalise import concept_lexicon, is_stop_word
from flows.themes import Form, Idf, ThemeCentroid, ThemeModel, document, similarities

LABEL_TERMS = 3  # concepts or words in a label
LABEL_WORDS = 5  # words in a label at most (a concept's name may have two)
_READABLE = {"nb": frozenset({"nb", "nn"}), "nn": frozenset({"nn", "nb"}), "en": frozenset({"en"})}
_SHORTEST = 3  # letters of a shown word: "nå", "ok" say nothing


def labels(
    model: ThemeModel, theme_id: int, withheld: Sequence[tuple[str, str]] = ()
) -> dict[str, str]:
    """Return the theme's label in each staff language ({"nb": …, "nn": …, "en": …}).

    ``withheld`` are members (text, language) whose words must not show: quotes staff hid.
    """
    theme = _shown(model, model.theme(theme_id), withheld)
    return {language: _label(model, theme, language) for language in STAFF_LANGUAGES}


def label(
    model: ThemeModel, theme_id: int, language: str, withheld: Sequence[tuple[str, str]] = ()
) -> str:
    """Name a theme in ``language`` by its most telling terms, e.g. "buss · avganger · kveld"."""
    return _label(model, _shown(model, model.theme(theme_id), withheld), language)


def _label(model: ThemeModel, theme: ThemeCentroid, language: str) -> str:
    scale = math.log1p(model.documents) + 1.0
    weight = {t: w * (scale - math.log1p(model.frequencies.find(t, 0))) for t, w in _shared(theme)}
    names: list[str] = []
    for term in sorted(weight, key=lambda t: (-weight[t], t)):
        name = _name(term, theme.forms[term], language)
        if not name or any(name in n or n in name for n in names):  # no "buss · bussen"
            continue
        if sum(len(n.split()) for n in names) + len(name.split()) > LABEL_WORDS:
            continue
        names.append(name)
        if len(names) == LABEL_TERMS:
            break
    return " · ".join(names)


def _shown(
    model: ThemeModel, theme: ThemeCentroid, withheld: Sequence[tuple[str, str]]
) -> ThemeCentroid:
    """Return the theme as if the withheld members were not in it (their terms, their counts)."""
    if not withheld:
        return theme
    docs = [document(text, language, model.params) for text, language in withheld]
    held = Counter(term for doc in docs for term in doc.weights)
    weights = {
        term: weight - sum(doc.weights.get(term, 0.0) for doc in docs)
        for term, weight in theme.weights.items()
        if theme.counts.get(term, 0) > held[term]
    }
    counts = {term: theme.counts.get(term, 0) - held[term] for term in weights}
    size = max(theme.size - len(docs), 0)
    return replace(theme, size=size, weights=weights, counts=counts)


def _shared(theme: ThemeCentroid) -> list[tuple[str, float]]:
    """Return the centroid terms held by more than one member (by its only one if alone)."""
    least = 2 if theme.size > 1 else 1
    return [(t, w) for t, w in theme.weights.items() if theme.counts.get(t, 0) >= least and w > 0]


def _name(term: str, form: Form, language: str) -> str:
    """Return how ``term`` reads in ``language``, or "" when it cannot be shown there."""
    lexicon = concept_lexicon()
    if term in lexicon.labels:
        return lexicon.label(term, language)
    word, written_in = form
    readable = _READABLE.get(language, frozenset({language}))
    if written_in not in readable or len(word) < _SHORTEST or is_stop_word(word):
        return ""
    return word


def representative(
    model: ThemeModel, theme_id: int, members: Sequence[tuple[str, str]], limit: int = 3
) -> list[int]:
    """Pick up to ``limit`` of a theme's members (text, language) to quote, as indices.

    The closest to the centroid come first (the shorter on a tie); a member much like one
    already picked is skipped, so the quotes show the theme's range rather than one phrasing.
    """
    theme = model.theme(theme_id)
    idf = Idf(model.documents, model.frequencies)
    docs = [document(text, language, model.params) for text, language in members]
    closeness = [next(similarities(d, [theme.weights], idf), (0, 0.0))[1] for d in docs]
    order = sorted(range(len(docs)), key=lambda i: (-closeness[i], len(members[i][0]), i))
    picked: list[int] = []
    for index in order:
        if len(picked) == limit:
            break
        chosen = [docs[i].weights for i in picked]
        if all(value < 0.9 for _, value in similarities(docs[index], chosen, idf)):
            picked.append(index)
    return picked
