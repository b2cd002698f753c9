"""End to end: the real aiogram bot long-polls the fake Bot API; a resident is interviewed."""

import csv
from pathlib import Path

import pytest

from tests.bot.harness import (
    Clock,
    Resident,
    running_bot,
    saved_text,
    settings_for,
    stored_problems,
    text_of,
    together,
)
from tests.cli import run_cli
from tests.factories import make_message_update
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.e2e
ANNA = 1001
BUS = "Bussen til Hunndalen går bare én gang i timen om kvelden, så jeg må gå hjem."


async def test_a_resident_completes_the_interview_with_buttons(
    api: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        anna = Resident(api, ANNA)
        # The welcome opens the privacy question: one message to wait for, not two.
        [greeting] = await anna.says("/start")
        welcome = text_of(core, "welcome", municipality="Gjøvik")
        assert greeting == together(welcome, text_of(core, "consent", municipality="Gjøvik"))
        assert anna.last_buttons() == ["consent:yes", "consent:no"]
        assert await anna.presses("consent:yes") == [text_of(core, "ask_problem")]
        assert await anna.says(BUS) == [text_of(core, "ask_frequency")]
        await anna.presses("frequency:daily")
        await anna.presses("severity:4")
        await anna.presses("groups:senior", expect=0)  # edits the question in place
        await api.wait_for(lambda a: any("✓" in b for b, _ in a.sent_to(ANNA)[-1].buttons))
        await anna.presses("groups:done")
        [review] = await anna.presses("area:hunndalen")
        assert BUS in review and "Hunndalen" in review
        [saved] = await anna.presses("review:confirm")
        assert saved == together(saved_text(core, 1), text_of(core, "hear_back_ask"))
        [thanks] = await anna.presses("hear_back:yes")
        assert thanks == together(text_of(core, "hear_back_yes"), text_of(core, "ask_another"))
    [problem] = stored_problems(database_url)
    assert (problem.text, problem.language, problem.area) == (BUS, "nb", "hunndalen")
    assert (problem.frequency, problem.severity, problem.groups) == ("daily", 4, ("senior",))
    assert problem.source == "telegram" and problem.resident and str(ANNA) not in problem.resident
    _export_holds(database_url, tmp_path, problem.id)


def _export_holds(database_url: str, tmp_path: Path, problem_id: int) -> None:
    """Run the real `innspill export` and find the problem with its tags in the CSV."""
    out = tmp_path / "problems.csv"
    done = run_cli(database_url, tmp_path, "export", "--format", "csv", "--out", str(out))
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=_delimiter(out)))
    [row] = rows
    assert row["id"] == str(problem_id)
    assert (row["text"], row["area"], row["groups"]) == (BUS, "hunndalen", "senior")
    assert (row["frequency"], row["severity"], row["language"]) == ("daily", "4", "nb")
    assert row["workshop"] == ""


def _delimiter(path: Path) -> str:
    header = path.read_text(encoding="utf-8-sig").splitlines()[0]
    return ";" if header.count(";") > header.count(",") else ","


async def test_a_resident_completes_the_interview_by_typing(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)):
        ola = Resident(api, 1002)
        await ola.says("/start")
        await ola.presses("consent:yes")
        await ola.says("Vi trenger en app for å booke idrettshallen.")
        await ola.says("Laget vårt ringer rundt i ukevis for å finne ledig tid i hallen.")
        await ola.says("hver uke")
        await ola.says("3")
        await ola.says("forelder med små barn")
        [review] = await ola.says("snertingdal")  # where it was placed, then the card
        assert review.index("Snertingdal") < review.index("app")
        await ola.presses("review:confirm")
    [problem] = stored_problems(database_url)
    assert problem.suggested_solution == "Vi trenger en app for å booke idrettshallen."
    assert problem.text.startswith("Laget vårt") and problem.area == "snertingdal"
    assert problem.groups == ("parent_young_children",)


