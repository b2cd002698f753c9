"""Workshops in the interview as dialog tables: the link, pre-filled answers, follow-ups."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flows.events import Candidate, Event, EventKind, Facts, Lookups
from flows.follow_up import parse_offsets
from flows.interview import Interview
from flows.outputs import (
    AgreeToFollowUps,
    Endorse,
    Output,
    RecordObservation,
    Reply,
    SaveProblem,
    StopFollowUps,
)
from flows.problem import Problem
from flows.quiet_hours import DEFAULT_QUIET_HOURS, outside_quiet_hours
from flows.similar import similar_problems
from flows.state import InterviewState, Step
from flows.workshop import Workshop, code_from_payload, deep_link
from tests.flows.dialog import START, content, keys, run

OSLO = ZoneInfo("Europe/Oslo")
BIRI = Workshop(code="k7m2qp", name="Seniortreff på Biri", group="senior", area="biri")
BUS = "Bussen til Hunndalen går bare én gang i timen om kvelden, så jeg må gå hjem."
SNOW = "Fortauet ved Biri sentrum blir ikke brøytet før midt på dagen om vinteren."
REPORT_ONE = [
    (BUS, ["ask_frequency"]),
    ("[frequency:daily]", ["ask_severity"]),
    ("[severity:4]", ["review"]),  # group and area came from the workshop
]


def joined(state: InterviewState | None = None) -> tuple[InterviewState, list[Output]]:
    """Open the bot through the workshop's link and give consent."""
    interview = Interview(content())
    state = state or InterviewState()
    start = Event(
        EventKind.COMMAND, START, command="start", argument="ws_k7m2qp", language_hint="nb"
    )
    assert interview.lookups(state, start) == Lookups(workshop_code="k7m2qp")
    state, outputs = interview.advance(state, start, Facts(workshop=BIRI))
    assert keys(outputs) == ["welcome", "workshop_welcome", "consent"]
    return run([("[consent:yes]", ["ask_problem"])], state)


def test_a_participant_reports_two_problems_tagged_with_the_workshop() -> None:
    state, _ = joined()
    state, outputs = run(
        [
            *REPORT_ONE,
            ("[review:confirm]", ["saved", "follow_up_ask"]),
            ("[follow_up:yes]", ["follow_up_yes", "hear_back_ask"]),
            ("[hear_back:yes]", ["hear_back_yes", "ask_another"]),
            ("[another:yes]", ["ask_problem"]),
            (SNOW, ["ask_frequency"]),
            ("[frequency:weekly]", ["ask_severity"]),
            ("[severity:2]", ["review"]),
            ("[review:confirm]", ["saved", "ask_another"]),  # asked about follow-ups once only
        ],
        state,
    )
    problems = [out.problem for out in outputs if isinstance(out, SaveProblem)]
    assert [(p.workshop, p.groups, p.area) for p in problems] == [
        ("k7m2qp", ("senior",), "biri"),
        ("k7m2qp", ("senior",), "biri"),
    ]
    assert [out.workshop for out in outputs if isinstance(out, AgreeToFollowUps)] == ["k7m2qp"]


def test_the_pre_filled_group_and_area_can_be_changed_in_the_review() -> None:
    state, _ = joined()
    _, outputs = run(
        [
            *REPORT_ONE,
            ("[review:change]", ["ask_change"]),
            ("[change:area]", ["current_value", "ask_area"]),
            ("[area:hunndalen]", ["review"]),
            ("[review:confirm]", ["saved", "follow_up_ask"]),
            ("[follow_up:no]", ["follow_up_no", "hear_back_ask"]),
        ],
        state,
    )
    [save] = [out for out in outputs if isinstance(out, SaveProblem)]
    assert (save.problem.area, save.problem.workshop) == ("hunndalen", "k7m2qp")
    assert not [out for out in outputs if isinstance(out, AgreeToFollowUps)]


def test_an_unknown_code_starts_the_normal_interview_with_a_note() -> None:
    interview = Interview(content())
    start = Event(
        EventKind.COMMAND, START, command="start", argument="ws_nosuch", language_hint="nb"
    )
    state, outputs = interview.advance(InterviewState(), start, Facts(workshop=None))
    assert keys(outputs) == ["workshop_unknown", "welcome", "consent"]
    state, outputs = run([("[consent:yes]", ["ask_problem"]), *REPORT_ONE[:2]], state)
    assert state.step is Step.SEVERITY and state.workshop == ""
    state, _ = run([("[severity:4]", ["ask_groups"])], state)  # nothing pre-filled


def test_a_plain_start_later_leaves_the_workshop() -> None:
    state, _ = joined()
    state, _ = run([("/cancel", ["cancelled"])], state)
    state, _ = run([("/start", ["welcome", "ask_problem"])], state)
    assert state.workshop == "" and state.draft.groups == ()


