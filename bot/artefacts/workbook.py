"""The XLSX workbook staff open in Excel: every header, name and value in their language.

Sheets: the problems (real local dates), the themes (priority next to its inputs, and the
status staff gave them), quotes per theme (masked; none for themes of fewer than 5 problems),
and areas × themes and groups × themes (cells below 5 read "<5"). Every sheet has widths set,
a frozen header and filters.
"""

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from bot.artefacts.reports import Cell, Destination, set_cell
from flows.digest import QUOTE_CHARS, SMALL, shown, trim
from flows.priority import DEFAULT_WEIGHTS, Weights, level, rank, reasons
from flows.privacy import mask_personal_data
from flows.records import Label, ProblemRecord, stored_label
from flows.staff_texts import STAFF_PARAMS, StaffTexts
from flows.status import RECEIVED

PROBLEM_COLUMNS = (
    "id",
    "local_time",
    "utc",
    "language",
    "text",
    "solution",
    "groups",
    "area",
    "frequency",
    "severity",
    "source",
    "workshop",
    "theme",
    "theme_label",
    "endorsements",
)
THEME_COLUMNS = (
    "theme",
    "theme_label",
    "priority",
    "level",
    "reasons",
    "problems",
    "residents",
    "notes",
    "endorsements",
    "reach",
    "mean_severity",
    "per_year",
    "group_count",
    "area_count",
    "status",
)
QUOTE_COLUMNS = ("theme", "theme_label", "quote", "area")
WIDE = {"text": 60, "solution": 40, "theme_label": 30, "quote": 70, "reasons": 36}
WRAPPED = frozenset({"text", "solution", "quote"})
LOCAL_FORMAT = "dd.mm.yyyy hh:mm"
QUOTES_PER_THEME = 5


@dataclass(frozen=True, slots=True)
class Words:
    """The workbook's words in one language: texts, display names and theme labels."""

    texts: StaffTexts
    language: str
    names: Callable[[str], str]
    label: Label = stored_label

    def __call__(self, key: str) -> str:
        """Return the plain text ``key``."""
        return self.texts.plain(key, self.language)

    def source(self, key: str) -> str:
        """Return where a problem came from ("Workshop note"), or an unknown source's key."""
        found = f"source_{key}"
        return self(found) if found in STAFF_PARAMS else key

    def name(self, key: str) -> str:
        """Return a group's, area's or frequency's name ("" stays blank)."""
        return self.names(key) if key else ""


def write_workbook(
    records: Sequence[ProblemRecord],
    destination: Destination,
    words: Words,
    *,
    zone: ZoneInfo,
    weights: Weights = DEFAULT_WEIGHTS,
    statuses: Mapping[int, str] | None = None,
) -> None:
    """Write the workbook of ``records`` for a reader of ``words.language``.

    ``statuses`` gives each theme's current status key; a theme left out is *received*.
    """
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    assert first is not None  # a new workbook always has one sheet
    workbook.remove(first)
    header = [words(f"col_{c}") for c in PROBLEM_COLUMNS]
    problems = _problems(records, words, zone)
    _sheet(workbook, words("sheet_title"), header, PROBLEM_COLUMNS, problems)
    header = [words(f"col_{c}") for c in THEME_COLUMNS]
    themes = _themes(records, words, weights, statuses or {})
    _sheet(workbook, words("sheet_themes"), header, THEME_COLUMNS, themes)
    header = [words(f"col_{c}") for c in QUOTE_COLUMNS]
    _sheet(workbook, words("sheet_quotes"), header, QUOTE_COLUMNS, _quotes(records, words))
    for sheet_key, keys in (
        ("sheet_areas", lambda r: (r.area,)),
        ("sheet_groups", lambda r: r.groups),
    ):
        columns, rows = _crossed(records, words, keys)
        header = [words("col_theme"), words("col_theme_label"), *columns]
        _sheet(workbook, words(sheet_key), header, ["theme", "theme_label", *columns], rows)
    workbook.save(destination)  # type: ignore[arg-type]


