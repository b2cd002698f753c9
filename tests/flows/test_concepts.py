"""The concept lexicon: every offered language has words for every concept, and labels read."""

import pytest

from flows.concepts import STAFF_LANGUAGES, ConceptFileError, parse
from flows.language_rules import packaged_rule_book
from flows.text_normalise import concept_lexicon, is_stop_word
from tests.flows.dialog import content


@pytest.mark.parametrize("language", content().languages)
def test_every_language_the_interview_offers_has_words_for_every_concept(language: str) -> None:
    rules = packaged_rule_book().get(language)
    lent = "nb" if rules is not None and rules.code == "nn" else ""  # nn.toml: rules_from nb
    assert concept_lexicon().missing(language, lent) == []


def test_a_language_added_without_concept_words_is_found_out() -> None:
    lexicon = concept_lexicon()
    assert lexicon.missing("de") == list(lexicon.words)  # every concept names the gap


def test_every_concept_is_named_for_staff_without_stop_words() -> None:
    lexicon = concept_lexicon()
    for concept in lexicon.words:
        for language in STAFF_LANGUAGES:
            name = lexicon.label(concept, language)
            assert name and not any(is_stop_word(word) for word in name.split()), (concept, name)


def test_a_broken_concept_file_names_the_concept_and_what_is_wrong() -> None:
    with pytest.raises(ConceptFileError, match=r"\[bus\] label: needs a name"):
        parse('[bus]\nlabel = { nb = "buss" }\nen = "bus"\n')
    with pytest.raises(ConceptFileError, match=r"\[bus\] pl: must be words"):
        parse('[bus]\nlabel = { nb = "buss", nn = "buss", en = "bus" }\npl = 3\n')
    with pytest.raises(ConceptFileError, match="not valid TOML"):
        parse("[bus\n")
    lexicon = parse('[bus]\nlabel = { nb = "buss", nn = "buss", en = "bus" }\npl = "Autobus*"\n')
    assert lexicon.words == {"bus": {"pl": ("autobus*",)}} and lexicon.label("bus", "en") == "bus"
