"""The digest's themes: ranked by priority with its inputs, bridging and rising marked."""

from flows.digest import build_digest
from flows.digest_text import render_digest_plain
from flows.priority import Weights
from flows.trend import Earlier
from tests.flows.test_digest import NAMES, OSLO, WEEK, record, render
from tests.packaged import staff_texts

GROUPS = ("eldre", "ungdom", "barnefamilier")


def wide(n: int, **more: object) -> object:
    """A problem of theme 1: mild, from every group in turn."""
    return record(
        n, theme=1, theme_label="Buss <kveld>", severity=2, groups=(GROUPS[n % 3],), **more
    )


def severe(n: int) -> object:
    """A problem of theme 2: severe and daily, from the elderly only."""
    return record(100 + n, theme=2, theme_label="Glatte fortau", severity=5, frequency="daily")


CURRENT = [*(wide(n) for n in range(6)), *(severe(n) for n in range(2))]


def test_each_theme_shows_its_priority_next_to_its_inputs() -> None:
    digest = build_digest(CURRENT, [], WEEK)
    text = render_digest_plain(digest, staff_texts(), "en", NAMES, OSLO)
    # 2 residents, 1 group, 1 area: 100·(0.4·log 3/log 51 + 0.3·1 + 0.15·1 + 0.15·2/8) = 60
    # Issue 15: a short reason instead of a dense parenthesis; the inputs are in the sheet.
    assert "• Glatte fortau: priority 60, high – rated hard, happens often" in text
    assert "<5 problems · reach: <5 residents, 0 “me too” · 1 group, 1 area" in text
    assert "happens daily for most" in text
    assert "• Buss <kveld>: priority 35, medium – rated mild" in text
    assert "6 problems · reach: 6 residents, 0 “me too” · 3 groups, 1 area" in text
    assert "PRIORITY_WEIGHTS" not in text and "figures behind each priority" in text
    assert "&lt;kveld&gt;" in render(digest, "en") and "<kveld>" not in render(digest, "en")


def test_the_weights_decide_the_order() -> None:
    by_reach = build_digest(
        CURRENT, [], WEEK, Weights(reach=1, severity=0, frequency=0, breadth=0)
    )
    by_severity = build_digest(
        CURRENT, [], WEEK, Weights(reach=0, severity=1, frequency=0, breadth=0)
    )
    assert [t.theme for t in by_reach.themes] == [1, 2]
    assert [t.theme for t in by_severity.themes] == [2, 1]


def test_a_theme_raised_by_three_groups_is_bridging() -> None:
    themes = {t.theme: t for t in build_digest(CURRENT, [], WEEK).themes}
    assert themes[1].bridging and not themes[2].bridging
    assert "bridging groups" in render_digest_plain(
        build_digest(CURRENT, [], WEEK), staff_texts(), "en", NAMES, OSLO
    )


HISTORY = (Earlier(3, {1: 2, 2: 1}), Earlier(4, {1: 4}))  # two earlier periods with data


def test_a_theme_is_rising_only_when_it_grew_and_is_not_small() -> None:
    before = [wide(200 + n) for n in range(2)] + [severe(300)]
    themes = {t.theme: t for t in build_digest(CURRENT, before, WEEK, earlier=HISTORY).themes}
    assert themes[1].rising and (themes[1].count, themes[1].previous) == (6, 2)
    assert not themes[2].rising  # 2 after 1 grew, but a count below 5 says nothing about it
    flat_before = [wide(400 + n) for n in range(6)]
    flat = {t.theme: t for t in build_digest(CURRENT, flat_before, WEEK, earlier=HISTORY).themes}
    assert not flat[1].rising


def test_nothing_is_called_rising_or_new_without_two_earlier_periods_of_data() -> None:
    before = [wide(200 + n) for n in range(2)]
    for earlier in [(), (Earlier(2, {1: 2}),), (Earlier(2, {1: 2}), Earlier(0))]:
        digest = build_digest(CURRENT, before, WEEK, earlier=earlier)
        assert not any(t.rising or t.new for t in digest.themes)
        text = render_digest_plain(digest, staff_texts(), "en", NAMES, OSLO)
        assert "Rising" not in text and "New:" not in text and "rising" not in text
    known = build_digest(CURRENT, before, WEEK, earlier=(Earlier(2, {1: 2}), Earlier(1, {1: 1})))
    assert {t.theme: (t.rising, t.new) for t in known.themes} == {
        1: (True, False),
        2: (False, True),
    }
    lead = render_digest_plain(known, staff_texts(), "en", NAMES, OSLO).split("\n")[4]
    assert lead == "New: Glatte fortau · Rising: Buss <kveld>"
