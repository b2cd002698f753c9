"""Sign-in links to the web workspace: from /workspace in Telegram and `innspill staff link`."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.web.security import digest
from storage import queries
from storage.engine import make_engine, session_scope, upgrade_database
from tests.bot.harness import Clock, Person, running_bot, settings_for, text_of
from tests.cli import run_cli
from tests.fakebotapi import FakeBotAPI

ADMIN = 7001
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PUBLIC = "https://innspill.example.no"
LINK = re.compile(r"(https?://\S+)/signin/([A-Za-z0-9_-]{43})")


def redeem(database_url: str, token: str, now: datetime) -> list[str]:
    """Use a link twice, as two browsers would; return the outcomes."""
    engine = make_engine(database_url)
    upgrade_database(engine)
    outcomes = []
    for n in range(2):
        with session_scope(engine) as session:
            outcomes.append(
                queries.redeem_sign_in(
                    session=session,
                    token_hash=digest(token),
                    session_hash=f"session{n}",
                    csrf="c",
                    now=now,
                    until=now + timedelta(hours=1),
                )
            )
    engine.dispose()
    return outcomes


@pytest.mark.e2e
async def test_staff_get_a_one_time_link_and_residents_the_unknown_command_answer(
    api: FakeBotAPI, database_url: str
) -> None:
    settings = settings_for(api, database_url, admin_ids=str(ADMIN), public_url=PUBLIC)
    async with running_bot(settings, Clock(NOW)) as core:
        [link] = await Person(api, ADMIN).says("/workspace")
        [unknown] = await Person(api, 2001).says("/workspace")
        unknown_text = text_of(core, "unknown_command")
    found = LINK.search(link.text)
    assert found and found[1] == PUBLIC and "10 minutter" in link.text
    assert unknown.text == unknown_text and "signin" not in unknown.text
    assert redeem(database_url, found[2], NOW + timedelta(minutes=9)) == ["ok", "used"]


def test_staff_link_prints_a_link_for_staff_only(sqlite_url: str, tmp_path: Path) -> None:
    assert run_cli(sqlite_url, tmp_path, "staff", "add", "7002").returncode == 0
    done = run_cli(sqlite_url, tmp_path, "staff", "link", "7002", PUBLIC_URL=PUBLIC)
    found = LINK.search(done.stdout)
    assert done.returncode == 0 and found and found[1] == PUBLIC
    assert done.stdout.endswith("one-time sign-in link, valid for 10 minutes\n")
    assert redeem(sqlite_url, found[2], datetime.now(UTC))[0] == "ok"
    refused = run_cli(sqlite_url, tmp_path, "staff", "link", "7003")
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr == "innspill: 7003 is not staff (see `innspill staff add`)\n"
