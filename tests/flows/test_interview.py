"""The interview as dialog tables: what a resident says, and which replies come back."""

import dataclasses

from flows.interview import Interview
from flows.outputs import (
    EraseResident,
    RecordConsent,
    Reply,
    SaveProblem,
    SendMyData,
    SetLanguage,
)
from flows.problem import Problem
from flows.state import InterviewState, Step
from tests.flows.dialog import content, event, messages, run

CONSENTED = [("/start", ["welcome", "consent"]), ("[consent:yes]", ["ask_problem"])]
BUS = "Bussen til Hunndalen går bare én gang i timen om kvelden, så jeg må gå hjem."


def saved(outputs: list) -> list[SaveProblem]:
    return [out for out in outputs if isinstance(out, SaveProblem)]


def test_a_resident_reports_a_problem_with_buttons() -> None:
    state, outputs = run(
        [
            *CONSENTED,
            (BUS, ["ask_frequency"]),
            ("[frequency:daily]", ["ask_severity"]),
            ("[severity:4]", ["ask_groups"]),
            ("[groups:senior]", ["ask_groups"]),
            ("[groups:working_commuter]", ["ask_groups"]),
            ("[groups:done]", ["ask_area"]),
            ("[area:hunndalen]", ["review"]),
            ("[review:confirm]", ["saved", "hear_back_ask"]),
            ("[hear_back:yes]", ["hear_back_yes", "ask_another"]),
            ("[another:no]", ["goodbye"]),
        ]
    )
    [save] = saved(outputs)
    problem = save.problem
    assert (problem.text, problem.language) == (BUS, "nb")
    assert (problem.frequency, problem.severity, problem.area) == ("daily", 4, "hunndalen")
    assert problem.groups == ("senior", "working_commuter")
    assert state.step is Step.IDLE and state.draft == Problem()
    assert [out.version for out in outputs if isinstance(out, RecordConsent)] == [1]


def test_each_step_of_the_interview_answers_with_one_new_message() -> None:
    # What a resident waits for after each tap: the welcome opens the privacy question, and
    # the thanks with the reference opens the question about hearing back (fewer pings, and
    # 40 residents at once stay under Telegram's 30 messages a second).
    taps = [
        ("/start", [["welcome", "consent"]]),
        ("[consent:yes]", [["ask_problem"]]),
        (BUS, [["ask_frequency"]]),
        ("[frequency:daily]", [["ask_severity"]]),
        ("[severity:4]", [["ask_groups"]]),
        ("[groups:senior]", []),  # the tick is an edit of the question: no new message
        ("[groups:done]", [["ask_area"]]),
        ("[area:hunndalen]", [["review"]]),
        ("[review:confirm]", [["saved", "hear_back_ask"]]),
        ("[hear_back:yes]", [["hear_back_yes", "ask_another"]]),
        ("[another:no]", [["goodbye"]]),
    ]
    interview, state = Interview(content()), InterviewState()
    for said, expected in taps:
        state, outputs = interview.advance(state, event(said))
        assert messages(outputs) == expected, said


def test_a_marked_or_ticked_question_keeps_what_its_message_said_above_it() -> None:
    # The thanks with the reference and the emergency number must not vanish from the chat
    # when "hear back?" is answered and its message is edited to show the answer.
    state, _ = run([*CONSENTED, (BUS, ["ask_frequency"])])
    interview = Interview(content())
    for said in ("[frequency:daily]", "[severity:4]", "[groups:senior]", "[groups:done]"):
        state, _ = interview.advance(state, event(said))
    state, _ = interview.advance(state, event("[area:biri]"))
    state, _ = interview.advance(state, event("[review:confirm]"))
    stored = InterviewState.from_dict(state.to_dict())
    _, outputs = interview.advance(stored, event("[hear_back:no]"))
    [mark] = [out for out in outputs if isinstance(out, Reply) and out.edit]
    assert [part.key for part in mark.parts()] == ["saved", "answered"]
    # A tick among the groups keeps the note its question came with.
    asked = InterviewState(step=Step.GROUPS, language="nb", consent_version=1)
    asked, _ = interview.advance(asked, event("senior og sjørøver"))
    _, outputs = interview.advance(asked, event("[groups:student]"))
    [tick] = outputs
    assert isinstance(tick, Reply) and tick.edit
    assert [part.key for part in tick.parts()] == ["groups_unknown", "ask_groups"]


