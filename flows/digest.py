"""The staff digest: what residents reported in a period, counted without singling anyone out.

Counts are kept exact in ``Digest`` and only *shown* as "<5" below ``SMALL``; resident words
are masked (phone numbers, e-mails, national id numbers) before they are shortened or stored.
``due_digests`` says which scheduled digests a subscription is owed by a given moment.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flows.priority import DEFAULT_WEIGHTS, Inputs, Weights, rank
from flows.privacy import mask_personal_data
from flows.records import ProblemRecord
from flows.render import split_message as split_message  # now in flows.render; old imports work
from flows.staff_texts import StaffTexts
from flows.texts import Markup

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
class Period:
    """A span of time: aware instants, ``end`` exclusive."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Period needs timezone-aware datetimes")
        if self.end <= self.start:
            raise ValueError("Period must end after it starts")


def week_period(now: datetime, tz: ZoneInfo) -> Period:
    """Return the last complete Monday–Monday week in ``tz`` before ``now``, as UTC instants."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    return Period(_midnight(monday - timedelta(days=7), tz), _midnight(monday, tz))


def previous(period: Period, tz: ZoneInfo | None = None) -> Period:
    """Return the period just before ``period``, as long on the clock of ``tz`` (or in UTC)."""
    if tz is None:
        return Period(period.start - (period.end - period.start), period.start)
    # Wall-clock arithmetic keeps a week a calendar week when a DST change lies between.
    start = period.start.astimezone(tz).replace(tzinfo=None)
    length = period.end.astimezone(tz).replace(tzinfo=None) - start
    return Period((start - length).replace(tzinfo=tz).astimezone(UTC), period.start)


def rolling_period(now: datetime, days: int) -> Period:
    """Return the ``days`` days up to ``now``."""
    if days < 1:
        raise ValueError("days must be at least 1")
    end = now.astimezone(UTC)
    return Period(end - timedelta(days=days), end)


def day_period(now: datetime, tz: ZoneInfo) -> Period:
    """Return the last complete day in ``tz`` before ``now``, as UTC instants."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(tz).date()
    return Period(_midnight(today - timedelta(days=1), tz), _midnight(today, tz))


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


WEEKLY = "weekly"  # Mondays, for the previous Monday–Sunday week
DAILY = "daily"  # every day, for the previous day
FREQUENCIES = (WEEKLY, DAILY)
CATCH_UP = timedelta(days=7)  # digests that fell due longer ago than this are not sent late


@dataclass(frozen=True, slots=True)
class Due:
    """A scheduled digest: when it fell due and the period it covers."""

    at: datetime
    period: Period


def due_digests(
    frequency: str, since: datetime, now: datetime, tz: ZoneInfo, at: time
) -> list[Due]:
    """Return the digests of a subscription made at ``since`` that fell due by ``now``.

    A digest falls due at ``at`` o'clock in ``tz`` (on Mondays when weekly); only those after
    ``since`` and within ``CATCH_UP`` of ``now`` count, oldest first.
    """
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}; expected one of {FREQUENCIES}")
    if since.tzinfo is None or now.tzinfo is None:
        raise ValueError("since and now must be timezone-aware")
    after = max(since, now - CATCH_UP)
    today = now.astimezone(tz).date()
    first = after.astimezone(tz).date()
    found: list[Due] = []
    for offset in range((today - first).days, -1, -1):
        day = today - timedelta(days=offset)
        if frequency == WEEKLY and day.weekday() != 0:
            continue
        instant = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
        if after < instant <= now:
            period = week_period(instant, tz) if frequency == WEEKLY else day_period(instant, tz)
            found.append(Due(instant, period))
    return found


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

    @property
    def bridging(self) -> bool:
        """Tell whether three or more groups raised it."""
        return self.inputs is not None and self.inputs.groups >= BRIDGING_GROUPS

    @property
    def rising(self) -> bool:
        """Tell whether it grew since the period before (only shown once it is not small)."""
        return self.count >= SMALL and self.count > self.previous


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
) -> Digest:
    """Count and pick quotes from ``current`` (the period's records) against ``previous``."""
    themed = any(record.theme is not None for record in current)
    severe = _severe(current)
    taken = {quote.problem_id for quote in severe}
    return Digest(
        period=period,
        problems=len(current),
        residents=len({record.resident for record in current}),
        previous_problems=len(previous),
        previous_residents=len({record.resident for record in previous}),
        by_area=_tally(record.area for record in current),
        by_group=_tally(group for record in current for group in record.groups or ("",)),
        combinations=() if themed else _combinations(current),
        themes=_themes(current, previous, weights) if themed else (),
        severe=severe,
        quotes=_spread([q for q in _informative(current) if q.problem_id not in taken]),
        suggestions=sum(1 for record in current if record.suggested_solution.strip()),
        by_language=_tally(record.language or "unknown" for record in current),
    )


