"""Property: the interview takes any event in any state, and never loses a resident's draft."""

from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.events import Candidate, Event, EventKind, Facts
from flows.interview import REPORTING, Interview
from flows.outputs import EraseResident, Reply, SaveProblem, SendMyData
from flows.problem import Problem
from flows.questions import CHANGEABLE
from flows.state import InterviewState, Step
from flows.workshop import Workshop
from tests.flows.dialog import content

CONTENT = content()
INTERVIEW = Interview(CONTENT)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WORDS = st.text(max_size=40) | st.sampled_from(
    ["Bussen går for sjelden om kvelden.", "ja", "2", "Hunndalen", "barn og eldre", "x" * 5000]
)
STEPS = st.sampled_from(list(Step))
KEYS = st.sampled_from(
    ["yes", "no", "confirm", "change", "done", "daily", "5", "0", "¹", "nb", "new", "idle"]
    + [o.key for o in (*CONTENT.groups, *CONTENT.areas, *CONTENT.frequencies)]
    + [s.value for s in Step]
)
# Button data as our buttons make it, as older versions made it, and as a forger makes it.
CHOICES = (
    st.builds(lambda step, key: f"{step.value}:{key}", STEPS, KEYS)
    | st.builds(lambda a, b, key: f"fu:{a}:{b}:{key}", st.text(max_size=4), WORDS, KEYS)
    | st.sampled_from(["fu:¹:1:no", "idle:confirm", "declined:review", "x" * 64, "🙂", ""])
    | st.text(max_size=70)
)
HINTS = st.sampled_from([None, "nb", "en-GB", "uk", "zz", ""])
COMMANDS = st.sampled_from(
    ["start", "help", "cancel", "language", "mydata", "delete", "stop", "nonsense", ""]
)
PROBLEMS = st.builds(
    Problem,
    text=WORDS,
    language=st.sampled_from(["", "nb", "en", "xx"]),
    frequency=st.sampled_from(["", "daily", "bogus"]),
    severity=st.none() | st.integers(-3, 9),
    groups=st.lists(KEYS, max_size=3).map(tuple),
    area=st.sampled_from(["", "other", "bogus"]),
)
STATES = st.builds(
    InterviewState,
    step=STEPS,
    language=st.sampled_from(["", *CONTENT.languages]),
    language_chosen=st.booleans(),
    consent_version=st.integers(0, CONTENT.consent_version + 1),
    draft=PROBLEMS,
    returning_to=st.sampled_from([None, Step.REVIEW]),
    paused_at=st.none() | STEPS,
    workshop=st.sampled_from(["", "abc123"]),
    workshop_name=st.sampled_from(["", "Verksted"]),
    workshop_group=st.sampled_from(["", "bogus", *(g.key for g in CONTENT.groups)]),
    workshop_area=st.sampled_from(["", "bogus", *(a.key for a in CONTENT.areas)]),
    follow_up_asked=st.booleans(),
    similar_ids=st.lists(st.integers(1, 9), max_size=3).map(tuple),
    similar_texts=st.lists(WORDS, max_size=3).map(tuple),
).map(lambda s: s if s.step in CHANGEABLE else s.evolve(returning_to=None))
EVENTS = st.one_of(
    st.builds(Event, st.just(EventKind.TEXT), st.just(NOW), text=WORDS),
    st.builds(Event, st.just(EventKind.CHOICE), st.just(NOW), choice=CHOICES),
    st.builds(
        Event,
        st.just(EventKind.COMMAND),
        st.just(NOW),
        command=COMMANDS,
        argument=st.sampled_from(["", "ws_abc123", "ws_", "🙂" * 70]),
    ),
    st.builds(
        Event,
        st.just(EventKind.LOCATION),
        st.just(NOW),
        location=st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
    ),
    st.builds(Event, st.just(EventKind.UNSUPPORTED), st.just(NOW), media=st.just("sticker")),
).flatmap(lambda e: HINTS.map(lambda hint: replace(e, language_hint=hint)))
FACTS = st.builds(
    Facts,
    workshop=st.none() | st.just(Workshop("abc123", "Verksted", "", "")),
    similar=st.lists(
        st.builds(Candidate, st.integers(1, 99), WORDS, st.sampled_from(["nb", "en"])),
        max_size=3,
    ).map(tuple),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state=STATES, event=EVENTS, facts=FACTS, aimed=st.none() | KEYS)
def test_any_event_in_any_state_is_answered_and_keeps_the_state_valid(
    state: InterviewState, event: Event, facts: Facts, aimed: str | None
) -> None:
    if aimed is not None:  # a button of the current question, real or forged
        event = Event(EventKind.CHOICE, NOW, choice=f"{state.step.value}:{aimed}")
    after, outputs = INTERVIEW.advance(state, event, facts)
    assert InterviewState.from_dict(after.to_dict()) == after  # storable as it is
    assert after.language in ("", *CONTENT.languages)
    assert after.returning_to in (None, Step.REVIEW)
    assert any(isinstance(out, Reply | SendMyData) for out in outputs)  # an answer
    if after.returning_to is Step.REVIEW:  # changing one answer: a question of the report
        assert CHANGEABLE.count(after.step) or CHANGEABLE.count(after.paused_at), after


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state=STATES, event=EVENTS)
def test_a_draft_is_never_lost_by_a_stray_input(state: InterviewState, event: Event) -> None:
    if state.step not in REPORTING or not state.draft.text:
        return
    after, outputs = INTERVIEW.advance(state, event)
    kept = after.draft.text == state.draft.text or after.step in REPORTING
    ended = any(isinstance(out, SaveProblem | EraseResident) for out in outputs) or (
        event.kind is EventKind.COMMAND and event.command == "cancel"
    )
    assert kept or ended, (state.step, event, after.step)
