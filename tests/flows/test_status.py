"""Statuses as dialog tables and pure builders: the hear-back question, the news, /mine, digest."""

import dataclasses
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from flows.interview import Interview
from flows.loop_digest import ChangeLine, loop_section
from flows.outputs import AnswerHearBack, Reply, StopFollowUps
from flows.own_reports import OwnReport, reports_reply
from flows.quiet_hours import DEFAULT_QUIET_HOURS, QuietHours, outside_quiet_hours
from flows.render import render
from flows.state import Step
from flows.status import (
    StatusNoticeMessage,
    StatusRefused,
    check_change,
    preview_notices,
    status_notice,
)
from flows.texts import strip_tags
from tests.flows.dialog import content, run
from tests.packaged import staff_texts

OSLO = ZoneInfo("Europe/Oslo")
REPORT = [
    ("/start", ["welcome", "consent"]),
    ("[consent:yes]", ["ask_problem"]),
    ("Bussen til Hunndalen går bare én gang i timen om kvelden.", ["ask_frequency"]),
    ("[frequency:daily]", ["ask_severity"]),
    ("[severity:4]", ["ask_groups"]),
    ("[groups:senior]", ["ask_groups"]),
    ("[groups:done]", ["ask_area"]),
    ("[area:hunndalen]", ["review"]),
]
AGAIN = [
    ("[another:yes]", ["ask_problem"]),
    ("Fortauet blir ikke brøytet før midt på dagen.", ["ask_frequency"]),
    ("[frequency:weekly]", ["ask_severity"]),
    ("[severity:2]", ["ask_groups"]),
    ("[groups:senior]", ["ask_groups"]),
    ("[groups:done]", ["ask_area"]),
    ("[area:biri]", ["review"]),
]


def plain(reply: Reply, language: str) -> str:
    return strip_tags(render(reply, content(), language, lambda text: text).text)


def test_hear_back_is_asked_once_after_the_first_report_and_stored_as_consent() -> None:
    state, outputs = run(
        [
            *REPORT,
            ("[review:confirm]", ["saved", "hear_back_ask"]),
            ("[hear_back:yes]", ["hear_back_yes", "ask_another"]),
            *AGAIN,
            ("[review:confirm]", ["saved", "ask_another"]),  # not asked again
        ]
    )
    [answer] = [out for out in outputs if isinstance(out, AnswerHearBack)]
    assert (answer.agreed, answer.version) == (True, 1)
    assert state.hear_back_asked == 1 and state.step is Step.ANOTHER


def test_no_thanks_is_stored_too_and_stop_ends_the_news() -> None:
    _, outputs = run(
        [
            *REPORT,
            ("[review:confirm]", ["saved", "hear_back_ask"]),
            ("[hear_back:no]", ["hear_back_no", "ask_another"]),
            ("/stop", ["follow_ups_stopped", "ask_another"]),
        ]
    )
    [answer] = [out for out in outputs if isinstance(out, AnswerHearBack)]
    assert not answer.agreed
    assert any(isinstance(out, StopFollowUps) for out in outputs)


def test_a_new_version_of_the_question_is_asked_again() -> None:
    state, _ = run([*REPORT, ("[review:confirm]", ["saved", "hear_back_ask"])])
    state, _ = run([("[hear_back:yes]", ["hear_back_yes", "ask_another"])], state)
    newer = Interview(dataclasses.replace(content(), hear_back_version=2))
    run([*AGAIN, ("[review:confirm]", ["saved", "hear_back_ask"])], state, interview=newer)


def test_a_typed_answer_to_the_hear_back_question_asks_for_the_buttons() -> None:
    state, _ = run([*REPORT, ("[review:confirm]", ["saved", "hear_back_ask"])])
    run([("[hear_back:maybe]", ["reask"])], state)  # the short re-ask, with the buttons


def test_declined_needs_a_reason_and_unknown_statuses_are_refused() -> None:
    assert check_change("planned", "  Vi ser på rutene i vår.\n") == "Vi ser på rutene i vår."
    assert check_change("done", "") == ""
    for status, note, reason in (
        ("declined", "   ", "status_reason_needed"),
        ("finished", "x", "status_unknown"),
        ("done", "x" * 1001, "status_note_too_long"),
    ):
        with pytest.raises(StatusRefused) as refused:
            check_change(status, note)
        assert refused.value.reason == reason


def test_the_news_names_the_reports_the_status_the_note_and_its_language() -> None:
    message = StatusNoticeMessage(
        id=1,
        chat_id=5,
        language="en",
        status="planned",
        note="Vi setter opp en ekstra kveldsavgang fra mars.",
        note_language="nb",
        reports=(12, 15),
        endorsed=(7,),
    )
    text = plain(status_notice(message, content()), "en")
    assert "Your reports: #12, #15" in text
    assert "You said “same for me” to: #7" in text
    assert "Status: Planned" in text
    assert "Vi setter opp en ekstra kveldsavgang fra mars." in text  # as written, not translated
    assert "The note is written in: Norsk bokmål" in text
    ukrainian = plain(status_notice(message, content()), "uk")
    assert "Заплановано" in ukrainian and "#12, #15" in ukrainian


