"""The interview's content: texts per language, groups, areas and frequencies, from TOML."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from flows.shapes import Ring, parse_shape
from flows.texts import ContentError, as_table, as_text, check_texts, read_toml, with_lines

# One string, not a 40-line list: the keys read as a paragraph, in interview order.
_PLAIN_KEYS = (  # noqa: SIM905
    "choose_language language_set btn_consent_yes btn_consent_no consent_declined need_consent "
    "ask_problem problem_too_short ask_frequency ask_severity ask_groups "
    "groups_need_one btn_done ask_area btn_confirm btn_change ask_change btn_change_problem "
    "btn_change_frequency btn_change_severity btn_change_groups btn_change_area ask_another "
    "btn_yes btn_no help cancelled nothing_to_cancel resume stale_button "
    "unknown_command unsupported_media not_given cmd_start cmd_help cmd_cancel cmd_language "
    "edited_ignored private_only slow_down not_applied mydata_caption delete_confirm "
    "btn_delete_yes btn_delete_no deleted delete_kept cmd_mydata cmd_delete "
    # workshops, follow-ups and "me too"
    "workshop_unknown btn_follow_up_yes btn_follow_up_no follow_up_yes follow_up_no "
    "follow_ups_stopped similar_intro btn_similar_same btn_similar_different btn_similar_no "
    "similar_same similar_different similar_no btn_recur_no follow_up_thanks cmd_stop "
    # privacy: a forwarded message is asked about before it is taken
    "forwarded_ask "
    # answers in the resident's own words, and what happens next
    "btn_offer_yes btn_offer_no first_held reask reask_consent btn_back btn_not_sure not_sure "
    "btn_keep btn_go_on added_text btn_cancel_yes btn_cancel_no cancel_confirm next_steps urgent "
    "btn_recur_several btn_recur_once btn_same_groups cmd_mine mine_empty "
    "mydata_heading mydata_no_problems mask_phone mask_email mask_id"
).split()
_STATUS_KEYS = (  # noqa: SIM905
    "hear_back_ask btn_hear_back_yes btn_hear_back_no hear_back_yes hear_back_no "
    "status_received status_reviewing status_planned status_in_progress status_done "
    "status_declined results_title results_intro results_empty "
    "results_status"
).split()
TEXT_PARAMS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        **dict.fromkeys(_PLAIN_KEYS, frozenset[str]()),
        **dict.fromkeys(("welcome", "consent", "goodbye"), frozenset({"municipality"})),
        "solution_noted": frozenset({"suggestion"}),
        "area_not_found": frozenset({"place"}),
        "area_with_place": frozenset({"area", "place"}),
        "offer_first": frozenset({"text"}),
        "current_text": frozenset({"text"}),
        "groups_unknown": frozenset({"words"}),
        "current_value": frozenset({"value"}),
        "answered": frozenset({"question", "answer"}),
        "saved": frozenset({"reference", "next", "urgent"}),
        "own_item": frozenset(
            {"reference", "date", "excerpt", "status", "note", "note_translated"}
        ),
        "mine_heading": frozenset({"items"}),
        "mydata_summary": frozenset({"language", "consent", "count", "problems"}),
        "mydata_problem": frozenset({"reference", "date", "text", "area", "place"}),
        "area_matched": frozenset({"area"}),
        "review": frozenset({"problem", "suggestion", "frequency", "severity", "groups", "area"}),
        **dict.fromkeys(
            ("workshop_welcome", "follow_up_ask", "follow_up_check"), frozenset({"workshop"})
        ),
        "similar_ask": frozenset({"problem"}),
        "problem_cut": frozenset({"limit"}),
        "follow_up_recur": frozenset({"workshop", "problem"}),
        # what became of a report: statuses, news, /mine and the public results page
        **dict.fromkeys(_STATUS_KEYS, frozenset[str]()),
        "status_notice": frozenset(
            {"reports", "endorsed", "status", "note", "note_language", "note_translated"}
        ),
        "note_machine_translated": frozenset({"text"}),
        "results_count": frozenset({"count"}),
    }
)
"""Every text key the bot uses, with the placeholders the bot fills in for it."""

_KEY = re.compile(r"[a-z0-9_]{1,24}")
_PREFIX = re.compile(r"[A-Z]{1,4}")
_LANGUAGE = re.compile(r"[a-z]{2}")
_TAG = re.compile(r"<[^<>]*>")
# Longer button labels get cut off on a phone, two buttons to a row; 256 is Telegram's
# limit for a command description. Both kinds of text are plain, never HTML.
_PLAIN_LIMITS = {"btn_": 40, "cmd_": 256}


@dataclass(frozen=True, slots=True)
class Option:
    """A group or a frequency: a stable key and its name in each language."""

    key: str
    names: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Area:
    """A part of the municipality, with spellings residents may type and an optional point."""

    key: str
    names: Mapping[str, str]
    aliases: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None
    shape: tuple[Ring, ...] = ()  # outer rings of its outline, for the workspace map


@dataclass(frozen=True, slots=True)
class Landmark:
    """A street, school, station or landmark residents name, and the area it lies in.

    ``key`` is the area's key, or "" for a place that spans areas (the lake, the whole town):
    the resident is then asked which area. Matched like an area's aliases.
    """

    key: str
    aliases: tuple[str, ...]
    names: Mapping[str, str] = field(default_factory=dict)  # matched by its aliases only
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class Content:
    """Everything the interview says and offers, in every language; validated on load."""

    path: str
    municipality: str
    languages: tuple[str, ...]
    language_names: Mapping[str, str]
    consent_version: int
    texts: Mapping[str, Mapping[str, str]]
    groups: tuple[Option, ...]
    areas: tuple[Area, ...]
    frequencies: tuple[Option, ...]
    # Raise it when the "hear back?" question changes in substance: residents are asked again.
    hear_back_version: int = 1
    places: tuple[Landmark, ...] = ()  # the gazetteer: well-known places and their areas
    reference_prefix: str = "G"  # a saved report's reference reads "G-1042"

    def text(self, key: str, language: str) -> str:
        """Return the template ``key`` in ``language``, else in the default language."""
        found = self.texts.get(language, {}).get(key)
        return found if found is not None else self.texts[self.languages[0]][key]

    def name(self, key: str, language: str) -> str:
        """Return the display name of an option or text key; "area:other" picks the list.

        A bare key is looked up in groups, frequencies, areas, then texts; an unknown key
        (e.g. an area removed since a draft was made) is returned as it is.
        """
        kind, _, bare = key.rpartition(":")
        lists = (("group", self.groups), ("frequency", self.frequencies), ("area", self.areas))
        for list_kind, options in lists:
            for option in options if kind in ("", list_kind) else ():
                if option.key == bare:
                    return option.names.get(language) or option.names[self.languages[0]]
        if kind in ("", "text") and bare in self.texts[self.languages[0]]:
            return self.text(bare, language)
        return bare

    def group(self, key: str) -> Option | None:
        """Return the group ``key``, or None."""
        return next((option for option in self.groups if option.key == key), None)

    def area(self, key: str) -> Area | None:
        """Return the area ``key``, or None."""
        return next((area for area in self.areas if area.key == key), None)

    def frequency(self, key: str) -> Option | None:
        """Return the frequency ``key``, or None."""
        return next((option for option in self.frequencies if option.key == key), None)


_TOP_KEYS = frozenset(Content.__dataclass_fields__) - {"path"}  # the file holds the rest


def parse_content(text: str, source: str) -> Content:
    """Parse and check the interview file ``text``; every problem names ``source`` and a line."""
    problems: list[str] = []
    content = _build(read_toml(text, source), source, problems)
    if problems:
        raise ContentError(source, with_lines(problems, text))
    return content


def _build(data: dict[str, Any], path: str, problems: list[str]) -> Content:
    # Checked in the order the sections appear in the file, so problems read top to bottom.
    problems.extend(f"{key}: unknown setting (a typo?)" for key in data if key not in _TOP_KEYS)
    municipality = as_text(data.get("municipality"), "municipality", problems)
    languages = _languages(data.get("languages"), problems)
    version = _version(data.get("consent_version"), problems)
    language_names = _names(data.get("language_names"), "language_names", languages, problems)
    groups = _options(data.get("groups"), "groups", languages, problems)
    if groups and "prefer_not_to_say" not in {group.key for group in groups}:
        problems.append('groups: needs a group with key = "prefer_not_to_say"')
    frequencies = _options(data.get("frequencies"), "frequencies", languages, problems)
    areas = _areas(data.get("areas"), languages, problems)
    places = _places(data.get("places", []), areas, problems)
    prefix = as_text(data.get("reference_prefix", "G"), "reference_prefix", problems)
    if not _PREFIX.fullmatch(prefix):
        problems.append(f'reference_prefix: {prefix!r} must be 1–4 capital letters, like "G"')
    return Content(
        path=path,
        municipality=municipality,
        languages=languages,
        language_names=language_names,
        consent_version=version,
        texts=check_texts(
            as_table(data.get("texts"), "texts", problems),
            "texts",
            languages,
            TEXT_PARAMS,
            problems,
            _PLAIN_LIMITS,
        ),
        groups=groups,
        areas=areas,
        frequencies=frequencies,
        hear_back_version=_hear_back_version(data.get("hear_back_version", 1), problems),
        places=places,
        reference_prefix=prefix,
    )


def _hear_back_version(value: Any, problems: list[str]) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    problems.append(f"hear_back_version: {value!r} must be a whole number, 1 or more")
    return 1


def _version(value: Any, problems: list[str]) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    problems.append(
        "consent_version: missing"
        if value is None
        else f"consent_version: {value!r} must be a whole number, 1 or more"
    )
    return 0


def _languages(value: Any, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        problems.append("languages: " + ("missing" if value is None else 'must be like ["nb"]'))
        return ()
    before = len(problems)
    for index, code in enumerate(value, 1):
        if not isinstance(code, str) or not _LANGUAGE.fullmatch(code):
            problems.append(f'languages[{index}]: {code!r} must be a 2-letter code like "nb"')
        elif value.index(code) != index - 1:
            problems.append(f"languages[{index}]: {code!r} is listed twice")
    # With the list in doubt, checking every text and name against it would only add noise.
    return tuple(value) if len(problems) == before else ()


def _names(
    value: Any, where: str, languages: Sequence[str], problems: list[str]
) -> Mapping[str, str]:
    names: dict[str, str] = {}
    if not isinstance(value, dict):
        as_table(value, where, problems)  # says what is wrong with it
        return MappingProxyType(names)
    table = value
    for language in sorted(table.keys() - set(languages) if languages else ()):
        problems.append(f"{where}.{language}: unknown language (not in languages)")
    for language in languages:
        if language not in table:
            problems.append(f"{where}.{language}: missing (every language needs a name)")
            continue
        names[language] = as_text(table[language], f"{where}.{language}", problems)
        if _TAG.search(names[language]):
            problems.append(f"{where}.{language}: no HTML here; names are shown as plain text")
        if len(names[language]) > _PLAIN_LIMITS["btn_"]:  # every name is on a button
            problems.append(f"{where}.{language}: longer than {_PLAIN_LIMITS['btn_']} characters")
    return MappingProxyType(names)


def _items(value: Any, section: str, problems: list[str]) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(value, list) or not value:
        need = "missing" if value is None else f"must be one or more [[{section}]] blocks"
        problems.append(f"{section}: {need}")
        return []
    return [
        (f"{section}[{i}]", as_table(item, f"{section}[{i}]", problems))
        for i, item in enumerate(value, 1)
    ]


def _key(item: dict[str, Any], where: str, seen: set[str], problems: list[str]) -> str:
    key = item.get("key")
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        problems.append(f"{where}.key: {key!r} must match [a-z0-9_]{{1,24}}")
    elif key in seen:
        problems.append(f"{where}.key: {key!r} is used twice")
    elif key in TEXT_PARAMS:
        problems.append(f"{where}.key: {key!r} is also a text key; choose another")
    else:
        seen.add(key)
        return key
    return ""


def _fields(item: dict[str, Any], where: str, allowed: set[str], problems: list[str]) -> None:
    problems.extend(
        f"{where}.{field}: unknown field (a typo?)" for field in item if field not in allowed
    )


def _options(
    value: Any, section: str, languages: Sequence[str], problems: list[str]
) -> tuple[Option, ...]:
    options, seen = [], set[str]()
    for where, item in _items(value, section, problems):
        _fields(item, where, {"key", "names"}, problems)
        key = _key(item, where, seen, problems)
        names = _names(item.get("names"), f"{where}.names", languages, problems)
        options.append(Option(key, names))
    return tuple(options)


def _areas(value: Any, languages: Sequence[str], problems: list[str]) -> tuple[Area, ...]:
    areas, seen, owners = [], set[str](), dict[str, str]()
    for where, item in _items(value, "areas", problems):
        _fields(item, where, {"key", "names", "aliases", "lat", "lon", "shape"}, problems)
        key = _key(item, where, seen, problems)
        names = _names(item.get("names"), f"{where}.names", languages, problems)
        aliases = _aliases(item.get("aliases", []), f"{where}.aliases", problems)
        lat = _coordinate(item, where, "lat", 90.0, problems)
        lon = _coordinate(item, where, "lon", 180.0, problems)
        if ("lat" in item) != ("lon" in item):
            problems.append(f"{where}: give both lat and lon, or neither")
        if key == "other" and ("lat" in item or "lon" in item):
            problems.append(f'{where}.lat: the "other" area must have no coordinates')
        # A typed place name must lead to one area only, whatever its case.
        for spelling in sorted({s.casefold() for s in (*names.values(), *aliases) if s}):
            owner = owners.setdefault(spelling, where)
            if owner != where:
                problems.append(f"{where}.aliases: {spelling!r} also names {owner}")
        shape = parse_shape(item.get("shape"), where, problems)
        areas.append(Area(key, names, aliases, lat, lon, shape))
    if areas and "other" not in seen:
        problems.append('areas: needs an area with key = "other" (for "don\'t know")')
    return tuple(areas)


def _aliases(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list):
        problems.append(f'{where}: must be a list like ["byen", "sentrum"]')
        return ()
    spelled = (as_text(alias, f"{where}[{i}]", problems) for i, alias in enumerate(value, 1))
    return tuple(alias for alias in spelled if alias)


def _coordinate(
    item: dict[str, Any], where: str, field: str, limit: float, problems: list[str]
) -> float | None:
    value = item.get(field)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) <= limit:
        return float(value)
    problems.append(f"{where}.{field}: {value!r} must be a number from {-limit:g} to {limit:g}")
    return None


def _places(value: Any, areas: Sequence[Area], problems: list[str]) -> tuple[Landmark, ...]:
    """Read the gazetteer; every spelling names one place, and no area's name or alias."""
    if value == []:
        return ()
    known = {area.key for area in areas}
    taken = {s.casefold() for a in areas for s in (*a.names.values(), *a.aliases)}
    places, owners = [], dict[str, str]()
    for where, item in _items(value, "places", problems):
        _fields(item, where, {"names", "area"}, problems)
        area = item.get("area", "")
        if not isinstance(area, str) or (area and area not in known):
            problems.append(f"{where}.area: {area!r} is not the key of an area (or leave it out)")
            area = ""
        names = _aliases(item.get("names"), f"{where}.names", problems)
        if not names:
            problems.append(f'{where}.names: give one or more, like ["Hunndalsvegen"]')
        for spelling in sorted({name.casefold() for name in names}):
            if spelling in taken:
                problems.append(f"{where}.names: {spelling!r} already names an area")
            elif owners.setdefault(spelling, where) != where:
                problems.append(f"{where}.names: {spelling!r} also names {owners[spelling]}")
        places.append(Landmark(area, names))
    return tuple(places)
