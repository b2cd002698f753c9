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
    "digest_priority_note digest_bridging digest_mark_rising digest_severe digest_quotes "
    "digest_unspecified staff_commands_admin role_staff role_admin invite_used invite_expired "
    "invite_invalid subscribe_usage unsubscribed not_subscribed digest_rolling export_usage "
    "export_all chart_areas chart_themes sheet_title theme_title theme_help theme_none "
    "theme_usage workshop_usage workshop_ask_area workshop_ask_date workshop_gone "
    "workshops_empty workshops_title digest_workshops decimal_mark digest_and "
    "digest_level_high digest_level_medium digest_level_low digest_reason_reach_high "
    "digest_reason_reach_low digest_reason_severity_high digest_reason_severity_low "
    "digest_reason_frequency_high digest_reason_frequency_low digest_reason_breadth_high "
    "digest_reason_breadth_low poster_scan poster_need_telegram "
    "col_id col_local_time col_utc col_language col_text col_solution col_groups col_area "
    "col_frequency col_severity col_source col_workshop col_theme col_theme_label "
    "col_endorsements col_priority col_level col_reasons col_problems col_residents "
    "col_notes col_reach col_mean_severity col_per_year col_group_count col_area_count col_status "
    "col_quote sheet_themes sheet_quotes sheet_areas sheet_groups source_telegram "
    "source_terminal source_import"
).split()
_COUNT_KEYS = (  # noqa: SIM905
    "digest_problems digest_reach_residents digest_reach_notes digest_reach_endorsements "
    "digest_groups_count digest_groups_count_one digest_areas_count digest_areas_count_one "
    "workshop_participants workshop_participants_one workshop_problems workshop_problems_one"
).split()
_STATUS_KEYS = (  # noqa: SIM905
    "status_received status_reviewing status_planned status_in_progress status_done "
    "status_declined status_usage status_unknown status_reason_needed status_note_too_long "
    "digest_loop_title"
).split()
_DIGEST_ITEM = frozenset({"name", "count"})
STAFF_PARAMS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        **dict.fromkeys(_PLAIN_KEYS, frozenset[str]()),
        **dict.fromkeys(("block_done", "unblock_done", "block_unknown"), frozenset({"id"})),
        **dict.fromkeys(("digest_title", "chart_title"), frozenset({"start", "end"})),
        "digest_totals": frozenset({"problems", "residents"}),
        "digest_totals_notes": frozenset({"problems", "residents", "notes"}),
        "digest_totals_change": frozenset({"totals", "changes"}),
        **dict.fromkeys(_COUNT_KEYS, frozenset({"count"})),
        "digest_lead_theme": frozenset({"rank", "name", "details"}),
        "digest_in": frozenset({"name", "places"}),
        "digest_who": frozenset({"residents"}),
        "digest_who_notes": frozenset({"residents", "notes"}),
        "digest_mostly": frozenset({"groups"}),
        **dict.fromkeys(
            ("digest_rated_high", "digest_rated_medium", "digest_rated_low"),
            frozenset({"severity"}),
        ),
        **dict.fromkeys(("digest_new", "digest_rising"), frozenset({"names"})),
        "digest_theme_detail": frozenset({"details"}),
        "chart_trend": frozenset({"weeks"}),
        "chart_small": frozenset({"small"}),
        "digest_reach": frozenset({"items"}),
        "digest_breadth": frozenset({"groups", "areas"}),
        **dict.fromkeys(("digest_often_most", "digest_often_usual"), frozenset({"frequency"})),
        **dict.fromkeys(
            ("digest_change_problems", "digest_change_residents"), frozenset({"delta"})
        ),
        "digest_theme_item": frozenset({"name", "score", "level", "reasons", "marks"}),
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
        "workspace_link": frozenset({"minutes", "link"}),
        "export_caption": frozenset({"count", "range"}),
        "theme_item": frozenset({"id", "count", "label"}),
        "theme_quote": frozenset({"quote"}),
        "theme_renamed": frozenset({"id", "label"}),
        "theme_unknown": frozenset({"id"}),
        "theme_merged": frozenset({"keep", "absorb", "count"}),
        "theme_pending": frozenset({"count"}),
        "theme_refused": frozenset({"keep", "absorb"}),
        "workshop_ask_group": frozenset({"name", "code"}),
        "workshop_created": frozenset(
            {"name", "date", "group", "area", "code", "followups", "link"}
        ),
        "workshop_qr_caption": frozenset({"name", "link"}),
        "workshops_item": frozenset({"name", "code", "date", "participants", "problems", "rate"}),
        "digest_workshop_item": frozenset({"name", "date", "participants", "problems", "answers"}),
        # statuses: what became of the reports
        **dict.fromkeys(_STATUS_KEYS, frozenset[str]()),
        "status_set": frozenset({"target", "status", "residents"}),
        **dict.fromkeys(("status_target_theme", "status_target_problem"), frozenset({"id"})),
        "status_no_target": frozenset({"target"}),
        **dict.fromkeys(("theme_public", "theme_private"), frozenset({"id"})),
        "digest_loop_item": frozenset({"target", "status", "told"}),
        "digest_loop_note": frozenset({"note"}),
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