async def test_an_update_delivered_twice_is_applied_once(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        anna = Resident(api, ANNA)
        await anna.says("/start")
        await anna.presses("consent:yes")
        update = api.send_text(ANNA, BUS)
        await anna.reads(1)
        api.queue_update(update)  # Telegram delivers it again
        api.send_text(ANNA, "hver dag")
        assert await anna.reads(1) == [text_of(core, "ask_severity")]
        await api.wait_for(lambda a: a.pending_update_count == 0)
    # welcome and consent, ask_problem, ask_frequency, ask_severity: nothing for the repeat
    assert len(api.sent_to(ANNA)) == 4


async def test_an_interview_resumes_after_the_bot_restarts(
    api: FakeBotAPI, database_url: str
) -> None:
    settings = settings_for(api, database_url)
    async with running_bot(settings) as core:
        anna = Resident(api, ANNA)
        await anna.says("/start")
        await anna.presses("consent:yes")
        await anna.says(BUS)
        await anna.presses("frequency:weekly")
    async with running_bot(settings) as core:
        assert await anna.presses("severity:2") == [text_of(core, "ask_groups")]
        resumed = await anna.says("/start")
        assert resumed == [together(text_of(core, "resume"), text_of(core, "ask_groups"))]


async def test_quick_answers_from_one_resident_are_applied_in_order(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        anna = Resident(api, ANNA)
        await anna.says("/start")
        await anna.presses("consent:yes")
        for text in (BUS, "hver dag", "5", "senior", "Biri"):
            api.send_text(ANNA, text)
        replies = await anna.reads(5)
        assert replies[:3] == [
            text_of(core, k) for k in ("ask_frequency", "ask_severity", "ask_groups")
        ]
        assert replies[3] == text_of(core, "ask_area")
        assert replies[4].index("Biri") < replies[4].index(BUS)  # where it was put, the card


async def test_commands_are_published_in_every_interview_language(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        await api.wait_for(lambda a: len(a.calls("setMyCommands")) == 6)
        for language in core.content.languages:
            commands = dict(api.my_commands(language_code=language))
            assert set(commands) == {
                "start",
                "help",
                "cancel",
                "language",
                "mine",
                "mydata",
                "delete",
                "stop",
            }
            assert commands["help"] == core.content.text("cmd_help", language)


async def test_resident_text_with_markup_reaches_them_exactly_as_typed(
    api: FakeBotAPI, database_url: str
) -> None:
    typed = "Skiltet sier <b>stopp</b> & [x](y) *ikke* _her_ `nå` — bussen kjører forbi."
    async with running_bot(settings_for(api, database_url)):
        anna = Resident(api, ANNA)
        await anna.says("/start")
        await anna.presses("consent:yes")
        await anna.says(typed)
        await anna.presses("frequency:daily")
        await anna.presses("severity:3")
        await anna.presses("groups:youth", expect=0)
        await api.wait_for(lambda a: any("✓" in b for b, _ in a.sent_to(ANNA)[-1].buttons))
        await anna.presses("groups:done")
        [review] = await anna.presses("area:sentrum")
        assert typed in review


async def test_webhook_mode_refuses_requests_without_the_secret(
    api: FakeBotAPI, database_url: str, unused_tcp_port: int
) -> None:
    public = "https://innspill.example.org/telegram"  # registered with Telegram, never called
    url = f"http://127.0.0.1:{unused_tcp_port}/telegram"  # where the reverse proxy forwards to
    settings = settings_for(
        api,
        database_url,
        webhook_url=public,
        webhook_secret="s3cret-webhook",
        webhook_port=unused_tcp_port,
    )
    async with running_bot(settings, Clock()) as core:
        await api.wait_for(lambda a: a.webhook is not None)
        assert api.webhook and api.webhook["url"] == public
        update = make_message_update(text="/start", user_id=ANNA, update_id=5)
        assert await api.push_webhook(url, update, secret_token=None) in (401, 403)
        assert await api.push_webhook(url, update, secret_token="wrong") in (401, 403)
        assert api.sent_to(ANNA) == []
        assert await api.push_webhook(url, update, secret_token="s3cret-webhook") == 200
        messages = await api.wait_for_messages(ANNA, 1)
        assert messages[0].text.startswith(text_of(core, "welcome", municipality="Gjøvik"))
