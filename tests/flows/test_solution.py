"""The solution check: a proposal is caught, a problem (even one with "must" in it) is not."""

from collections import Counter
from pathlib import Path

import pytest

from flows.solution import looks_like_solution

DATA = Path(__file__).parent.parent / "data"
LANGUAGES = ("nb", "en", "nn", "pl", "uk")
MIN_ACCURACY = 0.90


def labelled(name: str) -> list[tuple[str, bool, str]]:
    """Read ``language<TAB>label<TAB>text`` rows; label is "solution" or "problem"."""
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            language, label, text = line.split("\t")
            assert label in {"solution", "problem"}, line
            rows.append((language, label == "solution", text))
    return rows


HELD_OUT = labelled("solution_test.tsv")
DEVELOPMENT = labelled("solution_dev.tsv")


def accuracy(rows: list[tuple[str, bool, str]], language: str) -> tuple[float, list[str]]:
    mine = [(is_solution, text) for lang, is_solution, text in rows if lang == language]
    misses = [
        text for is_solution, text in mine if looks_like_solution(text, language) != is_solution
    ]
    return 1 - len(misses) / len(mine), misses


def test_held_out_set_is_large_and_balanced_enough():
    sizes = Counter(language for language, _, _ in HELD_OUT)
    solutions = Counter(language for language, is_solution, _ in HELD_OUT if is_solution)
    for language in LANGUAGES:
        assert sizes[language] >= (30 if language in {"nb", "en"} else 10), language
        assert 0.4 <= solutions[language] / sizes[language] <= 0.6, language


@pytest.mark.parametrize("language", LANGUAGES)
def test_held_out_accuracy(language):
    score, misses = accuracy(HELD_OUT, language)
    assert score >= MIN_ACCURACY, f"{language}: {score:.0%}, missed {misses}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_development_accuracy(language):
    # Tuned on, so not an honest figure; it guards against a change that undoes a fix.
    score, misses = accuracy(DEVELOPMENT, language)
    assert score >= MIN_ACCURACY, f"{language}: {score:.0%}, missed {misses}"


def test_held_out_and_development_sets_do_not_overlap():
    assert not {text for _, _, text in HELD_OUT} & {text for _, _, text in DEVELOPMENT}


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I must wait 40 minutes for the bus"),
        ("nb", "Jeg må vente 40 minutter på bussen"),
        ("nn", "Eg må køyre barna fordi bussen ikkje går"),
        ("en", "You have to call at eight to get an appointment"),
        ("nb", "Barna må gå langs veien fordi det ikke er fortau"),
        ("pl", "Muszę czekać na autobus"),
        ("uk", "Я мушу чекати автобус"),
        ("en", "My son needs a kindergarten place from August"),
        ("en", "More and more people park on the pavement"),
    ],
)
def test_a_burden_with_a_modal_is_a_problem(language, text):
    assert not looks_like_solution(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("nb", "Kommunen må lage flere gangfelt"),
        ("en", "You should build a bike lane"),
        ("nb", "Det bør være flere bussavganger"),
        ("nb", "Vi trenger en app for å booke idrettshall"),
        ("en", "We should build a bike lane"),
        ("nb", "Kommunen bør fikse veien"),
        ("nb", "Dere må lage en app"),
        ("en", "There should be more buses"),
        ("nn", "Lag ein app"),
        ("pl", "Potrzebujemy aplikacji"),
        ("uk", "Треба зробити зупинку біля школи"),
    ],
)
def test_a_proposal_is_a_solution(language, text):
    assert looks_like_solution(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("nb", "Bussen kommer aldri i tide, så dere bør sette opp flere avganger."),
        ("en", "There should be more buses, the morning bus is always full."),
        ("en", "We need an app because booking the hall by phone never works."),
    ],
)
def test_a_proposal_that_also_says_what_goes_wrong_is_a_problem(language, text):
    assert not looks_like_solution(text, language)


def test_a_benefit_clause_does_not_count_as_a_problem():
    assert looks_like_solution("Lag flere parkeringsplasser så vi slipper å lete.", "nb")
    assert looks_like_solution("Build more parking so that we don't have to wait.", "en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Flere busser!", True),
        ("more buses please", True),
        ("Zbudujcie chodnik", True),
        ("Треба зробити більше переходів", True),
        ("Jeg må vente på bussen hver dag", False),
        ("I must wait for the bus", False),
        ("Мушу чекати автобус", False),
        ("The bus is always late", False),
    ],
)
def test_unknown_language_tries_every_rule_set(text, expected):
    assert looks_like_solution(text, "unknown") is expected
    assert looks_like_solution(text, "de") is expected


def test_a_regional_language_tag_uses_its_language():
    assert looks_like_solution("Kommunen bør sette opp flere busskur", "nb-NO")


@pytest.mark.parametrize("text", ["", "   ", "!!!", "ok", "Hei", "12"])
def test_text_without_a_proposal_is_not_a_solution(text):
    assert not looks_like_solution(text, "nb")
