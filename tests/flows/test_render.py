"""Rendering replies: every question in every language, escaping, and splitting long text."""

import dataclasses
import html
import re

import pytest

from flows.outputs import Label, Reply
from flows.problem import Problem
from flows.questions import question, review_card
from flows.render import render, render_messages, split_message, visible_length
from flows.state import InterviewState, Step
from flows.texts import strip_tags
from tests.flows.dialog import content

ASKING = [s for s in Step if question(InterviewState(step=s), content())]
DRAFT = Problem(
    text="Bussen <b>kommer</b> & går [x](y) *aldri* _i tide_ `ofte`",
    language="nb",
    frequency="daily",
    severity=4,
    groups=("senior", "youth"),
    area="biri",
)


def esc(text: str) -> str:
    return html.escape(text, quote=False)


@pytest.mark.parametrize("language", ["nb", "nn", "en", "pl", "uk"])
@pytest.mark.parametrize("step", ASKING)
def test_every_question_renders_completely_in_every_language(step: Step, language: str) -> None:
    state = InterviewState(step=step, language=language, draft=DRAFT)
    for reply in question(state, content()):
        rendered = render(reply, content(), language, esc)
        assert rendered.text.strip()
        assert not re.search(r"\{[a-z_]+\}", rendered.text), rendered.text
        for row in rendered.buttons:
            for button in row:
                assert button.label.strip()
                assert len(button.data.encode()) <= 64


def test_the_review_card_shows_resident_text_exactly_as_typed() -> None:
    rendered = render(review_card(DRAFT), content(), "en", esc)
    assert DRAFT.text in html.unescape(strip_tags(rendered.text))
    assert "<b>kommer</b>" not in rendered.text  # the resident's tags are escaped, not applied
    assert "Biri" in rendered.text and "4" in rendered.text


def test_the_idea_line_is_left_out_when_there_is_no_idea() -> None:
    with_idea = render(
        review_card(Problem(text="x", suggested_solution="Lag en app")), content(), "en", esc
    )
    without = render(review_card(Problem(text="x")), content(), "en", esc)
    assert "Lag en app" in with_idea.text
    assert len(without.text.splitlines()) == len(with_idea.text.splitlines()) - 1


def test_selected_groups_are_marked() -> None:
    state = InterviewState(step=Step.GROUPS, language="nb", draft=Problem(groups=("senior",)))
    [reply] = question(state, content())
    labels = [b.label for row in render(reply, content(), "nb", esc).buttons for b in row]
    assert sum(label.startswith("✓") for label in labels) == 1


def test_long_text_is_split_at_line_ends_within_the_limit() -> None:
    text = "\n".join(f"<b>Line {n}</b> " + "ord &amp; " * 30 for n in range(200))
    parts = split_message(text, limit=4096)
    assert len(parts) > 1
    assert all(visible_length(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text


def test_one_huge_line_is_cut_between_words_without_breaking_entities_or_tags() -> None:
    line = "<b>Problem:</b> " + "a&amp;b " * 1500
    parts = split_message(line, limit=4096)
    assert all(visible_length(p) <= 4096 for p in parts)
    assert all("&amp" not in p.replace("&amp;", "") for p in parts)
    assert "".join(html.unescape(strip_tags(p)) for p in parts).count("a&b") == 1500
    assert parts[0].startswith("<b>Problem:</b>") and parts[0].count("<b>") == 1


def test_a_reply_with_resident_text_splits_into_messages_that_show_it_as_typed() -> None:
    typed = "Skiltet sier <b>stopp</b> & [x](y) *ikke* _her_ `nå`. " * 120
    parts = split_message(render(review_card(Problem(text=typed)), content(), "nb", esc).text)
    assert len(parts) > 1
    assert all(0 < visible_length(p) <= 4096 for p in parts)
    shown = " ".join(html.unescape(strip_tags(p)) for p in parts)
    assert " ".join(typed.split()) in " ".join(shown.split())


def test_visible_length_counts_as_telegram_does() -> None:
    assert visible_length("<b>a &amp; b</b>") == 5
    assert visible_length("😀") == 2  # UTF-16 code units


@pytest.mark.parametrize("language", ["nb", "nn", "en", "pl", "uk"])
def test_a_note_and_a_question_are_one_message_in_every_language(language: str) -> None:
    welcome = Reply("welcome", {"municipality": "Gjøvik"})
    consent = Reply("consent", {"municipality": "Gjøvik"})
    [message] = render_messages(
        dataclasses.replace(consent, lead=(welcome,)), content(), language, html.escape
    )
    first, second = (render(r, content(), language, html.escape).text for r in (welcome, consent))
    assert message.text == f"{first}\n\n{second}"
    assert visible_length(message.text) <= 4096


def test_a_note_before_a_card_too_long_for_one_message_goes_on_its_own() -> None:
    problem = Problem(text="Bussen er sen. " * 265, frequency="daily", severity=3, area="biri")
    card = review_card(problem)
    note = Reply("area_matched", {"area": Label("area:biri")})
    led = dataclasses.replace(card, lead=(note,))
    assert visible_length(render(card, content(), "nb", html.escape).text) <= 4096
    assert visible_length(render(led, content(), "nb", html.escape).text) > 4096
    sent = render_messages(led, content(), "nb", html.escape)
    assert [m.text for m in sent] == [
        render(note, content(), "nb", html.escape).text,
        render(card, content(), "nb", html.escape).text,
    ]
    assert sent[-1].buttons  # the card keeps its buttons
