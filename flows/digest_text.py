"""The digest as staff read it: a lead of at most five lines, then sections of details.

The lead says how many problems and residents came (with the change), the three themes to
look at first in plain words, and what is new or rising. Each further section is a function
of the digest and a ``Writer``; callers may add their own sections to ``DETAILS``.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from flows.digest import Digest, Names, Quote, Tally, ThemeLine, display_name, shown
from flows.periods import period_dates
from flows.staff_texts import StaffTexts
from flows.texts import Markup

LEAD_THEMES = 3  # themes named in the lead


@dataclass(frozen=True, slots=True)
class Writer:
    """Fill the staff texts of one language, as HTML or as plain text."""

    texts: StaffTexts
    language: str
    html: bool
    names: Names
    zone: ZoneInfo

    def __call__(self, key: str, **values: str) -> str:
        """Fill ``key``; a ``Markup`` value is a fragment this writer already filled."""
        if self.html:
            return self.texts.html(key, self.language, **values)
        return self.texts.plain(key, self.language, **values)

    def count(self, key: str, count: int, **values: str) -> str:
        """Fill ``key`` with ``count``, or ``key_one`` when the count is 1."""
        return self(f"{key}_one" if count == 1 else key, count=str(count), **values)

    def fragment(self, text: str) -> str:
        """Mark ``text``, joined from filled texts, as needing no more escaping."""
        return Markup(text) if self.html else text

    def join(self, parts: Sequence[str], separator: str = ", ") -> str:
        """Join filled texts into one fragment."""
        return self.fragment(separator.join(parts))

    def literal(self, text: str) -> str:
        """Return ``text`` (a name, a label) as a fragment, escaped for HTML."""
        return Markup(escape(text)) if self.html else text

    def name(self, key: str) -> str:
        """Return the display name of a group, area or frequency key."""
        if key:
            return display_name(self.names, key)
        return self.texts.template("digest_unspecified", self.language)

    def decimal(self, value: float) -> str:
        """Write ``value`` with one decimal, with the language's decimal mark (4,3 in nb)."""
        return f"{value:.1f}".replace(".", self.texts.template("decimal_mark", self.language))

    def language_name(self, code: str) -> str:
        """Return the name of a resident's language in the reader's."""
        return self.texts.language_name(code, self.language)


Section = Callable[[Digest, Writer], list[str]]
"""One block of the digest: its lines, or none to leave it out."""


def render_digest(
    digest: Digest,
    texts: StaffTexts,
    language: str,
    names: Names,
    tz: ZoneInfo,
    sections: Sequence[Section] | None = None,
) -> str:
    """Render ``digest`` for staff as Telegram HTML, every resident word escaped."""
    return render(digest, Writer(texts, language, True, names, tz), sections)


def render_digest_plain(
    digest: Digest,
    texts: StaffTexts,
    language: str,
    names: Names,
    tz: ZoneInfo,
    sections: Sequence[Section] | None = None,
) -> str:
    """Render ``digest`` as plain text: no template tags, resident words exactly as typed."""
    return render(digest, Writer(texts, language, False, names, tz), sections)


def render(digest: Digest, w: Writer, sections: Sequence[Section] | None = None) -> str:
    """Render the title, the lead, the detail sections (``DETAILS`` by default) and the footer."""
    start, end = period_dates(digest.period, w.zone)
    title = w("digest_title", start=start, end=end)
    if digest.problems == 0:
        return "\n\n".join([title, w("digest_empty")])
    chosen = DETAILS if sections is None else sections
    blocks = [[title, *lead(digest, w)], *(section(digest, w) for section in chosen)]
    blocks.append(footer(digest, w))
    return "\n\n".join("\n".join(block) for block in blocks if block)


def lead(digest: Digest, w: Writer) -> list[str]:
    """Return the at most five lines that say what matters: totals, top themes, news."""
    lines = [_totals(digest, w)]
    lines += [_lead_theme(w, n, t) for n, t in enumerate(digest.themes[:LEAD_THEMES], 1)]
    news = [
        w(key, names=w.join([w.literal(t.label) for t in digest.themes if flag(t)]))
        for key, flag in (("digest_new", _is_new), ("digest_rising", _is_rising))
        if any(flag(t) for t in digest.themes)
    ]
    if news:
        lines.append(w.join(news, " · "))
    return lines


def _is_new(theme: ThemeLine) -> bool:
    return theme.new


def _is_rising(theme: ThemeLine) -> bool:
    return theme.rising and not theme.new


def _totals(digest: Digest, w: Writer) -> str:
    counts = {"problems": shown(digest.problems), "residents": shown(digest.residents)}
    if digest.notes:
        totals = w("digest_totals_notes", notes=shown(digest.notes), **counts)
    else:
        totals = w("digest_totals", **counts)
    changes = [
        w(key, delta=f"{delta:+d}".replace("-", "−") if delta else "±0")
        for key, delta in (
            ("digest_change_problems", digest.problems_change),
            ("digest_change_residents", digest.residents_change),
        )
        if delta is not None
    ]
    if not changes:
        return totals
    return w("digest_totals_change", totals=w.fragment(totals), changes=w.join(changes))


