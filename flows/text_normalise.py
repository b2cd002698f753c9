"""Turn a resident's free text into comparable terms: tokens, lemmas, stems, concepts.

Each word is reduced to its dictionary form with simplemma (its dictionaries ship in the
package: no download, no network), nynorsk is folded to bokmål, and the concept lexicon
(``flows/languages/concepts.toml``, read by ``flows.concepts``) maps the words of every
language to shared concept terms ("bussane", "bus", "autobusy", "автобуси" → "buss"), so that
the same everyday problem yields overlapping terms whatever language it was written in.

simplemma's compressed dictionaries are searched in place (``flows.lemma_index``): the same
lemmas as its default dicts, which took ~530 MiB for nb, nn, en, pl and uk (Polish alone ~360).
"""

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import simplemma
from simplemma.strategies import DefaultStrategy
from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES

from flows.concepts import ConceptLexicon
from flows.concepts import parse as parse_concepts
from flows.language_rules import RuleBook, packaged_rule_book
from flows.lemma_index import CompactDictionaryFactory
from flows.privacy import EMAIL_MASK, ID_NUMBER_MASK, PHONE_MASK

# Inflections of a lexicon word that count as the word itself (nb/nn noun/verb, en plural).
_INFLECTIONS = ("", "s", "es", "en", "er", "ene", "et", "a", "ar", "ane", "ing", "ed")
_AFTER_E = ("n", "r", "ne", "ns", "t")
_ENDINGS = frozenset(_INFLECTIONS + _AFTER_E + ("e", "t", "te", "ne", "ns", "ers", "ets"))


def _expand(word: str) -> set[str]:
    forms = {word + ending for ending in _INFLECTIONS}
    if word.endswith("e"):
        forms |= {word + ending for ending in _AFTER_E}
        forms.add(word[:-1] + "a")  # feminine definite: husleie → husleia
    return forms


@dataclass(frozen=True, slots=True)
class _Lexicon:
    """The language files' normalisation rules and the concepts, prepared for lookups."""

    stop: frozenset[str]
    fold: dict[str, str]
    fold_parts: tuple[tuple[str, str], ...]
    exact: dict[str, str]  # a word or inflection → its concept
    prefixes: dict[str, list[tuple[str, str]]]  # prefixes by their first three letters
    tails: dict[str, str]  # compound tails and their inflections → concept
    stemmers: dict[str, str]  # language code → stemmer name
    plain: dict[str, dict[int, str]]  # language → its letters residents often write plain


@functools.cache
def concept_lexicon() -> ConceptLexicon:
    """Return the packaged concept lexicon, read once."""
    return parse_concepts(packaged_rule_book().concepts)


@functools.cache
def _lexicon() -> _Lexicon:
    """Build the lexicon from the language files and the shared concepts (once)."""
    book = packaged_rule_book()
    plain = _plain_letters(book)
    exact, prefixes, tails = _parse_concepts(concept_lexicon(), plain)
    stemmers = {
        alias: language.text("normalise", "stemmer", "nordic")
        for language in book.languages.values()
        for alias in (language.code, *language.aliases)
    }
    return _Lexicon(
        stop=frozenset(book.union("normalise", "stop_words")),
        fold=dict(
            pair for r in book.languages.values() for pair in r.pairs("normalise", "fold", "=")
        ),
        fold_parts=tuple(
            dict.fromkeys(
                pair
                for r in book.languages.values()
                for pair in r.pairs("normalise", "fold_parts", "=")
            )
        ),
        exact=exact,
        prefixes=prefixes,
        tails=tails,
        stemmers=stemmers,
        plain=plain,
    )


def _plain_letters(book: RuleBook) -> dict[str, dict[int, str]]:
    """Return, per language, the table that writes its letters plain ("ś=s" → ś becomes s)."""
    tables: dict[str, dict[int, str]] = {}
    for rules in book.languages.values():
        pairs = (entry.split("=") for entry in rules.text("normalise", "plain").split())
        table = {ord(letter): plain for letter, plain in pairs}
        if table:
            tables.update(dict.fromkeys((rules.code, *rules.aliases), table))
    return tables


