"""The real `innspill staff` and `innspill digest` commands, run in-process as `main(argv)`."""

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flows.problem import Problem
from storage import queries
from storage.engine import make_engine, session_scope, upgrade_database
from tests.cli import run_cli
from tests.fakebotapi import running_fake_api

TYPED = "Søppelet i <Biri> & omegn hentes *aldri* på fredager [x](y)"


def test_staff_are_added_listed_and_removed(sqlite_url: str, tmp_path: Path) -> None:
    assert run_cli(sqlite_url, tmp_path, "staff", "add", "7001", "--role", "admin").returncode == 0
    assert run_cli(sqlite_url, tmp_path, "staff", "add", "7002").stdout == "7002 is now staff\n"
    assert run_cli(sqlite_url, tmp_path, "staff", "remove", "7002").returncode == 0
    listed = run_cli(sqlite_url, tmp_path, "staff", "list", ADMIN_IDS="7003")
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert rows[0] == ["TELEGRAM_ID", "ROLE", "LANGUAGE", "DIGEST", "ADDED"]
    assert [row[:4] for row in rows[1:]] == [
        ["7001", "admin", "nb", "-"],
        ["7003", "admin", "nb", "-"],
    ]
    missing = run_cli(sqlite_url, tmp_path, "staff", "remove", "7002")
    assert missing.returncode == 1 and "no staff member 7002" in missing.stderr


def test_digest_print_writes_the_last_seven_days_as_plain_text(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_url)
    upgrade_database(engine)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        for days, text in ((1, TYPED), (10, "Gammelt problem fra forrige måned, ikke med")):
            draft = Problem(text=text, language="nb", area="biri", severity=5)
            at = now - timedelta(days=days)
            queries.add_problem(
                session=session, resident_id=None, problem=draft, source="terminal", now=at
            )
    engine.dispose()
    printed = run_cli(sqlite_url, tmp_path, "digest", "--print", "--language", "en")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("Digest of the last 7 days, up to now:")
    assert TYPED in printed.stdout and "Gammelt" not in printed.stdout
    assert "<b>" not in printed.stdout and "<5 new problems from <5 residents" in printed.stdout


def test_digest_print_in_a_language_not_offered_names_the_option(
    sqlite_url: str, tmp_path: Path
) -> None:
    done = run_cli(sqlite_url, tmp_path, "digest", "--print", "--language", "de")
    assert done.returncode == 2
    assert done.stderr == "innspill: --language: 'de' is not offered (choose nb, nn, en)\n"


async def test_invite_asks_telegram_for_the_name_and_send_delivers_to_subscribers(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_url)
    upgrade_database(engine)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        staff = queries.add_staff(session=session, telegram_id=7001, role="staff", now=now)
        assert staff.id is not None
        queries.note_staff_chat(session=session, staff_id=staff.id, chat_id=7001, language="nb")
        queries.subscribe(session=session, staff_id=staff.id, frequency="daily", now=now)
    engine.dispose()
    async with running_fake_api() as api:
        extra = {"BOT_TOKEN": api.token, "TELEGRAM_API_URL": api.base_url}
        invite = await _run(sqlite_url, tmp_path, "staff", "invite", **extra)
        sent = await _run(sqlite_url, tmp_path, "digest", "--send", **extra)
    assert re.match(r"https://t\.me/innspill_test_bot\?start=staff_[\w-]{32}\n", invite)
    assert sent == "1 of 1 digest sent\n"  # issue 15: correct plurals
    assert [m.kind for m in api.sent_to(7001)] == ["text"]  # nothing in the last 7 days
    assert api.sent_to(7001)[0].text.startswith("Sammendrag for de siste 7 dagene")


async def _run(database_url: str, cwd: Path, *args: str, **more: str) -> str:
    """Run the command in a thread, so the fake Bot API keeps serving on this loop."""
    done = await asyncio.to_thread(run_cli, database_url, cwd, *args, **more)
    assert done.returncode == 0, done.stderr
    return done.stdout
