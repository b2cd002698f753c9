"""Area outlines from the interview file: a GeoJSON Polygon or MultiPolygon geometry per area."""

from typing import Any

Ring = tuple[tuple[float, float], ...]  # (lon, lat) points, GeoJSON order
_MIN_POINTS = 4  # GeoJSON: a closed ring repeats its first point


def parse_shape(value: Any, where: str, problems: list[str]) -> tuple[Ring, ...]:
    """Return the outer rings of a GeoJSON geometry table; note what is wrong in ``problems``."""
    if value is None:
        return ()
    example = 'shape = { type = "Polygon", coordinates = [[[10.69, 60.79], …]] }'
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        problems.append(
            f"{where}.shape: must be a GeoJSON Polygon or MultiPolygon, e.g. {example}"
        )
        return ()
    polygons = value.get("coordinates")
    if value["type"] == "Polygon":
        polygons = [polygons]
    if not isinstance(polygons, list) or not polygons:
        problems.append(f"{where}.shape.coordinates: must be a list of rings, e.g. {example}")
        return ()
    rings = []
    for number, polygon in enumerate(polygons, 1):
        ring = _ring(polygon[0] if isinstance(polygon, list) and polygon else None)
        if ring is None:
            problems.append(
                f"{where}.shape: polygon {number} needs a ring of at least {_MIN_POINTS} "
                "[longitude, latitude] points, the last the same as the first"
            )
            return ()
        rings.append(ring)
    return tuple(rings)


def _ring(value: Any) -> Ring | None:
    if not isinstance(value, list) or len(value) < _MIN_POINTS or value[0] != value[-1]:
        return None
    points = []
    for point in value:
        if not (isinstance(point, list) and len(point) == 2):
            return None
        lon, lat = point
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point):
            return None
        if abs(lon) > 180 or abs(lat) > 90:
            return None
        points.append((float(lon), float(lat)))
    return tuple(points)
