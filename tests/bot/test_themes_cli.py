"""The real `innspill themes` commands, run as a user would run them."""

import csv
from datetime import UTC, datetime
from pathlib import Path

from flows.problem import Problem
from storage import queries
from storage.engine import make_engine, session_scope, upgrade_database
from tests.cli import run_cli as innspill

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TEXTS = [
    ("Bussen går altfor sjelden om kvelden, jeg kommer meg ikke hjem", "nb"),
    ("Bussane går altfor sjeldan om kvelden, eg kjem meg ikkje heim", "nn"),
    ("Fortauet ved skolen blir aldri brøytet og er glatt om morgenen", "nb"),
]


def seed(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        for n, (text, language) in enumerate(TEXTS):
            resident = queries.get_or_create_resident(session=session, pseudonym=f"r{n}", now=NOW)
            assert resident.id is not None
            draft = Problem(text=text, language=language)
            queries.add_problem(
                session=session, resident_id=resident.id, problem=draft, source="telegram", now=NOW
            )
    engine.dispose()


def listed(output: str) -> list[tuple[int, int, str]]:
    """Return (id, count, label) of each theme of `themes list --format csv`."""
    rows = list(csv.DictReader(output.splitlines()))
    return [(int(row["theme"]), int(row["problems"]), row["label"]) for row in rows]


def themes_csv(database_url: str, tmp_path: Path):
    return innspill(database_url, tmp_path, "themes", "list", "--format", "csv")


def test_staff_list_rename_merge_and_rebuild_themes_from_the_terminal(
    sqlite_url: str, tmp_path: Path
) -> None:
    seed(sqlite_url)
    first = themes_csv(sqlite_url, tmp_path)
    assert first.returncode == 0, first.stderr
    (bus, two, _), (snow, one, _) = listed(first.stdout)
    assert (two, one) == (2, 1)
    assert "Bussen går altfor sjelden" in first.stdout or "Bussane går" in first.stdout

    renamed = innspill(sqlite_url, tmp_path, "themes", "rename", str(bus), "Kveldsbuss")
    assert renamed.returncode == 0 and "Kveldsbuss" in renamed.stdout
    assert innspill(sqlite_url, tmp_path, "themes", "rename", "999", "x").returncode == 1
    merged = innspill(sqlite_url, tmp_path, "themes", "merge", str(bus), str(snow))
    assert merged.stdout == f"1 problem moved from theme {snow} to {bus}\n"  # plural
    assert innspill(sqlite_url, tmp_path, "themes", "merge", str(bus), str(snow)).returncode == 1
    assert listed(themes_csv(sqlite_url, tmp_path).stdout) == [(bus, 3, "Kveldsbuss")]

    out = tmp_path / "export.csv"
    assert innspill(sqlite_url, tmp_path, "export", "--out", str(out)).returncode == 0
    with out.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    assert [(r["theme"], r["theme_label"]) for r in rows] == [(str(bus), "Kveldsbuss")] * 3

    rebuilt = innspill(sqlite_url, tmp_path, "themes", "rebuild")
    assert rebuilt.stdout == "3 problems grouped into 2 themes\n"
    assert sorted(n for _, n, _ in listed(themes_csv(sqlite_url, tmp_path).stdout)) == [1, 2]


def test_the_theme_list_has_a_header_and_aligned_columns(sqlite_url: str, tmp_path: Path) -> None:
    seed(sqlite_url)
    table = innspill(sqlite_url, tmp_path, "themes", "list").stdout.splitlines()
    assert table[0].split() == ["THEME", "PROBLEMS", "LABEL"]
    label_at = table[0].index("LABEL")
    rows = [line for line in table[1:] if not line.lstrip().startswith("«")]
    assert len(rows) == 2
    for row in rows:
        assert row[label_at - 2 : label_at] == "  " and row[label_at] != " "
        assert row[: label_at - 2].split()[1] in ("1", "2")
    quotes = [line for line in table if line.lstrip().startswith("«")]
    assert quotes and all(line.index("«") == label_at for line in quotes)
