"""Place map labels beside their marks so that no label covers another label or mark.

Greedy, in the order given (the caller puts the largest counts first): each label tries the
positions around its mark, nearest first, and takes the first whose box stays inside the
drawing and clear of every mark and every label already placed. A label placed away from its
mark gets a leader line. A label that finds no room is left out of the drawing; the mark keeps
its tooltip and the page's table names every area.

Text widths are estimated, not measured (this is pure code): ``CHAR_WIDTH`` of the font size per
character is generous for the sans-serif fonts browsers use, so real text fits in its box.
"""

from collections.abc import Sequence
from dataclasses import dataclass

CHAR_WIDTH = 0.62  # average advance of a character, as a share of the font size
LINE = 1.25  # a label's box height, as a share of the font size
GAPS = (3.0, 18.0, 36.0)  # distances from a mark's edge to its label, nearest first
# Directions to try, as (dx, dy) from the mark; right and left read best beside a dot.
DIRECTIONS = ((1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1))


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned rectangle in drawing coordinates (y grows downwards)."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: "Box") -> bool:
        """Tell whether the two boxes share any area."""
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )

    def within(self, other: "Box") -> bool:
        """Tell whether this box lies inside ``other``."""
        return (
            self.left >= other.left
            and self.top >= other.top
            and self.right <= other.right
            and self.bottom <= other.bottom
        )

    def union(self, other: "Box") -> "Box":
        """Return the smallest box holding both."""
        return Box(
            min(self.left, other.left),
            min(self.top, other.top),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        )


@dataclass(frozen=True, slots=True)
class Mark:
    """A point to label: a dot of ``radius`` (0 for the centre of a shape) and its label."""

    x: float
    y: float
    radius: float
    label: str


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a label goes: its text anchor point and alignment, and a leader line if any."""

    x: float
    y: float
    anchor: str  # "start", "middle" or "end", as SVG's text-anchor
    box: Box
    leader: tuple[float, float, float, float] | None  # from the mark's edge to the label


def text_box(x: float, y: float, anchor: str, label: str, size: float) -> Box:
    """Return the box of ``label`` drawn at baseline point (x, y) with this alignment."""
    width = len(label) * size * CHAR_WIDTH
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return Box(left, y - size * (LINE - 0.3), left + width, y + size * 0.3)


def place_labels(marks: Sequence[Mark], room: Box, size: float = 12.0) -> list[Placed | None]:
    """Return a place inside ``room`` for each mark's label, or None where none is free."""
    taken = [
        Box(m.x - m.radius, m.y - m.radius, m.x + m.radius, m.y + m.radius)
        for m in marks
        if m.radius > 0
    ]
    placed: list[Placed | None] = []
    for mark in marks:
        spot = next(
            (
                candidate
                for candidate in _candidates(mark, size)
                if candidate.box.within(room)
                and not any(candidate.box.overlaps(box) for box in taken)
            ),
            None,
        )
        if spot is not None:
            taken.append(spot.box)
        placed.append(spot)
    return placed


def _candidates(mark: Mark, size: float) -> list[Placed]:
    """Return the positions around a mark, nearest first (a shape's centre itself first)."""
    found = []
    if mark.radius == 0:
        y = mark.y + size * 0.35
        found.append(
            Placed(mark.x, y, "middle", text_box(mark.x, y, "middle", mark.label, size), None)
        )
    for gap in GAPS:
        for dx, dy in DIRECTIONS:
            found.append(_beside(mark, dx, dy, gap, size))
    return found


def _beside(mark: Mark, dx: int, dy: int, gap: float, size: float) -> Placed:
    """Return the label position ``gap`` beyond the mark's edge in direction (dx, dy)."""
    diagonal = 0.7071 if dx and dy else 1.0
    edge_x = mark.x + dx * mark.radius * diagonal
    edge_y = mark.y + dy * mark.radius * diagonal
    x = edge_x + dx * gap * diagonal
    reach = gap * diagonal
    if dy < 0:
        y = edge_y - reach - size * 0.3
    elif dy > 0:
        y = edge_y + reach + size * (LINE - 0.3)
    else:
        y = mark.y + size * 0.35
    anchor = "start" if dx > 0 else "end" if dx < 0 else "middle"
    box = text_box(x, y, anchor, mark.label, size)
    leader = None
    if gap > GAPS[0]:
        end_x = box.left if dx > 0 else box.right if dx < 0 else x
        end_y = box.bottom if dy < 0 else box.top if dy > 0 else mark.y
        leader = (edge_x, edge_y, end_x, end_y)
    return Placed(x, y, anchor, box, leader)