def test_texts_said_around_an_edit_or_a_stored_fact_keep_their_order() -> None:
    # A note before a question with buttons joins it; a question with buttons ends a message.
    state = InterviewState(step=Step.GROUPS, language="nb", consent_version=1)
    _, outputs = Interview(content()).advance(state, event("senior og sjørøver"))
    assert messages(outputs) == [["groups_unknown", "ask_groups"]]
    # Storing the language between the note and the welcome does not split the message.
    _, outputs = Interview(content()).advance(InterviewState(), event("/start ws_nosuch"))
    assert messages(outputs) == [["workshop_unknown", "welcome", "consent"]]
    assert any(isinstance(out, SetLanguage) for out in outputs)
    _, outputs = run([*CONSENTED, ("/mydata", ["ask_problem"])])
    mydata = next(i for i, out in enumerate(outputs) if isinstance(out, SendMyData))
    # The summary is put where SendMyData stands, before the question: still its own message.
    assert isinstance(outputs[mydata + 1], Reply) and not outputs[mydata + 1].lead


def test_a_resident_can_answer_everything_by_typing() -> None:
    _, outputs = run(
        [
            *CONSENTED,
            ("Gatelysene i Kallerudlia har vært mørke siden oktober.", ["ask_frequency"]),
            ("hver uke", ["ask_severity"]),
            ("3", ["ask_groups"]),
            ("student, senior", ["ask_area"]),
            ("kalerud", ["area_matched", "review"]),
            ("[review:confirm]", ["saved", "hear_back_ask"]),
            ("[hear_back:no]", ["hear_back_no", "ask_another"]),
        ]
    )
    [save] = saved(outputs)
    assert save.problem.frequency == "weekly"
    assert save.problem.groups == ("student", "senior")
    assert save.problem.area == "kallerud"


def test_a_proposed_solution_is_kept_and_the_problem_asked_for() -> None:
    idea = "Kommunen bør lage en app for å booke idrettshallen."
    problem = "Vi ringer rundt i ukevis for å finne en ledig time i hallen til laget."
    _, outputs = run(
        [
            *CONSENTED,
            (idea, ["solution_noted"]),
            (problem, ["ask_frequency"]),
            ("[frequency:weekly]", ["ask_severity"]),
            ("[severity:2]", ["ask_groups"]),
            ("[groups:prefer_not_to_say]", ["ask_groups"]),
            ("[groups:done]", ["ask_area"]),
            ("[area:sentrum]", ["review"]),
            ("[review:confirm]", ["saved", "hear_back_ask"]),
            ("[hear_back:yes]", ["hear_back_yes", "ask_another"]),
        ]
    )
    [save] = saved(outputs)
    assert save.problem.text == problem
    assert save.problem.suggested_solution == idea
    assert save.problem.solution_language == "nb"


def test_the_solution_question_is_asked_only_once() -> None:
    state, _ = run(
        [
            *CONSENTED,
            ("Dere må bygge flere sykkelveier i sentrum.", ["solution_noted"]),
            ("Dere burde også lage en sykkelparkering ved stasjonen.", ["added_text"]),
            ("[solution_problem:go_on]", ["solution_noted"]),
            # Asked once: a proposal given as the answer is taken as the problem text.
            ("Dere burde også lage en sykkelparkering ved stasjonen.", ["ask_frequency"]),
        ]
    )
    assert state.draft.text.startswith("Dere burde også")
    assert state.draft.suggested_solution.startswith("Dere må bygge")


def test_language_is_asked_when_telegram_gives_none_we_offer() -> None:
    state, outputs = run(
        [
            ("/start", ["choose_language"]),
            ("[language:en]", ["language_set", "welcome", "consent"]),
        ],
        hint=None,
    )
    assert state.language == "en" and state.language_chosen
    assert SetLanguage("en") in outputs


def test_language_comes_from_the_first_text_when_nothing_else_is_known() -> None:
    state, _ = run(
        [
            (
                "Hello, the street lights on my road have been broken for weeks.",
                ["welcome", "first_held", "consent"],
            )
        ],
        hint="de",
    )
    assert state.language == "en" and not state.language_chosen


def test_typed_text_on_the_language_question_picks_the_language() -> None:
    state, _ = run(
        [
            ("/start", ["choose_language"]),
            (
                "Autobus do szpitala jeździ za rzadko.",
                ["language_set", "welcome", "first_held", "consent"],
            ),
        ],
        hint="de",
    )
    assert state.language == "pl"


def test_telegram_language_is_used_when_we_offer_it() -> None:
    state, _ = run([("/start", ["welcome", "consent"])], hint="uk")
    assert state.language == "uk"


def test_no_to_consent_stores_nothing_and_says_how_to_come_back() -> None:
    state, outputs = run(
        [
            ("/start", ["welcome", "consent"]),
            ("[consent:no]", ["consent_declined"]),
            ("Veien er ikke brøytet.", ["need_consent"]),
            ("/start", ["welcome", "consent"]),
        ]
    )
    assert state.step is Step.CONSENT
    assert not any(isinstance(out, RecordConsent | SaveProblem) for out in outputs)


