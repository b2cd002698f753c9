"""The real `innspill themes status|history|public` commands, run as staff would run them."""

import re
from datetime import UTC, datetime
from pathlib import Path

from flows.problem import Problem
from storage import queries
from storage.engine import make_engine, session_scope, upgrade_database
from storage.queries.statuses import Target
from tests.cli import run_cli as innspill

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def seed(database_url: str) -> int:
    """Store one resident who agreed to hear back, with a problem in theme 4; return its id."""
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        row = queries.get_or_create_resident(session=session, pseudonym="anna", now=NOW)
        assert row.id is not None
        queries.record_hear_back(
            session=session, resident_id=row.id, version=1, chat_id=5, now=NOW
        )
        draft = Problem(text="Bussen går altfor sjelden om kvelden.", language="nb")
        problem = queries.add_problem(
            session=session, resident_id=row.id, problem=draft, source="telegram", now=NOW
        )
        queries.store_themes(session=session, labels={4: "buss kveld"}, now=NOW)
        queries.set_problem_themes(session=session, themes={problem: 4})
    engine.dispose()
    return problem


def test_staff_set_a_status_with_a_note_and_read_its_history(
    sqlite_url: str, tmp_path: Path
) -> None:
    problem = seed(sqlite_url)
    done = innspill(
        sqlite_url, tmp_path, "themes", "status", "4", "planned", "--note", "Ny rute fra mars."
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "Theme 4 now has the status “Planned”. Residents who will be told: 1"
    )
    refused = innspill(sqlite_url, tmp_path, "themes", "status", "4", "declined")
    assert refused.returncode == 1 and "needs a reason" in refused.stdout
    unknown = innspill(sqlite_url, tmp_path, "themes", "status", "9", "done")
    assert unknown.returncode == 1 and "Theme 9 was not found" in unknown.stdout
    single = innspill(
        sqlite_url, tmp_path, "themes", "status", str(problem), "declined", "--problem",
        "--note", "Privat vei: kommunen brøyter ikke der.",
    )  # fmt: skip
    assert single.returncode == 0 and f"Report #{problem}" in single.stdout
    history = innspill(sqlite_url, tmp_path, "themes", "history", "4")
    [line] = history.stdout.splitlines()
    when, status, by, language, note = line.split("\t")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", when)
    assert (status, language, note) == ("planned", "nb", "Ny rute fra mars.")
    assert by.startswith("cli:")
    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        [mine] = queries.resident_statuses(session=session, resident_id=1)
        assert mine.status == "declined"  # the problem's own status wins over its theme's
        assert queries.current_status(session=session, target=Target(theme_id=4)) is not None
    engine.dispose()


def test_staff_publish_and_withdraw_a_theme(sqlite_url: str, tmp_path: Path) -> None:
    seed(sqlite_url)
    shown = innspill(sqlite_url, tmp_path, "themes", "public", "4", "on")
    assert shown.returncode == 0 and "Theme 4 is now shown" in shown.stdout
    assert innspill(sqlite_url, tmp_path, "themes", "public", "8", "on").returncode == 1
    hidden = innspill(sqlite_url, tmp_path, "themes", "public", "4", "off")
    assert "no longer shown" in hidden.stdout
