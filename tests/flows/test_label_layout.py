"""Map labels: each beside its own mark, none covering another label or another mark."""

from itertools import combinations

from flows.label_layout import GAPS, Box, Mark, place_labels
from flows.svg import Place, area_map

ROOM = Box(0, 0, 640, 480)


def _dot(mark: Mark) -> Box:
    return Box(
        mark.x - mark.radius, mark.y - mark.radius, mark.x + mark.radius, mark.y + mark.radius
    )


def test_a_cluster_of_dots_gets_every_label_clear_of_the_others():
    # Six dots within 30 px of each other, as the town centre's areas are on a municipal map.
    marks = [
        Mark(300, 300, 18, "Gjøvik sentrum: 8"),
        Mark(290, 290, 6, "Bybrua: <5"),
        Mark(300, 280, 6, "Nordbyen: <5"),
        Mark(270, 305, 6, "Vardal: <5"),
        Mark(275, 325, 6, "Hunndalen: <5"),
        Mark(310, 330, 6, "Kallerud: <5"),
    ]
    spots = place_labels(marks, ROOM)
    assert all(spots), spots
    boxes = [spot.box for spot in spots if spot]
    for a, b in combinations(boxes, 2):
        assert not a.overlaps(b)
    for spot, mark in zip(spots, marks, strict=True):
        assert spot and spot.box.within(ROOM)
        assert not any(spot.box.overlaps(_dot(other)) for other in marks if other is not mark)
        # Beside its own dot: no further than the widest gap from its edge.
        reach = mark.radius + GAPS[-1] + 1
        assert spot.box.left - reach <= mark.x <= spot.box.right + reach
        assert spot.box.top - reach <= mark.y <= spot.box.bottom + reach


def test_a_label_moved_away_from_its_dot_is_tied_to_it_by_a_line():
    # A small dot ringed by eight others: its label only fits beyond the ring.
    ring = [Mark(200 + dx * 22, 200 + dy * 18, 10, "") for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    centre = Mark(200, 200, 4, "Midt: 5")
    spots = place_labels([centre, *[m for m in ring if (m.x, m.y) != (200, 200)]], ROOM)
    spot = spots[0]
    assert spot is not None and spot.leader is not None
    x1, y1, x2, y2 = spot.leader
    assert abs(x1 - 200) <= 4 and abs(y1 - 200) <= 4  # from the dot's edge…
    assert spot.box.left - 1 <= x2 <= spot.box.right + 1  # …to the label
    assert spot.box.top - 1 <= y2 <= spot.box.bottom + 1


def test_a_label_without_room_is_left_out_rather_than_drawn_over_another():
    crowded = [
        Mark(20, 20, 15, "A very long place name: 12"),
        Mark(21, 21, 15, "Another long one: 9"),
    ]
    spots = place_labels(crowded, Box(0, 0, 60, 60))
    assert spots == [None, None]


def test_the_largest_area_names_itself_first_and_the_drawing_grows_to_hold_labels():
    places = [
        Place("edge", "Ytterkant", (), (10.0, 60.0), 3),
        Place("big", "Sentrum", (), (10.5, 60.5), 40),
        Place("none", "På nett", (), None, 7),  # no point, no shape: only in the table
    ]
    svg = area_map(places, "Kart", {"big": "/problems?area=big"})
    assert svg.index("Sentrum: 40") < svg.index("Ytterkant: &lt;5")
    assert "På nett" not in svg
    view = svg.split('viewBox="', 1)[1].split('"', 1)[0].split()
    left, top, width, height = (float(v) for v in view)
    assert left < 0 or width > 640 or top < 0 or height > 480  # a label past the map's margin