def _parse_concepts(
    lexicon: ConceptLexicon, plain: dict[str, dict[int, str]]
) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]], dict[str, str]]:
    written: dict[str, str] = {}  # a word as written wins over another word's inflection
    inflected: dict[str, str] = {}
    prefixes: list[tuple[str, str]] = []
    tails: dict[str, str] = {}
    for concept, by_language in lexicon.words.items():
        for language, patterns in by_language.items():
            table = plain.get(language)
            for pattern in _with_plain(patterns, table):
                if pattern.startswith("="):
                    written[pattern[1:]] = concept
                elif pattern.endswith("*"):
                    prefixes.append((pattern[:-1], concept))
                    written[pattern[:-1]] = concept
                    if pattern.endswith("e*"):
                        inflected[pattern[:-2] + "a"] = concept  # venteliste* → ventelista
                elif pattern.startswith("*"):
                    tails.update(dict.fromkeys(_expand(pattern[1:]), concept))
                else:
                    written[pattern] = concept
                    inflected.update(dict.fromkeys(_expand(pattern), concept))
    by_start: dict[str, list[tuple[str, str]]] = {}  # prefixes by their first three letters
    for prefix, concept in sorted(set(prefixes)):
        by_start.setdefault(prefix[:3], []).append((prefix, concept))
    return inflected | written, by_start, tails


def _with_plain(patterns: Iterable[str], table: dict[int, str] | None) -> list[str]:
    """Return ``patterns`` and, for a language with plain letters, their plain spellings."""
    found = list(patterns)
    if table:
        found += [p.translate(table) for p in found if p.translate(table) != p]
    return found


# A word; an apostrophe inside a Ukrainian word ("зв'язок") belongs to it.
_TOKEN = re.compile(r"[^\W\d_]+(?:['’ʼ](?=[а-яіїєґ])[^\W\d_]+)*")
_APOSTROPHES = str.maketrans("’ʼ", "''")
# What masking put in place of a number or an address says nothing about the problem.
_MASKS = re.compile("|".join(re.escape(m) for m in (EMAIL_MASK, PHONE_MASK, ID_NUMBER_MASK)))
_VOWELS = frozenset("aeiouyæøå")
_NB_SUFFIXES = sorted(
    (  # noqa: SIM905
        "hetenes hetene hetens heten heter endes ande ende edes enes erte ede ane ene ens ers ets "
        "het ast ert en ar er as es et a e"
    ).split(),
    key=len,
    reverse=True,
)
_S_ENDING = frozenset("bcdfghjlmnoprtvyz")


@dataclass(frozen=True, slots=True)
class Term:
    """One comparable term of a text: a concept or a stem, and the word it came from."""

    term: str
    form: str
    concept: bool


def terms(text: str, language: str) -> list[Term]:
    """Return the topic terms of ``text``, in order, repeats kept."""
    lexicon = _lexicon()
    stemmer = lexicon.stemmers.get(language, "nordic")
    table = lexicon.plain.get(language)
    found: list[Term] = []
    flat = unicodedata.normalize("NFKC", _MASKS.sub(" ", text)).casefold()
    flat = flat.translate(_APOSTROPHES)
    for token in _TOKEN.findall(flat):
        word = _fold(token, lexicon)
        if len(word) < 2 or word in lexicon.stop:
            continue
        lemma = _fold(lemmatise(token, language), lexicon)
        if lemma in lexicon.stop:
            continue
        concepts = _concepts(word, lexicon) or _concepts(lemma, lexicon)
        if not concepts and table:  # "sliskie" for "śliskie": Polish typed without accents
            concepts = _concepts(word.translate(table), lexicon)
        found.extend(Term(concept, concept, True) for concept in concepts)
        if not (_inflected(word, lexicon) or _inflected(lemma, lexicon)):
            found.append(Term(_stem(lemma, stemmer), lemma, False))  # e.g. a compound's own stem
    return found


def warm_up(languages: Iterable[str]) -> None:
    """Load the lexicon and the dictionaries of ``languages`` now (under 1 s each), not later."""
    _lexicon()
    for language in languages:
        lemmatise("a", language)


