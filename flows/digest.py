"""The staff digest: what residents reported in a period, counted without singling anyone out.

Counts are kept exact in ``Digest`` and only *shown* as "<5" below ``SMALL``; resident words
are masked (phone numbers, e-mails, national id numbers) before they are shortened or stored.
Periods and the digests a subscription is owed are in ``flows.periods``.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flows.periods import Period, period_dates
from flows.priority import DEFAULT_WEIGHTS, Inputs, Weights, level, rank, reasons
from flows.privacy import mask_personal_data
from flows.quotes import staff_quote
from flows.records import IMPORTED, Label, ProblemRecord, stored_label
from flows.staff_texts import StaffTexts
from flows.trend import Earlier, Week, known

SMALL = 5  # counts below this are shown as "<5"
SEVERE_AT_LEAST = 4
SEVERE_LIMIT = 5
QUOTE_LIMIT = 4
TOP_LIMIT = 5  # group × area combinations or themes
BRIDGING_GROUPS = 3  # a theme raised by this many groups bridges them
QUOTE_CHARS = 200
_MIN_QUOTE_WORDS = 3  # fewer distinct words ("ok", "vei") tell staff nothing

Names = Callable[[str], str] | Mapping[str, str]
Tally = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Quote:
    """A resident's words, masked and shortened, with where they came from."""

    problem_id: int
    text: str
    area: str
    groups: tuple[str, ...]
    severity: int | None
    translated: str = ""  # machine translation into the reader's language, masked and cut


@dataclass(frozen=True, slots=True)
class Combination:
    """How many problems concern ``group`` in ``area``."""

    group: str
    area: str
    count: int


@dataclass(frozen=True, slots=True)
class ThemeLine:
    """A theme of the period: its problems, its priority with the inputs, and its marks."""

    theme: int
    label: str
    count: int
    previous: int = 0  # its problems in the period before
    score: int = 0  # flows.priority, 0–100
    inputs: Inputs | None = None
    residents: int = 0  # distinct residents (workshop notes are not residents)
    notes: int = 0  # imported workshop notes
    endorsements: int = 0  # "same for me" from other residents
    areas: tuple[str, ...] = ()  # where most of it comes from (only for themes not small)
    groups: tuple[str, ...] = ()  # whom it concerns most (only for themes not small)
    frequency: str = ""  # the most common frequency key
    frequency_most: bool = False  # said by more than half of those who answered
    reasons: tuple[str, ...] = ()  # flows.priority.reasons
    known: bool = False  # enough earlier periods had data to call it new or rising
    earlier: int = 0  # its problems in the earlier periods looked at

    @property
    def bridging(self) -> bool:
        """Tell whether three or more groups raised it."""
        return self.inputs is not None and self.inputs.groups >= BRIDGING_GROUPS

    @property
    def rising(self) -> bool:
        """Tell whether it grew since the period before (known history, not small)."""
        return self.known and self.count >= SMALL and self.count > self.previous

    @property
    def new(self) -> bool:
        """Tell whether no earlier period looked at had it (only with known history)."""
        return self.known and self.earlier == 0

    @property
    def level(self) -> str:
        """Return "high", "medium" or "low"."""
        return level(self.score)


@dataclass(frozen=True, slots=True)
class Digest:
    """Exact figures and chosen quotes for one period; lists come in display order."""

    period: Period
    problems: int
    residents: int
    previous_problems: int
    previous_residents: int
    by_area: Tally = ()
    by_group: Tally = ()  # a problem counts once for each of its groups
    combinations: tuple[Combination, ...] = ()  # empty when records carry themes
    themes: tuple[ThemeLine, ...] = ()
    severe: tuple[Quote, ...] = ()
    quotes: tuple[Quote, ...] = ()
    suggestions: int = 0
    by_language: Tally = ()
    notes: int = 0  # of ``problems``: imported workshop notes
    trend: tuple[Week, ...] = ()  # problems per week, oldest first, for the chart

    @property
    def problems_change(self) -> int | None:
        """Return the change in problems, or None when either count is too small to show."""
        return _change(self.problems, self.previous_problems)

    @property
    def residents_change(self) -> int | None:
        """Return the change in residents, or None when either count is too small to show."""
        return _change(self.residents, self.previous_residents)


def _change(now: int, before: int) -> int | None:
    return now - before if now >= SMALL and before >= SMALL else None


def shown(count: int) -> str:
    """Return ``count`` as staff may see it: "<5" below ``SMALL``."""
    return f"<{SMALL}" if count < SMALL else str(count)


def display_name(names: Names, key: str) -> str:
    """Return the display name of a group, area or frequency key, or the key itself."""
    try:
        return names[key] if isinstance(names, Mapping) else names(key)
    except KeyError:
        return key