def _order(count: int, key: str) -> tuple[int, str]:
    """Sort larger counts first, but small ones by key: their order must not reveal them."""
    return (-count if count >= SMALL else 0, key)


def _tally(keys: Iterable[str]) -> Tally:
    counts = Counter(keys)
    return tuple(sorted(counts.items(), key=lambda item: _order(item[1], item[0])))


def _combinations(records: Sequence[ProblemRecord]) -> tuple[Combination, ...]:
    counts = Counter(
        (group, record.area) for record in records if record.area for group in record.groups
    )
    ordered = sorted(counts.items(), key=lambda item: _order(item[1], "\0".join(item[0])))
    return tuple(Combination(g, a, count) for (g, a), count in ordered[:TOP_LIMIT])


def _themes(
    records: Sequence[ProblemRecord], previous: Sequence[ProblemRecord], weights: Weights
) -> tuple[ThemeLine, ...]:
    """Return the themes with the highest priority first."""
    labels: dict[int, str] = {}
    for record in sorted(records, key=lambda r: r.created_at):
        if record.theme is not None:
            labels[record.theme] = record.theme_label or labels.get(record.theme, "")
    before = Counter(record.theme for record in previous if record.theme is not None)
    themes = [
        ThemeLine(
            p.theme,
            mask_personal_data(labels[p.theme]) or f"#{p.theme}",
            p.inputs.problems,
            before[p.theme],
            p.score,
            p.inputs,
        )
        for p in rank(records, weights)
    ]
    return tuple(themes[:TOP_LIMIT])


def _severe(records: Sequence[ProblemRecord]) -> tuple[Quote, ...]:
    rated = [r for r in records if r.severity is not None and r.severity >= SEVERE_AT_LEAST]
    rated.sort(key=lambda r: (-(r.severity or 0), -r.created_at.timestamp(), -r.id))
    return tuple(_quote(record) for record in rated[:SEVERE_LIMIT])


def _quote(record: ProblemRecord) -> Quote:
    # Mask before shortening: a cut number could slip past the masker.
    text = trim(mask_personal_data(record.text), QUOTE_CHARS)
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


def _similar(quote: Quote, others: Iterable[Quote]) -> bool:
    """Tell whether ``quote`` says nearly what one of ``others`` says (copied or templated)."""
    words = _words(quote.text)
    return any(len(words & (w := _words(o.text))) >= 0.8 * len(words | w) for o in others)


def _informative(records: Sequence[ProblemRecord]) -> list[Quote]:
    """Return distinct quotes with enough words, most informative (then newest) first."""
    ranked = sorted(
        records,
        key=lambda r: (-len(_words(r.text)), -len(r.text), -r.created_at.timestamp(), r.id),
    )
    quotes: list[Quote] = []
    seen: set[str] = set()
    for record in ranked:
        quote = _quote(record)
        if len(_words(quote.text)) >= _MIN_QUOTE_WORDS and quote.text.casefold() not in seen:
            seen.add(quote.text.casefold())
            quotes.append(quote)
    return quotes


def _spread(candidates: list[Quote]) -> tuple[Quote, ...]:
    """Take the best quote of each new area, then of each new group, then the best left.

    A quote that nearly repeats one already taken is skipped: staff should hear different voices.
    """
    chosen: list[Quote] = []
    areas: set[str] = set()
    groups: set[str] = set()
    rules: tuple[Callable[[Quote], bool], ...] = (
        lambda q: q.area not in areas,
        lambda q: not groups.issuperset(q.groups),
        lambda q: True,
    )
    for rule in rules:
        for quote in candidates:
            if len(chosen) == QUOTE_LIMIT:
                return tuple(chosen)
            if quote not in chosen and rule(quote) and not _similar(quote, chosen):
                chosen.append(quote)
                areas.add(quote.area)
                groups.update(quote.groups)
    return tuple(chosen)


@dataclass(frozen=True, slots=True)
class _Writer:
    """Fill the staff texts of one language, as HTML or as plain text."""

    texts: StaffTexts
    language: str
    html: bool

    def __call__(self, key: str, **values: str) -> str:
        """Fill ``key``; a ``Markup`` value is a fragment this writer already filled."""
        if self.html:
            return self.texts.html(key, self.language, **values)
        return self.texts.plain(key, self.language, **values)

    def fragment(self, text: str) -> str:
        """Mark ``text``, joined from filled texts, as needing no more escaping."""
        return Markup(text) if self.html else text

    def name(self, names: Names, key: str) -> str:
        if key:
            return display_name(names, key)
        return self.texts.template("digest_unspecified", self.language)

    def language_name(self, code: str) -> str:
        return self.texts.language_name(code, self.language)


