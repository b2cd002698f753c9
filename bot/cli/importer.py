"""Import notes from a workshop room (sticky notes typed into a CSV file) as problems.

The whole file is checked first; with any invalid row nothing is imported unless the caller
asks to skip invalid rows. Each row is stored with ``source="import"`` under a content hash, so
importing the same file twice adds nothing the second time.
"""

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from bot.services.workshops import resolve, resolve_area
from flows.content import Content
from flows.language import detect_language
from flows.privacy import mask_personal_data
from flows.problem import Problem
from storage import queries
from storage.engine import session_scope
from storage.models import TEXT_MAX

COLUMNS = ("text", "group", "area", "frequency", "severity", "suggested_solution", "date")
NOON = time(12)  # a dated note is stored at noon local time: its day stays its day anywhere
_LIST = str.maketrans({";": ",", "/": ","})


class ImportFailed(ValueError):
    """The file cannot be imported at all (unreadable, no text column, unknown workshop)."""


@dataclass(frozen=True, slots=True)
class Invalid:
    """A row that cannot be imported: its line in the file and why."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class Note:
    """A valid row, ready to store."""

    line: int
    draft: Problem
    content_hash: str
    day: date | None = None  # the day it was written, from the file's date column


@dataclass(frozen=True, slots=True)
class Report:
    """What an import did."""

    imported: int
    duplicates: int
    invalid: tuple[Invalid, ...]


def read_notes(
    raw: bytes,
    content: Content,
    *,
    workshop: str = "",
    group: str = "",
    area: str = "",
    today: date | None = None,
) -> tuple[list[Note], list[Invalid]]:
    """Parse and check every row; the workshop's group and area fill empty cells."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFailed(f"byte {error.start}: not UTF-8 text; save the file as UTF-8") from None
    first = text.split("\n", 1)[0]
    # Spreadsheets in Norway save CSV with ";": take whichever separator the header uses.
    delimiter = max(";,\t", key=first.count) if any(c in first for c in ";,\t") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [(name or "").strip().lower() for name in reader.fieldnames or ()]
    unknown = [name for name in header if name not in COLUMNS]
    if "text" not in header or unknown:
        shown = ", ".join(unknown) if unknown else "no text column"
        raise ImportFailed(f"line 1: expected the columns {', '.join(COLUMNS)} ({shown})")
    reader.fieldnames = header
    notes, invalid, seen = [], [], Counter[str]()
    for row in reader:
        line = reader.line_num
        cells = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(cells.values()):
            continue  # an empty line between notes
        try:
            draft = _draft(cells, content, workshop=workshop, group=group, area=area)
            day = _day(cells.get("date", ""), today)
        except ValueError as error:
            invalid.append(Invalid(line, str(error)))
            continue
        key = _fingerprint(draft) + (f"\x1f{day.isoformat()}" if day else "")
        seen[key] += 1  # two identical notes in one file are two notes
        digest = hashlib.sha256(f"{key}#{seen[key]}".encode()).hexdigest()
        notes.append(Note(line, draft, digest, day))
    return notes, invalid


def _draft(
    cells: dict[str, str], content: Content, *, workshop: str, group: str, area: str
) -> Problem:
    text = mask_personal_data(" ".join(cells.get("text", "").split()))
    if not any(ch.isalpha() for ch in text):
        raise ValueError("text: empty")
    if len(text) > TEXT_MAX:
        raise ValueError(f"text: longer than {TEXT_MAX} characters")
    groups = _groups(cells.get("group", ""), content) or ((group,) if group else ())
    place = resolve_area(cells["area"], content) if cells.get("area") else area
    frequency = cells.get("frequency", "")
    if frequency:
        frequency = resolve(frequency, content.frequencies, "frequency")
    solution = mask_personal_data(" ".join(cells.get("suggested_solution", "").split()))
    return Problem(
        text=text,
        language=detect_language(text),
        suggested_solution=solution[:TEXT_MAX],
        solution_language=detect_language(solution) if solution else "",
        frequency=frequency,
        severity=_severity(cells.get("severity", "")),
        groups=groups,
        area=place,
        workshop=workshop,
    )


def _groups(cell: str, content: Content) -> tuple[str, ...]:
    names = [part for part in cell.translate(_LIST).split(",") if part.strip()]
    return tuple(dict.fromkeys(resolve(name, content.groups, "group") for name in names))


def _severity(cell: str) -> int | None:
    if not cell:
        return None
    if cell not in {"1", "2", "3", "4", "5"}:
        raise ValueError(f"severity: {cell!r} must be a whole number from 1 to 5")
    return int(cell)


def _day(cell: str, today: date | None) -> date | None:
    """Read a note's day as 2026-11-25 or 25.11.2026; raise ValueError."""
    if not cell:
        return None
    try:
        if "." in cell:
            day, month, year = (int(part) for part in cell.split("."))
            found = date(year, month, day)
        else:
            found = date.fromisoformat(cell)
    except ValueError:
        raise ValueError(f"date: {cell!r} is not a day like 2026-11-25 or 25.11.2026") from None
    if today is not None and found > today:
        raise ValueError(f"date: {cell!r} is after today")
    return found


def _fingerprint(draft: Problem) -> str:
    parts: Iterable[str] = (
        draft.text.casefold(),
        ",".join(draft.groups),
        draft.area,
        draft.frequency,
        str(draft.severity or ""),
        draft.suggested_solution.casefold(),
        draft.workshop,
    )
    return "\x1f".join(parts)


def import_file(
    engine: Engine,
    path: Path,
    content: Content,
    *,
    workshop: str = "",
    skip_invalid: bool = False,
    now: datetime,
    zone: ZoneInfo,
) -> Report:
    """Check the whole file, then store its notes (none if any row is invalid, unless skipping).

    A note is dated by its ``date`` cell, else by the workshop's day, else by the import.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ImportFailed(f"cannot read the file: {error.strerror or error}") from None
    group = area = ""
    held_on: date | None = None
    if workshop:
        with session_scope(engine) as session:
            row = queries.get_workshop(session=session, code=workshop)
            if row is None:
                raise ImportFailed(f"--workshop: no workshop with the code {workshop!r}")
            group, area, held_on = row.group, row.area, row.held_on
    today = now.astimezone(zone).date()
    notes, invalid = read_notes(
        raw, content, workshop=workshop, group=group, area=area, today=today
    )
    if invalid and not skip_invalid:
        return Report(0, 0, tuple(invalid))
    dated = [(note, _when(note.day or held_on, now, zone)) for note in notes]
    return Report(*_store(engine, dated), tuple(invalid))


def _when(day: date | None, now: datetime, zone: ZoneInfo) -> datetime:
    """Return when a note counts as reported: noon of its day, or now when undated."""
    if day is None or day >= now.astimezone(zone).date():
        return now  # today's notes (and a workshop still ahead) count from the import
    return datetime.combine(day, NOON, tzinfo=zone)


def _store(engine: Engine, notes: Sequence[tuple[Note, datetime]]) -> tuple[int, int]:
    imported = 0
    with session_scope(engine) as session:  # one transaction: all of the file or nothing
        for note, at in notes:
            imported += queries.import_problem(
                session=session, content_hash=note.content_hash, problem=note.draft, now=at
            )
    return imported, len(notes) - imported
