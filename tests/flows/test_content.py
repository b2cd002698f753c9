"""The interview content file: the packaged one is complete, and every mistake is named."""

import copy
import json
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.content_files import default_content_path, load_content
from flows.content import TEXT_PARAMS, Area, Option
from flows.texts import ContentError

LANGUAGES = ["nb", "nn", "en", "pl", "uk"]
GROUPS = [
    "youth",
    "student",
    "senior",
    "parent_young_children",
    "children",
    "working_commuter",
    "business_owner",
    "newcomer",
    "disability",
    "other",
    "prefer_not_to_say",
]
AREAS = [
    "sentrum",
    "hunndalen",
    "biri",
    "snertingdal",
    "redalen",
    "bybrua",
    "kallerud",
    "vardal",
    "nordbyen",
    "online",
    "other",
]
FREQUENCIES = ["daily", "weekly", "monthly", "few_times_year", "rarely", "varies"]


# --- the packaged file ------------------------------------------------------------------------


def test_packaged_content_loads_with_the_agreed_lists() -> None:
    content = load_content()
    assert content.path == default_content_path()
    assert Path(content.path).is_file()
    assert content.municipality == "Gjøvik"
    assert list(content.languages) == LANGUAGES
    assert content.consent_version == 1
    assert content.language_names["uk"] == "Українська"
    assert [group.key for group in content.groups] == GROUPS
    assert [area.key for area in content.areas] == AREAS
    assert [frequency.key for frequency in content.frequencies] == FREQUENCIES


def test_packaged_content_has_every_text_and_name_in_every_language() -> None:
    content = load_content()
    for language in LANGUAGES:
        assert set(content.texts[language]) == set(TEXT_PARAMS)
        options: tuple[Option | Area, ...] = (
            *content.groups,
            *content.areas,
            *content.frequencies,
        )
        for option in options:
            assert option.names[language].strip(), (option.key, language)


def test_packaged_texts_render_with_the_parameters_the_bot_supplies() -> None:
    content = load_content()
    for language in LANGUAGES:
        for key, params in TEXT_PARAMS.items():
            rendered = content.text(key, language).format_map({name: "X" for name in params})
            assert "{" not in rendered and rendered.strip(), (language, key)


def test_packaged_texts_translate_the_welcome_with_the_municipality() -> None:
    content = load_content()
    welcomes = {content.text("welcome", language) for language in LANGUAGES}
    assert len(welcomes) == len(LANGUAGES)
    assert all("{municipality}" in welcome for welcome in welcomes)


def test_each_review_placeholder_sits_on_its_own_line() -> None:
    """The renderer drops a review line whose placeholders are all empty (no idea given)."""
    content = load_content()
    for language in LANGUAGES:
        lines = content.text("review", language).splitlines()
        fields = [_placeholders(line) for line in lines]
        assert sorted(name for names in fields for name in names) == sorted(TEXT_PARAMS["review"])
        assert all(len(names) <= 1 for names in fields), language
        assert not fields[0] and not fields[-1], "the heading and the question always show"


def test_packaged_areas_have_coordinates_except_other_and_online() -> None:
    content = load_content()
    for area in content.areas:
        if area.key in (
            "other",
            "online",
        ):  # no place on the map: a shared location never lands there
            assert (area.lat, area.lon) == (None, None)
        else:
            assert area.lat is not None and 60.5 < area.lat < 61.1, area.key
            assert area.lon is not None and 10.3 < area.lon < 10.9, area.key
    sentrum = content.area("sentrum")
    assert sentrum is not None
    assert "byen" in sentrum.aliases


def test_keys_fit_in_telegram_callback_data() -> None:
    content = load_content()
    options: tuple[Option | Area, ...] = (*content.groups, *content.areas, *content.frequencies)
    for option in options:
        assert re.fullmatch(r"[a-z0-9_]{1,24}", option.key)
        assert len(option.key.encode()) <= 24


# --- looking things up ------------------------------------------------------------------------