def build_digest(
    current: Sequence[ProblemRecord],
    previous: Sequence[ProblemRecord],
    period: Period,
    weights: Weights = DEFAULT_WEIGHTS,
    *,
    earlier: Sequence[Earlier] = (),
    trend: Sequence[Week] = (),
    label: Label = stored_label,
) -> Digest:
    """Count and pick quotes from ``current`` (the period's records) against ``previous``.

    ``earlier`` counts the periods before ``period``, the latest first (for "new" and
    "rising"); ``label`` names a theme in the reader's language.
    """
    themed = any(record.theme is not None for record in current)
    severe = severe_quotes(current)
    taken = {quote.problem_id for quote in severe}
    return Digest(
        period=period,
        problems=len(current),
        residents=residents(current),
        previous_problems=len(previous),
        previous_residents=residents(previous),
        by_area=_tally(record.area for record in current),
        by_group=_tally(group for record in current for group in record.groups or ("",)),
        combinations=() if themed else _combinations(current),
        themes=_themes(current, previous, weights, earlier, label) if themed else (),
        severe=severe,
        quotes=_spread([q for q in informative(current) if q.problem_id not in taken]),
        suggestions=sum(1 for record in current if record.suggested_solution.strip()),
        by_language=_tally(record.language or "unknown" for record in current),
        notes=sum(1 for record in current if record.source == IMPORTED),
        trend=tuple(trend),
    )


def residents(records: Iterable[ProblemRecord]) -> int:
    """Count distinct residents: each erased one counts once, workshop notes not at all."""
    named: set[str] = set()
    erased = 0
    for record in records:
        if record.resident:
            named.add(record.resident)
        elif record.source != IMPORTED:
            erased += 1
    return len(named) + erased


def _order(count: int, key: str) -> tuple[int, str]:
    """Sort larger counts first, but small ones by key: their order must not reveal them."""
    return (-count if count >= SMALL else 0, key)


def _tally(keys: Iterable[str]) -> Tally:
    return tally(Counter(keys))


def tally(counts: Mapping[str, int]) -> Tally:
    """Order counts for display: larger first, those under ``SMALL`` by key."""
    return tuple(sorted(counts.items(), key=lambda item: _order(item[1], item[0])))


def _combinations(records: Sequence[ProblemRecord]) -> tuple[Combination, ...]:
    return top_combinations(
        Counter((group, r.area) for r in records if r.area for group in r.groups)
    )


def top_combinations(counts: Mapping[tuple[str, str], int]) -> tuple[Combination, ...]:
    """Return the largest (group, area) counts first, those under ``SMALL`` by key."""
    ordered = sorted(counts.items(), key=lambda item: _order(item[1], "\0".join(item[0])))
    return tuple(Combination(g, a, count) for (g, a), count in ordered[:TOP_LIMIT])


def _themes(
    records: Sequence[ProblemRecord],
    previous: Sequence[ProblemRecord],
    weights: Weights,
    earlier: Sequence[Earlier],
    label: Label,
) -> tuple[ThemeLine, ...]:
    """Return the themes with the highest priority first."""
    members: dict[int, list[ProblemRecord]] = {}
    for record in sorted(records, key=lambda r: r.created_at):
        if record.theme is not None:
            members.setdefault(record.theme, []).append(record)
    before = Counter(record.theme for record in previous if record.theme is not None)
    history = known(earlier)
    themes = []
    for found in rank(records, weights)[:TOP_LIMIT]:
        own = members[found.theme]
        small = len(own) < SMALL  # where and whom would narrow a few people down
        frequency, most = _usual(r.frequency for r in own)
        themes.append(
            ThemeLine(
                found.theme,
                mask_personal_data(label(own[-1])) or f"#{found.theme}",
                found.inputs.problems,
                before[found.theme],
                found.score,
                found.inputs,
                residents=residents(own),
                notes=sum(1 for r in own if r.source == IMPORTED),
                endorsements=sum(r.endorsements for r in own),
                areas=() if small else _mostly(r.area for r in own if r.area),
                groups=() if small else _mostly(g for r in own for g in r.groups),
                frequency=frequency,
                frequency_most=most,
                reasons=reasons(found.inputs, weights),
                known=history,
                earlier=sum(period.themes.get(found.theme, 0) for period in earlier),
            )
        )
    return tuple(themes)


def _mostly(keys: Iterable[str], limit: int = 2) -> tuple[str, ...]:
    return mostly(Counter(keys), limit)


