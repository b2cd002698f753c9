"""The digest chart: the week's top themes with their change, and twelve weeks of problems.

Made for a phone: 800 × 1000 px with text at least 24 px high, so it stays readable when
Telegram shows it 400 px wide. A count below ``SMALL`` is drawn as a short pale hatched bar
(shorter than any exact count) or a hollow point, all alike, and the legend says why.
"""

import io
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flows.digest import SMALL, Digest, display_name, shown
from flows.periods import period_dates
from flows.staff_texts import StaffTexts

if TYPE_CHECKING:  # matplotlib is imported only when a chart is drawn (memory, start-up)
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 800, 1000, 100
FONT = 18  # points: 25 px here, 12.5 px on a phone 400 px wide
BARS = 5
SMALL_LENGTH = SMALL / 2  # every small count is drawn this long: shorter than any exact one
LABEL_CHARS = 38  # a theme's label is wrapped at this many characters, on at most 2 lines
EXACT, PALE, EDGE, INK = "#1f5f99", "#d0d7de", "#8b949e", "#24292f"


@dataclass(frozen=True, slots=True)
class ChartText:
    """Every word the chart shows, in the reader's language."""

    title: str
    bars: str  # the heading of the bars: themes by priority, or areas before themes exist
    trend: str
    small: str  # the legend of small counts
    unspecified: str
    names: Any  # flows.digest.Names


def chart_texts(texts: StaffTexts, language: str, digest: Digest, zone: ZoneInfo) -> ChartText:
    """Return the chart's words for ``digest`` in ``language``."""
    start, end = period_dates(digest.period, zone)
    return ChartText(
        title=texts.plain("chart_title", language, start=start, end=end),
        bars=texts.plain("chart_themes" if digest.themes else "chart_areas", language),
        trend=texts.plain("chart_trend", language, weeks=str(len(digest.trend))),
        small=texts.plain("chart_small", language, small=shown(0)),
        unspecified=texts.plain("digest_unspecified", language),
        names=lambda key: key,
    )


def bar_rows(digest: Digest, words: ChartText) -> list[tuple[str, int, int | None]]:
    """Return (label, count, change or None) for each bar, top first."""
    if digest.themes:
        return [
            (t.label, t.count, t.count - t.previous if min(t.count, t.previous) >= SMALL else None)
            for t in digest.themes[:BARS]
        ]
    return [
        (display_name(words.names, key) if key else words.unspecified, n, None)
        for key, n in digest.by_area[:BARS]
    ]


def draw_chart(digest: Digest, words: ChartText) -> "Figure":
    """Draw the chart of ``digest`` on a new figure (no global pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(words.title, fontsize=FONT + 4, fontweight="bold", color=INK)
    bars, trend = figure.subplots(2, 1, height_ratios=(3, 2))
    small = _draw_bars(bars, bar_rows(digest, words), words.bars)
    small |= _draw_trend(trend, digest, words.trend)
    if small:
        legend = Patch(facecolor=PALE, edgecolor=EDGE, hatch="//", label=words.small)
        figure.legend(
            handles=[legend], loc="outside lower center", fontsize=FONT - 2, frameon=False
        )
    return figure


def digest_chart(digest: Digest, words: ChartText) -> bytes:
    """Return the chart of ``digest`` as PNG bytes, ``WIDTH`` × ``HEIGHT`` px."""
    buffer = io.BytesIO()
    draw_chart(digest, words).savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _draw_bars(axes: Any, rows: list[tuple[str, int, int | None]], heading: str) -> bool:
    axes.set_title(textwrap.fill(heading, 48), fontsize=FONT, loc="left", color=INK)
    axes.set_axis_off()
    axes.set_xticks([])
    axes.set_yticks([])  # no tick labels at all, not even hidden ones
    if not rows:
        return False
    longest = max(max(n, SMALL) for _, n, _ in rows)
    axes.set_xlim(0, longest * 1.35)  # room for the count after the longest bar
    axes.set_ylim(len(rows) - 0.35, -0.9)
    for row, (label, count, change) in enumerate(rows):
        is_small = count < SMALL
        length = SMALL_LENGTH if is_small else count
        axes.barh(
            row + 0.2,
            length,
            height=0.38,
            color=PALE if is_small else EXACT,
            hatch="//" if is_small else None,
            edgecolor=EDGE if is_small else EXACT,
        )
        name = textwrap.fill(label, LABEL_CHARS, max_lines=2, placeholder="…")
        axes.text(0, row - 0.12, name, fontsize=FONT, va="bottom", color=INK)
        value = shown(count) + (f"  ({change:+d})".replace("-", "−") if change is not None else "")
        axes.text(length, row + 0.2, f"  {value}", fontsize=FONT, va="center", color=INK)
    return any(count < SMALL for _, count, _ in rows)


def _draw_trend(axes: Any, digest: Digest, heading: str) -> bool:
    from matplotlib.ticker import MaxNLocator

    axes.set_title(textwrap.fill(heading, 48), fontsize=FONT, loc="left", color=INK)
    weeks = digest.trend
    if not weeks:
        axes.set_axis_off()
        return False
    xs = list(range(len(weeks)))
    ys = [w.problems if w.problems >= SMALL else SMALL_LENGTH for w in weeks]
    axes.axhspan(0, SMALL, facecolor=PALE, alpha=0.5, hatch="//", edgecolor=EDGE, linewidth=0)
    axes.plot(xs, ys, color=EXACT, linewidth=3)
    exact = [(x, y) for x, y, w in zip(xs, ys, weeks, strict=True) if w.problems >= SMALL]
    hollow = [(x, y) for x, y, w in zip(xs, ys, weeks, strict=True) if w.problems < SMALL]
    if exact:
        axes.plot(*zip(*exact, strict=True), "o", color=EXACT, markersize=9)
    if hollow:
        axes.plot(*zip(*hollow, strict=True), "o", mfc="white", mec=EXACT, markersize=9)
    top = max(max(ys), SMALL) * 1.15
    axes.set_ylim(0, top)
    steps = MaxNLocator(nbins=4, integer=True).tick_values(0, top)
    axes.set_yticks([y for y in steps if 0 <= y <= top])
    step = 3 if len(weeks) > 6 else 1
    ticks = [x for x in xs if (len(xs) - 1 - x) % step == 0]
    axes.set_xticks(ticks, labels=[f"{weeks[x].monday:%d.%m.}" for x in ticks])
    axes.tick_params(labelsize=FONT - 2, colors=INK)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return any(w.problems < SMALL for w in weeks)
