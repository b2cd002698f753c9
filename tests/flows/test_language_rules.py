"""The language files: every offered language has every rule, and a broken file says why."""

import shutil
from pathlib import Path

import pytest

from flows.language_rules import (
    LANGUAGES_DIRECTORY,
    REQUIRED,
    LanguageFileError,
    load_rule_book,
    packaged_rule_book,
    parse,
)
from tests.flows.dialog import content

GERMAN = """
script = "latin"
[normalise]
stemmer = "nordic"
stop_words = "der die das und"
"""


@pytest.mark.parametrize("language", content().languages)
def test_every_language_the_interview_offers_has_every_rule(language: str) -> None:
    assert packaged_rule_book().missing(language) == []


def test_a_new_language_without_its_rules_is_named_with_what_it_lacks(tmp_path: Path) -> None:
    book = load_rule_book(_shipped_and(tmp_path, de=GERMAN))
    missing = book.missing("de")
    assert "interview.list_words" in missing and "solution.conjunction" in missing
    assert "normalise.stop_words" not in missing
    assert len(missing) == len(REQUIRED) - 2  # it has a stemmer and stop words
    assert packaged_rule_book().missing("de") == ["de.toml"]


def test_rules_from_lends_what_a_file_leaves_out(tmp_path: Path) -> None:
    nynorsk = 'script = "latin"\nrules_from = "nb"\n'
    book = load_rule_book(_shipped_and(tmp_path, nn=nynorsk))
    assert book.missing("nn") == []
    assert book.get("nn") != book.get("nb")  # still its own language


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('script = "latin"\n[solution]\nconjuntion = ["og"]', "solution.conjuntion: unknown"),
        ('script = "latin"\n[normalise]\nstemmer = "porter"', "normalise.stemmer: 'porter'"),
        ('script = "latin"\n[interview]\nlist_words = "og"', "interview.list_words: must be"),
        ('script = "klingon"', "script: 'klingon'"),
        ('script = "latin"\n[solution]\nwish = ["(?:more"]', "solution.wish: not a regular"),
        ("script = ", "not valid TOML"),
    ],
)
def test_a_broken_file_names_itself_and_the_problem(text: str, says: str) -> None:
    with pytest.raises(LanguageFileError, match=r"^de\.toml: ") as raised:
        parse(text, "de.toml")
    assert says in str(raised.value)


def _shipped_and(tmp_path: Path, **files: str) -> Path:
    """Copy the shipped language files to ``tmp_path`` and add or replace ``files``."""
    for path in LANGUAGES_DIRECTORY.glob("*.toml"):
        shutil.copy(path, tmp_path)
    for code, text in files.items():
        (tmp_path / f"{code}.toml").write_text(text, "utf-8")
    return tmp_path