def test_stop_ends_follow_ups_in_any_step() -> None:
    state, _ = joined()
    state, outputs = run(
        [(BUS, ["ask_frequency"]), ("/stop", ["follow_ups_stopped", "ask_frequency"])], state
    )
    assert any(isinstance(out, StopFollowUps) for out in outputs)
    assert state.step is Step.FREQUENCY


@pytest.mark.parametrize(
    ("button", "recurred", "frequency"),
    [("[fu:7:42:no]", False, ""), ("[fu:7:42:weekly]", True, "weekly")],
)
def test_a_follow_up_answer_is_taken_in_any_step(
    button: str, recurred: bool, frequency: str
) -> None:
    state, _ = joined()
    state, outputs = run([(BUS, ["ask_frequency"]), (button, ["follow_up_thanks"])], state)
    [answer] = [out for out in outputs if isinstance(out, RecordObservation)]
    assert (answer.follow_up_id, answer.problem_id) == (7, 42)
    assert (answer.recurred, answer.frequency) == (recurred, frequency)
    assert state.step is Step.FREQUENCY  # the running report is untouched


def test_a_forged_follow_up_button_is_refused() -> None:
    state, _ = joined()
    _, outputs = run([("[fu:x:42:sometimes]", ["stale_button", "ask_problem"])], state)
    assert not [out for out in outputs if isinstance(out, RecordObservation)]


def test_me_too_shows_similar_problems_one_by_one_and_endorses_same() -> None:
    interview = Interview(content())
    state, _ = joined()
    state, _ = run(REPORT_ONE, state)
    confirm = Event(EventKind.CHOICE, START, choice="review:confirm", language_hint="nb")
    assert interview.lookups(state, confirm) == Lookups(similar=True)
    others = (
        Candidate(11, "Bussen går sjelden om kvelden.", "nb"),
        Candidate(12, "Bussen er full om kvelden.", "nb"),  # the core ranks: close enough
    )
    state, outputs = interview.advance(state, confirm, Facts(similar=others))
    assert keys(outputs) == ["saved", "similar_intro", "similar_ask"]
    [shown] = [out for out in outputs if isinstance(out, Reply) and out.key == "similar_ask"]
    assert shown.params["problem"] == "Bussen går sjelden om kvelden."
    state, outputs = run(
        [
            ("[similar:same]", ["similar_same", "similar_ask"]),
            ("[similar:no]", ["similar_no", "follow_up_ask"]),
        ],
        state,
    )
    assert [out.problem_id for out in outputs if isinstance(out, Endorse)] == [11]


def test_similar_prefers_the_same_workshop_then_the_same_area() -> None:
    candidates = [
        Candidate(1, "Bussen til Hunndalen går for sjelden om kvelden.", "nb", area="sentrum"),
        Candidate(2, "Bussen til Hunndalen går for sjelden om kvelden.", "nb", workshop="k7m2qp"),
        Candidate(3, "Bussen til Hunndalen går for sjelden om kvelden.", "nb", area="biri"),
        Candidate(4, "Biblioteket har for korte åpningstider.", "nb", workshop="k7m2qp"),
    ]
    mine = Problem(BUS, "nb", workshop="k7m2qp", area="biri")
    picked = similar_problems(mine, candidates)
    assert [c.id for c in picked] == [2, 3, 1]


def test_offsets_codes_and_links() -> None:
    assert parse_offsets("1d,14d") == (timedelta(days=1), timedelta(days=14))
    assert parse_offsets("12h") == (timedelta(hours=12),)
    for wrong in ("14d,1d", "1w", "0d", "400d"):
        with pytest.raises(ValueError):
            parse_offsets(wrong)
    assert code_from_payload("ws_k7m2qp") == "k7m2qp"
    assert code_from_payload("staff_abc") is None
    link = deep_link("innspill_bot", "k7m2qp")
    assert link == "https://t.me/innspill_bot?start=ws_k7m2qp"


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 11, 24, 23, 0, tzinfo=OSLO), datetime(2026, 11, 25, 8, 0, tzinfo=OSLO)),
        (datetime(2026, 11, 25, 3, 0, tzinfo=OSLO), datetime(2026, 11, 25, 8, 0, tzinfo=OSLO)),
        (datetime(2026, 11, 25, 8, 0, tzinfo=OSLO), datetime(2026, 11, 25, 8, 0, tzinfo=OSLO)),
        (datetime(2026, 11, 25, 20, 59, tzinfo=OSLO), datetime(2026, 11, 25, 20, 59, tzinfo=OSLO)),
        (datetime(2026, 11, 25, 21, 0, tzinfo=OSLO), datetime(2026, 11, 26, 8, 0, tzinfo=OSLO)),
    ],
)
def test_follow_ups_are_held_out_of_the_night(local: datetime, expected: datetime) -> None:
    assert outside_quiet_hours(local.astimezone(UTC), OSLO, DEFAULT_QUIET_HOURS) == expected
