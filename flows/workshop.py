"""Workshops as the pure core sees them: codes, links, follow-up offsets, quiet hours, "me too"."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flows.digest import shown
from flows.privacy import mask_personal_data
from flows.staff_texts import StaffTexts
from flows.text_normalise import terms

PAYLOAD_PREFIX = "ws_"
CODE_MAX = 32  # storage keeps codes in a 32-character column
CODE_PATTERN = re.compile(r"[a-z0-9]{3,32}")
PAYLOAD_PATTERN = re.compile(r"ws_([A-Za-z0-9_-]{1,61})")  # Telegram: ≤ 64 of [A-Za-z0-9_-]
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or typed from paper
CODE_LENGTH = 6
DEFAULT_FOLLOWUPS = "1d,14d"
_OFFSET = re.compile(r"(\d{1,3})([dh])")
MAX_OFFSET = timedelta(days=365)
QUIET_FROM = time(21, 0)  # no follow-up is sent from 21:00 …
QUIET_UNTIL = time(8, 0)  # … to 08:00 local time: it is held until the morning
SIMILAR_SHOWN = 3
SIMILAR_MIN = 0.2  # least term overlap (Jaccard) for "someone else said much the same"
SIMILAR_TEXT_MAX = 300  # a shown problem is cut to this many characters


@dataclass(frozen=True, slots=True)
class Workshop:
    """What a participant's interview needs to know about the workshop they came from."""

    code: str
    name: str
    group: str = ""
    area: str = ""


@dataclass(frozen=True, slots=True)
class WorkshopStats:
    """One workshop as staff see it in ``/workshops`` and ``innspill workshop list``."""

    code: str
    name: str
    held_on: str  # YYYY-MM-DD
    group: str
    area: str
    participants: int
    problems: int
    follow_ups_sent: int
    follow_ups_answered: int

    @property
    def response_rate(self) -> str:
        """Return the share of sent follow-ups that got an answer, e.g. "50 %", or "—"."""
        if not self.follow_ups_sent:
            return "—"
        return f"{round(100 * self.follow_ups_answered / self.follow_ups_sent)} %"


def valid_code(code: str) -> bool:
    """Tell whether ``code`` can be a workshop code (lowercase letters and digits, 3–32)."""
    return CODE_PATTERN.fullmatch(code) is not None


def payload(code: str) -> str:
    """Return the /start payload of a workshop link."""
    return f"{PAYLOAD_PREFIX}{code}"


def code_from_payload(argument: str) -> str | None:
    """Return the workshop code in a /start argument like "ws_ab12cd", or None."""
    match = PAYLOAD_PATTERN.fullmatch(argument.strip())
    return match[1].lower() if match else None


def deep_link(bot_username: str, code: str) -> str:
    """Return the link that opens the bot in the workshop."""
    return f"https://t.me/{bot_username}?start={payload(code)}"


def parse_offsets(spec: str) -> tuple[timedelta, ...]:
    """Read "1d,14d" (days or hours, ascending); raise ValueError with what is wrong."""
    offsets: list[timedelta] = []
    for part in (p.strip().lower() for p in spec.split(",") if p.strip()):
        match = _OFFSET.fullmatch(part)
        if match is None:
            raise ValueError(f"{part!r}: write offsets like 1d or 12h, separated by commas")
        amount = int(match[1])
        offset = timedelta(days=amount) if match[2] == "d" else timedelta(hours=amount)
        if not timedelta(0) < offset <= MAX_OFFSET:
            raise ValueError(f"{part!r}: must be more than 0 and at most 365 days")
        if offsets and offset <= offsets[-1]:
            raise ValueError(f"{part!r}: offsets must grow (e.g. 1d,14d)")
        offsets.append(offset)
    return tuple(offsets)


def outside_quiet_hours(moment: datetime, zone: ZoneInfo) -> datetime:
    """Return ``moment``, or 08:00 local time after it when it falls between 21:00 and 08:00."""
    local = moment.astimezone(zone)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return moment
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=zone).astimezone(moment.tzinfo)


def follow_up_times(
    agreed_at: datetime, offsets: Sequence[timedelta], zone: ZoneInfo
) -> list[datetime]:
    """Return when each follow-up is due after a participant agreed, held out of quiet hours."""
    return [outside_quiet_hours(agreed_at + offset, zone) for offset in offsets]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A problem someone else reported, as "me too" may show it."""

    id: int
    text: str
    language: str
    workshop: str = ""
    area: str = ""


def similar_problems(
    text: str,
    language: str,
    candidates: Sequence[Candidate],
    *,
    workshop: str = "",
    area: str = "",
    limit: int = SIMILAR_SHOWN,
) -> list[Candidate]:
    """Pick up to ``limit`` candidates close to ``text``: same workshop first, then same area."""
    mine = {t.term for t in terms(text, language)}
    if not mine:
        return []
    scored = []
    for candidate in candidates:
        theirs = {t.term for t in terms(candidate.text, candidate.language)}
        overlap = len(mine & theirs) / len(mine | theirs) if theirs else 0.0
        if overlap >= SIMILAR_MIN:
            place = 0 if workshop and candidate.workshop == workshop else 1
            place += 0 if area and candidate.area == area else 1
            scored.append((place, -overlap, candidate.id, candidate))
    return [candidate for *_, candidate in sorted(scored)[:limit]]


def anonymised(text: str) -> str:
    """Return a problem's text as others may see it: personal data masked, length capped."""
    masked = " ".join(mask_personal_data(text).split())
    return masked if len(masked) <= SIMILAR_TEXT_MAX else masked[: SIMILAR_TEXT_MAX - 1] + "…"


@dataclass(frozen=True, slots=True)
class Lookups:
    """What the transport must look up before ``advance``: a workshop, similar problems."""

    workshop_code: str = ""
    similar: bool = False


@dataclass(frozen=True, slots=True)
class Facts:
    """What the transport looked up for one input (nothing, by default)."""

    workshop: Workshop | None = None
    similar: tuple[Candidate, ...] = ()


NO_FACTS = Facts()


@dataclass(frozen=True, slots=True)
class FollowUpMessage:
    """A follow-up leased for sending: where it goes and what it asks about."""

    id: int
    round: int  # 0: "did we capture your problems?"; later: "has it happened again?"
    chat_id: int | None  # None: the resident withdrew; nothing is sent
    language: str
    workshop: str  # the workshop's name
    problems: tuple[tuple[int, str], ...]  # the resident's problems from the workshop
    attempts: int = 0


def workshop_section(
    stats: Sequence[WorkshopStats], texts: StaffTexts, language: str, *, html: bool
) -> str:
    """Render the digest's list of the period's workshops ("" if none); counts under 5 hidden."""
    if not stats:
        return ""
    fill = texts.html if html else texts.plain
    lines = [fill("digest_workshops", language)]
    lines += [
        fill(
            "digest_workshop_item",
            language,
            name=s.name,
            date=s.held_on,
            participants=shown(s.participants),
            problems=shown(s.problems),
            answers=shown(s.follow_ups_answered),
        )
        for s in stats
    ]
    return "\n".join(lines)
