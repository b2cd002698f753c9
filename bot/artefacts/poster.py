"""The workshop poster: an A4 page (PNG and PDF) with a large QR code to hang in the room.

It names the workshop, its day and place, says in bokmål and English what to do, writes the
link out for those who cannot scan, and says that Telegram is needed and where to get it.
"""

import io
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import segno

if TYPE_CHECKING:  # matplotlib is imported only when a poster is drawn
    from matplotlib.figure import Figure

A4_INCHES = (8.27, 11.69)
PNG_DPI = 150  # 1240 × 1754 px: sharp when printed, small enough to send
QR_WIDTH = 0.66  # of the page's width
INK = "#24292f"


@dataclass(frozen=True, slots=True)
class PosterText:
    """What a poster says; each instruction in bokmål and in English."""

    name: str
    when_where: str  # e.g. "23.11.2026 · Biri"
    link: str
    scan: tuple[str, str]  # (bokmål, English)
    need_telegram: tuple[str, str]


def draw_poster(text: PosterText) -> "Figure":
    """Draw the poster on a new A4 figure (no global pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=A4_INCHES, dpi=PNG_DPI)
    canvas: Any = FigureCanvasAgg(figure)  # its stubs leave get_renderer untyped
    name = textwrap.fill(text.name, 28, max_lines=2, placeholder="…")
    figure.text(0.5, 0.95, name, ha="center", va="top", fontsize=34, weight="bold", color=INK)
    figure.text(0.5, 0.84, text.when_where, ha="center", va="top", fontsize=22, color=INK)
    height = QR_WIDTH * A4_INCHES[0] / A4_INCHES[1]
    code = figure.add_axes((0.5 - QR_WIDTH / 2, 0.79 - height, QR_WIDTH, height))
    code.imshow(qr_matrix(text.link), cmap="gray_r", interpolation="none", vmin=0, vmax=1)
    code.set_axis_off()
    lines = (
        (text.scan[0], 20, "bold"),
        (text.scan[1], 17, "normal"),
        (text.link, 16, "normal"),
        (text.need_telegram[0], 15, "normal"),
        (text.need_telegram[1], 13, "normal"),
    )
    renderer = canvas.get_renderer()
    y = 0.75 - height  # each line goes just below the one drawn before it, as tall as it is
    for line, size, weight in lines:
        wrapped = textwrap.fill(line, int(1100 / size))  # characters that fit at this size
        drawn = figure.text(0.5, y, wrapped, ha="center", va="top", fontsize=size, weight=weight)
        y = drawn.get_window_extent(renderer).y0 / figure.bbox.height - 0.018
    return figure


def qr_matrix(link: str) -> list[list[int]]:
    """Return the QR code of ``link`` as rows of 0 (light) and 1 (dark), quiet zone included."""
    code = segno.make(link, error="m", micro=False)
    return [[1 if dark else 0 for dark in row] for row in code.matrix_iter(scale=1, border=4)]


def poster_png(text: PosterText) -> bytes:
    """Return the poster as an A4 PNG at ``PNG_DPI``."""
    buffer = io.BytesIO()
    draw_poster(text).savefig(buffer, format="png", dpi=PNG_DPI)
    return buffer.getvalue()


def poster_pdf(text: PosterText) -> bytes:
    """Return the poster as a one-page A4 PDF."""
    buffer = io.BytesIO()
    draw_poster(text).savefig(buffer, format="pdf")
    return buffer.getvalue()