def test_help_cancel_and_resume_work_at_any_step() -> None:
    state, outputs = run(
        [
            *CONSENTED,
            (BUS, ["ask_frequency"]),
            ("[frequency:daily]", ["ask_severity"]),
            ("/help", ["help", "ask_severity"]),
            ("/start", ["resume", "ask_severity"]),
            ("/cancel", ["cancel_confirm"]),  # something is written: ask first
            ("[cancel:yes]", ["cancelled"]),
            ("/cancel", ["nothing_to_cancel"]),
        ]
    )
    assert state.step is Step.IDLE and state.draft == Problem()
    assert not saved(outputs)


def test_language_can_change_mid_interview_without_losing_answers() -> None:
    state, _ = run(
        [
            *CONSENTED,
            (BUS, ["ask_frequency"]),
            ("[frequency:daily]", ["ask_severity"]),
            ("/language", ["choose_language"]),
            ("[language:nn]", ["language_set", "ask_severity"]),
        ]
    )
    assert state.language == "nn" and state.step is Step.SEVERITY
    assert state.draft.text == BUS and state.draft.frequency == "daily"


def test_old_buttons_and_bad_answers_repeat_the_question() -> None:
    state, _ = run(
        [
            *CONSENTED,
            (BUS, ["ask_frequency"]),
            ("[frequency:daily]", ["ask_severity"]),
            ("[frequency:weekly]", ["stale_button", "ask_severity"]),
            ("seven", ["reask"]),  # a short re-ask with the buttons, not the whole question
            ("0", ["reask"]),
            ("[severity:9]", ["reask"]),
            ("~sticker", ["unsupported_media", "ask_severity"]),
            ("/frobnicate", ["unknown_command", "ask_severity"]),
        ]
    )
    assert state.step is Step.SEVERITY and state.draft.frequency == "daily"


def test_groups_need_one_and_prefer_not_to_say_excludes_the_rest() -> None:
    state, _ = run(
        [
            *CONSENTED,
            (BUS, ["ask_frequency"]),
            ("[frequency:daily]", ["ask_severity"]),
            ("[severity:5]", ["ask_groups"]),
            ("[groups:done]", ["groups_need_one", "ask_groups"]),
            ("[groups:youth]", ["ask_groups"]),
            ("[groups:prefer_not_to_say]", ["ask_groups"]),
        ]
    )
    assert state.draft.groups == ("prefer_not_to_say",)
    state, _ = run([("[groups:youth]", ["ask_groups"])], state=state)
    assert state.draft.groups == ("youth",)


def test_a_shared_location_maps_to_the_nearest_area() -> None:
    base = [*CONSENTED, (BUS, ["ask_frequency"]), ("[frequency:daily]", ["ask_severity"])]
    base += [("[severity:3]", ["ask_groups"]), ("[groups:youth]", ["ask_groups"])]
    base += [("[groups:done]", ["ask_area"])]
    state, _ = run([*base, ("@60.9600,10.6050", ["area_matched", "review"])])
    assert state.draft.area == "biri"
    far, _ = run([*base, ("@59.9139,10.7522", ["area_matched", "review"])])
    assert far.draft.area == "other"
    unknown, outputs = run([*base, ("Månen", ["area_not_found"])])
    assert unknown.step is Step.AREA and unknown.draft.severity == 3
    assert unknown.draft.place == "Månen"  # kept, and the areas offered as buttons
    assert [out.choices for out in outputs if isinstance(out, Reply)][-1]


def test_the_review_lets_one_answer_change_and_keeps_the_rest() -> None:
    state, outputs = run(
        [
            *CONSENTED,
            (BUS, ["ask_frequency"]),
            ("[frequency:daily]", ["ask_severity"]),
            ("[severity:3]", ["ask_groups"]),
            ("[groups:youth]", ["ask_groups"]),
            ("[groups:done]", ["ask_area"]),
            ("[area:sentrum]", ["review"]),
            ("[review:change]", ["ask_change"]),
            ("[change:area]", ["current_value", "ask_area"]),
            ("Biri", ["area_matched", "review"]),
            ("[review:change]", ["ask_change"]),
            ("[change:severity]", ["current_value", "ask_severity"]),
            ("[severity:5]", ["review"]),
            ("[review:confirm]", ["saved", "hear_back_ask"]),
            ("[hear_back:yes]", ["hear_back_yes", "ask_another"]),
        ]
    )
    [save] = saved(outputs)
    assert (save.problem.area, save.problem.severity, save.problem.groups) == (
        "biri",
        5,
        ("youth",),
    )
    assert state.step is Step.ANOTHER


