"""``innspill db``: upgrade, backup, restore, and copy to another database."""

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings
from storage.backup import BackupError, backup_sqlite, check_backup, restore_sqlite, sqlite_file
from storage.engine import make_engine, upgrade_database
from storage.transfer import TransferError, copy_database, fingerprint, held_data

PG_DUMP_HINT = """\
DATABASE_URL is PostgreSQL: back it up with PostgreSQL's own tool while the bot runs, e.g.
  pg_dump --format=custom --file={file} '{url}'
and restore it into an empty database with
  pg_restore --no-owner --dbname='{url}' {file}
(the password from PGPASSWORD or ~/.pgpass). Innspill does not copy PostgreSQL itself.
"""


def run_db(settings: Settings, args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    """Run one ``innspill db`` sub-command; return the exit status."""
    try:
        match args.db_command:
            case "backup":
                return _backup(settings.database_url, args.file, out, err)
            case "restore":
                return _restore(settings.database_url, args.file, args.force, out, err)
            case "copy":
                return _copy(settings.database_url, args.to, out, err)
        upgrade_database(settings.database_url)
        out.write("database is up to date\n")
        return 0
    except (BackupError, TransferError) as error:
        err.write(f"innspill: {error}\n")
        return 1
    except SQLAlchemyError as error:
        err.write(f"innspill: the database does not answer: {_first_line(error)}\n")
        return 1


def _backup(url: str, target: Path, out: TextIO, err: TextIO) -> int:
    source = sqlite_file(url)
    if source is None:
        err.write(PG_DUMP_HINT.format(file=target, url=_libpq(url)))
        return 1
    info = backup_sqlite(source, target)
    out.write(f"backup written to {target}: {_summary(info.rows)} (schema {info.revision})\n")
    return 0


def _restore(url: str, backup: Path, force: bool, out: TextIO, err: TextIO) -> int:
    info = check_backup(backup)
    engine = make_engine(url)
    try:
        held = held_data(engine)
    finally:
        engine.dispose()
    if held and not force:
        err.write(
            f"innspill: DATABASE_URL already holds data ({held} residents, problems, staff "
            f"and workshops); restoring {backup} would replace it. Stop the bot, back the "
            "database up, then add --force.\n"
        )
        return 1
    target = sqlite_file(url)
    if target is not None:
        restore_sqlite(backup, target)
        upgrade_database(url)  # a backup from an older Innspill gets today's schema
    else:
        _restore_into_postgresql(backup, url)
    out.write(f"restored {backup} into the database: {_summary(info.rows)}\n")
    return 0


def _restore_into_postgresql(backup: Path, url: str) -> None:
    """Copy a SQLite backup's rows into PostgreSQL (after bringing a copy to today's schema)."""
    with tempfile.TemporaryDirectory(prefix="innspill-restore-") as scratch:
        staged = Path(scratch) / "backup.db"
        shutil.copyfile(backup, staged)
        upgrade_database(f"sqlite:///{staged}")
        source, target = make_engine(f"sqlite:///{staged}"), make_engine(url)
        try:
            copy_database(source, target, replace=True)
        finally:
            source.dispose()
            target.dispose()


def _copy(url: str, to: str, out: TextIO, err: TextIO) -> int:
    source, target = make_engine(url), make_engine(to)
    shown = make_url(to).render_as_string(hide_password=True)
    try:
        before = fingerprint(source)
        copied = copy_database(source, target)
        after = fingerprint(target)
    finally:
        source.dispose()
        target.dispose()
    differ = sorted(name for name in before if before[name] != after.get(name))
    for name, digest in before.items():
        out.write(f"{name:<20} {digest.rows:>9} rows  {digest.sha256[:16]}\n")
    if differ:
        err.write(f"innspill: the copy in {shown} differs in {', '.join(differ)}\n")
        return 1
    out.write(f"copied {copied} rows to {shown}; every table's count and digest match\n")
    return 0


def _summary(rows: dict[str, int]) -> str:
    return ", ".join(f"{name}: {rows.get(name, 0)}" for name in ("problem", "resident", "staff"))


def _first_line(error: SQLAlchemyError) -> str:
    # The driver's own words (host, port, reason); URLs are not part of them.
    original = getattr(error, "orig", None) or error
    return (str(original).strip().splitlines() or [type(original).__name__])[0]


def _libpq(url: str) -> str:
    """Return DATABASE_URL as pg_dump reads it, without the password."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=True)
