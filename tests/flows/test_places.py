"""Typed place names and shared locations map to Gjøvik's areas, or to nothing when unsure."""

from collections.abc import Mapping
from dataclasses import dataclass

import pytest

from flows.places import distance_km, match_place, nearest_place


@dataclass(frozen=True)
class Area:
    key: str
    names: Mapping[str, str]
    aliases: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None


def area(key: str, name: str, lat: float | None, lon: float | None, *aliases: str) -> Area:
    return Area(key, {"nb": name, "nn": name, "en": name}, aliases, lat, lon)


PLACES = (
    Area(
        "sentrum",
        {"nb": "Gjøvik sentrum", "en": "Gjøvik town centre", "uk": "Центр міста"},
        ("sentrum", "Gjøvik", "byen", "town centre"),
        60.7954,
        10.6916,
    ),
    area("hunndalen", "Hunndalen", 60.7753, 10.6380),
    area("biri", "Biri", 60.9606, 10.6058, "Biri sentrum", "Biristrand"),
    area("snertingdal", "Snertingdal", 60.8831, 10.4250),
    area("redalen", "Redalen", 60.8563, 10.6993),
    area("bybrua", "Bybrua", 60.7992, 10.6823),
    area("kallerud", "Kallerud", 60.7703, 10.6687),
    area("vardal", "Vardal", 60.7889, 10.6292),
    area("nordbyen", "Nordbyen", 60.8038, 10.6916, "Nordbyen Gjøvik"),
    Area("other", {"nb": "Annet sted", "en": "Somewhere else"}, ("annet", "other")),
)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Hunndalen", "hunndalen"),
        ("HUNNDALEN", "hunndalen"),
        ("biri", "biri"),
        ("Gjovik", "sentrum"),
        ("Gjoevik", "sentrum"),
        ("gjøvik sentrum", "sentrum"),
        ("gjoviksentrum", "sentrum"),
        ("town centre", "sentrum"),
        ("центр міста", "sentrum"),
        ("Biristrand", "biri"),
        ("Annet sted", "other"),
    ],
)
def test_names_match_whatever_the_case_and_accents(text, key):
    assert match_place(text, PLACES) == key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Hundalen", "hunndalen"),
        ("snertingal", "snertingdal"),
        ("Snerting dal", "snertingdal"),
        ("Snertingdla", "snertingdal"),
        ("Kalerud", "kallerud"),
        ("Redalne", "redalen"),
        ("Birri", "biri"),
        ("Nordbyn", "nordbyen"),
        ("Vardall", "vardal"),
    ],
)
def test_typing_slips_are_tolerated(text, key):
    assert match_place(text, PLACES) == key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("i Hunndalen ved skolen", "hunndalen"),
        ("near Biri church", "biri"),
        ("Vi bor på Kallerud, rett ved butikken.", "kallerud"),
        ("oppe i redalen", "redalen"),
        ("ved bybrua", "bybrua"),
        # A place's own name beats a broad alias such as "Gjøvik" …
        ("Hunndalen i Gjøvik", "hunndalen"),
        ("Nordbyen, Gjøvik", "nordbyen"),
        # … and a longer match beats one it contains.
        ("Biri sentrum", "biri"),
        ("Nordbyen Gjøvik", "nordbyen"),
    ],
)
def test_a_name_inside_a_short_phrase_is_found(text, key):
    assert match_place(text, PLACES) == key


@pytest.mark.parametrize(
    "text",
    [
        "I don't know",
        "the moon",
        "vet ikke",
        "",
        "   ",
        "ja",
        "bird",
        "Oslo",
        "hunden min bjeffer",
        "Raufoss",
        "2815",
        "😀",
    ],
)
def test_unrelated_text_matches_nothing(text):
    assert match_place(text, PLACES) is None


@pytest.mark.parametrize(
    "text", ["Biri eller Snertingdal", "mellom Bybrua og Nordbyen", "Hunndalen/Vardal"]
)
def test_two_places_named_equally_is_ambiguous(text):
    assert match_place(text, PLACES) is None


def test_no_places_matches_nothing():
    assert match_place("Hunndalen", ()) is None


@pytest.mark.parametrize("place", [p for p in PLACES if p.lat is not None], ids=lambda p: p.key)
def test_a_location_at_a_place_is_that_place(place):
    assert nearest_place(place.lat, place.lon, PLACES) == place.key


def test_a_location_goes_to_the_nearest_place():
    near_hunndalen = (60.7770, 10.6420)
    near_biri = (60.9500, 10.6100)
    assert nearest_place(*near_hunndalen, PLACES) == "hunndalen"
    assert nearest_place(*near_biri, PLACES) == "biri"


def test_places_without_coordinates_are_never_nearest():
    only_other = [p for p in PLACES if p.key == "other"]
    assert nearest_place(60.7954, 10.6916, only_other) is None


def test_a_location_far_away_matches_nothing():
    oslo = (59.9139, 10.7522)
    assert nearest_place(*oslo, PLACES) is None
    # Kallerud is the southernmost area, so the one nearest to Oslo.
    assert nearest_place(*oslo, PLACES, max_km=150.0) == "kallerud"


def test_max_km_is_the_limit():
    # One degree of latitude due north of Snertingdal is about 111 km away.
    north = (60.8831 + 1.0, 10.4250)
    assert nearest_place(*north, PLACES, max_km=15.0) is None
    assert nearest_place(*north, PLACES, max_km=112.0) in {"snertingdal", "biri"}


def test_distance_is_the_great_circle_distance():
    assert distance_km(60.0, 10.0, 61.0, 10.0) == pytest.approx(111.195, abs=0.01)
    assert distance_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(20015.1, abs=0.5)
    assert distance_km(60.7954, 10.6916, 60.7954, 10.6916) == 0.0