def test_a_machine_translation_follows_the_note_marked_in_every_language() -> None:
    note = "Vi setter opp en ekstra kveldsavgang fra mars."
    alone = StatusNoticeMessage(1, 5, "uk", "planned", note, "nb", (12,), ())
    translated = dataclasses.replace(alone, note_translated="Додатковий вечірній рейс з березня.")
    text = plain(status_notice(translated, content()), "uk")
    assert note in text  # as written first
    assert "Машинний переклад українською (може містити помилки): Додатковий" in text
    assert "Машинний переклад" not in plain(status_notice(alone, content()), "uk")
    for language in content().languages:
        marked = plain(status_notice(translated, content()), language)
        assert "Додатковий вечірній рейс" in marked and "{" not in marked
    at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    mine = OwnReport(9, at, "Bussen.", status="planned", note=note, note_translated="Added.")
    assert "Machine translation into English (may contain mistakes): Added." in plain(
        reports_reply([mine], "G"), "en"
    )


def test_a_reporter_who_endorsed_nothing_gets_no_empty_me_too_line() -> None:
    message = StatusNoticeMessage(1, 5, "nb", "done", "", "", (3,), ())
    text = plain(status_notice(message, content()), "nb")
    assert "samme for meg" not in text and "skrevet på" not in text
    assert "Innspillene dine: #3" in text and "Status: Gjort" in text


def test_every_status_has_a_name_in_every_offered_language() -> None:
    for language in content().languages:
        previews = preview_notices(content(), "in_progress", "Arbeidet er i gang.", "nb")
        assert set(previews) == set(content().languages)
        for status in ("received", "reviewing", "planned", "in_progress", "done", "declined"):
            assert content().text(f"status_{status}", language)
            assert staff_texts().plain(f"status_{status}", "en")


def test_mine_lists_each_report_with_its_status_and_note() -> None:
    at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    reports = [
        OwnReport(3, at, "Bussen går for sjelden."),
        OwnReport(9, at, "Fortauet er glatt.", status="done", note="Strødd hver morgen nå."),
    ]
    text = plain(reports_reply(reports, "G"), "en")
    received, done = text.split("G-9")
    assert "G-3" in received and "Received" in received and "Strødd" not in received
    assert "Done" in done and "Strødd hver morgen nå." in done
    assert reports_reply([], "G").key == "mine_empty"


def test_the_digest_section_lists_changes_and_how_many_were_told() -> None:
    at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    changes = [
        ChangeLine(3, None, "buss kveld", "planned", "Ekstra avgang fra mars.", at, 23),
        ChangeLine(None, 42, "", "declined", "Privat vei.", at, 1),
    ]
    text = loop_section(changes, staff_texts(), "en", html=False)
    assert text.splitlines() == [
        "You said, we did",
        "• Theme 3 «buss kveld»: Planned (residents told: 23)",
        "    “Ekstra avgang fra mars.”",
        "• Report #42: Not taken further (residents told: 1)",
        "    “Privat vei.”",
    ]
    assert loop_section([], staff_texts(), "en", html=False) == ""
    assert "&lt;b&gt;" in loop_section(
        [ChangeLine(1, None, "<b>x</b>", "done", "", at, 0)], staff_texts(), "nb", html=True
    )


@pytest.mark.parametrize(
    ("spec", "local", "held_until"),
    [
        ("21-08", (24, 23, 0), (25, 8, 0)),
        ("21-08", (24, 12, 0), (24, 12, 0)),
        ("22:30-07:00", (24, 22, 0), (24, 22, 0)),
        ("22:30-07:00", (25, 6, 59), (25, 7, 0)),
        ("00-06", (24, 3, 0), (24, 6, 0)),
        ("00-06", (24, 23, 0), (24, 23, 0)),
        ("", (24, 3, 0), (24, 3, 0)),
    ],
)
def test_quiet_hours_hold_messages_until_they_end(
    spec: str, local: tuple[int, int, int], held_until: tuple[int, int, int]
) -> None:
    quiet = QuietHours.parse(spec)
    moment = datetime(2026, 11, *local, tzinfo=OSLO).astimezone(UTC)
    assert outside_quiet_hours(moment, OSLO, quiet) == datetime(2026, 11, *held_until, tzinfo=OSLO)


def test_quiet_hours_are_read_strictly() -> None:
    assert QuietHours.parse("21-08") == DEFAULT_QUIET_HOURS
    assert QuietHours(time(21), time(8)) == DEFAULT_QUIET_HOURS
    for wrong in ("21", "25-08", "21-21", "nine to five", "21:61-08"):
        with pytest.raises(ValueError):
            QuietHours.parse(wrong)
