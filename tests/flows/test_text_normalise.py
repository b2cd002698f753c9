"""Terms of a text: dictionary forms (simplemma) and concepts, the same across languages."""

import pytest

from flows.text_normalise import lemmatise, terms
from tests.fresh_process import fresh_report

OFFERED = ("nb", "nn", "en", "pl", "uk")  # the interview file's languages
# Reads the resident set before and after loading the offered languages' dictionaries.
_LOAD_DICTIONARIES = f"""
import json, re
def rss():
    status = open("/proc/self/status").read()
    return int(re.search(r"VmRSS:\\s+(\\d+)", status).group(1)) // 1024
from flows.text_normalise import lemmatise, lemmatise_cache_size, terms, warm_up
before = rss()
warm_up({OFFERED!r})
found = sorted(t.term for t in terms("Autobusy jeżdżą za rzadko wieczorem", "pl"))
loaded = rss()
for number in range(17_000):  # typos: every one a new word, more than the cache keeps
    lemmatise("bussx" + "".join(chr(97 + int(d)) for d in str(number)), "nb")
report = {{"mib": loaded - before, "terms": found, "cache_mib": rss() - loaded}}
print(json.dumps({{**report, "cached": lemmatise_cache_size()}}))
"""


def concepts(text: str, language: str) -> set[str]:
    return {t.term for t in terms(text, language) if t.concept}


@pytest.mark.parametrize(
    ("word", "language", "lemma"),
    [
        ("autobusów", "pl", "autobus"),
        ("lekarza", "pl", "lekarz"),
        ("автобуси", "uk", "автобус"),
        ("тротуару", "uk", "тротуар"),
        ("fastlegen", "nb", "fastlege"),
        ("bussane", "nn", "buss"),
        ("letters", "en", "letter"),
        ("autobusów", "xx", "autobusów"),  # a language simplemma lacks: the word itself
    ],
)
def test_words_are_reduced_to_their_dictionary_form(word: str, language: str, lemma: str) -> None:
    assert lemmatise(word, language) == lemma


def test_the_offered_languages_dictionaries_fit_in_a_small_bot() -> None:
    # simplemma's default backend made them ~530 MiB (Polish alone ~360): the bot idled at 800.
    report = fresh_report(_LOAD_DICTIONARIES)
    assert report["mib"] < 150
    # Words seen are cached, boundedly: two caches of 65,536 lemmas grew the bot by 33 MiB.
    assert report["cached"] == 16_384  # 17,000 new words seen, the oldest forgotten
    assert report["cache_mib"] < 15
    assert {"buss", "avgang", "kveld"} <= set(report["terms"])


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Bussen går for sjelden om kvelden", "nb", {"buss", "avgang", "kveld"}),
        ("Bussane går sjeldan om kvelden", "nn", {"buss", "avgang", "kveld"}),
        ("The bus rarely comes in the evening", "en", {"buss", "avgang", "kveld"}),
        ("Autobus jeździ rzadko wieczorem", "pl", {"buss", "avgang", "kveld"}),
        ("Автобуси ходять рідко ввечері", "uk", {"buss", "avgang", "kveld"}),
    ],
)
def test_one_problem_yields_the_same_concepts_in_every_language(
    text: str, language: str, expected: set[str]
) -> None:
    assert concepts(text, language) >= expected


def test_polish_typed_without_accents_still_finds_its_concepts() -> None:
    assert concepts("Chodniki sa sliskie, nikt nie sypie piasku", "pl") >= {"fortau", "glatt"}
    assert concepts("Nie ma chodnika do szkoly", "pl") == concepts(
        "Nie ma chodnika do szkoły", "pl"
    )


def test_an_apostrophe_belongs_to_a_ukrainian_word() -> None:
    assert "dekning" in concepts("Мобільний зв’язок жахливий", "uk")
    assert "dekning" in concepts("Мобільний зв'язок жахливий", "uk")


def test_connectives_and_masking_placeholders_are_never_terms() -> None:
    found = {t.form for t in terms("bo nie rozumiem, або [phone] [email] [id-number]", "pl")}
    assert not found & {"bo", "або", "phone", "email", "id", "number", "telefon"}
    assert not concepts("Ring meg på [phone]", "nb") - {"telefon"}  # "ring" itself counts
    assert "telefon" not in concepts("Skriv til [email] eller [phone]", "nb")
