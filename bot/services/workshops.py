"""Workshops for staff: create one (code, deep link, poster QR code) and list them.

The CLI (``innspill workshop``) and the staff commands ``/workshop`` and ``/workshops`` share
``create_workshop`` and ``render_workshops``. ``/workshop NAME`` is a short guided dialog: the
workshop is stored at once, and the group, area and day buttons refine it (restart-safe: every
step is in the database, and each button carries the workshop's code).
"""

import io
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import segno
from sqlalchemy.engine import Engine

from flows.content import Content, Option
from flows.follow_up import parse_offsets
from flows.places import match_place
from flows.staff_texts import StaffTexts
from flows.workshop import CODE_ALPHABET, CODE_LENGTH, deep_link, valid_code
from flows.workshop_stats import WorkshopStats
from storage import queries
from storage.engine import session_scope
from storage.models import Workshop

if TYPE_CHECKING:
    from bot.artefacts.poster import PosterText

LINK_DAYS = 7  # a workshop's link works until a week after its day (late notes, slow typists)
POSTER_PIXELS = 1200  # the QR code's width: sharp when printed at A4 width
CODE_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Created:
    """A stored workshop with its link."""

    code: str
    name: str
    group: str
    area: str
    held_on: date
    followups: str
    link: str


def qr_png(link: str) -> bytes:
    """Return a QR code of ``link`` as a PNG about ``POSTER_PIXELS`` wide (poster size)."""
    code = segno.make(link, error="m", micro=False)
    width, _ = code.symbol_size()  # modules, with the quiet zone
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=max(1, POSTER_PIXELS // width))
    return buffer.getvalue()


def poster_text(made: Created, content: Content, texts: StaffTexts) -> "PosterText":
    """Return what the poster of ``made`` says: the place in bokmål, instructions in nb and en."""
    from bot.artefacts.poster import PosterText

    place = content.name(f"area:{made.area}", "nb") if made.area else ""
    day = f"{made.held_on:%d.%m.%Y}"
    return PosterText(
        name=made.name,
        when_where=f"{day} · {place}" if place else day,
        link=made.link,
        scan=(texts.plain("poster_scan", "nb"), texts.plain("poster_scan", "en")),
        need_telegram=(
            texts.plain("poster_need_telegram", "nb"),
            texts.plain("poster_need_telegram", "en"),
        ),
    )


def resolve(text: str, options: Sequence[Option], what: str) -> str:
    """Return the key of the option named ``text`` (a key or a name); raise ValueError."""
    typed = text.strip().casefold()
    for option in options:
        if typed == option.key or typed in (n.casefold() for n in option.names.values()):
            return option.key
    keys = ", ".join(option.key for option in options)
    raise ValueError(f"unknown {what} {text!r}; use one of: {keys}")


def resolve_area(text: str, content: Content) -> str:
    """Return the key of the area named ``text``; raise ValueError."""
    typed = text.strip().lower()
    key = typed if content.area(typed) else match_place(text, content.areas)
    if key is None:
        keys = ", ".join(area.key for area in content.areas)
        raise ValueError(f"unknown area {text!r}; use one of: {keys}")
    return key


def expires(held_on: date, zone: ZoneInfo) -> datetime:
    """Return when a workshop's link stops working."""
    return datetime.combine(held_on + timedelta(days=LINK_DAYS + 1), time(), tzinfo=zone)


def create_workshop(
    engine: Engine,
    *,
    name: str,
    group: str,
    area: str,
    held_on: date,
    followups: str,
    now: datetime,
    zone: ZoneInfo,
    bot_username: str,
    code: str = "",
) -> Created:
    """Store a workshop under a new short code (or ``code``); raise ValueError if invalid."""
    parse_offsets(followups)  # raises with what is wrong
    if code and not valid_code(code):
        raise ValueError(f"code {code!r}: 3–32 lowercase letters and digits")
    for attempt in range(CODE_ATTEMPTS):
        chosen = code or "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            with session_scope(engine) as session:
                queries.add_workshop(
                    session=session,
                    code=chosen,
                    name=name.strip(),
                    group=group,
                    area=area,
                    held_on=held_on,
                    followups=followups,
                    now=now,
                    expires_at=expires(held_on, zone),
                )
        except ValueError:
            if code or attempt == CODE_ATTEMPTS - 1:
                raise
            continue
        link = deep_link(bot_username, chosen)
        return Created(chosen, name.strip(), group, area, held_on, followups, link)
    raise AssertionError("unreachable")


def created(row: Workshop, bot_username: str) -> Created:
    """Describe a stored workshop."""
    link = deep_link(bot_username, row.code)
    return Created(row.code, row.name, row.group, row.area, row.held_on, row.followups, link)


def workshop_stats(engine: Engine) -> list[WorkshopStats]:
    """Return every workshop with its participants, problems and follow-up answers."""
    with session_scope(engine) as session:
        return queries.list_workshops(session=session)


def render_workshops(
    stats: Sequence[WorkshopStats], texts: StaffTexts, language: str, *, html: bool = True
) -> str:
    """Render the staff list of workshops, as Telegram HTML or as plain text."""
    fill = texts.html if html else texts.plain
    if not stats:
        return fill("workshops_empty", language)
    lines = [fill("workshops_title", language)]
    lines += [
        fill(
            "workshops_item",
            language,
            name=s.name,
            code=s.code,
            date=local_day(s.held_on),
            participants=_counted(fill, "workshop_participants", language, s.participants),
            problems=_counted(fill, "workshop_problems", language, s.problems),
            rate=s.response_rate,
        )
        for s in stats
    ]
    return "\n".join(lines)


def _counted(fill: Callable[..., str], key: str, language: str, count: int) -> str:
    """Fill ``key`` with ``count``, or ``key_one`` when it is 1 ("1 participant")."""
    return fill(f"{key}_one" if count == 1 else key, language, count=str(count))


def local_day(iso: str) -> str:
    """Write a stored day (2026-11-23) the way staff read dates (23.11.2026)."""
    return f"{date.fromisoformat(iso):%d.%m.%Y}"


def summary(made: Created, content: Content, texts: StaffTexts, language: str) -> str:
    """Render what staff are told about a new workshop (HTML)."""
    shown = language if language in content.languages else content.languages[0]
    return texts.html(
        "workshop_created",
        language,
        name=made.name,
        date=f"{made.held_on:%d.%m.%Y}",
        group=content.name(f"group:{made.group}", shown) if made.group else "—",
        area=content.name(f"area:{made.area}", shown) if made.area else "—",
        code=made.code,
        followups=made.followups or "—",
        link=made.link,
    )
