"""Staff use /theme in Telegram: list, rename and merge, checked against the database."""

from datetime import UTC, datetime

import pytest

from bot.jobs.themes import assign_pending
from flows.problem import Problem
from storage import queries
from storage.engine import make_engine, session_scope, upgrade_database
from tests.bot.harness import Clock, Person, running_bot, settings_for
from tests.bot.test_e2e_bad_input import consented
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.e2e
KARI = 7001  # staff (an admin from ADMIN_IDS)
OLA = 7002  # staff who stopped being staff
ANNA = 1001  # a resident
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BUS = "Bussen går altfor sjelden om kvelden, ring meg på 912 34 567 <b>nå</b>"
SNOW = "Fortauet ved skolen blir aldri brøytet og er glatt om morgenen"


def seed(database_url: str) -> tuple[int, int]:
    """Store five bus problems and two snow problems; return the two theme ids."""
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        for n, text in enumerate([BUS] * 5 + [SNOW] * 2):
            resident = queries.get_or_create_resident(session=session, pseudonym=f"r{n}", now=NOW)
            assert resident.id is not None
            draft = Problem(text=f"{text} ({n})", language="nb")
            queries.add_problem(
                session=session, resident_id=resident.id, problem=draft, source="telegram", now=NOW
            )
    assign_pending(engine, clock=lambda: NOW)
    with session_scope(engine) as session:
        themes = [r.theme for r in queries.problem_records(session=session)]
    engine.dispose()
    assert themes[0] is not None and themes[-1] is not None
    return themes[0], themes[-1]


def records(database_url: str) -> list[tuple[int | None, str, str]]:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        found = [
            (r.theme, r.theme_label, r.text) for r in queries.problem_records(session=session)
        ]
    engine.dispose()
    return found


async def test_staff_list_rename_and_merge_themes_in_telegram(
    api: FakeBotAPI, database_url: str
) -> None:
    bus, snow = seed(database_url)
    settings = settings_for(api, database_url, admin_ids=str(KARI))
    async with running_bot(settings, Clock(NOW)):
        kari = Person(api, KARI)
        [listing] = await kari.says("/theme")
        assert f"{bus} · 5 · " in listing.text and f"{snow} · <5 · " in listing.text
        assert "«Bussen går altfor sjelden" in listing.text  # five problems: quoted
        assert "912" not in listing.text and "<b>nå</b>" in listing.text  # masked, as typed
        assert "Fortauet" not in listing.text  # fewer than five: not quoted
        [renamed] = await kari.says(f"/theme rename {bus} Kveldsbuss & helg")
        assert renamed.text == f"Tema {bus} heter nå «Kveldsbuss & helg»."
        [merged] = await kari.says(f"/theme merge {bus} {snow}")
        assert merged.text.startswith(f"Tema {snow} er slått sammen med {bus}: 2 problemer")
        [again] = await kari.says(f"/theme merge {bus} {snow}")
        assert again.text.startswith("Kan ikke slå sammen")
        [usage] = await kari.says("/theme split 3")
        assert usage.text.startswith("Skriv /theme for lista")
    found = records(database_url)
    assert len(found) == 7 and {(t, label) for t, label, _ in found} == {
        (bus, "Kveldsbuss & helg")
    }


async def test_theme_is_not_for_residents(api: FakeBotAPI, database_url: str) -> None:
    bus, snow = seed(database_url)
    async with running_bot(settings_for(api, database_url), Clock(NOW)):
        anna = Person(api, ANNA)
        [reply] = await anna.says(f"/theme merge {bus} {snow}")
        assert "slått sammen" not in reply.text
    assert {t for t, _, _ in records(database_url)} == {bus, snow}


async def test_a_problem_gets_its_theme_as_soon_as_it_is_saved(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url), Clock(NOW)) as core:
        await api.wait_for(lambda a: len(a.calls("setMyCommands")) > 0)
        anna = await consented(api, core, ANNA)
        await anna.says(BUS)
        for data in ("frequency:daily", "severity:3"):
            await anna.presses(data)
        await anna.presses("groups:senior", expect=0)
        await api.wait_for(lambda a: any("✓" in b for b, _ in a.sent_to(ANNA)[-1].buttons))
        await anna.presses("groups:done")
        await anna.presses("area:biri")
        await anna.presses("review:confirm")
        # The scheduler looks only once a minute: the theme comes from the save itself.
        await api.wait_for(lambda a: records(database_url)[0][0] is not None, timeout=10)
