"""Every step against every kind of bad input: a polite answer, and nothing already given lost."""

import html
import re

import pytest

from flows.interview import Interview
from flows.outputs import Reply, SaveProblem
from flows.problem import Problem
from flows.render import render
from flows.state import InterviewState, Step
from tests.flows.dialog import content, event

DRAFT = Problem(
    text="Bussen til Biri går for sjelden på kveldstid.",
    language="nb",
    frequency="weekly",
    severity=3,
    groups=("student",),
    area="biri",
)
STEPS = [
    Step.PROBLEM,
    Step.SOLUTION_PROBLEM,
    Step.FREQUENCY,
    Step.SEVERITY,
    Step.GROUPS,
    Step.AREA,
    Step.REVIEW,
    Step.CHANGE,
    Step.ANOTHER,
    Step.DELETE,
]
NOT_TEXT = ["~sticker", "~photo", "~voice", "~video", "~video_note", "~document", "~contact"]
EMPTYISH = ["", "   ", "\n\t", "🙂🙂🙂", "\u200b\u200b\u200b", "\x00\x07\x1b"]
FORGED = [
    "[nonsense]",
    "[severity:99]",
    "[groups:admin]",
    "[area:../../etc]",
    "[" + "x" * 300 + "]",
]
BUTTON_STEPS = {Step.FREQUENCY, Step.SEVERITY, Step.GROUPS, Step.REVIEW, Step.CHANGE}


def state_at(step: Step) -> InterviewState:
    draft = Problem(text=DRAFT.text, language="nb") if step is Step.FREQUENCY else DRAFT
    if step is Step.ANOTHER:
        draft = Problem()  # the report was just saved
    if step is Step.SOLUTION_PROBLEM:
        draft = Problem(suggested_solution="Lag en app for bussen", solution_language="nb")
    paused = Step.AREA if step is Step.DELETE else None
    return InterviewState(
        step=step, language="nn", consent_version=1, draft=draft, paused_at=paused
    )


def check_polite(outputs: list, language: str = "nn") -> None:
    replies = [out for out in outputs if isinstance(out, Reply)]
    assert replies, "the resident got no answer"
    for reply in replies:
        text = render(reply, content(), language, html.escape).text
        assert text.strip() and not re.search(r"\{[a-z_]+\}", text)
        assert text == render(reply, content(), language, html.escape).text


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("said", NOT_TEXT + EMPTYISH + FORGED)
def test_bad_input_keeps_everything_and_answers(step: Step, said: str) -> None:
    before = state_at(step)
    after, outputs = Interview(content()).advance(before, event(said))
    check_polite(outputs)
    assert not any(isinstance(out, SaveProblem) for out in outputs)
    assert after.draft == before.draft
    assert after.step is step
    assert after.language == "nn"


@pytest.mark.parametrize("step", sorted(BUTTON_STEPS))
def test_text_where_a_button_is_expected_repeats_the_buttons(step: Step) -> None:
    before = state_at(step)
    after, outputs = Interview(content()).advance(before, event("kanskje sånt, hm, tja"))
    check_polite(outputs)
    assert after.step is step and after.draft == before.draft
    assert any(isinstance(out, Reply) and out.choices for out in outputs)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("command", ["/help", "/start", "/nonsense", "/language"])
def test_a_command_mid_step_keeps_the_answers(step: Step, command: str) -> None:
    before = state_at(step)
    after, outputs = Interview(content()).advance(before, event(command))
    check_polite(outputs)
    assert after.draft == before.draft


@pytest.mark.parametrize(
    "typed",
    [
        "Robert'); DROP TABLE problem;-- bussen kommer aldri",
        "<script>alert('x')</script> & <b>fet</b> skrift på skiltet",
        "*Veien* er _glatt_ og `ingen` strør [her](http://x.y)",
        "الطريق إلى المدرسة مظلم جدا في الشتاء",
        "Veien " + "er glatt " * 454,
    ],
)
def test_odd_but_real_problems_are_kept_exactly_as_typed(typed: str) -> None:
    after, outputs = Interview(content()).advance(state_at(Step.PROBLEM), event(typed))
    assert after.step is Step.FREQUENCY
    assert after.draft.text == typed.strip()[:4096]
    check_polite(outputs)