def test_text_falls_back_to_the_default_language() -> None:
    content = load_content()
    assert content.text("btn_yes", "de") == content.text("btn_yes", "nb") == "Ja"
    assert content.text("btn_yes", "uk") == "Так"
    with pytest.raises(KeyError):
        content.text("no_such_text", "nb")


def test_name_finds_options_and_texts_in_the_language() -> None:
    content = load_content()
    assert content.name("daily", "en") == "Every day"
    assert content.name("biri", "pl") == "Biri"
    assert content.name("btn_done", "pl") == "Gotowe ✓"
    assert content.name("senior", "xx") == "Senior (65+)"


def test_name_tells_the_group_other_from_the_area_other() -> None:
    content = load_content()
    assert content.name("other", "en") == "Other"
    assert content.name("group:other", "en") == "Other"
    assert content.name("area:other", "en") == "Other / don't know"


def test_name_of_a_removed_key_is_the_key_itself() -> None:
    assert load_content().name("old_area", "nb") == "old_area"


def test_lookups_by_key() -> None:
    content = load_content()
    group = content.group("newcomer")
    frequency = content.frequency("weekly")
    assert group is not None and group.names["nn"] == "Ny i Noreg"
    assert frequency is not None and frequency.names["nb"] == "Hver uke"
    assert content.group("nope") is None
    assert content.area("nope") is None
    assert content.frequency("daily_") is None


# --- broken files -----------------------------------------------------------------------------


def _placeholders(template: str) -> list[str]:
    return [field for _, field, _, _ in string.Formatter().parse(template) if field]


def _valid() -> dict[str, Any]:
    """Return a small complete content file as data: two languages, few options."""
    texts = {
        language: {
            key: " ".join([f"{language} {key}", *(f"{{{name}}}" for name in sorted(params))])
            for key, params in TEXT_PARAMS.items()
        }
        for language in ("nb", "en")
    }

    def names(name: str) -> dict[str, str]:
        return {"nb": name, "en": name.upper()}

    return {
        "municipality": "Gjøvik",
        "languages": ["nb", "en"],
        "language_names": {"nb": "Norsk bokmål", "en": "English"},
        "consent_version": 1,
        "groups": [
            {"key": "youth", "names": names("Ungdom")},
            {"key": "prefer_not_to_say", "names": names("Vil ikke si")},
        ],
        "frequencies": [{"key": "daily", "names": names("Hver dag")}],
        "areas": [
            {
                "key": "sentrum",
                "names": names("Sentrum"),
                "aliases": ["byen"],
                "lat": 60.8,
                "lon": 10.69,
            },
            {"key": "biri", "names": names("Biri"), "lat": 60.96, "lon": 10.61},
            {"key": "hunndalen", "names": names("Hunndalen"), "lat": 60.78, "lon": 10.64},
            {"key": "other", "names": names("Annet")},
        ],
        "texts": texts,
    }


