"""The XLSX workbook: every sheet opens, in the reader's language, with real dates and numbers."""

from dataclasses import replace
from datetime import datetime

import openpyxl
import pytest

from bot.artefacts.workbook import Words, write_workbook
from tests.artefacts_data import CURRENT, OSLO, names
from tests.packaged import staff_texts

SHEETS = {
    "nb": ["Problemer", "Temaer", "Sitater per tema", "Områder × temaer", "Grupper × temaer"],
    "en": ["Problems", "Themes", "Quotes per theme", "Areas × themes", "Groups × themes"],
}


def workbook(tmp_path, language: str):
    path = tmp_path / f"{language}.xlsx"
    write_workbook(CURRENT, path, Words(staff_texts(), language, names(language)), zone=OSLO)
    return openpyxl.load_workbook(path)


@pytest.mark.parametrize("language", sorted(SHEETS))
def test_every_sheet_opens_with_a_frozen_filtered_header_and_set_widths(tmp_path, language):
    book = workbook(tmp_path, language)
    assert book.sheetnames == SHEETS[language]
    for sheet in book.worksheets:
        assert sheet.max_row > 1, sheet.title
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == sheet.dimensions
        assert all(cell.font.bold and isinstance(cell.value, str) for cell in sheet[1])
        assert all(sheet.column_dimensions[c].width >= 10 for c in "AB")


def test_problems_have_local_excel_dates_numbers_and_names_in_the_language(tmp_path):
    sheet = workbook(tmp_path, "nb")["Problemer"]
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["Nr.", "Tidspunkt", "Tid (UTC)", "Språk"]
    first = dict(zip(header, (cell.value for cell in sheet[2]), strict=True))
    record = CURRENT[0]
    assert isinstance(first["Tidspunkt"], datetime)
    assert first["Tidspunkt"] == record.created_at.astimezone(OSLO).replace(tzinfo=None)
    assert sheet.cell(2, 2).number_format == "dd.mm.yyyy hh:mm"
    assert isinstance(first["Nr."], int) and isinstance(first["Alvor (1–5)"], int)
    assert (first["Område"], first["Hvor ofte"], first["Språk"]) == (
        "Hunndalen",
        "Hver dag",
        "bokmål",
    )
    sources = {row[10] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert sources == {"Telegram", "Verkstedlapp"}


def test_themes_carry_priority_with_its_inputs_as_numbers(tmp_path):
    rows = list(workbook(tmp_path, "en")["Themes"].values)
    header, snow = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert "Priority (0–100)" in header and "Why" in header
    assert (snow["Theme"], snow["Priority (0–100)"], snow["Level"]) == (
        "Snø på fortauet",
        75,
        "high",
    )
    assert (snow["Problems"], snow["Residents"], snow["“Me too”"], snow["Reach"]) == (
        14,
        14,
        3,
        17,
    )
    assert isinstance(snow["Mean severity"], float) and snow["Times a year, mean"] == 365
    nav = dict(zip(header, rows[3], strict=True))
    assert (nav["Residents"], nav["Workshop notes"]) == (0, 6)


@pytest.mark.parametrize(
    ("language", "planned", "received"),
    [("nb", "Planlagt", "Mottatt"), ("nn", "Planlagt", "Motteke"), ("en", "Planned", "Received")],
)
def test_themes_show_their_status_in_the_readers_language(tmp_path, language, planned, received):
    path = tmp_path / "status.xlsx"
    first = next(r.theme for r in CURRENT if r.theme is not None)
    words = Words(staff_texts(), language, names(language))
    write_workbook(CURRENT, path, words, zone=OSLO, statuses={first: "planned"})
    rows = list(openpyxl.load_workbook(path).worksheets[1].values)
    header = rows[0]
    statuses = {row[0]: row[header.index("Status")] for row in rows[1:]}
    assert statuses.pop(first) == planned
    assert set(statuses.values()) == {received}


def test_quotes_and_crossed_tables_keep_small_counts_hidden(tmp_path):
    book = workbook(tmp_path, "en")
    quoted = {row[1] for row in book["Quotes per theme"].iter_rows(min_row=2, values_only=True)}
    assert quoted == {"Snø på fortauet", "Kveldsbuss", "Brev fra NAV"}  # not Gatelys (<5)
    areas = list(book["Areas × themes"].values)
    snow = dict(zip(areas[0], areas[1], strict=True))
    assert snow["Hunndalen"] == 12 and snow["Biri"] == "<5"
    assert all(
        (isinstance(v, int) and v >= 5) or v in ("<5", None) for row in areas[1:] for v in row[2:]
    )


def test_quotes_staff_hid_are_counted_but_not_quoted(tmp_path):
    records = [replace(r, quote_hidden=r.theme == 2) for r in CURRENT]
    path = tmp_path / "hidden.xlsx"
    write_workbook(records, path, Words(staff_texts(), "en", names("en")), zone=OSLO)
    book = openpyxl.load_workbook(path)
    quoted = {row[1] for row in book["Quotes per theme"].iter_rows(min_row=2, values_only=True)}
    assert quoted == {"Snø på fortauet", "Brev fra NAV"}
    themes = {row[1] for row in book["Themes"].iter_rows(min_row=2, values_only=True)}
    assert "Kveldsbuss" in themes  # still counted
