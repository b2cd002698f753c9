"""Files for staff: the digest chart (PNG) and exports of problems (CSV, XLSX)."""

import csv
import io
import os
import textwrap
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import IO, Any, cast

from flows.digest import SMALL, Digest, Names, Tally, display_name, shown
from flows.priority import Weights, rank
from flows.records import ProblemRecord

EXPORT_COLUMNS: tuple[str, ...] = (
    "id",
    "created_at",
    "language",
    "text",
    "suggested_solution",
    "groups",
    "area",
    "frequency",
    "severity",
    "source",
    "workshop",
    "theme",
    "theme_label",
    "endorsements",
    "place",
)
PRIORITY_COLUMNS: tuple[str, ...] = (
    "theme",
    "theme_label",
    "priority",
    "problems",
    "reach",
    "mean_severity",
    "times_a_year",
    "groups",
    "areas",
)
CSV_DELIMITER = ";"  # Excel with Norwegian regional settings splits on ";" (decimal comma)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_WIDTHS = {"text": 60, "suggested_solution": 40, "created_at": 22, "theme_label": 28}
_WRAPPED = {"text", "suggested_solution", "theme_label"}
_CHART_BARS = 12  # more rows than this are unreadable on a phone
_EXACT_COLOUR = "#1f5f99"
_SMALL_COLOUR = "#c9d1d9"

Cell = str | int | float | datetime | None
Destination = str | os.PathLike[str] | IO[bytes] | IO[str]


def chart_png(
    digest: Digest,
    names: Names,
    title: str,
    *,
    headings: tuple[str, str] = ("", ""),
    unspecified: str = "–",
) -> bytes:
    """Draw problems by area and by group as two bar charts, 1200×800 px, small counts hidden.

    A count below ``SMALL`` is drawn as a pale hatched bar reaching ``SMALL`` and labelled
    "<5": every small count looks the same, so the picture reveals no more than the text.
    """
    # The object-oriented API with an Agg canvas leaves pyplot's global state alone.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(12, 8), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=20, fontweight="bold")
    panels = zip(figure.subplots(1, 2), headings, (digest.by_area, digest.by_group), strict=True)
    for axes, heading, tally in panels:
        rows = _chart_rows(tally, names, unspecified)
        _draw_bars(axes, rows)
        axes.set_title(heading, fontsize=17, loc="left")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _chart_rows(tally: Tally, names: Names, unspecified: str) -> list[tuple[str, int]]:
    """Return (label, count) rows, the rows beyond what fits folded into one "…" row."""
    rows = [(display_name(names, key) if key else unspecified, n) for key, n in tally]
    if len(rows) > _CHART_BARS:
        rest = sum(n for _, n in rows[_CHART_BARS - 1 :])
        rows = [*rows[: _CHART_BARS - 1], ("…", rest)]
    return rows


def _draw_bars(axes: Any, rows: list[tuple[str, int]]) -> None:
    if not rows:
        axes.text(0.5, 0.5, "0", ha="center", va="center", fontsize=28, color="grey")
        axes.set_axis_off()
        return
    labels = [textwrap.fill(label, 20, max_lines=2, placeholder="…") for label, _ in rows]
    lengths = [max(n, SMALL) for _, n in rows]
    small = [n < SMALL for _, n in rows]
    bars = axes.barh(
        range(len(rows)),
        lengths,
        color=[_SMALL_COLOUR if s else _EXACT_COLOUR for s in small],
        height=0.7,
    )
    for bar, is_small in zip(bars, small, strict=True):
        if is_small:
            bar.set_hatch("//")
            bar.set_edgecolor("#8b949e")
    axes.bar_label(bars, labels=[shown(n) for _, n in rows], padding=6, fontsize=15)
    axes.set_yticks(range(len(rows)), labels=labels, fontsize=14)
    # Top to bottom, with room for a few rows so that one bar is not drawn a hand wide.
    axes.set_ylim(max(len(rows), 5) - 0.5, -0.5)
    axes.set_xlim(0, max(lengths) * 1.2)
    axes.set_xticks([])
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)


def export_rows(
    records: Sequence[ProblemRecord], names: Names | None = None
) -> list[dict[str, str]]:
    """Return one dict of strings per record, keyed by ``EXPORT_COLUMNS``, in that order.

    Groups, area and frequency are keys, or display names when ``names`` is given.
    """
    return [
        dict(zip(EXPORT_COLUMNS, map(_text, _cells(record, names)), strict=True))
        for record in records
    ]