def is_stop_word(word: str) -> bool:
    """Tell whether ``word`` is a stop word of any language."""
    return word.casefold() in _lexicon().stop


def lemmatise(word: str, language: str) -> str:
    """Return the dictionary form of a case-folded ``word`` (itself if simplemma lacks it)."""
    code = language.split("-")[0]
    if code not in SUPPORTED_LANGUAGES:
        return word
    return _lemma(word, code)


def lemmatise_cache_size() -> int:
    """Return how many words' lemmas are cached now (at most 16,384)."""
    return _lemma.cache_info().currsize


# One cache of recent lemmas, bounded: residents' typos make the words seen grow with the
# problems stored (two caches of 65,536, simplemma's own and ours, held 33 MiB once full).
@functools.lru_cache(maxsize=16_384)
def _lemma(word: str, code: str) -> str:
    return str(_lemmatizer().lemmatize(word, code)).casefold()


@functools.cache
def _lemmatizer() -> simplemma.Lemmatizer:
    """Return simplemma's lemmatiser as ``simplemma.lemmatize`` builds it, minus its cache."""
    # The default backend holds every dictionary as a dict (Polish alone 360 MiB).
    strategy = DefaultStrategy(dictionary_factory=CompactDictionaryFactory())
    return simplemma.Lemmatizer(cache_max_size=0, lemmatization_strategy=strategy)


def _fold(token: str, lexicon: _Lexicon) -> str:
    word = lexicon.fold.get(token, token)
    for nynorsk, bokmal in lexicon.fold_parts:
        if nynorsk in word:
            word = word.replace(nynorsk, bokmal)
    return word


def _inflected(word: str, lexicon: _Lexicon) -> bool:
    """Tell whether ``word`` is a lexicon word or one of its inflections (nothing more)."""
    if word in lexicon.exact:
        return True
    prefixes = lexicon.prefixes.get(word[:3], ())
    return any(word.startswith(p) and word[len(p) :] in _ENDINGS for p, _ in prefixes)


def _concepts(word: str, lexicon: _Lexicon) -> list[str]:
    if word in lexicon.exact:
        return [lexicon.exact[word]]
    found = [c for prefix, c in lexicon.prefixes.get(word[:3], ()) if word.startswith(prefix)]
    found += [
        lexicon.tails[word[i:]] for i in range(3, len(word) - 2) if word[i:] in lexicon.tails
    ]
    return sorted(set(found))


def _stem(word: str, stemmer: str) -> str:
    """Strip the inflection from ``word`` with the language's light stemmer."""
    if stemmer == "english":
        return _stem_en(word)
    if stemmer == "prefix" or not _is_nordic(word):
        return word[:6]  # Slavic inflection sits at the end; a fixed prefix is a fair stem
    return _stem_nordic(word)


def _is_nordic(word: str) -> bool:
    return word.isascii() or all(ch.isascii() or ch in "æøåäöéèü" for ch in word)


def _stem_nordic(word: str) -> str:
    if word.endswith(("leg", "lege", "legt")):
        word = word[: word.rindex("leg")] + "lig"  # nynorsk adjectives: dårleg → dårlig
    start = _region(word)
    for suffix in _NB_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= start:
            word = word[: -len(suffix)]
            break
    else:
        if word.endswith(("erte", "ert")) and len(word) - 3 >= start:
            word = word[: word.rindex("ert")] + "er"
        elif word.endswith("s") and len(word) - 1 >= start and _s_removable(word[:-1]):
            word = word[:-1]
    if word.endswith(("dt", "vt")) and len(word) - 2 >= start:
        word = word[:-1]
    return word


def _region(word: str) -> int:
    """Return where Snowball's R1 starts (at least 3): after the first vowel–consonant pair."""
    for i in range(1, len(word)):
        if word[i] not in _VOWELS and word[i - 1] in _VOWELS:
            return max(i + 1, 3)
    return len(word)


def _s_removable(rest: str) -> bool:
    last = rest[-1:]
    return last in _S_ENDING or (last == "k" and rest[-2:-1] not in _VOWELS)


def _stem_en(word: str) -> str:
    if len(word) <= 3:
        return word
    if word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "ls":
                word = word[:-1]  # stopping → stop
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word
