"""Detect the language of residents' free text, telling Norwegian bokmål from nynorsk.

langdetect does the statistics; the rules here correct its known weaknesses on short text: it
calls short Norwegian Danish, Swedish, German or Welsh, short Ukrainian Russian or Bulgarian,
short Polish Latvian, short English Dutch or Afrikaans, and short Arabic Persian, and it knows
no bokmål or nynorsk at all.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from flows.language_profiles import SparseProfiles
from flows.language_rules import packaged_rule_book

UNKNOWN = "unknown"

_SEED = 0
TRIALS = 3  # langdetect's random trials per text (its default is 7)
_MIN_LETTERS = 3
# Up to this many words, a Norwegian hint may claim text langdetect cannot place reliably.
_VERY_SHORT_WORDS = 2
# Below this probability langdetect's English or Polish is not clear enough to stand against
# Norwegian marker words.
_CLEAR = 0.9

_WORD = re.compile(r"[^\W\d_]+")
_TAG = re.compile(r"[a-z]{2,3}")
# Norwegian writes a-z, æ, ø, å and a few accents (kafé, fôr, òg).
_NORWEGIAN_ALPHABET = re.compile(r"[a-zæøåéèêóòô]+")


_SCANDINAVIAN = frozenset({"no", "da", "sv"})
_SLAVIC_CYRILLIC = frozenset({"ru", "uk", "bg", "mk"})


@dataclass(frozen=True, slots=True)
class _Markers:
    """The marker words, endings and letters of the language files, ready for lookups."""

    words: dict[str, frozenset[str]]  # language → its marker words
    letters: dict[str, frozenset[str]]  # language → letters only it (here) writes
    endings: dict[str, tuple[tuple[str, int], ...]]  # nb/nn: ending, shortest word it counts in
    same_in_both_endings: tuple[str, ...]  # endings spelt alike in bokmål and nynorsk
    norwegian_evidence: frozenset[str]  # words that show a text is Norwegian


@functools.cache
def _markers() -> _Markers:
    """Collect the detection markers of every language file (once)."""
    book = packaged_rule_book()
    languages = book.languages.values()
    words = {r.code: frozenset(r.words("detect", "words")) for r in languages}
    nb = book.languages["nb"]
    common = frozenset(nb.words("detect", "norwegian_words"))
    # Words from the lists that are everyday words in other languages: no evidence.
    not_distinct = frozenset(nb.words("detect", "not_distinct"))
    return _Markers(
        words=words,
        letters={r.code: frozenset(r.text("detect", "letters")) for r in languages},
        endings={
            r.code: tuple((e, int(n)) for e, n in r.pairs("detect", "endings", ":"))
            for r in languages
        },
        same_in_both_endings=nb.words("detect", "same_in_both_endings"),
        norwegian_evidence=(words["nn"] | words["nb"] | common) - not_distinct,
    )


_BULGARIAN_OR_RUSSIAN_LETTERS = frozenset("ъ")
_MACEDONIAN_LETTERS = frozenset("ѓќѕљњџј")
_PERSIAN_OR_URDU_LETTERS = frozenset("پچژگکیٹڈڑںےھۀ")


_FACTORY_LOCK = threading.Lock()


def _detector_factory() -> DetectorFactory:
    """Return the shared detector factory, built once even when threads ask at the same time."""
    with _FACTORY_LOCK:
        return _build_factory()


def profile_paths() -> list[Path]:
    """Return langdetect's profile files, sorted: every machine numbers the languages alike."""
    # Sorted, so the float sums (and thus the seeded results) are identical everywhere;
    # langdetect's own load_profile follows os.listdir order.
    return sorted(
        path
        for path in Path(PROFILES_DIRECTORY).iterdir()
        if path.is_file() and not path.name.startswith(".")
    )


@functools.cache
def _build_factory() -> DetectorFactory:
    """Build langdetect's profiles once, seeded, without touching its global factory."""
    factory = DetectorFactory()
    # The same probabilities as factory.load_json_profile, held sparsely (65 -> ~15 MiB).
    profiles = SparseProfiles(path.read_text(encoding="utf-8") for path in profile_paths())
    factory.langlist = list(profiles.languages)
    factory.word_lang_prob_map = profiles
    # An instance attribute: the class attribute other users of langdetect rely on stays put.
    factory.seed = _SEED
    return factory


def _ranked(text: str) -> list[tuple[str, float]]:
    """Return langdetect's candidate languages, most probable first, or [] if it cannot tell."""
    detector = _detector_factory().create()
    # 3 random trials instead of langdetect's 7: the same answer on all 833 sentences of
    # tests/data (and 2,921 labelled calls in the speed issue's measurement), in half the time.
    detector.n_trial = TRIALS
    detector.append(text)
    try:
        return [(found.lang, found.prob) for found in detector.get_probabilities()]
    except LangDetectException:
        # Scripts without a profile (Ge'ez for Tigrinya, Amharic) leave it no features.
        return []


def detect_language(text: str, hint: str | None = None) -> str:
    """Return the ISO 639-1 code of ``text`` ("nb"/"nn" for Norwegian), or "unknown"."""
    if sum(char.isalpha() for char in text) < _MIN_LETTERS:
        return UNKNOWN
    ranked = _ranked(text)
    if not ranked:
        return UNKNOWN
    words = [word.lower() for word in _WORD.findall(text)]
    guess = _correct_lookalike(ranked, text, words)
    norwegian_hint = normalise_language_code(hint)
    if norwegian_hint not in ("nb", "nn"):
        norwegian_hint = None
    if _is_latin(text) and _is_norwegian(guess, ranked, text, words, norwegian_hint):
        return _norwegian_form(words, norwegian_hint)
    return guess