def _cells(record: ProblemRecord, names: Names | None) -> tuple[Cell, ...]:
    def label(key: str) -> str:
        return display_name(names, key) if names is not None and key else key

    return (
        record.id,
        record.created_at.astimezone(UTC).replace(tzinfo=None),
        record.language,
        record.text,
        record.suggested_solution,
        ";".join(label(group) for group in record.groups),
        label(record.area),
        label(record.frequency),
        record.severity,
        record.source,
        record.workshop,
        record.theme,
        record.theme_label,
        record.endorsements,
        record.place,
    )


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%dT%H:%M:%S}Z"
    return str(value)


def _inert(value: str) -> str:
    """Prefix an apostrophe where a spreadsheet would read the cell as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(
    records: Sequence[ProblemRecord], path_or_stream: Destination, names: Names | None = None
) -> None:
    """Write records as CSV that Excel in Norway opens as is: UTF-8 with BOM, ";" separated."""
    rows = ([_inert(v) for v in row.values()] for row in export_rows(records, names))
    if isinstance(path_or_stream, str | os.PathLike):
        with open(path_or_stream, "w", encoding="utf-8-sig", newline="") as file:
            _write_rows(file, rows)
    elif isinstance(path_or_stream, io.TextIOBase):
        path_or_stream.write("\ufeff")
        _write_rows(path_or_stream, rows)
    else:
        binary = cast(IO[bytes], path_or_stream)
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        try:
            _write_rows(text, rows)
            text.flush()
        finally:
            text.detach()  # leave the caller's stream open


def _write_rows(file: IO[str], rows: Iterable[list[str]]) -> None:
    writer = csv.writer(file, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(rows)


def write_xlsx(
    records: Sequence[ProblemRecord],
    path_or_stream: Destination,
    sheet_title: str = "Problems",
    names: Names | None = None,
    weights: Weights | None = None,
) -> None:
    """Write records as an Excel sheet: bold frozen header, real UTC dates, never a formula.

    With ``weights``, a second sheet ranks the themes: each priority next to its inputs.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = _sheet_title(sheet_title)
    sheet.append(EXPORT_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet["B1"].comment = Comment("Times are in UTC.", "Innspill")
    wrapped = Alignment(wrap_text=True, vertical="top")
    for row, record in enumerate(records, start=2):
        cells = zip(EXPORT_COLUMNS, _cells(record, names), strict=True)
        for column, (name, value) in enumerate(cells, start=1):
            cell = sheet.cell(row, column)
            _set(cell, value)
            if name in _WRAPPED:
                cell.alignment = wrapped
    for column, name in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = _WIDTHS.get(name, 14)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    if weights is not None:
        _priority_sheet(workbook.create_sheet("Priority"), records, weights)
    workbook.save(path_or_stream)  # type: ignore[arg-type]


def _priority_sheet(sheet: Any, records: Sequence[ProblemRecord], weights: Weights) -> None:
    from openpyxl.styles import Font

    labels = {r.theme: r.theme_label for r in records if r.theme is not None}
    sheet.append(PRIORITY_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for found in rank(records, weights):
        given = found.inputs
        severity = round(given.severity, 2) if given.severity is not None else None
        per_year = round(given.per_year, 1) if given.per_year is not None else None
        values = (
            *(found.theme, labels[found.theme], found.score, given.problems, given.reach),
            *(severity, per_year, given.groups, given.areas),
        )
        row = sheet.max_row + 1
        for column, value in enumerate(values, start=1):
            _set(sheet.cell(row, column), value)  # _set: a label is never read as a formula
    sheet.append(())
    sheet.append((f"weights: {weights}",))
    sheet.freeze_panes = "A2"


def _set(cell: Any, value: Cell) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        if not value:
            return  # a blank cell, not an empty string Excel would count as filled
        # Excel breaks lines in a cell at "\n"; XML would turn a bare "\r" into "\n" anyway.
        text = ILLEGAL_CHARACTERS_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
        # Assigning a string that starts with "=" makes openpyxl store a formula: force text.
        cell.value = text[:32767]
        cell.data_type = "s"
        cell.quotePrefix = value.startswith(_FORMULA_START)
    else:
        cell.value = value
        if isinstance(value, datetime):
            cell.number_format = 'yyyy-mm-dd hh:mm:ss "UTC"'


def _sheet_title(title: str) -> str:
    cleaned = "".join(c for c in title if c not in "[]:*?/\\").strip("' ")[:31]
    return cleaned or "Problems"
