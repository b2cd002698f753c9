"""The digest chart: phone-sized, readable at 400 px, no clipped label, small counts alike."""

import io
from dataclasses import replace

import pytest
from matplotlib.text import Text
from PIL import Image

from bot.artefacts.chart import (
    HEIGHT,
    SMALL_LENGTH,
    WIDTH,
    chart_texts,
    digest_chart,
    draw_chart,
)
from flows.digest import SMALL
from tests.artefacts_data import OSLO, digest
from tests.packaged import staff_texts

PHONE = 400  # px: how wide Telegram shows a photo on a phone
READABLE = 11  # px: the smallest text height still read comfortably there


def words(language: str = "nb", the_digest=None):
    return chart_texts(staff_texts(), language, the_digest or digest(), OSLO)


def test_the_chart_is_a_png_of_the_expected_size() -> None:
    image = Image.open(io.BytesIO(digest_chart(digest(), words())))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_every_label_fits_and_is_readable_at_phone_width(language: str) -> None:
    figure = draw_chart(digest(), words(language))
    renderer = figure.canvas.get_renderer()
    figure.canvas.draw()
    box = figure.bbox
    texts = [t for t in figure.findobj(Text) if _drawn(t)]
    shown = {t.get_text() for t in texts}
    assert {"Snø på fortauet", "Kveldsbuss", "Brev fra NAV", "Gatelys"} <= shown
    for text in texts:
        extent = text.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1, text.get_text()
        assert box.y0 <= extent.y0 and extent.y1 <= box.y1, text.get_text()
        pixels = text.get_fontsize() * figure.dpi / 72
        assert pixels * PHONE / WIDTH >= READABLE, text.get_text()


def test_counts_below_five_are_drawn_short_and_alike_with_a_legend() -> None:
    figure = draw_chart(digest(), words("en"))
    bars = figure.axes[0].patches
    lengths = sorted(bar.get_width() for bar in bars)
    assert lengths[0] == SMALL_LENGTH < SMALL <= lengths[1]  # "Gatelys" (<5) is the short one
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["<5: fewer than 5, drawn alike to protect privacy"]
    one, four = (
        digest_chart(d, words("en", d))
        for d in (_with_gatelys(digest(), 1), _with_gatelys(digest(), 4))
    )
    assert one == four


def test_the_trend_has_twelve_weeks_and_the_change_shows_only_for_larger_counts() -> None:
    the_digest = digest()
    assert len(the_digest.trend) == 12 and the_digest.trend[-1].problems == 29
    figure = draw_chart(the_digest, words("en"))
    labels = {t.get_text().strip() for t in figure.axes[0].texts}
    assert "8  (+2)" in labels  # Kveldsbuss: 8 after 6
    assert "14" in labels  # Snø: 14 after 3; a change from a small count would reveal it


def _with_gatelys(the_digest, count: int):
    themes = tuple(
        replace(t, count=count) if t.label == "Gatelys" else t for t in the_digest.themes
    )
    return replace(the_digest, themes=themes)


def _drawn(text) -> bool:
    """Tell whether a text artist shows on the picture (not on an axis that is turned off)."""
    hidden_axis = text.axes is not None and not text.axes.axison and text not in text.axes.texts
    return bool(text.get_text()) and text.get_visible() and not hidden_axis
