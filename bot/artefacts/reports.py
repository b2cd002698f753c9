"""CSV exports of problems for machines and for Excel in Norway, and safe XLSX cells.

The CSV keeps stable machine codes (``--labels`` gives names) and a UTC time, and adds the
local time as 25.11.2026 09:15, which Excel with Norwegian settings reads as a date.
"""

import csv
import io
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import IO, Any, cast

from flows.digest import Names, display_name
from flows.records import ProblemRecord

EXPORT_COLUMNS: tuple[str, ...] = (
    "id",
    "created_at",
    "local_time",
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
    "text_translated",  # last: columns people and scripts already read keep their places
    "place",  # after it: added later still
)
CSV_DELIMITER = ";"  # Excel with Norwegian regional settings splits on ";" (decimal comma)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | datetime | None
Destination = str | os.PathLike[str] | IO[bytes] | IO[str]


def export_rows(
    records: Sequence[ProblemRecord], names: Names | None = None, zone: tzinfo = UTC
) -> list[dict[str, str]]:
    """Return one dict of strings per record, keyed by ``EXPORT_COLUMNS``, in that order.

    Groups, area and frequency are keys, or display names when ``names`` is given.
    """
    return [
        dict(zip(EXPORT_COLUMNS, _texts(record, names, zone), strict=True)) for record in records
    ]


def _texts(record: ProblemRecord, names: Names | None, zone: tzinfo) -> list[str]:
    return [_text(value) for value in _cells(record, names, zone)]


def _cells(record: ProblemRecord, names: Names | None, zone: tzinfo) -> tuple[Cell, ...]:
    def label(key: str) -> str:
        return display_name(names, key) if names is not None and key else key

    return (
        record.id,
        record.created_at.astimezone(UTC),
        f"{record.created_at.astimezone(zone):%d.%m.%Y %H:%M}",
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
        record.text_translated,
        record.place,
    )


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z"
    return str(value)


def _inert(value: str) -> str:
    """Prefix an apostrophe where a spreadsheet would read the cell as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(
    records: Sequence[ProblemRecord],
    path_or_stream: Destination,
    names: Names | None = None,
    zone: tzinfo = UTC,
) -> None:
    """Write records as CSV that Excel in Norway opens as is: UTF-8 with BOM, ";" separated."""
    # One row at a time: an export of every problem must not hold them all twice.
    rows = ([_inert(v) for v in _texts(record, names, zone)] for record in records)
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


def set_cell(cell: Any, value: Cell, date_format: str = 'yyyy-mm-dd hh:mm:ss "UTC"') -> None:
    """Store ``value`` in an openpyxl cell: text never read as a formula, dates as dates."""
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
            cell.number_format = date_format


def _sheet_title(title: str) -> str:
    cleaned = "".join(c for c in title if c not in "[]:*?/\\").strip("' ")[:31]
    return cleaned or "Problems"
