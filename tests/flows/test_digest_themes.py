"""The digest's themes: ranked by priority with its inputs, bridging and rising marked."""

from flows.digest import build_digest, render_digest_plain
from flows.priority import Weights
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
    assert "• Glatte fortau: <5 · priority 60 (reach <5, severity 5.0, 365 times a year," in text
    assert "• Buss <kveld>: 6 · priority 35 (reach 6, severity 2.0, – times a year," in text
    assert "Priority 0–100: a weighted mean of reach" in text
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


def test_a_theme_is_rising_only_when_it_grew_and_is_not_small() -> None:
    before = [wide(200 + n) for n in range(2)] + [severe(300)]
    themes = {t.theme: t for t in build_digest(CURRENT, before, WEEK).themes}
    assert themes[1].rising and (themes[1].count, themes[1].previous) == (6, 2)
    assert not themes[2].rising  # 2 after 1 grew, but a count below 5 says nothing about it
    flat = {
        t.theme: t for t in build_digest(CURRENT, [wide(400 + n) for n in range(6)], WEEK).themes
    }
    assert not flat[1].rising
