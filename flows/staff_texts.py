"""The texts staff read (digests, /stats and the staff commands), checked like the interview's."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from flows.texts import ContentError, Texts, as_table, as_text, check_texts, read_toml, with_lines

# The keys without placeholders, as one string rather than a 40-line list.
_PLAIN_KEYS = (  # noqa: SIM905
    "block_usage digest_empty digest_areas digest_groups digest_combinations digest_themes "
    "digest_priority_note digest_bridging digest_rising digest_severe digest_quotes "
    "digest_unspecified staff_commands_admin role_staff role_admin invite_used invite_expired "
    "invite_invalid subscribe_usage unsubscribed not_subscribed digest_rolling export_usage "
    "export_all chart_areas chart_groups sheet_title theme_title theme_help theme_none "
    "theme_usage workshop_usage workshop_ask_area workshop_ask_date workshop_gone "
    "workshops_empty workshops_title digest_workshops"
).split()
_DIGEST_ITEM = frozenset({"name", "count"})
STAFF_PARAMS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        **dict.fromkeys(_PLAIN_KEYS, frozenset[str]()),
        **dict.fromkeys(("block_done", "unblock_done", "block_unknown"), frozenset({"id"})),
        **dict.fromkeys(("digest_title", "chart_title"), frozenset({"start", "end"})),
        "digest_totals": frozenset({"problems", "residents"}),
        "digest_change": frozenset({"changes"}),
        **dict.fromkeys(
            ("digest_change_problems", "digest_change_residents"), frozenset({"delta"})
        ),
        "digest_theme_item": _DIGEST_ITEM
        | {"score", "reach", "severity", "per_year", "breadth", "marks"},
        **dict.fromkeys(("digest_item", "digest_language_item"), _DIGEST_ITEM),
        "digest_combination": frozenset({"group", "area", "count"}),
        "digest_severe_item": frozenset({"severity", "place", "quote"}),
        "digest_quote_item": frozenset({"quote", "place"}),
        "digest_translated": frozenset({"text"}),
        "digest_languages": frozenset({"items"}),
        **dict.fromkeys(("digest_suggestions", "stats_total"), frozenset({"count"})),
        "digest_privacy": frozenset({"small"}),
        "stats_period": frozenset({"start", "end", "count"}),
        "staff_welcome": frozenset({"role"}),
        **dict.fromkeys(
            ("staff_commands", "subscribed_weekly", "subscribed_daily"), frozenset({"time"})
        ),
        "invite_created": frozenset({"role", "until", "link"}),
        "export_caption": frozenset({"count", "range"}),
        "theme_item": frozenset({"id", "count", "label"}),
        "theme_quote": frozenset({"quote"}),
        "theme_renamed": frozenset({"id", "label"}),
        "theme_unknown": frozenset({"id"}),
        "theme_merged": frozenset({"keep", "absorb", "count"}),
        "theme_refused": frozenset({"keep", "absorb"}),
        "workshop_ask_group": frozenset({"name", "code"}),
        "workshop_created": frozenset(
            {"name", "date", "group", "area", "code", "followups", "link"}
        ),
        "workshop_qr_caption": frozenset({"name", "link"}),
        "workshops_item": frozenset({"name", "code", "date", "participants", "problems", "rate"}),
        "digest_workshop_item": frozenset({"name", "date", "participants", "problems", "answers"}),
    }
)
"""Every staff text key, with the placeholders the code fills in for it."""

_LANGUAGE = re.compile(r"[a-z]{2}")
_NAMES = "language_names"  # a table in each language: the names of the residents' languages


@dataclass(frozen=True, slots=True)
class StaffTexts(Texts):
    """The staff texts, and in each staff language the names of the residents' languages."""

    language_names: Mapping[str, Mapping[str, str]]

    def language_name(self, code: str, language: str) -> str:
        """Return the name of the language ``code`` in ``language`` (else the first language)."""
        names = self.language_names.get(language) or self.language_names[self.languages[0]]
        return names.get(code, code)


def parse_staff_texts(text: str, source: str) -> StaffTexts:
    """Parse and check the staff texts: one table per language, the first one the fallback."""
    data = read_toml(text, source)
    problems: list[str] = []
    problems.extend(
        f'{code}: must be a 2-letter language code like "nb"'
        for code in data
        if not _LANGUAGE.fullmatch(code)
    )
    languages = tuple(data)
    tables = {code: dict(as_table(data[code], code, problems)) for code in languages}
    names = {code: tables[code].pop(_NAMES, None) for code in languages}
    templates = check_texts(tables, "", languages, STAFF_PARAMS, problems)
    language_names = _language_names(names, languages, problems)
    if problems:
        raise ContentError(source, with_lines(problems, text))
    return StaffTexts(source, languages, templates, language_names)


def _language_names(
    tables: Mapping[str, Any], languages: tuple[str, ...], problems: list[str]
) -> Mapping[str, Mapping[str, str]]:
    names: dict[str, Mapping[str, str]] = {}
    first: set[str] = set()
    for language in languages:
        where = f"{language}.{_NAMES}"
        table = as_table(tables[language], where, problems)
        if language != languages[0]:
            problems.extend(
                f"{where}.{code}: missing (the {languages[0]} table has it)"
                for code in sorted(first - table.keys())
            )
        else:
            first = set(table)
        names[language] = MappingProxyType(
            {code: as_text(name, f"{where}.{code}", problems) for code, name in table.items()}
        )
    return MappingProxyType(names)