def test_too_short_answers_are_asked_again() -> None:
    state, _ = run(
        [
            *CONSENTED,
            ("dårlig", ["problem_too_short", "ask_problem"]),
            ("   ", ["problem_too_short", "ask_problem"]),
            ("🙁🙁🙁🙁🙁", ["problem_too_short", "ask_problem"]),
        ]
    )
    assert state.step is Step.PROBLEM


def test_text_after_a_finished_report_starts_the_next_one() -> None:
    state, _ = run(
        [
            *CONSENTED,
            (BUS, ["ask_frequency"]),
            ("/cancel", ["cancel_confirm"]),
            ("ja", ["cancelled"]),
            ("Det er for få benker langs gangveien til Kallerud.", ["ask_frequency"]),
        ]
    )
    assert state.draft.text.startswith("Det er for få benker")


def test_personal_data_is_masked_before_anything_is_kept() -> None:
    state, _ = run(
        [
            *CONSENTED,
            (
                "Bussen kommer aldri, ring meg på 912 34 567 eller ola@example.no",
                ["ask_frequency"],
            ),
        ]
    )
    assert "912 34 567" not in state.draft.text and "ola@example.no" not in state.draft.text


def test_a_new_privacy_text_is_accepted_again_before_more_is_stored() -> None:
    state, _ = run([*CONSENTED, (BUS, ["ask_frequency"])])
    renewed = Interview(dataclasses.replace(content(), consent_version=2))
    state, outputs = run(
        [
            ("[frequency:daily]", ["consent"]),
            ("[consent:yes]", ["ask_frequency"]),
            ("[frequency:daily]", ["ask_severity"]),
        ],
        state=state,
        interview=renewed,
    )
    assert [o.version for o in outputs if isinstance(o, RecordConsent)] == [2]
    assert state.draft.text == BUS


def test_a_returning_resident_is_not_asked_for_consent_again() -> None:
    state = InterviewState(step=Step.IDLE, language="nb", consent_version=1)
    after, _ = run([("/start", ["welcome", "ask_problem"])], state=state)
    assert after.step is Step.PROBLEM


def test_delete_asks_first_and_erases_only_after_yes() -> None:
    state, outputs = run(
        [
            *CONSENTED,
            (BUS, ["ask_frequency"]),
            ("/delete", ["delete_confirm"]),
            ("[delete:no]", ["delete_kept", "ask_frequency"]),
            ("/delete", ["delete_confirm"]),
            ("[delete:yes]", ["deleted"]),
        ]
    )
    assert sum(isinstance(out, EraseResident) for out in outputs) == 1
    assert state == InterviewState(language="nb")


def test_mydata_sends_the_data_and_repeats_the_question() -> None:
    _, outputs = run([*CONSENTED, (BUS, ["ask_frequency"]), ("/mydata", ["ask_frequency"])])
    assert sum(isinstance(out, SendMyData) for out in outputs) == 1


def test_start_while_asked_about_language_or_deletion_resumes_the_report() -> None:
    state, _ = run(
        [
            *CONSENTED,
            (BUS, ["ask_frequency"]),
            ("/language", ["choose_language"]),
            ("/start", ["resume", "ask_frequency"]),
            ("/delete", ["delete_confirm"]),
            ("/start", ["resume", "ask_frequency"]),
        ]
    )
    assert state.step is Step.FREQUENCY and state.draft.text == BUS


def test_a_problem_longer_than_a_message_is_kept_to_the_limit_and_the_resident_told() -> None:
    long = ("Bussen til Hunndalen kommer for sent hver morgen. " * 200).strip()  # 10,000 chars
    state, _ = run([*CONSENTED, (long, ["problem_cut", "ask_frequency"])])
    assert len(state.draft.text) == 4096 and long.startswith(state.draft.text)


def test_a_forwarded_message_is_kept_only_when_it_is_the_residents_own_problem() -> None:
    state, _ = run(
        [
            *CONSENTED,
            (f"»{BUS}", ["forwarded_ask"]),
            ("[forwarded:no]", ["ask_problem"]),
        ]
    )
    assert (state.step, state.draft.text) == (Step.PROBLEM, "")
    state, _ = run([(f"»{BUS}", ["forwarded_ask"]), ("[forwarded:yes]", ["ask_frequency"])], state)
    assert (state.step, state.draft.text) == (Step.FREQUENCY, BUS)


def test_after_a_forwarded_message_typed_words_are_taken_as_their_own() -> None:
    state, _ = run(
        [
            *CONSENTED,
            (f"»{BUS}", ["forwarded_ask"]),
            ("Veien hjem er ikke brøytet.", ["ask_frequency"]),
        ]
    )
    assert state.draft.text == "Veien hjem er ikke brøytet."
