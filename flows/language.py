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
from pathlib import Path

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

SUPPORTED_INTERVIEW_LANGUAGES: tuple[str, ...] = ("nb", "nn", "en", "pl", "uk")
UNKNOWN = "unknown"

_SEED = 0
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


def _wordset(words: str) -> frozenset[str]:
    """Return the space-separated ``words`` as a set."""
    return frozenset(words.split())


_SCANDINAVIAN = frozenset({"no", "da", "sv"})
_SLAVIC_CYRILLIC = frozenset({"ru", "uk", "bg", "mk"})

_NYNORSK = _wordset(
    "ikkje eg kva korleis kvar kvart kven kvifor kvi frå heim heime berre noko nokon nokre ein "
    "eit eitt dei deira dykk dykkar vere vore vorte vart mykje meir fekk gjekk sjølv sjølve "
    "medan høyrer høyrde kjem kome ho me hjå veit no enno saman framleis sjå gjere gjer seie "
    "seier tek veke veker veka vekene fleire skule skulen sjuk sjukt sjukehus sjukeheim "
    "sjukeheimen heiter heite heile hennar då gong gongen kor treng ynskjer ønskjer bustad "
    "bustaden veg vegen kyrkje kvarandre sjeldan tenkje spørje søkje søkjer ringje seinare "
    "sidan difor pengar vatn lærar bur budd granne grannen månad månaden einsam einsame "
    "einsemd eigen eige eigne"
)
_BOKMAL = _wordset(
    "ikke jeg hva hvordan hvor hvorfor hvem hvilken hvilke hvilket hvis hver hvert fra hjem "
    "hjemme bare noe noen en et de dere deres dem være vært mye mer fikk gikk selv mens hun "
    "hennes hører hørte kommer tar uke uker uken flere skole skolen syk sykt sykehus sykehjem "
    "sykehjemmet vet ble nå ennå sammen fortsatt gjøre gjør sier se heter hele trenger ønsker "
    "bolig vei veien veier hverandre sjelden senere siden penger vann bor da måned måneden "
    "ensom ensomme egen eget egne"
)
# Endings one standard writes and the other does not, with the shortest word they count in.
_NYNORSK_ENDINGS = (("leg", 5), ("legt", 6), ("heit", 6), ("ar", 5), ("ane", 6))
_BOKMAL_ENDINGS = (("lig", 5), ("lige", 6), ("het", 6))
# Loanwords in -ar and compounds of "bane" are spelt alike in both standards.
_SAME_IN_BOTH_ENDINGS = (
    "januar",
    "februar",
    "dollar",
    "seminar",
    "kommentar",
    "eksemplar",
    "vikar",
    "radar",
    "bane",
)
_NORWEGIAN_COMMON = _wordset(
    "og det på av får går blir skal må ingen også veldig takk hei nei hos"
)
# Words from the lists above that are everyday words in English, German, Dutch, French, Italian
# or Spanish too: no evidence that a text is Norwegian.
_NOT_DISTINCT = _wordset(
    "en et de me ho ein dei no vere vore se si da tar fra bare mens mer tek ble hele dem bur "
    "kvi kor"
)
_NORWEGIAN_EVIDENCE = (_NYNORSK | _BOKMAL | _NORWEGIAN_COMMON) - _NOT_DISTINCT
_SWEDISH = _wordset(
    "jag inte och är hur vad varför från bara mycket fick själv någon något några mig dig sig "
    "hon blev vara varit där här måste sedan"
)
_POLISH = _wordset(
    "nie sie się jest są gdzie dlaczego czemu czy że ze juz już bardzo mnie mam jestem nikt "
    "nic tylko przez który która które ktory prosze proszę kiedy żeby zeby dla też tez tutaj "
    "mój moj moja moje nasz nasza nasze mamy ma"
)
_ENGLISH = _wordset(
    "the and you your our they their am are was were been be will would should could can "
    "cannot don doesn didn isn aren won not with this that these there have has had need "
    "please very what why where when how who get got here nobody never always too much "
    "because but hello hi thanks thank sorry yes speak"
)
_UKRAINIAN = _wordset(
    "що щоб як де куди звідки чому коли дуже тут вже немає нема це ця цей цього цьому його "
    "мене ми ви вони ти та або чи будь ласка можу можна треба потрібно дякую хто ніхто "
    "надто занадто буде будуть мій наш наша ваш зараз завжди ніколи вдома робити знову теж "
    "також лише тільки усе усі"
)
_RUSSIAN = _wordset(
    "что чтобы как где куда откуда почему когда очень здесь уже нет это эта этот его меня "
    "мне мы вы они ты и или ли пожалуйста могу можно надо нужно спасибо кто никто снова "
    "тоже только сейчас всегда никогда дома делать будет опять слишком"
)
_UKRAINIAN_LETTERS = frozenset("іїєґ")
_RUSSIAN_LETTERS = frozenset("ыэё")
_BULGARIAN_OR_RUSSIAN_LETTERS = frozenset("ъ")
_MACEDONIAN_LETTERS = frozenset("ѓќѕљњџј")
_POLISH_LETTERS = frozenset("łżśźćń")
_PERSIAN_OR_URDU_LETTERS = frozenset("پچژگکیٹڈڑںےھۀ")
_NORWEGIAN_LETTERS = frozenset("æøå")
_SWEDISH_LETTERS = frozenset("äö")


