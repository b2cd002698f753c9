"""The digest built from sums the database counted, field by field as ``build_digest`` gives it.

``storage/queries/digest_counts.py`` counts a period's problems (totals, segments, themes, the
periods before, the trend weeks) and hands over only a few whole records: the most severe ones
and, for quotes, the best few of each area, of each set of groups and of all. ``quotes_from``
then picks the same quotes as looking at every record would, or says that more are needed.
"""

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from flows.digest import (
    QUOTE_LIMIT,
    SMALL,
    TOP_LIMIT,
    Combination,
    Digest,
    Quote,
    informative,
    mostly,
    quote_rank,
    severe_quotes,
    spread_passes,
    top_combinations,
    usual,
)
from flows.periods import Period
from flows.priority import BREADTH_FULL, DEFAULT_WEIGHTS, Weights, score
from flows.records import ProblemRecord
from flows.tallies import Before, ThemeSums, ViewSums, overview_digest, ranked
from flows.trend import Earlier, Week, known


@dataclass(frozen=True, slots=True)
class ThemeDetail:
    """Where a top theme's problems come from: counts by area, group and frequency."""

    label: str
    areas: Mapping[str, int] = field(default_factory=dict)  # named areas only
    groups: Mapping[str, int] = field(default_factory=dict)  # each group of a problem
    frequencies: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QuoteCut:
    """Where the quote candidates were cut: the last one kept of each list that was cut short.

    Each is a problem id among the candidates, or 0 when none of the list was kept; lists that
    were taken whole are not named.
    """

    areas: dict[str, int] = field(default_factory=dict)
    groups: dict[tuple[str, ...], int] = field(default_factory=dict)
    overall: int | None = None


@dataclass(frozen=True, slots=True)
class DigestSums:
    """A period's problems as the database added them up, with the few records quoted from."""

    current: ViewSums
    before: Before
    suggestions: int = 0
    details: Mapping[int, ThemeDetail] = field(default_factory=dict)  # the top themes
    earlier: tuple[Earlier, ...] = ()  # the periods before, the latest first
    trend: tuple[Week, ...] = ()
    severe: tuple[ProblemRecord, ...] = ()  # the most severe, enough for ``severe_quotes``


def sums_digest(
    sums: DigestSums,
    period: Period,
    quotes: Sequence[Quote],
    weights: Weights = DEFAULT_WEIGHTS,
) -> Digest:
    """Return the digest ``build_digest`` gives for the records these sums were counted from."""
    labels = {theme: detail.label for theme, detail in sums.details.items()}
    digest = overview_digest(sums.current, sums.before, period, labels, weights)
    history = known(sums.earlier)
    themes = []
    for line in digest.themes:
        detail = sums.details.get(line.theme, ThemeDetail(""))
        small = line.count < SMALL  # where and whom would narrow a few people down
        frequency, most = usual(detail.frequencies)
        themes.append(
            replace(
                line,
                areas=() if small else mostly(detail.areas),
                groups=() if small else mostly(detail.groups),
                frequency=frequency,
                frequency_most=most,
                known=history,
                earlier=sum(p.themes.get(line.theme, 0) for p in sums.earlier),
            )
        )
    return replace(
        digest,
        combinations=() if sums.current.themes else combinations(sums.current),
        themes=tuple(themes),
        severe=severe_quotes(sums.severe),
        quotes=tuple(quotes),
        suggestions=sums.suggestions,
        trend=sums.trend,
    )


def combinations(sums: ViewSums) -> tuple[Combination, ...]:
    """Return the largest (group, area) counts, as ``build_digest`` orders them."""
    counts: Counter[tuple[str, str]] = Counter()
    for (area, groups, _, _), problems in sums.segments.items():
        if area:
            for group in groups:
                counts[(group, area)] += problems
    return top_combinations(counts)


_BEFORE_ALL = (-(2**62), -(2**62), -math.inf, -1)  # ranks before every quote


@dataclass(frozen=True, slots=True)
class Unsure:
    """The lists cut too short to be sure of the quotes: they need more candidates."""

    areas: frozenset[str] = frozenset()
    groups: frozenset[tuple[str, ...]] = frozenset()
    overall: bool = False


def quotes_from(
    candidates: Sequence[ProblemRecord],
    severe: Sequence[Quote],
    cut: QuoteCut,
    made: dict[int, Quote] | None = None,
) -> tuple[Quote, ...] | Unsure:
    """Pick the quotes from the candidates, or name the lists a left-out record could change.

    A list cut short is safe when the pass that reads it had already taken its area (or its
    groups), or had taken all four quotes, by the last candidate kept: whatever follows that one
    is passed over in every record's digest too. ``made``: quotes masked before, by problem id.
    """
    taken = {quote.problem_id for quote in severe}
    chosen_from = informative(candidates, made)
    steps = spread_passes([q for q in chosen_from if q.problem_id not in taken])
    rank = {record.id: quote_rank(record) for record in candidates}
    rank[0] = _BEFORE_ALL
    chosen = [(number, quote, rank[quote.problem_id]) for number, quote in steps]

    def ended(number: int, bound: tuple[int, int, float, int]) -> bool:
        if len(chosen) < QUOTE_LIMIT:
            return False
        last, _, at = chosen[-1]
        return last < number or (last == number and at <= bound)

    def area_safe(area: str, bound: tuple[int, int, float, int]) -> bool:
        took = any(n == 0 and q.area == area and k <= bound for n, q, k in chosen)
        return took or ended(0, bound)

    def groups_safe(groups: tuple[str, ...], bound: tuple[int, int, float, int]) -> bool:
        covered = {g for n, q, k in chosen if n == 0 or (n == 1 and k <= bound) for g in q.groups}
        return covered.issuperset(groups) or ended(1, bound)

    unsure = Unsure(
        frozenset(a for a, last in cut.areas.items() if not area_safe(a, rank[last])),
        frozenset(g for g, last in cut.groups.items() if not groups_safe(g, rank[last])),
        cut.overall is not None and not ended(2, rank[cut.overall]),
    )
    if unsure.areas or unsure.groups or unsure.overall:
        return unsure
    return tuple(quote for _, quote, _ in chosen)


def bound(sums: ThemeSums) -> ThemeSums:
    """Return ``sums`` scored as high as they could be: every problem's resident counted (as if
    none had two), and the breadth full.
    """
    return replace(sums, areas=BREADTH_FULL, groups=frozenset())


def undecided(
    bounds: Sequence[ThemeSums], exact: Mapping[int, ThemeSums], weights: Weights, limit: int
) -> list[int]:
    """Return the themes (at most ``limit``, the highest bound first) whose exact sums could
    still change the top ``TOP_LIMIT`` of ``exact``; none when that top is settled.

    ``bounds`` score each theme at least as high as its exact sums would (``bound``): a theme
    whose bound ranks below the last of the top cannot enter it.
    """
    order = sorted(((score(b.inputs, weights), b.theme) for b in bounds), key=_rank_key)
    rest = [(points, theme) for points, theme in order if theme not in exact]
    top = ranked(exact.values(), weights)[:TOP_LIMIT]
    if len(top) == TOP_LIMIT:
        last = (top[-1][1], top[-1][0].theme)
        rest = [found for found in rest if _rank_key(found) < _rank_key(last)]
    return [theme for _, theme in rest[:limit]]


def _rank_key(scored: tuple[int, int]) -> tuple[int, int]:
    """Order (score, theme) pairs as ``ranked`` does: highest score, then lowest theme, first."""
    return (-scored[0], scored[1])
