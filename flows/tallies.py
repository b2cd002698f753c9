"""A view's problems added up by the database, and the workspace figures built from the sums.

The overview and the themes table count tens of thousands of problems; the database sums them
(``storage/queries/tallies.py``) and these builders turn the sums into the same inputs, theme
rows and digest figures that counting the records one by one gives (``flows.digest``).
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flows.digest import TOP_LIMIT, Digest, ThemeLine, tally
from flows.periods import Period
from flows.priority import DEFAULT_WEIGHTS, Inputs, Weights, reasons, score
from flows.privacy import mask_personal_data

Segment = tuple[str, tuple[str, ...], str, str]  # area, groups, language, source


@dataclass(frozen=True, slots=True)
class ThemeSums:
    """What one theme's problems in a view add up to."""

    theme: int
    problems: int
    residents: int  # distinct residents who reported
    anonymous: int  # problems with no resident: erased ones and workshop notes
    erased: int  # of ``anonymous``: not workshop notes (each counts as a resident)
    notes: int  # imported workshop notes
    endorsements: int
    severity_total: int
    rated: int
    per_year_total: float
    timed: int  # problems that said how often
    areas: int  # distinct areas named
    groups: frozenset[str] = frozenset()

    @property
    def inputs(self) -> Inputs:
        """Return the priority inputs, as ``flows.priority.inputs_of`` gives them for records."""
        return Inputs(
            problems=self.problems,
            reach=self.residents + self.anonymous + self.endorsements,
            severity=self.severity_total / self.rated if self.rated else None,
            per_year=self.per_year_total / self.timed if self.timed else None,
            groups=len(self.groups),
            areas=self.areas,
        )


@dataclass(frozen=True, slots=True)
class ViewSums:
    """What a view's problems add up to: totals, segments and themes."""

    problems: int = 0
    residents: int = 0  # as ``flows.digest.residents`` counts them
    segments: Mapping[Segment, int] = field(default_factory=dict)
    themes: tuple[ThemeSums, ...] = ()
    # The four counts of ``count``, made on the first call: a year has thousands of segments.
    _counts: list[Counter[str]] = field(default_factory=list, compare=False, repr=False)

    def count(self, key: int) -> Counter[str]:
        """Count problems by one part of the segment (0 area, 1 groups, 2 language, 3 source).

        A problem counts once for each of its groups ("" when it has none), as in the digest.
        """
        if not self._counts:
            areas, groups, languages, sources = counts = [Counter[str]() for _ in range(4)]
            for (area, lists, language, source), problems in self.segments.items():
                areas[area] += problems
                for group in lists or ("",):
                    groups[group] += problems
                languages[language] += problems
                sources[source] += problems
            self._counts.extend(counts)
        return Counter(self._counts[key])


@dataclass(frozen=True, slots=True)
class Before:
    """What the period before a view held: enough to show the change and mark rising themes."""

    problems: int = 0
    residents: int = 0
    themes: Mapping[int, int] = field(default_factory=dict)  # problems per theme


def ranked(themes: Iterable[ThemeSums], weights: Weights) -> list[tuple[ThemeSums, int]]:
    """Score every theme, highest first (the lower theme id on a tie), as ``rank`` does."""
    scored = [(sums, score(sums.inputs, weights)) for sums in themes]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0].theme))


def overview_digest(
    current: ViewSums,
    before: Before,
    period: Period,
    labels: Mapping[int, str],
    weights: Weights = DEFAULT_WEIGHTS,
) -> Digest:
    """Return the digest figures of a view (its counts and top themes; no quotes)."""
    themes = tuple(
        ThemeLine(
            sums.theme,
            mask_personal_data(labels.get(sums.theme, "")) or f"#{sums.theme}",
            sums.problems,
            before.themes.get(sums.theme, 0),
            points,
            sums.inputs,
            residents=sums.residents + sums.erased,
            notes=sums.notes,
            endorsements=sums.endorsements,
            reasons=reasons(sums.inputs, weights),
        )
        for sums, points in ranked(current.themes, weights)[:TOP_LIMIT]
    )
    languages: Counter[str] = Counter()
    for language, problems in current.count(2).items():
        languages[language or "unknown"] += problems
    return Digest(
        period=period,
        problems=current.problems,
        residents=current.residents,
        previous_problems=before.problems,
        previous_residents=before.residents,
        by_area=tally(current.count(0)),
        by_group=tally(current.count(1)),
        themes=themes,
        by_language=tally(languages),
        notes=current.count(3).get("import", 0),
    )


def by_source(sums: ViewSums) -> tuple[tuple[str, int], ...]:
    """Return problems by source, the most first."""
    return tuple(sorted(sums.count(3).items(), key=lambda item: (-item[1], item[0])))