_FACTORY_LOCK = threading.Lock()


def _detector_factory() -> DetectorFactory:
    """Return the shared detector factory, built once even when threads ask at the same time."""
    with _FACTORY_LOCK:
        return _build_factory()


@functools.cache
def _build_factory() -> DetectorFactory:
    """Build langdetect's profiles once, seeded, without touching its global factory."""
    factory = DetectorFactory()
    # Sorted, so every machine numbers the languages alike and the float sums (and thus the
    # seeded results) are identical everywhere; load_profile follows os.listdir order.
    profiles = sorted(
        path
        for path in Path(PROFILES_DIRECTORY).iterdir()
        if path.is_file() and not path.name.startswith(".")
    )
    factory.load_json_profile([path.read_text(encoding="utf-8") for path in profiles])
    # An instance attribute: the class attribute other users of langdetect rely on stays put.
    factory.seed = _SEED
    return factory


def _ranked(text: str) -> list[tuple[str, float]]:
    """Return langdetect's candidate languages, most probable first, or [] if it cannot tell."""
    detector = _detector_factory().create()
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
        swedish = sum(word in _SWEDISH for word in words)
        return not (_SWEDISH_LETTERS & set(text.lower()) or swedish > evidence)
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
    hits = sum(word in _NORWEGIAN_EVIDENCE for word in words)
    # Capitalised words after the first are names ("Gjøvik", "Mjøsa"): no sign of the language.
    lettered = any(
        _NORWEGIAN_LETTERS & set(word.lower())
        for index, word in enumerate(_WORD.findall(text))
        if index == 0 or not word[0].isupper()
    )
    return hits + int(lettered)


def _is_substantial(hits: int, words: list[str]) -> bool:
    """Tell whether ``hits`` marker words are more than a coincidence among ``words``."""
    return hits >= 2 or (hits >= 1 and hits * 4 >= len(words))


def _norwegian_form(words: list[str], hint: str | None) -> str:
    """Choose bokmål or nynorsk by marker words and endings, then the resident's hint, then nb."""
    nynorsk = sum(word in _NYNORSK or _has_ending(word, _NYNORSK_ENDINGS) for word in words)
    bokmal = sum(word in _BOKMAL or _has_ending(word, _BOKMAL_ENDINGS) for word in words)
    if nynorsk != bokmal:
        return "nn" if nynorsk > bokmal else "nb"
    # Most Norwegians, and Gjøvik's own texts, write bokmål.
    return hint or "nb"


def _has_ending(word: str, endings: tuple[tuple[str, int], ...]) -> bool:
    """Tell whether ``word`` is long enough for one of ``endings`` and ends in it."""
    if word.endswith(_SAME_IN_BOTH_ENDINGS):
        return False
    return any(len(word) >= shortest and word.endswith(ending) for ending, shortest in endings)


def _correct_lookalike(ranked: list[tuple[str, float]], text: str, words: list[str]) -> str:
    """Correct langdetect's known confusions of Ukrainian, Arabic, Polish and English."""
    top = ranked[0][0]
    letters = set(text.lower())
    if top in _SLAVIC_CYRILLIC:
        return _east_slavic(ranked, letters, words)
    if top in ("fa", "ur") and not letters & _PERSIAN_OR_URDU_LETTERS:
        # Only Persian and Urdu write پ چ ژ گ and the Persian kaf and yeh; Arabic text lacks them.
        return "ar"
    if top in ("pl", "en") or not _is_latin(text):
        return top
    # A Polish name ("Łukasz") in a Norwegian sentence does not make it Polish.
    polish = letters & _POLISH_LETTERS or sum(word in _POLISH for word in words) >= 2
    if polish and top not in _SCANDINAVIAN:
        return "pl"
    english = sum(word in _ENGLISH for word in words)
    if _is_substantial(english, words) and english > _norwegian_evidence(text, words):
        return "en"
    return top


def _east_slavic(ranked: list[tuple[str, float]], letters: set[str], words: list[str]) -> str:
    """Tell Ukrainian from Russian, Bulgarian and Macedonian by their own letters and words."""
    top = ranked[0][0]
    if letters & _UKRAINIAN_LETTERS:
        return "uk"
    if letters & _RUSSIAN_LETTERS:
        return "ru"
    if letters & (_BULGARIAN_OR_RUSSIAN_LETTERS | _MACEDONIAN_LETTERS):
        return top
    ukrainian = sum(word in _UKRAINIAN for word in words)
    russian = sum(word in _RUSSIAN for word in words)
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
