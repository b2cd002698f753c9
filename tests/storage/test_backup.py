"""`innspill db backup / restore / copy`: consistent copies, careful restores, proven moves."""

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import flows.problem
from bot.jobs.themes import assign_pending
from storage import queries
from storage.backup import check_backup
from storage.engine import make_engine, session_scope, upgrade_database
from storage.transfer import fingerprint
from tests.cli import run_cli

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DRAFT = flows.problem.Problem(
    text="Bussen til Hunndalen går for sjelden om kvelden.",
    language="nb",
    frequency="weekly",
    severity=4,
    groups=("commuters", "youth"),
    area="hunndalen",
)


def seed(url: str, residents: int = 12, start: int = 0) -> None:
    """Store residents with a problem each, a staff member, and their themes."""
    engine = make_engine(url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        for n in range(start, start + residents):
            _add(session, n)
        queries.add_staff(session=session, telegram_id=42 + start, role="admin", now=T0)
    assign_pending(engine, clock=lambda: T0)
    engine.dispose()


def _add(session, n: int) -> int:
    pseudonym = hashlib.sha256(str(n).encode()).hexdigest()
    resident = queries.get_or_create_resident(session=session, pseudonym=pseudonym, now=T0)
    return queries.add_problem(
        session=session,
        resident_id=resident.id,
        problem=DRAFT,
        source="telegram",
        now=T0 + timedelta(minutes=n),
    )


def problem_ids(url: str) -> set[int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = set(conn.execute(text("SELECT id FROM problem")).scalars())
    engine.dispose()
    return found


def test_a_backup_made_during_writes_holds_every_committed_problem(
    sqlite_url: str, tmp_path: Path
) -> None:
    seed(sqlite_url, residents=1)
    engine = make_engine(sqlite_url)
    committed: list[int] = []
    stop = threading.Event()

    def write() -> None:
        n = 1000
        while not stop.is_set():
            with session_scope(engine) as session:
                problem_id = _add(session, n)
            committed.append(problem_id)  # only once the transaction has committed
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(committed) < 50:
            stop.wait(0.01)
        before = set(committed)
        done = run_cli(sqlite_url, tmp_path, "db", "backup", str(tmp_path / "copy.db"))
        assert len(committed) > len(before)  # the bot went on writing meanwhile
    finally:
        stop.set()
        writer.join()
        engine.dispose()
    assert done.returncode == 0, done.stderr
    assert "backup written to" in done.stdout
    info = check_backup(tmp_path / "copy.db")  # opens, passes integrity_check
    in_copy = problem_ids(f"sqlite:///{tmp_path / 'copy.db'}")
    assert before <= in_copy <= set(committed) | {min(problem_ids(sqlite_url))}
    assert info.rows["problem"] == len(in_copy)


def test_a_backup_never_overwrites_a_file(sqlite_url: str, tmp_path: Path) -> None:
    seed(sqlite_url)
    earlier = tmp_path / "monday.db"
    earlier.write_bytes(b"an earlier backup")
    done = run_cli(sqlite_url, tmp_path, "db", "backup", str(earlier))
    assert done.returncode == 1 and "exists already" in done.stderr
    assert earlier.read_bytes() == b"an earlier backup"


def test_postgresql_backups_are_left_to_pg_dump(tmp_path: Path) -> None:
    url = "postgresql+psycopg://innspill:hemmelig@db.kommune.no/innspill"
    done = run_cli(url, tmp_path, "db", "backup", "innspill.dump")
    assert done.returncode == 1
    assert "pg_dump --format=custom --file=innspill.dump" in done.stderr
    assert "hemmelig" not in done.stderr and "postgresql+psycopg" not in done.stderr


def test_restore_refuses_a_database_with_data_unless_forced(
    sqlite_url: str, tmp_path: Path
) -> None:
    seed(sqlite_url)
    backup = tmp_path / "backup.db"
    assert run_cli(sqlite_url, tmp_path, "db", "backup", str(backup)).returncode == 0
    seed(sqlite_url, residents=3, start=100)  # written after the backup
    refused = run_cli(sqlite_url, tmp_path, "db", "restore", str(backup))
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert len(problem_ids(sqlite_url)) == 15  # untouched
    forced = run_cli(sqlite_url, tmp_path, "db", "restore", str(backup), "--force")
    assert forced.returncode == 0, forced.stderr
    assert len(problem_ids(sqlite_url)) == 12  # back to the backup


def test_restore_checks_the_file_first(sqlite_url: str, tmp_path: Path) -> None:
    seed(sqlite_url)
    before = problem_ids(sqlite_url)
    garbage = tmp_path / "notes.db"
    garbage.write_text("not a database", encoding="utf-8")
    done = run_cli(sqlite_url, tmp_path, "db", "restore", str(garbage), "--force")
    assert done.returncode == 1 and "is not a SQLite database" in done.stderr
    stranger = tmp_path / "other.db"
    create_engine(f"sqlite:///{stranger}").connect().exec_driver_sql("CREATE TABLE t (x)").close()
    done = run_cli(sqlite_url, tmp_path, "db", "restore", str(stranger), "--force")
    assert done.returncode == 1 and "not an Innspill database" in done.stderr
    assert problem_ids(sqlite_url) == before


def test_a_backup_restores_into_an_empty_database(sqlite_url: str, tmp_path: Path) -> None:
    seed(sqlite_url)
    backup = tmp_path / "backup.db"
    run_cli(sqlite_url, tmp_path, "db", "backup", str(backup))
    fresh = f"sqlite:///{tmp_path / 'new-server.db'}"
    done = run_cli(fresh, tmp_path, "db", "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert fingerprint(make_engine(fresh)) == fingerprint(make_engine(sqlite_url))


@pytest.mark.postgres
def test_db_copy_moves_sqlite_to_postgresql_and_back_unchanged(
    sqlite_url: str, postgres_url: str, tmp_path: Path
) -> None:
    seed(sqlite_url)
    original = fingerprint(make_engine(sqlite_url))
    there = run_cli(sqlite_url, tmp_path, "db", "copy", "--to", postgres_url)
    assert there.returncode == 0, there.stderr
    assert "every table's count and digest match" in there.stdout
    assert fingerprint(make_engine(postgres_url)) == original
    back_url = f"sqlite:///{tmp_path / 'back.db'}"
    back = run_cli(postgres_url, tmp_path, "db", "copy", "--to", back_url)
    assert back.returncode == 0, back.stderr
    assert fingerprint(make_engine(back_url)) == original
    assert original["problem"].rows == 12 and original["resident"].rows == 12
    seed(postgres_url, residents=1, start=500)  # new rows get fresh ids after the copy
    assert len(problem_ids(postgres_url)) == 13
    again = run_cli(sqlite_url, tmp_path, "db", "copy", "--to", postgres_url)
    assert again.returncode == 1 and "already holds data" in again.stderr
