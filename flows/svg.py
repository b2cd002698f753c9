"""Charts for the workspace as small SVG documents: a weekly trend, a sparkline, a map.

Pure string building from numbers; every label passes ``html.escape``, so the result may be
placed in a page as it is. Counts below ``SMALL`` are drawn at the height of ``SMALL`` in a pale
colour and labelled "<5", as in the digest's chart.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from flows.digest import SMALL, shown
from flows.label_layout import Box, Mark, place_labels

EXACT = "#1f5f99"
PALE = "#c9d1d9"
Ring = tuple[tuple[float, float], ...]  # (lon, lat) points
MARGIN = 160  # how far past the map labels may reach (the drawing grows to hold them)


def trend(counts: Sequence[int], labels: Sequence[str], title: str) -> str:
    """Draw one bar per week with its count above it (small counts hidden).

    Week labels are thinned so they never overlap; on narrow screens the stylesheet shows
    fewer, larger ones (class ``minor`` hides) and drops the zeros above empty weeks.
    """
    width, height, top, bottom = 640, 200, 24, 28
    step = width / max(len(counts), 1)
    peak = max([SMALL, *counts])
    last = len(counts) - 1
    every = _stride(step, LABEL_WIDTH)
    every_narrow = _stride(step, LABEL_WIDTH_NARROW)
    parts = [_open(Box(0, 0, width, height), title)]
    for i, (count, label) in enumerate(zip(counts, labels, strict=True)):
        drawn = max(count, SMALL) if count else 0
        bar = (height - top - bottom) * drawn / peak
        x, y = i * step + 4, height - bottom - bar
        colour = EXACT if count >= SMALL else PALE
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step - 8:.1f}" height="{bar:.1f}" '
            f'fill="{colour}"/>'
        )
        mid = x + (step - 8) / 2
        parts.append(_text(mid, y - 4, shown(count) if count else "0", "n" if count else "n zero"))
        edge = {"start": x - 2, "end": x + step - 6}.get(_anchor(i, last), mid)
        if (last - i) % every == 0:  # counted back from this week, which is always labelled
            kind = "wk" if (last - i) % every_narrow == 0 else "wk minor"
            parts.append(_text(edge, height - 8, label, kind, _anchor(i, last)))
    return "".join(parts) + "</svg>"


# The width a "dd.mm" week label needs, with a gap, in the chart's units: as drawn (font 12),
# and on a phone, where the stylesheet enlarges it to stay readable in a chart shrunk to half.
LABEL_WIDTH = 40
LABEL_WIDTH_NARROW = 80


def _anchor(i: int, last: int) -> str:
    """Align the first and last labels inward, so the chart's edge does not cut them off."""
    return "start" if i == 0 and last else "end" if i == last else "middle"


def _stride(step: float, needed: float) -> int:
    """Return how many bars apart labels must be to keep ``needed`` units each."""
    return max(1, math.ceil(needed / step))


def sparkline(counts: Sequence[int], title: str) -> str:
    """Draw a small line of weekly counts (its shape only; the numbers are in the title)."""
    width, height = 96, 24
    peak = max([1, *counts])
    step = width / max(len(counts) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{height - 2 - (height - 4) * c / peak:.1f}" for i, c in enumerate(counts)
    )
    return (
        f"{_open(Box(0, 0, width, height), title)}"
        f'<polyline points="{points}" fill="none" stroke="{EXACT}" stroke-width="2"/></svg>'
    )


@dataclass(frozen=True, slots=True)
class Place:
    """An area on the map: its outline (may be empty), its point (may be None), its count."""

    key: str
    name: str
    rings: tuple[Ring, ...]
    point: tuple[float, float] | None  # (lon, lat)
    count: int