def _toml(value: Any) -> str:
    """Write ``value`` as TOML, every table inline (JSON strings are TOML basic strings)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "interview.toml"
    path.write_text("\n".join(f"{key} = {_toml(v)}" for key, v in data.items()), "utf-8")
    return path


def _problems(tmp_path: Path, change: Callable[[dict[str, Any]], object]) -> list[str]:
    data = copy.deepcopy(_valid())
    change(data)
    path = _write(tmp_path, data)
    with pytest.raises(ContentError) as raised:
        load_content(path)
    lines = str(raised.value).splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    assert raised.value.problems == tuple(line.removeprefix(f"{path}: ") for line in lines)
    return list(raised.value.problems)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Return a change that sets (or, for ``...``, deletes) the item at a dotted path."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = data
        for part in parents:
            target = target[part]
        if value is ...:
            del target[last]
        else:
            target[last] = value

    return change


def test_the_small_valid_file_loads(tmp_path: Path) -> None:
    content = load_content(_write(tmp_path, _valid()))
    assert content.path == str(tmp_path / "interview.toml")
    assert content.text("welcome", "en") == "en welcome {municipality}"
    assert content.areas[0].aliases == ("byen",)


BROKEN = [
    # (change, where, what the message says)
    (_set("frequencies", ...), "frequencies", "missing"),
    (_set("colour", "blue"), "colour", "unknown setting"),
    (_set("municipality", ""), "municipality", "must be text"),
    (_set("languages", []), "languages", "must be like"),
    (_set("languages", ["nb", "en", "nb"]), "languages[3]", "listed twice"),
    (_set("language_names.en", ...), "language_names.en", "missing"),
    (_set("consent_version", 0), "consent_version", "1 or more"),
    (_set("consent_version", "1"), "consent_version", "whole number"),
    (_set("consent_version", True), "consent_version", "whole number"),
    (_set("texts.en.ask_area", ...), "texts.en.ask_area", "missing (every language needs every"),
    (_set("texts.nb.ask_area", ...), "texts.nb.ask_area", "missing"),
    (_set("texts.en.ask_aera", "Where?"), "texts.en.ask_aera", "unknown text key"),
    (_set("texts.de", {"help": "Hilfe"}), "texts.de", "unknown language"),
    (_set("texts.en", ...), "texts.en", "missing"),
    (_set("texts.en.saved", "   "), "texts.en.saved", "must be text"),
    (_set("texts.en.welcome", "Hi {municipalty}"), "texts.en.welcome", "{municipalty} is not in"),
    (_set("texts.en.welcome", "Hi"), "texts.en.welcome", "{municipality} is missing"),
    (_set("texts.nb.saved", "Takk, {name}"), "texts.nb.saved", "does not fill in {name}"),
    (_set("texts.nb.saved", "Takk {0}"), "texts.nb.saved", "{0} is not a plain named"),
    (_set("texts.nb.saved", "Takk {}"), "texts.nb.saved", "{} is not a plain named"),
    (_set("texts.nb.review", "{problem.x}"), "texts.nb.review", "{problem.x} is not a plain"),
    (_set("texts.nb.review", "{severity:d}"), "texts.nb.review", "{severity:d} is not a plain"),
    (_set("texts.en.saved", "Saved {"), "texts.en.saved", "literal brace"),
    (_set("texts.en.saved", "Saved }"), "texts.en.saved", "literal brace"),
    (_set("texts.en.help", "<a href='x'>x</a>"), "texts.en.help", "only <b>, <i> and <u>"),
    (_set("texts.en.help", "<b>Help"), "texts.en.help", "<b> is never closed"),
    (_set("texts.en.help", "<b><i>x</b></i>"), "texts.en.help", "</b> closes nothing"),
    (_set("texts.en.help", "x</i>"), "texts.en.help", "</i> closes nothing"),
    (_set("texts.en.help", "1 < 2"), "texts.en.help", "write &lt;"),
    (_set("texts.en.help", "Q&A"), "texts.en.help", "write &amp;"),
    (_set("texts.en.help", "&nbsp;"), "texts.en.help", "&nbsp; is not known"),
    (_set("texts.en.btn_yes", "<b>Yes</b>"), "texts.en.btn_yes", "plain, without HTML"),
    (_set("texts.en.btn_yes", "Y" * 41), "texts.en.btn_yes", "longer than 40"),
    (_set("texts.en.cmd_help", "h" * 257), "texts.en.cmd_help", "longer than 256"),
    (_set("groups.0.key", "Youth!"), "groups[1].key", "must match [a-z0-9_]{1,24}"),
    (_set("groups.0.key", "y" * 25), "groups[1].key", "must match"),
    (_set("groups.0.key", ...), "groups[1].key", "must match"),
    (_set("groups.0.key", "prefer_not_to_say"), "groups[2].key", "used twice"),
    (_set("groups.0.key", "help"), "groups[1].key", "also a text key"),
    (_set("groups.1.key", "no_answer"), "groups", "prefer_not_to_say"),
    (_set("groups.0.names.en", ...), "groups[1].names.en", "missing"),
    (_set("groups.0.names.de", "Jugend"), "groups[1].names.de", "unknown language"),
    (_set("groups.0.names.en", "<b>Youth</b>"), "groups[1].names.en", "no HTML"),
    (_set("groups.0.name", "Youth"), "groups[1].name", "unknown field"),
    (_set("groups", []), "groups", "one or more [[groups]]"),
    (_set("areas.1.key", "Biri!"), "areas[2].key", "'Biri!' must match [a-z0-9_]{1,24}"),
    (_set("areas.3.key", "unknown"), "areas", 'key = "other"'),
    (_set("areas.3.lat", 60.8), "areas[4].lat", '"other" area must have no coordinates'),
    (_set("areas.1.lat", 91.0), "areas[2].lat", "from -90 to 90"),
    (_set("areas.1.lon", -180.5), "areas[2].lon", "from -180 to 180"),
    (_set("areas.1.lon", "10.6"), "areas[2].lon", "must be a number"),
    (_set("areas.1.lon", ...), "areas[2]", "both lat and lon"),
    (_set("areas.1.aliases", "Biristrand"), "areas[2].aliases", "must be a list"),
    (_set("areas.1.aliases", ["BYEN"]), "areas[2].aliases", "'byen' also names areas[1]"),
    (_set("areas.2.names.en", "biri"), "areas[3].aliases", "'biri' also names areas[2]"),
    (_set("areas.1.alias", ["x"]), "areas[2].alias", "unknown field"),
]


@pytest.mark.parametrize(
    ("change", "where", "what"), BROKEN, ids=[f"{w}:{m}" for _, w, m in BROKEN]
)
def test_a_broken_file_is_refused_naming_the_key(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], where: str, what: str
) -> None:
    problems = _problems(tmp_path, change)
    assert any(p.startswith(f"{where}: ") and what in p for p in problems), problems


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    def break_three_things(data: dict[str, Any]) -> None:
        data["consent_version"] = -1
        del data["texts"]["en"]["ask_area"]
        data["areas"][1]["key"] = "Biri!"

    problems = _problems(tmp_path, break_three_things)
    assert [p.split(":")[0] for p in problems] == [
        "consent_version",
        "areas[2].key",
        "texts.en.ask_area",
    ]


def test_a_wrong_language_code_is_reported_alone(tmp_path: Path) -> None:
    problems = _problems(tmp_path, _set("languages", ["nb", "eng"]))
    assert problems == ["languages[2]: 'eng' must be a 2-letter code like \"nb\" (line 2)"]


def test_missing_names_are_reported_once(tmp_path: Path) -> None:
    problems = _problems(tmp_path, _set("frequencies.0.names", ...))
    assert problems == ["frequencies[1].names: missing (line 6)"]


def test_a_placeholder_mistake_in_the_default_language_is_reported_once(tmp_path: Path) -> None:
    problems = _problems(tmp_path, _set("texts.nb.welcome", "Hei fra {kommune}"))
    assert problems == [
        "texts.nb.welcome: the bot does not fill in {kommune} here (available: {municipality})"
        " (line 8)"
    ]


def test_a_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "interview.toml"
    path.write_text('municipality = "Gjøvik"\nlanguages = ["nb", \n\nconsent_version = 1\n')
    with pytest.raises(ContentError, match=rf"^{re.escape(str(path))}: line 4, column 1: "):
        load_content(path)


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "interview.toml"
    path.write_bytes('municipality = "Gjøvik"\n'.encode("latin-1"))
    with pytest.raises(ContentError, match="not UTF-8"):
        load_content(path)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, _valid())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_content(path).municipality == "Gjøvik"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ContentError, match=rf"^{re.escape(str(path))}: cannot read the file"):
        load_content(path)


def test_multi_line_texts_lose_the_surrounding_blank_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, _valid())
    path.write_text(
        path.read_text("utf-8").replace('"nb cancelled"', '"""\nStoppet.\n<i>Takk!</i>\n"""'),
        "utf-8",
    )
    assert load_content(path).text("cancelled", "nb") == "Stoppet.\n<i>Takk!</i>"