def _is_latin(text: str) -> bool:
    """Tell whether most letters of ``text`` are Latin."""
    letters = [char for char in text if char.isalpha()]
    latin = sum(char < "\u0250" or "\u1e00" <= char <= "\u1eff" for char in letters)
    return latin * 2 > len(letters)


def _is_norwegian(
    guess: str, ranked: list[tuple[str, float]], text: str, words: list[str], hint: str | None
) -> bool:
    """Tell whether Latin ``text`` is Norwegian, overruling langdetect's Scandinavian mix-ups."""
    evidence = _norwegian_evidence(text, words)
    if guess in ("no", "da"):
        return True
    if guess == "sv":
        markers = _markers()
        swedish = sum(word in markers.words["sv"] for word in words)
        return not (markers.letters["sv"] & set(text.lower()) or swedish > evidence)
    top, probability = ranked[0]
    # English or Polish stands when langdetect is sure of it or our word rules found it.
    clear = guess in ("en", "pl") and (guess != top or probability >= _CLEAR)
    if _is_substantial(evidence, words) and not clear:
        return True
    # A resident known to write Norwegian who answers in a word or two most likely wrote
    # Norwegian, unless it has letters Norwegian lacks or looks like another interview language.
    return (
        hint is not None
        and len(words) <= _VERY_SHORT_WORDS
        and guess not in ("en", "pl")
        and all(_NORWEGIAN_ALPHABET.fullmatch(word) for word in words)
    )


def _norwegian_evidence(text: str, words: list[str]) -> int:
    """Count the signs that ``text`` is Norwegian: distinctive words and æ/ø/å in common words."""
    markers = _markers()
    hits = sum(word in markers.norwegian_evidence for word in words)
    # Capitalised words after the first are names ("Gjøvik", "Mjøsa"): no sign of the language.
    lettered = any(
        markers.letters["nb"] & set(word.lower())
        for index, word in enumerate(_WORD.findall(text))
        if index == 0 or not word[0].isupper()
    )
    return hits + int(lettered)


def _is_substantial(hits: int, words: list[str]) -> bool:
    """Tell whether ``hits`` marker words are more than a coincidence among ``words``."""
    return hits >= 2 or (hits >= 1 and hits * 4 >= len(words))


def _norwegian_form(words: list[str], hint: str | None) -> str:
    """Choose bokmål or nynorsk by marker words and endings, then the resident's hint, then nb."""
    nynorsk = sum(_marks(word, "nn") for word in words)
    bokmal = sum(_marks(word, "nb") for word in words)
    if nynorsk != bokmal:
        return "nn" if nynorsk > bokmal else "nb"
    # Most Norwegians, and Gjøvik's own texts, write bokmål.
    return hint or "nb"


def _marks(word: str, language: str) -> bool:
    """Tell whether ``word`` is a marker of bokmål or nynorsk: a marker word or ending."""
    markers = _markers()
    if word in markers.words[language]:
        return True
    if word.endswith(markers.same_in_both_endings):
        return False
    endings = markers.endings[language]
    return any(len(word) >= shortest and word.endswith(ending) for ending, shortest in endings)


def _correct_lookalike(ranked: list[tuple[str, float]], text: str, words: list[str]) -> str:
    """Correct langdetect's known confusions of Ukrainian, Arabic, Polish and English."""
    top = ranked[0][0]
    letters = set(text.lower())
    markers = _markers()
    if top in _SLAVIC_CYRILLIC:
        return _east_slavic(ranked, letters, words)
    if top in ("fa", "ur") and not letters & _PERSIAN_OR_URDU_LETTERS:
        # Only Persian and Urdu write پ چ ژ گ and the Persian kaf and yeh; Arabic text lacks them.
        return "ar"
    if top in ("pl", "en") or not _is_latin(text):
        return top
    # A Polish name ("Łukasz") in a Norwegian sentence does not make it Polish.
    polish = letters & markers.letters["pl"] or sum(w in markers.words["pl"] for w in words) >= 2
    if polish and top not in _SCANDINAVIAN:
        return "pl"
    english = sum(word in markers.words["en"] for word in words)
    if _is_substantial(english, words) and english > _norwegian_evidence(text, words):
        return "en"
    return top


def _east_slavic(ranked: list[tuple[str, float]], letters: set[str], words: list[str]) -> str:
    """Tell Ukrainian from Russian, Bulgarian and Macedonian by their own letters and words."""
    top = ranked[0][0]
    markers = _markers()
    if letters & markers.letters["uk"]:
        return "uk"
    if letters & markers.letters["ru"]:
        return "ru"
    if letters & (_BULGARIAN_OR_RUSSIAN_LETTERS | _MACEDONIAN_LETTERS):
        return top
    ukrainian = sum(word in markers.words["uk"] for word in words)
    russian = sum(word in markers.words["ru"] for word in words)
    if ukrainian != russian:
        return "uk" if ukrainian > russian else "ru"
    candidates = [lang for lang, _ in ranked if lang in ("uk", "ru")]
    return candidates[0] if candidates else top


def warm_up() -> None:
    """Load the language profiles now (about 0.3 s), not on a resident's first answer."""
    _detector_factory()


def normalise_language_code(code: str | None) -> str | None:
    """Map a Telegram language_code ("no", "nn", "en-GB", "uk", "") to our code, or None."""
    if not code:
        return None
    primary = code.strip().lower().replace("_", "-").split("-", 1)[0]
    if not _TAG.fullmatch(primary):
        return None
    return "nb" if primary == "no" else primary


def interview_language(code: str | None, supported: Sequence[str]) -> str | None:
    """Return ``code`` normalised if the interview is offered in it, else None."""
    normalised = normalise_language_code(code)
    return normalised if normalised in supported else None
