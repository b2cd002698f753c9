"""A Polish and a bokmål resident report the same problem: one theme, "me too" across languages.

Through the real bot and the fake Bot API; TRANSLATE_URL points at a fake LibreTranslate, so
the staff digest quotes the Polish report with a machine translation into bokmål.
"""

from datetime import UTC, datetime

import pytest

from storage import queries
from storage.engine import make_engine, session_scope
from tests.bot.harness import Clock, Person, Resident, running_bot, settings_for
from tests.fakebotapi import FakeBotAPI
from tests.fakelibretranslate import running_fake_translator

pytestmark = pytest.mark.e2e
ADMIN = 7001
KARI, PIOTR = 1001, 1002
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
BOKMAL = "Det er ikke fortau langs skoleveien i Hunndalen, barna går i veibanen."
POLISH = "Nie ma chodnika do szkoły w Hunndalen, dzieci idą po jezdni."


def themes(database_url: str) -> list[tuple[int | None, str, str]]:
    """Return (theme, label, language) of every stored problem, oldest first."""
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        found = [
            (r.theme, r.theme_label, r.language) for r in queries.problem_records(session=session)
        ]
    engine.dispose()
    return found


async def report(api: FakeBotAPI, resident: Resident, text: str, *, similar: bool) -> list[str]:
    """Go through the interview with ``text``; return what the bot said after confirming."""
    await resident.says("/start")
    await resident.presses("consent:yes")
    await resident.says(text)
    for data in ("frequency:daily", "severity:4"):
        await resident.presses(data)
    await resident.presses("groups:parent_young_children", expect=0)
    await api.wait_for(lambda a: any("✓" in b for b, _ in a.sent_to(resident.user_id)[-1].buttons))
    await resident.presses("groups:done")
    await resident.presses("area:hunndalen")
    api.press(resident.user_id, "review:confirm")
    return await resident.reads(1, within=30)  # saved (others said, theirs) and a question


async def test_a_polish_and_a_bokmal_report_of_one_problem_share_a_theme_in_the_digest(
    api: FakeBotAPI, database_url: str
) -> None:
    clock = Clock(NOW)
    async with running_fake_translator() as translator:
        settings = settings_for(
            api, database_url, admin_ids=str(ADMIN), translate_url=translator.url
        )
        async with running_bot(settings, clock):
            await api.wait_for(lambda a: len(a.calls("setMyCommands")) > 0)
            kari = Resident(api, KARI)
            await report(api, kari, BOKMAL, similar=False)
            await api.wait_for(lambda a: themes(database_url)[0][0] is not None, timeout=20)
            piotr = Resident(api, PIOTR)
            piotr.person.language_code = "pl"
            said = await report(api, piotr, POLISH, similar=True)
            assert "Hunndalen" in said[-1] and "fortau" in said[-1]  # Kari's words: me too?
            assert "similar:same" in piotr.last_buttons()
            await piotr.presses("similar:same")
            await api.wait_for(lambda a: None not in {t for t, _, _ in themes(database_url)}, 20)
            clock.advance(minutes=5)
            [digest, *_] = await Person(api, ADMIN).says("/digest", expect=3, within=30)
    [(kari_theme, label, _), (piotr_theme, _, language)] = themes(database_url)
    assert language == "pl" and kari_theme == piotr_theme
    assert digest.text.count(": prioritet ") == 1  # one theme, holding both reports
    assert f"• {label}: " in digest.text and "fortau" in label  # named in bokmål
    assert POLISH in digest.text and f"maskinoversatt: «[nb] {POLISH}»" in digest.text
    assert BOKMAL in digest.text and f"[nb] {BOKMAL}" not in translator.texts()
