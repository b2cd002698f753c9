"""Staff in Telegram: invitation links, commands only staff can use, and what they send back."""

import asyncio
import csv
import io
import re
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy.engine import Engine

from bot.telegram.staff_access import create_invite
from flows.problem import Problem
from storage import queries
from storage.engine import make_engine, session_scope, upgrade_database
from tests.bot.harness import Clock, Person, running_bot, settings_for, text_of, together
from tests.fakebotapi import FakeBotAPI, SentMessage

pytestmark = pytest.mark.e2e
ADMIN = 7001
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 10:00 in Oslo
STAFF_COMMANDS = (
    "/digest",
    "/export",
    "/stats",
    "/invite",
    "/subscribe",
    "/unsubscribe",
    "/block 1",
    "/unblock 1",
    "/workspace",
)
LINK = re.compile(r"https://t\.me/innspill_test_bot\?start=(staff_[A-Za-z0-9_-]+)")


def seed(database_url: str, days: int = 6) -> None:
    """Store one problem a day for the last ``days`` days."""
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        for n in range(days):
            resident = queries.get_or_create_resident(session=session, pseudonym=f"r{n}", now=NOW)
            draft = Problem(
                text=f"Gatelyset i Hunndalen er ute igjen, uke {n}",
                language="nb",
                area="hunndalen",
            )
            at = NOW - timedelta(days=n, hours=1)
            queries.add_problem(
                session=session, resident_id=resident.id, problem=draft, source="telegram", now=at
            )
    engine.dispose()


def staff_ids(database_url: str) -> dict[int, str]:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        found = {s.telegram_id: s.role for s in queries.list_staff(session=session)}
    engine.dispose()
    return found


async def test_residents_get_the_unknown_command_answer_to_staff_commands(
    api: FakeBotAPI, database_url: str
) -> None:
    seed(database_url)
    settings = settings_for(api, database_url, admin_ids=str(ADMIN))
    async with running_bot(settings, Clock(NOW)) as core:
        people = [Person(api, 2000 + n) for n in range(1 + len(STAFF_COMMANDS))]
        commands = ("/nosuchcommand", *STAFF_COMMANDS)
        # Each in a chat of their own, so the one-message-a-second pacing runs side by side.
        (stats, after_removal), expected, *answers = await asyncio.gather(
            _staff_then_not(Person(api, 7002), core.db.engine),
            *(_mid_interview(p, c) for p, c in zip(people, commands, strict=True)),
        )
    texts = [m.text for m in expected]
    assert texts == [
        together(text_of(core, "unknown_command"), text_of(core, "consent", municipality="Gjøvik"))
    ]
    for answer in [*answers, after_removal]:
        assert [m.text for m in answer] == texts
    assert stats.text == "23.11.–30.11.2026: 6 nye problemer\nTotalt: 6 problemer"
    assert api.calls("sendDocument") == [] and api.calls("sendPhoto") == []
    assert set(staff_ids(database_url)) == {ADMIN}


async def _staff_then_not(kari: Person, engine: Engine) -> tuple[SentMessage, list[SentMessage]]:
    """Ask for /stats as staff, then again after being removed: the role is checked each time."""
    await kari.says("/start")  # staff may report problems too
    with session_scope(engine) as session:
        queries.add_staff(session=session, telegram_id=kari.user_id, role="staff", now=NOW)
    [stats] = await kari.says("/stats")
    with session_scope(engine) as session:
        queries.remove_staff(session=session, telegram_id=kari.user_id)
    return stats, await kari.says("/stats")


async def _mid_interview(person: Person, command: str) -> list[SentMessage]:
    """Start the interview, then send ``command`` when asked for consent."""
    await person.says("/start")
    return await person.says(command)


async def test_an_invitation_link_works_once_and_not_after_seven_days(
    api: FakeBotAPI, database_url: str
) -> None:
    clock = Clock(NOW)
    settings = settings_for(api, database_url, admin_ids=str(ADMIN))
    async with running_bot(settings, clock) as core:
        admin = Person(api, ADMIN)
        [invitation] = await admin.says("/invite")
        payload = LINK.search(invitation.text)
        assert payload and "07.12.2026" in invitation.text  # valid for 7 days
        ola, eva = Person(api, 8001, language_code="en"), Person(api, 8002, language_code="nn")
        [welcome] = await ola.says(f"/start {payload[1]}")
        assert welcome.text.startswith("Welcome!") and "/subscribe" in welcome.text
        assert "/invite" not in welcome.text  # staff, not admin
        [used] = await eva.says(f"/start {payload[1]}")
        assert (
            used.text == "Denne invitasjonslenkja er alt brukt. Be om ei ny om du treng tilgang."
        )
        token, _ = create_invite(core.db, role="admin", now=clock())
        clock.advance(days=8)
        [expired] = await eva.says(f"/start staff_{token}")
        assert "gått ut" in expired.text
        [invalid] = await Person(api, 8003).says("/start staff_not-a-real-token")
        assert "ikke gyldig" in invalid.text
    assert staff_ids(database_url) == {ADMIN: "admin", 8001: "staff"}


async def test_staff_ask_for_the_digest_an_export_and_subscribe(
    api: FakeBotAPI, database_url: str
) -> None:
    seed(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        for telegram_id in (7101, 7102, 7103):
            queries.add_staff(session=session, telegram_id=telegram_id, role="staff", now=NOW)
    engine.dispose()
    async with running_bot(settings_for(api, database_url), Clock(NOW)):
        reader = Person(api, 7101, language_code="en")
        exporter, subscriber = Person(api, 7102), Person(api, 7103, language_code="nn-NO")
        digest, exports, subscriptions = await asyncio.gather(
            reader.says("/digest", expect=3),
            _exports(exporter),
            _subscriptions(subscriber),
        )
    text, chart, sheet = digest
    assert text.text.startswith("Digest of the last 7 days") and "23.11.–30.11.2026" in text.text
    assert (chart.kind, sheet.kind) == ("photo", "document")
    xlsx, csv_rows, usage = exports
    assert len(xlsx) == 1 + 3 and all(row[7] == "Hunndalen" for row in xlsx[1:])  # names (#15)
    assert len(csv_rows) == 1 + 6
    assert usage.startswith("Skriv /export")
    assert subscriptions == [
        "Du får no samandraget kvar dag kl. 08:00 for dagen før.",
        "Skriv /subscribe for kvar veke, eller /subscribe daily for kvar dag.",
        "Du får ikkje lenger samandraget. /subscribe slår det på att.",
        "Du får ikkje samandraget no. /subscribe slår det på.",
    ]


async def _exports(person: Person) -> tuple[list[tuple[object, ...]], list[list[str]], str]:
    [xlsx] = await person.says("/export xlsx 2026-11-27 2026-11-29")
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.file or b""))
    [as_csv] = await person.says("/export csv")
    assert (as_csv.filename or "").endswith(".csv")
    rows = list(csv.reader(io.StringIO((as_csv.file or b"").decode("utf-8-sig")), delimiter=";"))
    [usage] = await person.says("/export 2026-13-01")
    return list(workbook.active.values), rows, usage.text


async def _subscriptions(person: Person) -> list[str]:
    said = []
    for command in ("/subscribe daily", "/subscribe hourly", "/unsubscribe", "/unsubscribe"):
        [reply] = await person.says(command)
        said.append(reply.text)
    return said