def _problems(
    records: Sequence[ProblemRecord], words: Words, zone: ZoneInfo
) -> list[tuple[Cell, ...]]:
    return [
        (
            r.id,
            r.created_at.astimezone(zone).replace(tzinfo=None),  # Excel has no time zones
            f"{r.created_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
            words.texts.language_name(r.language or "unknown", words.language),
            r.text,
            r.suggested_solution,
            ", ".join(words.name(g) for g in r.groups),
            words.name(r.area),
            words.name(r.frequency),
            r.severity,
            words.source(r.source),
            r.workshop,
            r.theme,
            words.label(r) if r.theme is not None else "",
            r.endorsements,
        )
        for r in records
    ]


def _themes(
    records: Sequence[ProblemRecord],
    words: Words,
    weights: Weights,
    statuses: Mapping[int, str],
) -> list[tuple[Cell, ...]]:
    by_theme = _by_theme(records)
    rows: list[tuple[Cell, ...]] = []
    for found in rank(records, weights):
        given, own = found.inputs, by_theme[found.theme]
        named = {r.resident for r in own if r.resident}
        why = ", ".join(words(f"digest_reason_{reason}") for reason in reasons(given, weights))
        rows.append(
            (
                found.theme,
                words.label(own[-1]),
                found.score,
                words(f"digest_level_{level(found.score)}"),
                why,
                given.problems,
                len(named),
                sum(1 for r in own if r.source == "import"),
                sum(r.endorsements for r in own),
                given.reach,
                round(given.severity, 2) if given.severity is not None else None,
                round(given.per_year, 1) if given.per_year is not None else None,
                given.groups,
                given.areas,
                words(f"status_{statuses.get(found.theme, RECEIVED)}"),
            )
        )
    return rows


def _quotes(records: Sequence[ProblemRecord], words: Words) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = []
    for theme, own in sorted(_by_theme(records).items()):
        if len(own) < SMALL:
            continue  # a few people's words could tell who they are
        quotable = [r for r in own if not r.quote_hidden]  # hidden by staff: counted only
        for record in quotable[-QUOTES_PER_THEME:]:
            quote = trim(mask_personal_data(record.text), QUOTE_CHARS)
            rows.append((theme, words.label(record), quote, words.name(record.area)))
    return rows


def _crossed(
    records: Sequence[ProblemRecord],
    words: Words,
    keys: Callable[[ProblemRecord], Sequence[str]],
) -> tuple[list[str], list[tuple[Cell, ...]]]:
    """Count each theme's problems per area (or group); below 5 reads "<5", none is blank."""
    by_theme = _by_theme(records)
    counts = {t: Counter(k for r in own for k in keys(r) if k) for t, own in by_theme.items()}
    columns = sorted({k for c in counts.values() for k in c}, key=words.name)
    rows: list[tuple[Cell, ...]] = []
    for theme, own in sorted(by_theme.items()):
        cells = [counts[theme][k] for k in columns]
        rows.append(
            (theme, words.label(own[-1]), *(_masked(n) for n in cells)),
        )
    return [words.name(k) for k in columns], rows


def _masked(count: int) -> Cell:
    return None if count == 0 else shown(count) if count < SMALL else count


def _by_theme(records: Sequence[ProblemRecord]) -> dict[int, list[ProblemRecord]]:
    found: dict[int, list[ProblemRecord]] = {}
    for record in sorted(records, key=lambda r: (r.created_at, r.id)):
        if record.theme is not None:
            found.setdefault(record.theme, []).append(record)
    return found


def _sheet(
    workbook: Any,
    title: str,
    header: Sequence[str],
    columns: Sequence[str],
    rows: Sequence[tuple[Cell, ...]],
) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(_title(title))
    for column, text in enumerate(header, start=1):
        set_cell(sheet.cell(1, column), text)
        sheet.cell(1, column).font = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")
    for row, values in enumerate(rows, start=2):
        for column, (name, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = sheet.cell(row, column)
            set_cell(cell, value, date_format=LOCAL_FORMAT)
            if name in WRAPPED:
                cell.alignment = wrapped
    for column, (name, text) in enumerate(zip(columns, header, strict=True), start=1):
        width = WIDE.get(name, max(10, min(len(text) + 4, 24)))
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _title(title: str) -> str:
    """Return ``title`` as Excel allows a sheet name: no []:*?/\\, at most 31 characters."""
    return "".join(c for c in title if c not in "[]:*?/\\").strip("' ")[:31] or "Sheet"