def _lead_theme(w: Writer, rank: int, theme: ThemeLine) -> str:
    name = theme.label
    if theme.areas:
        name = w("digest_in", name=name, places=_and(w, [w.name(a) for a in theme.areas]))
    details = [_who(w, theme)]
    if theme.groups:
        groups = [_lower(w.name(g)) for g in theme.groups]
        details.append(w("digest_mostly", groups=_and(w, groups)))
    inputs = theme.inputs
    if inputs is not None and inputs.severity is not None:
        rated = "high" if inputs.severity >= 4 else "medium" if inputs.severity >= 2.5 else "low"
        details.append(w(f"digest_rated_{rated}", severity=w.decimal(inputs.severity)))
    return w("digest_lead_theme", rank=str(rank), name=name, details=w.join(details))


def _lower(name: str) -> str:
    """Lower a group's name for running text ("Senior (65+)" → "senior (65+)")."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _who(w: Writer, theme: ThemeLine) -> str:
    if theme.notes and not theme.residents:
        return w("digest_reach_notes", count=shown(theme.notes))
    if theme.notes:
        return w("digest_who_notes", residents=shown(theme.residents), notes=shown(theme.notes))
    return w("digest_who", residents=shown(theme.residents))


def _and(w: Writer, names: Sequence[str]) -> str:
    word = w.texts.template("digest_and", w.language)
    return w.join([w.literal(name) for name in names], f" {word} ")


def themes_section(digest: Digest, w: Writer) -> list[str]:
    """List the themes by priority: a short reason, reach, breadth and how often."""
    if not digest.themes:
        return _combinations(digest, w)
    lines = [w("digest_themes")]
    for theme in digest.themes:
        lines += [_priority_line(w, theme), _detail_line(w, theme)]
    return [*lines, w("digest_priority_note")]


def _priority_line(w: Writer, theme: ThemeLine) -> str:
    reasons = [w(f"digest_reason_{reason}") for reason in theme.reasons]
    flags = (("digest_bridging", theme.bridging), ("digest_mark_rising", theme.rising))
    return w(
        "digest_theme_item",
        name=theme.label,
        score=str(theme.score),
        level=w(f"digest_level_{theme.level}"),
        reasons=w.join(reasons),
        marks=w.fragment("".join(f" · {w(key)}" for key, on in flags if on)),
    )


def _detail_line(w: Writer, theme: ThemeLine) -> str:
    reach = [w("digest_reach_residents", count=shown(theme.residents))]
    if theme.notes:
        reach.append(w("digest_reach_notes", count=shown(theme.notes)))
    reach.append(w("digest_reach_endorsements", count=str(theme.endorsements)))
    inputs = theme.inputs
    assert inputs is not None  # build_digest scores every theme it shows
    parts = [
        w("digest_problems", count=shown(theme.count)),
        w("digest_reach", items=w.join(reach)),
        w(
            "digest_breadth",
            groups=w.count("digest_groups_count", inputs.groups),
            areas=w.count("digest_areas_count", inputs.areas),
        ),
    ]
    if theme.frequency:
        often = "digest_often_most" if theme.frequency_most else "digest_often_usual"
        parts.append(w(often, frequency=w.name(theme.frequency).lower()))
    return w("digest_theme_detail", details=w.join(parts, " · "))


def _combinations(digest: Digest, w: Writer) -> list[str]:
    combinations = [
        w(
            "digest_combination",
            group=w.name(c.group),
            area=w.name(c.area),
            count=shown(c.count),
        )
        for c in digest.combinations
    ]
    return [w("digest_combinations"), *combinations] if combinations else []


def areas_section(digest: Digest, w: Writer) -> list[str]:
    """Count the problems by area."""
    return _tally(w, "digest_areas", digest.by_area)


def groups_section(digest: Digest, w: Writer) -> list[str]:
    """Count the problems by group."""
    return _tally(w, "digest_groups", digest.by_group)


def _tally(w: Writer, heading: str, tally: Tally) -> list[str]:
    items = [w("digest_item", name=w.name(key), count=shown(n)) for key, n in tally]
    return [w(heading), *items] if items else []


def severe_section(digest: Digest, w: Writer) -> list[str]:
    """Quote the problems rated most severe."""
    items = [
        w(
            "digest_severe_item",
            severity=str(q.severity),
            place=w.name(q.area),
            quote=q.text,
        )
        + _translated(w, q)
        for q in digest.severe
    ]
    return [w("digest_severe"), *items] if items else []


def quotes_section(digest: Digest, w: Writer) -> list[str]:
    """Quote a few residents, from different areas and groups."""
    items = [_quote_line(w, q) for q in digest.quotes]
    return [w("digest_quotes"), *items] if items else []


def _quote_line(w: Writer, quote: Quote) -> str:
    line = w("digest_quote_item", quote=quote.text, place=w.name(quote.area))
    return line + _translated(w, quote)


def _translated(w: Writer, quote: Quote) -> str:
    """Return the quote's machine translation as a line of its own, or ""."""
    return "\n" + w("digest_translated", text=quote.translated) if quote.translated else ""


DETAILS: tuple[Section, ...] = (
    themes_section,
    areas_section,
    groups_section,
    severe_section,
    quotes_section,
)
"""The detail sections after the lead, in order; the footer always comes last."""


def footer(digest: Digest, w: Writer) -> list[str]:
    """Name the residents' languages, the solutions kept aside and the "<5" rule."""
    languages = [
        w("digest_language_item", name=w.language_name(code), count=shown(n))
        for code, n in digest.by_language
    ]
    lines = [w("digest_languages", items=w.join(languages))]
    if digest.suggestions:
        lines.append(w("digest_suggestions", count=shown(digest.suggestions)))
    lines.append(w("digest_privacy", small=shown(0)))
    return lines