def mostly(counts: Mapping[str, int], limit: int = 2) -> tuple[str, ...]:
    """Return the (at most ``limit``) keys that clearly make up more than half of the counts.

    Keys tied with the last one taken are not left out silently: then none is named.
    """
    ranked = sorted(((k, n) for k, n in counts.items() if n), key=lambda i: (-i[1], i[0]))
    total = sum(count for _, count in ranked)
    for size in range(1, min(limit, len(ranked)) + 1):
        taken = sum(count for _, count in ranked[:size])
        tied = size < len(ranked) and ranked[size][1] == ranked[size - 1][1]
        if taken * 2 > total and not tied:
            return tuple(key for key, _ in ranked[:size])
    return ()


def _usual(keys: Iterable[str]) -> tuple[str, bool]:
    return usual(Counter(keys))


def usual(found: Mapping[str, int]) -> tuple[str, bool]:
    """Return the most common non-empty key and whether more than half gave it."""
    counts = {key: count for key, count in found.items() if key and count}
    if not counts:
        return "", False
    key, count = min(counts.items(), key=lambda item: (-item[1], item[0]))
    return key, count * 2 > sum(counts.values())


def severe_quotes(records: Sequence[ProblemRecord]) -> tuple[Quote, ...]:
    """Return the most severe quotes (4 or 5), newest first within a rating."""
    rated = [
        r
        for r in records
        if r.severity is not None and r.severity >= SEVERE_AT_LEAST and not r.quote_hidden
    ]
    rated.sort(key=lambda r: (-(r.severity or 0), -r.created_at.timestamp(), -r.id))
    return tuple(_quote(record) for record in rated[:SEVERE_LIMIT])


def _quote(record: ProblemRecord) -> Quote:
    # Mask before shortening: a cut number could slip past the masker.
    text = trim(staff_quote(record.text), QUOTE_CHARS)
    return Quote(record.id, text, record.area, record.groups, record.severity)


def trim(text: str, limit: int) -> str:
    """Return ``text`` on one line, cut at a word boundary to at most ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:-–") + "…"


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]{3,}", text.casefold()))


def quote_words(text: str) -> int:
    """Return how many distinct words a problem's text has: its quotes are ranked by it."""
    return len(_words(text))


def _similar(quote: Quote, others: Iterable[Quote]) -> bool:
    """Tell whether ``quote`` says nearly what one of ``others`` says (copied or templated)."""
    words = _words(quote.text)
    return any(len(words & (w := _words(o.text))) >= 0.8 * len(words | w) for o in others)


def quote_rank(record: ProblemRecord) -> tuple[int, int, float, int]:
    """Order quotes: most distinct words, then longest, then newest first."""
    return (
        -quote_words(record.text),
        -len(record.text),
        -record.created_at.timestamp(),
        record.id,
    )


def informative(
    records: Sequence[ProblemRecord], made: dict[int, Quote] | None = None
) -> list[Quote]:
    """Return distinct quotes with enough words, best first (``made``: masked before, by id)."""
    ranked = sorted((r for r in records if not r.quote_hidden), key=quote_rank)
    made = {} if made is None else made
    quotes: list[Quote] = []
    seen: set[str] = set()
    for record in ranked:
        quote = made.get(record.id) or made.setdefault(record.id, _quote(record))
        if len(_words(quote.text)) >= _MIN_QUOTE_WORDS and quote.text.casefold() not in seen:
            seen.add(quote.text.casefold())
            quotes.append(quote)
    return quotes


def _spread(candidates: list[Quote]) -> tuple[Quote, ...]:
    return tuple(quote for _, quote in spread_passes(candidates))


def spread_passes(candidates: Sequence[Quote]) -> list[tuple[int, Quote]]:
    """Take the best quote of each new area, then of each new group, then the best left.

    A quote that nearly repeats one already taken is skipped: staff should hear different voices.
    Each quote comes with the pass that took it (0 area, 1 group, 2 any).
    """
    chosen: list[Quote] = []
    passes: list[int] = []
    areas: set[str] = set()
    groups: set[str] = set()
    rules: tuple[Callable[[Quote], bool], ...] = (
        lambda q: q.area not in areas,
        lambda q: not groups.issuperset(q.groups),
        lambda q: True,
    )
    for number, rule in enumerate(rules):
        for quote in candidates:
            if len(chosen) == QUOTE_LIMIT:
                return list(zip(passes, chosen, strict=True))
            if quote not in chosen and rule(quote) and not _similar(quote, chosen):
                chosen.append(quote)
                passes.append(number)
                areas.add(quote.area)
                groups.update(quote.groups)
    return list(zip(passes, chosen, strict=True))


def render_stats(
    period_count: int, total: int, period: Period, texts: StaffTexts, language: str, tz: ZoneInfo
) -> str:
    """Render the two-line /stats summary as Telegram HTML: problems in ``period`` and in all."""
    start, end = period_dates(period, tz)
    return "\n".join(
        [
            texts.html("stats_period", language, start=start, end=end, count=shown(period_count)),
            texts.html("stats_total", language, count=shown(total)),
        ]
    )
