"""The real `innspill import`, `innspill workshop` and `innspill export --workshop` commands."""

import csv
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import zxingcpp
from PIL import Image

from tests.bot.harness import stored_problems
from tests.cli import run_cli as innspill

NOTES = """text;group;area;frequency;severity;suggested_solution
Bussen til Hunndalen går bare én gang i timen om kvelden;Senior;biri;weekly;4;
"Det er ingen benker langs gangveien, så jeg må stoppe
og hvile på gjerdet";senior, youth;Sentrum;Hver dag;3;Flere benker
Fortauet blir ikke brøytet før midt på dagen;;;;;
"""
BROKEN = (
    NOTES
    + """Skiltene på busstasjonen er bare på norsk;astronauts;biri;;;
Ingen vet hvor legevakten er om natta;;;;9;
"""
)


def notes_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "notes.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_invalid_row_is_reported_by_line_and_nothing_is_imported(
    database_url: str, tmp_path: Path
) -> None:
    done = innspill(database_url, tmp_path, "import", str(notes_file(tmp_path, BROKEN)))
    assert done.returncode == 1
    assert "line 6: unknown group 'astronauts'" in done.stderr
    assert "line 7: severity: '9'" in done.stderr
    assert "nothing imported" in done.stderr
    assert stored_problems(database_url) == []


def test_skip_invalid_imports_the_valid_rows_and_lists_the_rest(
    database_url: str, tmp_path: Path
) -> None:
    path = notes_file(tmp_path, BROKEN)
    done = innspill(database_url, tmp_path, "import", str(path), "--skip-invalid")
    assert done.returncode == 0, done.stderr
    assert "3 problems imported" in done.stdout
    assert "line 6:" in done.stderr and "line 7:" in done.stderr
    bus, benches, snow = stored_problems(database_url)
    assert (bus.groups, bus.area, bus.frequency, bus.severity) == (
        ("senior",),
        "biri",
        "weekly",
        4,
    )
    assert benches.text.startswith("Det er ingen benker") and "\n" not in benches.text
    assert (benches.groups, benches.area, benches.frequency) == (
        ("senior", "youth"),
        "sentrum",
        "daily",
    )
    assert benches.suggested_solution == "Flere benker"
    assert {r.source for r in (bus, benches, snow)} == {"import"}
    assert {r.language for r in (bus, benches, snow)} <= {"nb", "nn"}


def test_importing_the_same_file_twice_adds_nothing(database_url: str, tmp_path: Path) -> None:
    path = notes_file(tmp_path, NOTES + "Fortauet blir ikke brøytet før midt på dagen;;;;;\n")
    first = innspill(database_url, tmp_path, "import", str(path))
    second = innspill(database_url, tmp_path, "import", str(path))
    assert "4 problems imported" in first.stdout  # two identical notes are two notes
    assert "0 problems imported, 4 already there" in second.stdout
    assert len(stored_problems(database_url)) == 4


def test_a_workshop_is_created_its_notes_imported_and_exported(
    database_url: str, tmp_path: Path
) -> None:
    qr = tmp_path / "poster.png"
    created = innspill(
        database_url, tmp_path, "workshop", "create", "--name", "Seniortreff på Biri",
        "--group", "Senior (65+)", "--area", "Biri", "--date", "2026-11-23",
        "--code", "biri1", "--qr", str(qr), "--bot-username", "innspill_bot",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    link = "https://t.me/innspill_bot?start=ws_biri1"
    assert link in created.stdout
    [decoded] = zxingcpp.read_barcodes(Image.open(qr))
    assert decoded.text == link
    path = notes_file(tmp_path, "text\nSkiltene på busstasjonen er bare på norsk\n")
    assert (
        innspill(database_url, tmp_path, "import", str(path), "--workshop", "biri1").returncode
        == 0
    )
    innspill(database_url, tmp_path, "import", str(notes_file(tmp_path, NOTES)))
    out = tmp_path / "biri.csv"
    exported = innspill(database_url, tmp_path, "export", "--workshop", "biri1", "--out", str(out))
    assert "1 problem written" in exported.stdout  # issue 15: correct plurals
    [row] = list(csv.DictReader(out.open(encoding="utf-8-sig"), delimiter=";"))
    assert (row["workshop"], row["area"]) == ("biri1", "biri")
    listed = innspill(database_url, tmp_path, "workshop", "list")
    # Issue 15: local dates and correct plurals.
    assert "Seniortreff på Biri (biri1, 23.11.2026): 0 participants, 1 problem," in listed.stdout


def test_an_unknown_workshop_code_is_refused(database_url: str, tmp_path: Path) -> None:
    path = notes_file(tmp_path, NOTES)
    done = innspill(database_url, tmp_path, "import", str(path), "--workshop", "nosuch")
    assert done.returncode == 1 and "no workshop with the code 'nosuch'" in done.stderr
    assert stored_problems(database_url) == []


def test_notes_are_dated_by_their_date_column_else_by_the_workshop_day(
    database_url: str, tmp_path: Path
) -> None:
    created = innspill(
        database_url, tmp_path, "workshop", "create", "--name", "Nabolagsmøte",
        "--group", "Senior (65+)", "--area", "Biri", "--date", "2026-11-23",
        "--code", "nabo1", "--qr-only", "--qr", str(tmp_path / "qr.png"),
        "--bot-username", "innspill_bot",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    text = "text;date\nBenkene er borte fra torget;20.11.2026\nIngen lys ved busskuret;\n"
    done = innspill(
        database_url, tmp_path, "import", str(notes_file(tmp_path, text)), "--workshop", "nabo1"
    )
    assert done.returncode == 0, done.stderr
    assert "2 problems imported" in done.stdout
    oslo = ZoneInfo("Europe/Oslo")
    days = {r.text: r.created_at.astimezone(oslo).date() for r in stored_problems(database_url)}
    assert days == {
        "Benkene er borte fra torget": date(2026, 11, 20),
        "Ingen lys ved busskuret": date(2026, 11, 23),  # the workshop's day
    }


def test_a_bad_or_future_date_is_named_with_its_line(database_url: str, tmp_path: Path) -> None:
    text = (
        "text,date\nBenkene er borte fra torget,32.11.2026\nIngen lys ved busskuret,2999-01-01\n"
    )
    done = innspill(database_url, tmp_path, "import", str(notes_file(tmp_path, text)))
    assert done.returncode == 1
    assert "line 2: date: '32.11.2026' is not a day like 2026-11-25 or 25.11.2026" in done.stderr
    assert "line 3: date: '2999-01-01' is after today" in done.stderr
    assert "fix the 2 rows above" in done.stderr