def render_digest(
    digest: Digest, texts: StaffTexts, language: str, names: Names, tz: ZoneInfo
) -> str:
    """Render ``digest`` for staff as Telegram HTML, every resident word escaped."""
    return _render(digest, _Writer(texts, language, html=True), names, tz)


def render_digest_plain(
    digest: Digest, texts: StaffTexts, language: str, names: Names, tz: ZoneInfo
) -> str:
    """Render ``digest`` as plain text: no template tags, resident words exactly as typed."""
    return _render(digest, _Writer(texts, language, html=False), names, tz)


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


def period_dates(period: Period, tz: ZoneInfo) -> tuple[str, str]:
    """Format the first and last local day, e.g. ("24.11.", "30.11.2026")."""
    first = period.start.astimezone(tz).date()
    last = (period.end - timedelta(microseconds=1)).astimezone(tz).date()
    return (f"{first:%d.%m.}" if first.year == last.year else f"{first:%d.%m.%Y}"), (
        f"{last:%d.%m.%Y}"
    )


def _render(digest: Digest, w: _Writer, names: Names, tz: ZoneInfo) -> str:
    start, end = period_dates(digest.period, tz)
    title = [w("digest_title", start=start, end=end)]
    if digest.problems == 0:
        return "\n\n".join([title[0], w("digest_empty")])
    blocks = [
        title + _totals(digest, w),
        _section(w, "digest_areas", _items(w, names, digest.by_area)),
        _section(w, "digest_groups", _items(w, names, digest.by_group)),
        _clusters(digest, w, names),
        _section(w, "digest_severe", [_severe_line(w, names, q) for q in digest.severe]),
        _section(w, "digest_quotes", [_quote_line(w, names, q) for q in digest.quotes]),
        _footer(digest, w),
    ]
    return "\n\n".join("\n".join(block) for block in blocks if block)


def _totals(digest: Digest, w: _Writer) -> list[str]:
    lines = [
        w("digest_totals", problems=shown(digest.problems), residents=shown(digest.residents))
    ]
    changes = [
        w(key, delta=f"{delta:+d}" if delta else "±0")
        for key, delta in (
            ("digest_change_problems", digest.problems_change),
            ("digest_change_residents", digest.residents_change),
        )
        if delta is not None
    ]
    if changes:
        lines.append(w("digest_change", changes=w.fragment(", ".join(changes))))
    return lines


def _section(w: _Writer, heading: str, items: list[str]) -> list[str]:
    return [w(heading), *items] if items else []


def _items(w: _Writer, names: Names, tally: Tally) -> list[str]:
    return [w("digest_item", name=w.name(names, key), count=shown(n)) for key, n in tally]


def _clusters(digest: Digest, w: _Writer, names: Names) -> list[str]:
    if digest.themes:
        themes = [_theme_line(w, theme) for theme in digest.themes]
        return [*_section(w, "digest_themes", themes), w("digest_priority_note")]
    combinations = [
        w(
            "digest_combination",
            group=w.name(names, c.group),
            area=w.name(names, c.area),
            count=shown(c.count),
        )
        for c in digest.combinations
    ]
    return _section(w, "digest_combinations", combinations)


def _theme_line(w: _Writer, theme: ThemeLine) -> str:
    inputs = theme.inputs
    assert inputs is not None  # build_digest scores every theme it shows
    flags = (("digest_bridging", theme.bridging), ("digest_rising", theme.rising))
    marks = w.fragment("".join(f" · {w(key)}" for key, on in flags if on))
    values = {
        "name": theme.label,
        "count": shown(theme.count),
        "score": str(theme.score),
        "reach": shown(inputs.reach),
        "severity": f"{inputs.severity:.1f}" if inputs.severity is not None else "–",
        "per_year": f"{inputs.per_year:.0f}" if inputs.per_year is not None else "–",
        "breadth": str(inputs.breadth),
    }
    return w("digest_theme_item", marks=marks, **values)


def _severe_line(w: _Writer, names: Names, quote: Quote) -> str:
    place = w.name(names, quote.area)
    line = w("digest_severe_item", severity=str(quote.severity), place=place, quote=quote.text)
    return line + _translated(w, quote)


def _quote_line(w: _Writer, names: Names, quote: Quote) -> str:
    line = w("digest_quote_item", quote=quote.text, place=w.name(names, quote.area))
    return line + _translated(w, quote)


def _translated(w: _Writer, quote: Quote) -> str:
    return "\n" + w("digest_translated", text=quote.translated) if quote.translated else ""


def _footer(digest: Digest, w: _Writer) -> list[str]:
    languages = [
        w("digest_language_item", name=w.language_name(code), count=shown(n))
        for code, n in digest.by_language
    ]
    lines = [w("digest_languages", items=w.fragment(", ".join(languages)))]
    if digest.suggestions:
        lines.append(w("digest_suggestions", count=shown(digest.suggestions)))
    lines.append(w("digest_privacy", small=shown(0)))
    return lines
