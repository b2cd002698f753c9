"""End to end: residents who type instead of pressing, start before consent, tell in pieces."""

import json

import pytest

from flows.outputs import Label
from tests.bot.harness import Resident, running_bot, settings_for, stored_problems, text_of
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.e2e
ANNA, OLA, KARI = 1001, 1002, 1003
BUS = "Bussen til Hunndalen går bare én gang i timen om kvelden, så jeg må gå hjem."
STORY = [
    "Bussen til Hunndalen går bare én gang i timen om kvelden.",
    "Når den er full, kjører den forbi holdeplassen uten å stoppe.",
    "Da må jeg gå hjem i mørket langs en vei uten fortau.",
]
IDEA = [
    "Kommunen bør lage en app for å booke idrettshallen.",
    "Den bør vise ledige tider og la oss booke direkte fra mobilen.",
]
HALL = "Vi ringer rundt i ukevis for å finne en ledig time i hallen til laget."
COMPARED = ("text", "language", "frequency", "severity", "groups", "area", "source")


async def test_typing_everything_stores_what_pressing_buttons_stores(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        anna = Resident(api, ANNA)  # presses every button
        await anna.says("/start")
        await anna.presses("consent:yes")
        await anna.says(BUS)
        await anna.presses("frequency:weekly")
        await anna.presses("severity:4")
        await anna.presses("groups:senior", expect=0)
        await api.wait_for(lambda a: any("✓" in b for b, _ in a.sent_to(ANNA)[-1].buttons))
        await anna.presses("groups:student", expect=0)
        await api.wait_for(lambda a: sum("✓" in b for b, _ in a.sent_to(ANNA)[-1].buttons) == 2)
        await anna.presses("groups:done")
        await anna.presses("area:hunndalen")
        await anna.presses("review:confirm")

        ola = Resident(api, OLA)  # types everything, starting with the problem itself
        [greeting] = await ola.says(BUS)  # welcome, "kept your message", consent: one
        assert text_of(core, "first_held") in greeting
        assert await ola.says("ja") == [text_of(core, "offer_first", text=BUS)]
        assert await ola.says("ja") == [text_of(core, "ask_frequency")]
        assert await ola.says("hver uke") == [text_of(core, "ask_severity")]
        assert await ola.says("fire") == [text_of(core, "ask_groups")]
        assert await ola.says("pensjonist og student") == [text_of(core, "ask_area")]
        [review] = await ola.says("Hunndalsvegen")
        assert review.startswith(text_of(core, "area_matched", area=Label("area:hunndalen")))
        assert "Hunndalsvegen" in review
        [saved] = await ola.says("ja")  # Anna's report is similar: shown in the same message
        assert saved.startswith("Tusen takk!") and "G-2" in saved and BUS in saved
        await ola.says("nei")  # not the same as Anna's
        assert api.sent_to(OLA)[-1].text.endswith(text_of(core, "hear_back_ask"))
        await ola.says("nei")  # no news, thanks
        assert api.sent_to(OLA)[-1].text.endswith(text_of(core, "ask_another"))
        assert not any(m.edits for m in api.sent_to(OLA))  # typing edits nothing
    pressed, typed = stored_problems(database_url)
    assert [getattr(typed, f) for f in COMPARED] == [getattr(pressed, f) for f in COMPARED]
    assert (pressed.place, typed.place) == ("", "Hunndalsvegen")  # the typed place is kept
    assert typed.groups == ("senior", "student") and typed.frequency == "weekly"


async def test_a_problem_told_in_three_messages_is_stored_whole(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        kari = Resident(api, KARI)
        await kari.says("/start")
        await kari.presses("consent:yes")
        assert await kari.says(STORY[0]) == [text_of(core, "ask_frequency")]
        assert await kari.says(STORY[1]) == [text_of(core, "added_text")]
        assert await kari.says(STORY[2]) == [text_of(core, "added_text")]
        assert await kari.presses("frequency:go_on") == [text_of(core, "ask_frequency")]
        await kari.presses("frequency:daily")
        await kari.presses("severity:5")
        await kari.presses("groups:working_commuter", expect=0)
        await api.wait_for(lambda a: any("✓" in b for b, _ in a.sent_to(KARI)[-1].buttons))
        await kari.presses("groups:done")
        [review] = await kari.presses("area:hunndalen")
        assert all(part in review for part in STORY)  # the read-back card shows it whole
        await kari.presses("review:confirm")
    [problem] = stored_problems(database_url)
    assert problem.text == "\n".join(STORY)


async def test_a_suggestion_told_in_two_messages_is_stored_whole(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        kari = Resident(api, KARI)
        await kari.says("/start")
        await kari.presses("consent:yes")
        noted = text_of(core, "solution_noted", suggestion=IDEA[0].rstrip("."))
        assert await kari.says(IDEA[0]) == [noted]
        assert await kari.says(IDEA[1]) == [text_of(core, "added_text")]
        [asked] = await kari.presses("solution_problem:go_on")  # the idea, whole, and the question
        assert IDEA[0] in asked and IDEA[1].rstrip(".") in asked
        assert await kari.says(HALL) == [text_of(core, "ask_frequency")]
        await kari.presses("frequency:weekly")
        await kari.presses("severity:3")
        await kari.presses("groups:student", expect=0)
        await api.wait_for(lambda a: any("✓" in b for b, _ in a.sent_to(KARI)[-1].buttons))
        await kari.presses("groups:done")
        [review] = await kari.presses("area:sentrum")
        assert all(part.rstrip(".") in review for part in IDEA)
        await kari.presses("review:confirm")
    [problem] = stored_problems(database_url)
    assert problem.suggested_solution == "\n".join(IDEA)
    assert problem.text == HALL


async def test_mine_lists_the_reports_and_mydata_reads_in_their_language(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        anna = Resident(api, ANNA)
        await anna.says("/start")
        empty, _ = await anna.says("/mine", expect=2)  # then the consent question again
        assert empty == text_of(core, "mine_empty")
        await anna.presses("consent:yes")
        await anna.says(BUS)
        for typed in ("hver dag", "3", "student"):
            await anna.says(typed)
        await anna.says("Månen")  # no such area: kept, areas offered
        await anna.presses("area:other")
        await anna.says("ja")
        [mine, _] = await anna.says("/mine", expect=2)
        assert mine.startswith(text_of(core, "mine_heading", items=()).strip())
        assert "G-1" in mine and text_of(core, "status_received") in mine
        assert BUS[:40] in mine
        _, heading, summary, _ = await anna.says("/mydata", expect=4)
        assert heading == text_of(core, "mydata_heading")
        item = text_of(
            core,
            "mydata_problem",
            reference="G-1",
            date=stored_problems(database_url)[0].created_at.strftime("%d.%m.%Y"),
            text=BUS,
            area=Label("area:other"),
            place="Månen",
        )
        assert item in summary
        document = next(m for m in reversed(api.sent_to(ANNA)) if m.kind == "document")
        assert document.file is not None
        [stored] = json.loads(document.file)["problems"]
        assert stored["place"] == "Månen"
