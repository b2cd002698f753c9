"""Staff files: CSV and XLSX exports that open safely in Excel."""

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl

from bot.artefacts.reports import EXPORT_COLUMNS, export_rows, write_csv
from bot.artefacts.workbook import Words, write_workbook
from flows.records import ProblemRecord
from tests.packaged import staff_texts

OSLO = ZoneInfo("Europe/Oslo")
NAMES = {"sentrum": "Gjøvik sentrum", "biri": "Biri", "eldre": "Eldre og pårørende"}
ATTACKS = ('=HYPERLINK("http://x","klikk")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR")
RECORDS = [
    ProblemRecord(
        id=1,
        created_at=datetime(2026, 11, 24, 8, 15, tzinfo=OSLO),
        resident="r1",
        text="Blåbærsyltetøy på Ærø? Nei: «Øvre Æsø» mangler strøing.\nAndre linje; med semikolon",
        language="nb",
        suggested_solution='Strø oftere, "gjerne" før kl. 7',
        groups=("eldre", "barnefamilier"),
        area="sentrum",
        frequency="daily",
        severity=5,
        workshop="verksted-1",
        theme=3,
        theme_label="Vinterdrift",
        endorsements=2,
    ),
    *[
        ProblemRecord(
            id=10 + n,
            created_at=datetime(2026, 11, 25, 12, tzinfo=UTC) + timedelta(minutes=n),
            resident=f"r{n}",
            text=attack,
            language="en",
            source="workshop",
        )
        for n, attack in enumerate(ATTACKS)
    ],
]


def test_export_rows_have_the_columns_in_order_and_utc_times():
    rows = export_rows(RECORDS)
    assert all(tuple(row) == EXPORT_COLUMNS for row in rows)
    first = rows[0]
    assert first["created_at"] == "2026-11-24T07:15:00Z"
    assert (first["groups"], first["area"], first["severity"]) == (
        "eldre;barnefamilier",
        "sentrum",
        "5",
    )
    assert (rows[1]["severity"], rows[1]["theme"], rows[1]["source"]) == ("", "", "workshop")
    named = export_rows(RECORDS, NAMES)[0]
    assert (named["groups"], named["area"]) == (
        "Eldre og pårørende;barnefamilier",
        "Gjøvik sentrum",
    )


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_round_trips_norwegian_text_and_defuses_formulas(tmp_path):
    path = tmp_path / "innspill.csv"
    write_csv(RECORDS, path)
    header, *rows = read_csv(path.read_bytes())
    assert tuple(header) == EXPORT_COLUMNS
    assert rows[0][4] == RECORDS[0].text
    assert rows[0][5] == RECORDS[0].suggested_solution
    assert [row[4] for row in rows[1:]] == ["'" + attack for attack in ATTACKS]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)


def test_csv_goes_to_binary_and_text_streams_alike():
    binary = io.BytesIO()
    write_csv(RECORDS, binary)
    assert not binary.closed
    text = io.StringIO()
    write_csv(RECORDS, text)
    assert text.getvalue().encode() == binary.getvalue()
    assert len(read_csv(binary.getvalue())) == len(RECORDS) + 1


def test_csv_keeps_codes_and_utc_and_adds_a_local_time_excel_in_norway_reads(tmp_path):
    path = tmp_path / "innspill.csv"
    write_csv(RECORDS, path, zone=OSLO)
    header, first, *_ = read_csv(path.read_bytes())
    row = dict(zip(header, first, strict=True))
    assert (row["created_at"], row["local_time"]) == ("2026-11-24T07:15:00Z", "24.11.2026 08:15")
    assert (row["groups"], row["area"], row["frequency"]) == (
        "eldre;barnefamilier",
        "sentrum",
        "daily",
    )
    write_csv(RECORDS, path, NAMES, zone=OSLO)
    header, first, *_ = read_csv(path.read_bytes())
    assert dict(zip(header, first, strict=True))["area"] == "Gjøvik sentrum"


def test_workbook_cells_are_never_formulas(tmp_path):
    path = tmp_path / "innspill.xlsx"
    words = Words(staff_texts(), "en", lambda key: NAMES.get(key, key))
    write_workbook(RECORDS, path, words, zone=OSLO)
    sheet = openpyxl.load_workbook(path)["Problems"]
    texts = [sheet.cell(row, 5) for row in range(3, 3 + len(ATTACKS))]
    assert [cell.value for cell in texts] == [a.replace("\r", "\n") for a in ATTACKS]
    assert all(cell.quotePrefix and cell.data_type == "s" for cell in texts)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in archive.read(name).decode()
    assert sheet["L3"].value is None  # no workshop: a blank cell
