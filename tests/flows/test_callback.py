"""Button data: what ``pack`` makes, ``unpack`` gives back; anything else is unknown."""

import pytest

from flows.callback import (
    ASKED_BY_BUTTONS,
    MAX_BYTES,
    Answer,
    Button,
    FollowUpAnswer,
    WorkshopSetup,
    unpack,
)
from flows.interview import Interview
from flows.state import InterviewState, Step
from tests.flows.dialog import content, event, keys

LONGEST: list[Button] = [
    Answer(Step.FOLLOW_UP, "x" * 24),
    FollowUpAnswer(10**15 - 1, 10**15 - 1, "y" * 24),
    WorkshopSetup("g", "c" * 32, "z" * 24),
    WorkshopSetup("d", "c" * 32, "2026-11-27"),
]


@pytest.mark.parametrize("button", LONGEST)
def test_every_button_fits_telegrams_64_bytes_and_comes_back(button: Button) -> None:
    data = button.pack()
    assert len(data.encode()) <= MAX_BYTES
    assert unpack(data) == button


@pytest.mark.parametrize(
    "data",
    [
        "fu:¹:1:no",  # a superscript digit passes str.isdigit()
        "fu:١:1:no",  # so does an Arabic-Indic one
        "fu:1:1",
        "fu:1:1:no:extra",
        "fu:-1:1:no",
        "fu:1:1:NO",
        "fu:" + "9" * 16 + ":1:no",
        "idle:confirm",  # a step without buttons
        "new:x",  # the first step asks nothing by button
        "review:",
        "review:confirm:again",
        "review:confirm🙂",
        "🙂",
        "",
        ":",
        "x" * 64,
        "review:" + "a" * 57,
        "wsx:g:ab:senior",  # code too short
        "wsx:d:biri01:2026-02-30",  # no such day
        "wsx:d:biri01:0001-01-01",  # days no dialog offers: the expiry would overflow
        "wsx:d:biri01:9999-12-31",
        "wsx:q:biri01:senior",
        "wsx:g:biri01",
    ],
)
def test_forged_data_is_unknown_never_an_error(data: str) -> None:
    assert unpack(data) is None


@pytest.mark.parametrize("step", sorted(ASKED_BY_BUTTONS))
def test_a_button_for_another_step_is_stale_in_every_step_with_buttons(step: Step) -> None:
    state = InterviewState(step=step, language="nb", consent_version=1)
    other = Step.REVIEW if step is not Step.REVIEW else Step.AREA
    _, outputs = Interview(content()).advance(state, event(f"[{other.value}:x]"))
    assert keys(outputs)[0] == "stale_button"


@pytest.mark.parametrize("step", [Step.IDLE, Step.PROBLEM, Step.DECLINED])
def test_forged_data_naming_the_current_step_is_stale(step: Step) -> None:
    state = InterviewState(step=step, language="nb", consent_version=1)
    _, outputs = Interview(content()).advance(state, event(f"[{step.value}:confirm]"))
    assert keys(outputs)[0] == "stale_button"
