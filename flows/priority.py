"""The priority of a theme: a weighted mean of four inputs that staff can read and re-weigh.

Each input is put on a 0–1 scale that does not depend on the other themes, so a score can be
checked by hand from the inputs shown next to it (see the README):

- reach: distinct residents plus endorsements, log(1 + r) / log(1 + 50), at most 1;
- severity: the mean of the 1–5 ratings, (s - 1) / 4; 0 when nobody rated it;
- frequency: the mean of how often it happens, as times a year f, log(1 + f) / log(1 + 365);
- breadth: distinct groups plus distinct areas, b / 8, at most 1.

score = 100 · Σ weight · input / Σ weight, rounded to a whole number.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

from flows.records import ProblemRecord

# The frequency keys of the interview file, as times a year.
PER_YEAR: Mapping[str, float] = {
    "daily": 365.0,
    "weekly": 52.0,
    "monthly": 12.0,
    "few_times_year": 4.0,
    "rarely": 1.0,
}
REACH_FULL = 50  # residents at which reach counts fully
BREADTH_FULL = 8  # groups plus areas at which breadth counts fully
SEVERITY_MIN, SEVERITY_MAX = 1, 5


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each input counts; only their proportions matter."""

    reach: float = 0.4
    severity: float = 0.3
    frequency: float = 0.15
    breadth: float = 0.15

    def __post_init__(self) -> None:
        values = [getattr(self, f.name) for f in fields(self)]
        if any(not math.isfinite(v) or v < 0 for v in values):
            raise ValueError("every weight must be a number of at least 0")
        if sum(values) <= 0:
            raise ValueError("at least one weight must be above 0")

    @classmethod
    def parse(cls, text: str) -> "Weights":
        """Read "reach=0.4, severity=0.3, …"; inputs left out keep their default weight."""
        known = {f.name for f in fields(cls)}
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, equals, number = part.partition("=")
            name = name.strip().lower()
            if not equals or name not in known:
                raise ValueError(
                    f"{part!r}: expected NAME=NUMBER with NAME one of {sorted(known)}"
                )
            try:
                values[name] = float(number)
            except ValueError:
                raise ValueError(f"{part!r}: {number.strip()!r} is not a number") from None
        return cls(**values)

    def __str__(self) -> str:
        return ", ".join(f"{f.name}={getattr(self, f.name):g}" for f in fields(self))


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a theme's score is made of, as staff see it."""

    problems: int
    reach: int  # distinct residents plus endorsements
    severity: float | None  # mean rating, None if nobody rated
    per_year: float | None  # mean times a year, None if nobody said
    groups: int
    areas: int

    @property
    def breadth(self) -> int:
        """Return distinct groups plus distinct areas."""
        return self.groups + self.areas


@dataclass(frozen=True, slots=True)
class Priority:
    """A theme's score (0–100) with the inputs it came from."""

    theme: int
    score: int
    inputs: Inputs


def inputs_of(records: Sequence[ProblemRecord]) -> Inputs:
    """Return the inputs of the theme these records make up."""
    named = {r.resident for r in records if r.resident}
    anonymous = sum(1 for r in records if not r.resident)  # erased: each a resident of its own
    ratings = [r.severity for r in records if r.severity is not None]
    rates = [PER_YEAR[r.frequency] for r in records if r.frequency in PER_YEAR]
    return Inputs(
        problems=len(records),
        reach=len(named) + anonymous + sum(r.endorsements for r in records),
        severity=sum(ratings) / len(ratings) if ratings else None,
        per_year=sum(rates) / len(rates) if rates else None,
        groups=len({g for r in records for g in r.groups}),
        areas=len({r.area for r in records if r.area}),
    )


def scaled(inputs: Inputs) -> dict[str, float]:
    """Return each input on its 0–1 scale, by weight name."""
    severity = inputs.severity if inputs.severity is not None else SEVERITY_MIN
    return {
        "reach": min(1.0, math.log1p(inputs.reach) / math.log1p(REACH_FULL)),
        "severity": (severity - SEVERITY_MIN) / (SEVERITY_MAX - SEVERITY_MIN),
        "frequency": math.log1p(inputs.per_year or 0.0) / math.log1p(PER_YEAR["daily"]),
        "breadth": min(1.0, inputs.breadth / BREADTH_FULL),
    }


def score(inputs: Inputs, weights: Weights = DEFAULT_WEIGHTS) -> int:
    """Return the score of ``inputs`` under ``weights``, 0–100."""
    parts = scaled(inputs)
    chosen = {f.name: float(getattr(weights, f.name)) for f in fields(weights)}
    mean = sum(w * parts[name] for name, w in chosen.items()) / sum(chosen.values())
    return round(100 * mean)


def rank(records: Iterable[ProblemRecord], weights: Weights = DEFAULT_WEIGHTS) -> list[Priority]:
    """Score every theme of ``records``, highest first (the lower theme id on a tie)."""
    by_theme: dict[int, list[ProblemRecord]] = {}
    for record in records:
        if record.theme is not None:
            by_theme.setdefault(record.theme, []).append(record)
    found = []
    for theme, members in by_theme.items():
        inputs = inputs_of(members)
        found.append(Priority(theme, score(inputs, weights), inputs))
    return sorted(found, key=lambda p: (-p.score, p.theme))


HIGH_AT, MEDIUM_AT = 60, 35  # scores from which a priority reads "high" or "medium"
_STRONG, _WEAK = 0.6, 0.3  # a scaled input this high is a reason for, this low one against


def level(points: int) -> str:
    """Return "high", "medium" or "low" for a score."""
    return "high" if points >= HIGH_AT else "medium" if points >= MEDIUM_AT else "low"


def reasons(inputs: Inputs, weights: Weights = DEFAULT_WEIGHTS, limit: int = 2) -> tuple[str, ...]:
    """Say in at most ``limit`` words why a theme scores as it does, e.g. ("reach_high",).

    The strong inputs that weigh most come first; a theme with none is explained by the weak
    inputs that cost it most.
    """
    parts = scaled(inputs)
    weight = {f.name: float(getattr(weights, f.name)) for f in fields(weights)}
    if inputs.severity is None:
        parts.pop("severity")  # nobody rated it: neither mild nor hard
    if inputs.per_year is None:
        parts.pop("frequency")
    strong = sorted(
        (n for n, v in parts.items() if v >= _STRONG and weight[n] > 0),
        key=lambda n: -weight[n] * parts[n],
    )
    if strong:
        return tuple(f"{name}_high" for name in strong[:limit])
    weak = sorted(
        (n for n, v in parts.items() if v <= _WEAK and weight[n] > 0),
        key=lambda n: -weight[n] * (1 - parts[n]),
    )
    return tuple(f"{name}_low" for name in weak[:limit])
