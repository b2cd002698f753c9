"""Staff block a resident: their reports leave the digests, and nothing is deleted."""

from datetime import timedelta

import pytest

from bot.services.digests import DigestBuilder
from flows.periods import rolling_period
from storage import queries
from storage.engine import make_engine, session_scope
from tests.bot.harness import Clock, Person, running_bot, settings_for
from tests.bot.test_staff import ADMIN, NOW, seed
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.e2e


def problem_of(database_url: str, pseudonym: str) -> int:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        records = queries.problem_records(session=session)
    [found] = [r.id for r in records if r.resident == pseudonym]
    engine.dispose()
    return found


async def test_a_blocked_residents_reports_leave_the_digest_until_unblocked(
    api: FakeBotAPI, database_url: str
) -> None:
    seed(database_url)
    target = problem_of(database_url, "r0")
    settings = settings_for(api, database_url, admin_ids=str(ADMIN))
    async with running_bot(settings, Clock(NOW)) as core:
        builder = DigestBuilder(
            db=core.db, content=core.content, texts=core.staff_texts, zone=settings.zone
        )
        plain = core.staff_texts.plain
        period = rolling_period(NOW + timedelta(minutes=1), 7)
        admin = Person(api, ADMIN)
        [usage] = await admin.says("/block")
        assert usage.text == plain("block_usage", "nb")
        [done] = await admin.says(f"/block {target}")
        assert done.text == plain("block_done", "nb", id=str(target))
        current, _ = builder.records(period)
        assert target not in [r.id for r in current] and len(current) == 5
        with session_scope(core.db.engine) as session:  # the export keeps everything
            assert target in [r.id for r in queries.problem_records(session=session)]
        [unknown] = await admin.says("/block 99999")
        assert unknown.text == plain("block_unknown", "nb", id="99999")
        [undone] = await admin.says(f"/unblock {target}")
        assert undone.text == plain("unblock_done", "nb", id=str(target))
        current, _ = builder.records(period)
        assert target in [r.id for r in current]


async def test_staff_commands_with_impossible_arguments_are_answered_with_their_usage(
    api: FakeBotAPI, database_url: str
) -> None:
    seed(database_url)
    settings = settings_for(api, database_url, admin_ids=str(ADMIN))
    async with running_bot(settings, Clock(NOW)) as core:
        plain = core.staff_texts.plain
        admin = Person(api, ADMIN)
        huge = "9" * 23
        for command, usage in [
            ("/block ²", "block_usage"),
            (f"/block {huge}", "block_usage"),
            (f"/unblock {huge}", "block_usage"),
            (f"/theme rename {huge} Buss", "theme_usage"),
            (f"/theme merge 1 {huge}", "theme_usage"),
            ("/export xlsx 0001-01-01 0001-01-02", "export_usage"),
        ]:
            [answer] = await admin.says(command)
            assert answer.text == plain(usage, "nb"), command
