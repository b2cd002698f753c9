"""What a resident did, as the interview sees it: one value per incoming message or button."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flows.workshop import Workshop


class EventKind(StrEnum):
    """The kinds of input a transport can hand to the interview."""

    TEXT = "text"  # a typed message (or a caption)
    CHOICE = "choice"  # a pressed button: ``choice`` holds its data
    COMMAND = "command"  # "/name argument": ``command`` and ``argument``
    LOCATION = "location"  # a shared location: ``location`` holds (lat, lon)
    UNSUPPORTED = "unsupported"  # sticker, voice, photo without caption, contact, …


@dataclass(frozen=True, slots=True)
class Event:
    """One input from a resident, with the moment it arrived (timezone-aware UTC)."""

    kind: EventKind
    now: datetime
    text: str = ""
    choice: str = ""
    command: str = ""
    argument: str = ""
    location: tuple[float, float] | None = None
    language_hint: str | None = None  # Telegram's language_code, e.g. "nb", "en-GB"
    media: str = ""  # for UNSUPPORTED: "sticker", "voice", "photo", …
    forwarded: bool = False  # TEXT forwarded from someone else, not typed by the resident


@dataclass(frozen=True, slots=True)
class Candidate:
    """A problem someone else reported, as "me too" may show it."""

    id: int
    text: str
    language: str
    workshop: str = ""
    area: str = ""


@dataclass(frozen=True, slots=True)
class Lookups:
    """What the transport must look up before ``advance``: a workshop, others' problems."""

    workshop_code: str = ""
    similar: bool = False  # candidates in the draft's workshop or area, not the resident's own


@dataclass(frozen=True, slots=True)
class Facts:
    """What the transport looked up for one event (nothing, by default); the core ranks."""

    workshop: Workshop | None = None
    similar: tuple[Candidate, ...] = ()


NO_FACTS = Facts()
