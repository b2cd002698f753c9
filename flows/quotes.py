"""Residents' words quoted to someone else: names, street addresses and links hidden.

Stored text already has phone numbers, e-mail addresses and ID numbers masked
(``flows.privacy``). A quote goes further: first names from the per-language lists in
``flows/languages/personal/<code>.toml`` (with the capitalised word after them, a surname) and
street addresses with a house number are masked. Staff see a link as its bare domain, written so
that no client makes it clickable; other residents see only a marker in their own language.
"""

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flows.privacy import EMAIL_MASK, PHONE_MASK, mask_personal_data

PERSONAL_DIRECTORY = Path(__file__).with_name("languages") / "personal"
NAME_MASK = "[name]"
ADDRESS_MASK = "[address]"
FALLBACK_MARKER = "[link]"

_UPPER = "A-ZÆØÅÄÖÜŁŚŻŹĆŃÓĘĄА-ЯІЇЄҐ"
_WORD = rf"[{_UPPER}][\w'’-]*"
# A web address: with a scheme, "www.", or a bare domain ending in a known top-level domain.
_LINK = re.compile(
    # Punctuation closing a sentence after a link is not part of it.
    r"(?i)\b(?:https?://|www\.)[^\s<>«»“”\"']*[^\s<>«»“”\"'.,;:!?)]"
    r"|\b(?:[a-z0-9-]+\.)+(?:no|com|org|net|info|io|ly|me|pl|ua|ru|eu|uk|de|se|dk|app|link)"
    r"(?:/[^\s<>«»“”\"']*)?(?![\w.])"
)
_STREET_SUFFIX = (
    r"(?:gata|gate|gaten|veien|vegen|vei|veg|vn\.|gt\.|plassen|plass|allé|alle|bakken|stien"
    r"|svingen|ringen|tunet|lia|haugen|jordet|kroken)"
)
_HOUSE_NUMBER = r"\d{1,4}(?:\s?[A-Za-z])?(?![\w])"
_ADDRESS = re.compile(
    # Norwegian: "Storgata 5", "Kongens gate 12B", "Gamle Totenvei 3".
    rf"(?:{_WORD}\s)?[{_UPPER}][\w-]*{_STREET_SUFFIX}\s{_HOUSE_NUMBER}"
    rf"|{_WORD}\s(?:gate|gata|vei|veg|allé|plass)\s{_HOUSE_NUMBER}"
    # Polish and Ukrainian: "ul. Długa 5", "ulica Nowa 3", "вул. Шевченка, 10".
    rf"|\b(?:ul\.|ulica|ulicy|al\.|вул\.|вулиця|вулиці|просп\.)\s?{_WORD}(?:\s{_WORD})?,?\s"
    rf"{_HOUSE_NUMBER}"
    # English: "12 High Street", "5 Mill Rd".
    rf"|\b{_HOUSE_NUMBER}\s{_WORD}\s(?:Street|St\.|Road|Rd\.?|Avenue|Ave\.|Lane|Drive)",
)


@dataclass(frozen=True, slots=True)
class PersonalData:
    """The per-language lists quotes are masked with: first names, and others' link markers."""

    names: frozenset[str]
    link_markers: Mapping[str, str]

    def link_marker(self, language: str) -> str:
        """Return the marker a reader of ``language`` sees instead of a link."""
        return self.link_markers.get(language.split("-")[0], FALLBACK_MARKER)


def staff_quote(text: str, personal: "PersonalData | None" = None) -> str:
    """Return ``text`` as staff may read it: masked, links as their bare domain, unclickable."""
    return _LINK.sub(_domain_only, _mask_people(text, personal or packaged_personal_data()))


def public_quote(text: str, language: str, personal: "PersonalData | None" = None) -> str:
    """Return ``text`` as another resident may read it: masked, every contact a marker."""
    personal = personal or packaged_personal_data()
    marker = personal.link_marker(language)
    hidden = _LINK.sub(marker, _mask_people(text, personal))
    return hidden.replace(EMAIL_MASK, marker).replace(PHONE_MASK, marker)


def _mask_people(text: str, personal: PersonalData) -> str:
    text = _ADDRESS.sub(ADDRESS_MASK, mask_personal_data(text))
    return _name_pattern(personal.names).sub(NAME_MASK, text) if personal.names else text


@functools.cache
def _name_pattern(names: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    # A first name, and the capitalised word after it when there is one (a surname).
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?:\s{_WORD})?(?![\w-])")


def _domain_only(found: re.Match[str]) -> str:
    link = found[0]
    host = urlsplit(link if "://" in link else f"//{link}").hostname or link
    # "evil[.]example": readable, but no client turns it into a link.
    return f"[{host.removeprefix('www.').replace('.', '[.]')}]"


def parse_personal_data(files: Mapping[str, str]) -> PersonalData:
    """Build the lists from the text of each language's file, by language code (pure)."""
    names: set[str] = set()
    markers: dict[str, str] = {}
    for code, text in files.items():
        data = tomllib.loads(text)
        names.update(str(data.get("names", "")).split())
        markers[code] = str(data.get("link_marker", FALLBACK_MARKER))
    return PersonalData(frozenset(names), markers)


@functools.cache
def packaged_personal_data(directory: Path = PERSONAL_DIRECTORY) -> PersonalData:
    """Read the shipped ``personal/<code>.toml`` files once, on first use."""
    files = {p.stem: p.read_text("utf-8") for p in sorted(directory.glob("*.toml"))}
    return parse_personal_data(files)
