"""Machine translation for staff against a fake LibreTranslate on 127.0.0.1: cached, bounded."""

import asyncio
import socket
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from bot.services.digests import DigestBuilder
from bot.services.translation import Original, Translator
from flows.periods import Period
from flows.problem import Problem
from storage import queries
from storage.database import Database
from storage.engine import session_scope
from tests.fakelibretranslate import running_fake_translator
from tests.packaged import content, staff_texts

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OSLO = ZoneInfo("Europe/Oslo")
POLISH = "Nie ma chodnika do szkoły w Hunndalen, dzieci idą po jezdni."
UKRAINIAN = "Нема тротуару до школи в Гунндалені, діти йдуть по дорозі."
BOKMAL = "Det er ikke fortau langs skoleveien i Hunndalen."


def stored(engine: Engine, *texts: tuple[str, str]) -> list[Original]:
    """Store problems (text, language); return them as the translator takes them."""
    found = []
    with session_scope(engine) as session:
        for text, language in texts:
            draft = Problem(text=text, language=language, area="sentrum", severity=5)
            problem_id = queries.add_problem(
                session=session, resident_id=None, problem=draft, source="telegram", now=NOW
            )
            found.append(Original(problem_id, text, language))
    return found


def translator(engine: Engine, url: str, timeout: float = 3.0, key: str = "") -> Translator:
    return Translator(
        db=Database(engine), url=url, api_key=key, timeout=timeout, clock=lambda: NOW
    )


async def test_problems_are_translated_once_then_read_from_the_database(engine: Engine) -> None:
    problems = stored(engine, (POLISH, "pl"), (UKRAINIAN, "uk"), (BOKMAL, "nb"))
    async with running_fake_translator(api_key="k3y") as fake:
        first = await translator(engine, fake.url, key="k3y").translations(problems, "nb")
        assert first == {
            problems[0].problem_id: f"[nb] {POLISH}",
            problems[1].problem_id: f"[nb] {UKRAINIAN}",
        }
        assert sorted(fake.texts()) == sorted([POLISH, UKRAINIAN])  # bokmål is not sent
        assert {(r["source"], r["target"], r["format"]) for r in fake.requests} == {
            ("pl", "nb", "text"),
            ("uk", "nb", "text"),
        }
        again = await translator(engine, fake.url, key="k3y").translations(problems, "nb")
        assert again == first and len(fake.requests) == 2  # from the cache
        nynorsk = await translator(engine, fake.url, key="k3y").translations(problems, "nn")
        assert fake.requests[-1]["target"] == "nb"  # LibreTranslate has no nynorsk
        assert set(nynorsk) == set(first)


async def test_a_changed_text_is_translated_again(engine: Engine) -> None:
    [problem] = stored(engine, (POLISH, "pl"))
    async with running_fake_translator() as fake:
        await translator(engine, fake.url).translations([problem], "en")
        edited = Original(problem.problem_id, "Autobus nie przyjechał.", "pl")
        found = await translator(engine, fake.url).translations([edited], "en")
    assert found == {problem.problem_id: "[en] Autobus nie przyjechał."}


async def test_a_slow_translator_costs_one_timeout_then_is_left_alone(engine: Engine) -> None:
    problems = stored(engine, (POLISH, "pl"), (UKRAINIAN, "uk"))
    async with running_fake_translator(delay=5.0) as fake:
        slow = translator(engine, fake.url, timeout=0.5)
        started = time.monotonic()
        assert await slow.translations(problems, "nb") == {}
        assert time.monotonic() - started < 2.0
        asked = len(fake.requests)
        started = time.monotonic()
        assert await slow.translations(problems, "nb") == {}
        assert time.monotonic() - started < 0.5 and len(fake.requests) == asked


async def test_an_unreachable_or_failing_translator_gives_nothing_and_no_error(
    engine: Engine,
) -> None:
    problems = stored(engine, (POLISH, "pl"))
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    assert await translator(engine, closed).translations(problems, "nb") == {}
    async with running_fake_translator(status=500) as fake:
        assert await translator(engine, fake.url).translations(problems, "nb") == {}


async def test_a_language_the_server_refuses_leaves_the_others_translated(
    engine: Engine,
) -> None:
    problems = stored(engine, (POLISH, "pl"), (UKRAINIAN, "uk"))
    async with running_fake_translator(refused=frozenset({"pl"})) as fake:
        found = await translator(engine, fake.url).translations(problems, "en")
    assert found == {problems[1].problem_id: f"[en] {UKRAINIAN}"}


async def test_a_refused_language_pair_is_not_asked_again_every_minute(engine: Engine) -> None:
    problems = stored(engine, (POLISH, "pl"), (UKRAINIAN, "uk"))
    async with running_fake_translator(refused=frozenset({"pl"})) as fake:
        staff_side = translator(engine, fake.url)
        await staff_side.translations(problems, "en")
        asked = len(fake.requests)
        more = stored(engine, (POLISH + " Znowu.", "pl"))
        found = await staff_side.translations(problems + more, "en")
        assert len(fake.requests) == asked  # Polish was refused: not asked again, nor waited for
        assert found == {problems[1].problem_id: f"[en] {UKRAINIAN}"}  # Ukrainian from the cache
        assert await staff_side.translations(more, "nb") == {}  # pl→nb is a pair of its own…
        assert len(fake.requests) == asked + 1  # …asked once, and refused too


async def test_digest_quotes_carry_a_translation_marked_as_machine_made(engine: Engine) -> None:
    stored(engine, (POLISH, "pl"), (BOKMAL, "nb"))
    period = Period(NOW - timedelta(days=1), NOW + timedelta(days=1))
    async with running_fake_translator() as fake:
        builder = DigestBuilder(
            db=Database(engine),
            content=content(),
            texts=staff_texts(),
            zone=OSLO,
            translator=translator(engine, fake.url),
        )
        text = await asyncio.to_thread(builder.plain, period, "nb")
        export = await asyncio.to_thread(builder.export, "csv", period, "en")
    assert f"maskinoversatt: «[nb] {POLISH}»" in text
    assert f"[nb] {BOKMAL}" not in text  # bokmål is shown as written
    assert f"[en] {POLISH}".encode() in export.content and b"text_translated" in export.content
    plain = DigestBuilder(
        db=Database(engine), content=content(), texts=staff_texts(), zone=OSLO
    ).plain(period, "nb")
    assert "maskinoversatt" not in plain and POLISH in plain  # unset: nothing changes
