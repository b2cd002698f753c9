# ruff: noqa: E501  (golden texts are whole digest lines)
"""Golden texts: the first lines of the digest on a fixed week, in nb, nn and en."""

import pytest

from flows.digest import build_digest
from flows.digest_text import render_digest, render_digest_plain
from flows.trend import Earlier
from tests.artefacts_data import CURRENT, EARLIER, OSLO, WEEK, digest, names
from tests.packaged import staff_texts

GOLDEN = {
    "nb": """\
Innspill fra innbyggerne, 23.11.–29.11.2026
29 nye problemer fra 23 innbyggere og 6 verkstedlapper (+18 problemer, +12 innbyggere fra forrige periode)
1. Snø på fortauet i Hunndalen – 14 innbyggere, mest senior (65+), vurdert som alvorlig (4,1 av 5)
2. Kveldsbuss i Gjøvik sentrum og Snertingdal – 8 innbyggere, mest I jobb / pendler og ungdom, vurdert som middels alvorlig (3,0 av 5)
3. Brev fra NAV i Gjøvik sentrum – 6 verkstedlapper, mest ny i Norge, vurdert som alvorlig (4,0 av 5)
Nytt: Brev fra NAV · Økende: Snø på fortauet, Kveldsbuss""",
    "nn": """\
Innspel frå innbyggjarane, 23.11.–29.11.2026
29 nye problem frå 23 innbyggjarar og 6 verkstadlappar (+18 problem, +12 innbyggjarar frå førre periode)
1. Snø på fortauet i Hunndalen – 14 innbyggjarar, mest senior (65+), vurdert som alvorleg (4,1 av 5)
2. Kveldsbuss i Gjøvik sentrum og Snertingdal – 8 innbyggjarar, mest I jobb / pendlar og ungdom, vurdert som middels alvorleg (3,0 av 5)
3. Brev fra NAV i Gjøvik sentrum – 6 verkstadlappar, mest ny i Noreg, vurdert som alvorleg (4,0 av 5)
Nytt: Brev fra NAV · Aukande: Snø på fortauet, Kveldsbuss""",
    "en": """\
Residents' input, 23.11.–29.11.2026
29 new problems from 23 residents and 6 workshop notes (+18 problems, +12 residents on the previous period)
1. Snø på fortauet in Hunndalen – 14 residents, mostly seniors (65+), rated hard (4.1 of 5)
2. Kveldsbuss in Gjøvik town centre and Snertingdal – 8 residents, mostly workers and commuters and youth, rated moderate (3.0 of 5)
3. Brev fra NAV in Gjøvik town centre – 6 workshop notes, mostly newcomers to Norway, rated hard (4.0 of 5)
New: Brev fra NAV · Rising: Snø på fortauet, Kveldsbuss""",
}


@pytest.mark.parametrize("language", sorted(GOLDEN))
def test_the_digest_leads_with_five_lines_that_say_what_matters(language: str) -> None:
    text = render_digest_plain(digest(), staff_texts(), language, names(language), OSLO)
    title, *lead = GOLDEN[language].split("\n")
    lines = text.split("\n")
    assert lines[0] == title
    assert lines[1:6] == lead
    assert lines[6] == ""  # the details follow after a blank line


def test_the_details_say_how_often_and_count_groups_areas_and_reach_apart() -> None:
    text = render_digest_plain(digest(), staff_texts(), "en", names("en"), OSLO)
    assert "• Snø på fortauet: priority 75, high – many residents, rated hard · rising" in text
    assert (
        "14 problems · reach: 14 residents, 3 “me too” · 2 groups, 2 areas · "
        "happens every day for most"
    ) in text
    assert "reach: <5 residents, 6 workshop notes, 0 “me too” · 1 group, 1 area" in text
    assert "times a year" not in text and "PRIORITY_WEIGHTS" not in text


def test_the_first_weeks_say_nothing_new_or_rising() -> None:
    young = build_digest(CURRENT, EARLIER, WEEK, earlier=(Earlier(len(EARLIER), {}),))
    text = render_digest_plain(young, staff_texts(), "nb", names("nb"), OSLO)
    assert "Nytt" not in text and "Økende" not in text and "økende" not in text
    assert text.split("\n")[5] == ""  # the lead is four lines: totals and three themes


def test_labels_and_names_in_the_lead_are_escaped_in_html() -> None:
    shouting = [r.__class__(**{**_values(r), "theme_label": "<b>Snø</b> & is"}) for r in CURRENT]
    html = render_digest(
        build_digest(shouting, EARLIER, WEEK), staff_texts(), "en", names("en"), OSLO
    )
    assert "&lt;b&gt;Snø&lt;/b&gt; &amp; is" in html and "<b>Snø</b>" not in html


def _values(record: object) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}  # type: ignore[attr-defined]
