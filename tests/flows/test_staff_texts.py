"""The staff texts: the packaged file is complete, and a mistake names the file and the line."""

from importlib import resources

import pytest

from flows.content import parse_content
from flows.staff_texts import STAFF_PARAMS, parse_staff_texts
from flows.texts import ContentError
from tests.packaged import staff_texts

STAFF = resources.files("flows").joinpath("staff.toml").read_text("utf-8")
INTERVIEW = resources.files("flows").joinpath("interview.toml").read_text("utf-8")


def _line(text: str, start: str, after: int = 0) -> int:
    """Return the number of the first line from line ``after`` on that starts with ``start``."""
    lines = text.splitlines()
    return next(n for n, line in enumerate(lines, 1) if n > after and line.startswith(start))


def _problems(text: str, source: str = "staff.toml") -> list[str]:
    with pytest.raises(ContentError) as raised:
        parse_staff_texts(text, source)
    assert str(raised.value).startswith(f"{source}: ")
    return list(raised.value.problems)


def test_the_packaged_staff_texts_have_every_key_in_every_language() -> None:
    texts = staff_texts()
    assert texts.languages == ("nb", "nn", "en")
    for language in texts.languages:
        assert set(texts.templates[language]) == set(STAFF_PARAMS)
    assert texts.language_name("uk", "en") == "Ukrainian"
    assert texts.language_name("uk", "de") == "ukrainsk"  # the first language stands in


def test_html_escapes_values_and_plain_drops_the_tags() -> None:
    texts = staff_texts()
    assert texts.html("theme_item", "en", id="3", count="<5", label="Bus & <train>") == (
        "<b>3</b> · &lt;5 · Bus &amp; &lt;train&gt;"
    )
    assert texts.plain("theme_item", "en", id="3", count="<5", label="Bus & <train>") == (
        "3 · <5 · Bus & <train>"
    )


def test_a_key_missing_in_one_language_names_its_table_and_line() -> None:
    broken = STAFF.replace('digest_empty = "Ingen nye problem i perioden."\n', "")
    assert broken != STAFF
    assert _problems(broken) == [
        f"nn.digest_empty: missing (every language needs every text key) "
        f"(line {_line(STAFF, '[nn]')})"
    ]


def test_an_unknown_placeholder_names_its_line() -> None:
    line = _line(STAFF, "stats_total", after=_line(STAFF, "[en]"))
    broken = STAFF.replace('stats_total = "Total: {count} problems"', 'stats_total = "{total}"')
    assert broken != STAFF
    problems = _problems(broken)
    assert (
        f"en.stats_total: placeholder {{count}} is missing (the nb text has it) (line {line})"
        in (problems)
    )
    assert (
        f"en.stats_total: placeholder {{total}} is not in the nb text (a typo?) (line {line})"
        in (problems)
    )


def test_a_bad_tag_names_its_line() -> None:
    line = _line(STAFF, "digest_areas")
    broken = STAFF.replace('"<b>Etter område</b>"', '"<b>Område"', 1)
    assert broken != STAFF
    assert _problems(broken) == [f"nb.digest_areas: <b> is never closed (line {line})"]


def test_an_interview_text_problem_names_its_line() -> None:
    line = _line(INTERVIEW, "ask_area", after=_line(INTERVIEW, "[texts.en]"))
    broken = INTERVIEW.replace('ask_area = "Where', 'ask_area = "<a>Where')
    assert broken != INTERVIEW
    with pytest.raises(ContentError) as raised:
        parse_content(broken, "interview.toml")
    assert raised.value.problems == (
        f"texts.en.ask_area: tag <a> is not allowed: only <b>, <i> and <u> (line {line})",
    )
