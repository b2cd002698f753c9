"""Map a typed place name or a shared location to one of the municipality's areas."""

import math
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)

# Residents without a Norwegian keyboard write "o"/"oe" for ø, "a"/"aa" for å, "a"/"ae" for æ.
_LETTERS = str.maketrans({"ø": "o", "æ": "a", "ð": "d", "þ": "th", "ß": "ss"})
_DIGRAPHS = re.compile(r"oe|ae")
# Doubled letters are the commonest slip in Norwegian names: "Hundalen", "Kalerud".
_DOUBLED = re.compile(r"(\w)\1+")
_WORD = re.compile(r"\w+")


class Place(Protocol):
    """What matching needs to know of an area: its key, names, aliases and an optional point."""

    @property
    def key(self) -> str: ...
    @property
    def names(self) -> Mapping[str, str]: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...


@dataclass(frozen=True, slots=True, order=True)
class _Match:
    """One place found in the text; ordering puts the strongest match first."""

    by_alias: bool  # a place's own name is a stronger sign than an alias such as "Gjøvik"
    edits: int
    start: int  # the words of the text that matched: [start, end)
    end: int
    key: str

    def inside(self, other: "_Match") -> bool:
        """Return True if this match's words lie strictly within ``other``'s."""
        return (
            other.start <= self.start
            and self.end <= other.end
            and (other.end - other.start) > (self.end - self.start)
        )


def match_place(text: str, places: Sequence[Place]) -> str | None:
    """Return the key of the place a typed name refers to, tolerant of typos, or None."""
    words = _words(text)
    if not words:
        return None
    best: dict[str, _Match] = {}
    for place in places:
        for label, by_alias in _labels(place):
            for found in _find(words, label, by_alias, place.key):
                if place.key not in best or found < best[place.key]:
                    best[place.key] = found
    return _decide(list(best.values()))


def nearest_place(
    lat: float, lon: float, places: Sequence[Place], max_km: float = 15.0
) -> str | None:
    """Return the key of the nearest place with coordinates within ``max_km``, or None."""
    nearest: tuple[float, str] | None = None
    for place in places:
        if place.lat is None or place.lon is None:
            continue
        km = distance_km(lat, lon, place.lat, place.lon)
        if km <= max_km and (nearest is None or km < nearest[0]):
            nearest = (km, place.key)
    return nearest[1] if nearest else None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance between two points in kilometres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _words(text: str) -> list[str]:
    """Return the words of ``text`` folded for comparison: no case, accents or doubled letters."""
    folded = text.casefold().replace("'", "").replace("’", "").translate(_LETTERS)
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch)
    )
    return [_DOUBLED.sub(r"\1", _DIGRAPHS.sub(_digraph, w)) for w in _WORD.findall(stripped)]


def _digraph(found: re.Match[str]) -> str:
    return found.group()[0]


def _labels(place: Place) -> Iterator[tuple[list[str], bool]]:
    """Yield each distinct spelling of a place as folded words, and whether it is an alias."""
    seen: set[tuple[str, ...]] = set()
    spellings = [(name, False) for name in place.names.values()]
    spellings += [(alias, True) for alias in place.aliases]
    for spelling, by_alias in spellings:
        words = _words(spelling)
        if words and tuple(words) not in seen:
            seen.add(tuple(words))
            yield words, by_alias


def _find(words: list[str], label: list[str], by_alias: bool, key: str) -> Iterator[_Match]:
    """Yield every run of words close enough to ``label``; run lengths may differ by one."""
    target = "".join(label)
    limit = _allowed_edits(target)
    for size in range(max(1, len(label) - 1), len(label) + 2):
        for start in range(len(words) - size + 1):
            candidate = "".join(words[start : start + size])
            if candidate == target:
                yield _Match(by_alias, 0, start, start + size, key)
            elif limit and candidate[0] == target[0]:
                # A slip in the first letter is rare; requiring it keeps "Hardal" off "Vardal".
                edits = _edit_distance(candidate, target, limit)
                if edits <= limit:
                    yield _Match(by_alias, edits, start, start + size, key)


def _allowed_edits(target: str) -> int:
    """Return how many typing slips a name of this length tolerates."""
    if len(target) <= 4:
        return 0  # "Biri" is one slip from "bird"
    return 1 if len(target) <= 8 else 2


def _decide(found: list[_Match]) -> str | None:
    """Return the one strongest match, preferring a longer match that contains a shorter one."""
    if not found:
        return None
    found.sort()
    top = [m for m in found if (m.by_alias, m.edits) == (found[0].by_alias, found[0].edits)]
    left = [m for m in top if not any(m.inside(other) for other in top)]
    return left[0].key if len(left) == 1 else None


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Return the edit distance with transpositions, or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