def area_map(places: Sequence[Place], title: str, links: Mapping[str, str]) -> str:
    """Draw areas as shapes shaded by their count and area points as dots sized by it."""
    coords = [p for place in places for ring in place.rings for p in ring]
    coords += [place.point for place in places if place.point is not None]
    if not coords:
        return ""
    width, height = 640, 480
    project = _projection(coords, width, height)
    peak = max([SMALL, *(place.count for place in places)])
    drawn = [place for place in places if place.point is not None or place.rings]
    # The largest counts choose their label's place first; the others fit around them.
    drawn.sort(key=lambda place: -place.count)
    marks = [_mark(place, project, peak) for place in drawn]
    # Labels may reach past the map's own margins: the drawing grows to hold them.
    spots = place_labels(marks, Box(-MARGIN, -MARGIN / 4, width + MARGIN, height + MARGIN / 4))
    frame = Box(0, 0, width, height)
    for spot in spots:
        frame = frame.union(spot.box) if spot is not None else frame
    parts = [_open(Box(frame.left - 4, frame.top - 4, frame.right + 4, frame.bottom + 4), title)]
    for place, mark, spot in zip(drawn, marks, spots, strict=True):
        href = escape(links.get(place.key, ""), quote=True)
        parts.append(f'<a href="{href}"><title>{escape(mark.label)}</title>')
        for ring in place.rings:
            points = " ".join("{:.1f},{:.1f}".format(*project(p)) for p in ring)
            parts.append(
                f'<polygon points="{points}" fill="{_shade(place.count, peak)}" '
                'stroke="#24292f" stroke-width="1"/>'
            )
        if mark.radius:
            colour = EXACT if place.count >= SMALL else PALE
            parts.append(
                f'<circle cx="{mark.x:.1f}" cy="{mark.y:.1f}" r="{mark.radius:.1f}" '
                f'fill="{colour}" fill-opacity="0.8" stroke="#24292f"/>'
            )
        if spot is not None:
            if spot.leader is not None:
                parts.append(
                    '<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" '
                    'stroke="#57606a" stroke-width="1"/>'.format(*spot.leader)
                )
            parts.append(_text(spot.x, spot.y, mark.label, "place", spot.anchor))
        parts.append("</a>")
    return "".join(parts) + "</svg>"


def _mark(place: Place, project: "_Project", peak: int) -> Mark:
    """Return where a place is drawn: a dot sized by its count, or the centre of its shape."""
    label = f"{place.name}: {shown(place.count)}"
    if place.rings:
        x, y = project(_centre(place.rings[0]))
        return Mark(x, y, 0.0, label)
    assert place.point is not None
    x, y = project(place.point)
    radius = 4 + 16 * math.sqrt(max(place.count, SMALL if place.count else 0) / peak)
    return Mark(x, y, radius, label)


def _projection(coords: Sequence[tuple[float, float]], width: int, height: int) -> "_Project":
    lons = [lon for lon, _ in coords]
    lats = [lat for _, lat in coords]
    # Longitude degrees shrink with latitude: scale them so shapes are not stretched.
    squeeze = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = max((max(lons) - min(lons)) * squeeze, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = min((width - 80) / span_x, (height - 60) / span_y)
    return _Project(min(lons), max(lats), squeeze, scale)


@dataclass(frozen=True, slots=True)
class _Project:
    west: float
    north: float
    squeeze: float
    scale: float

    def __call__(self, point: tuple[float, float]) -> tuple[float, float]:
        lon, lat = point
        return 40 + (lon - self.west) * self.squeeze * self.scale, 30 + (
            self.north - lat
        ) * self.scale


def _centre(ring: Ring) -> tuple[float, float]:
    return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)


def _shade(count: int, peak: int) -> str:
    if count < SMALL:
        return "#eef2f5"
    strength = count / peak  # light blue to EXACT
    red, green, blue = (
        int(a + (b - a) * strength) for a, b in zip((214, 230, 245), (31, 95, 153), strict=True)
    )
    return f"#{red:02x}{green:02x}{blue:02x}"


def _open(frame: Box, title: str) -> str:
    width, height = frame.right - frame.left, frame.bottom - frame.top
    view = f"{frame.left:.0f} {frame.top:.0f} {width:.0f} {height:.0f}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{view}" role="img" '
        f'aria-label="{escape(title, quote=True)}"><title>{escape(title)}</title>'
    )


def _text(x: float, y: float, label: str, kind: str = "", anchor: str = "middle") -> str:
    named = f' class="{kind}"' if kind else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="12" text-anchor="{anchor}"{named} '
        f'fill="#24292f">{escape(label)}</text>'
    )
