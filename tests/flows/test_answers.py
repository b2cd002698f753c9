"""Dialog tables of the forgiving interview: nothing typed is lost, answers in one's own words.

Each rule is played in bokmål, English and Ukrainian (Telegram's language hint picks it).
"""

from datetime import timedelta

import pytest

from flows.closing import reference, with_reference
from flows.interview import Interview
from flows.outputs import Label, ListReports, Nested, Reply, SaveProblem
from flows.render import render
from flows.state import InterviewState, Step
from tests.flows.dialog import START, content, event, run

BUS = {
    "nb": "Bussen til Hunndalen går bare én gang i timen om kvelden, så jeg må gå hjem.",
    "en": "The bus to Hunndalen only runs once an hour in the evening, so I walk home.",
    "uk": "Автобус до Hunndalen ходить лише раз на годину ввечері, тож я йду пішки.",
}
MORE = {
    "nb": "Og når den er full, kjører den forbi holdeplassen uten å stoppe i det hele tatt.",
    "en": "And when it is full it drives past the stop without stopping at all, twice a week.",
    "uk": "А коли він повний, то проїжджає зупинку і взагалі не зупиняється, двічі на тиждень.",
}
YES = {"nb": "ja", "en": "yes", "uk": "так"}
CONSENTED = [("/start", ["welcome", "consent"]), ("[consent:yes]", ["ask_problem"])]


def at_groups(language: str) -> list[tuple[str, list[str]]]:
    return [
        *CONSENTED,
        (BUS[language], ["ask_frequency"]),
        ("[frequency:daily]", ["ask_severity"]),
        ("[severity:4]", ["ask_groups"]),
    ]


def at_area(language: str) -> list[tuple[str, list[str]]]:
    return [
        *at_groups(language),
        ("[groups:senior]", ["ask_groups"]),
        ("[groups:done]", ["ask_area"]),
    ]


def saved(outputs: list) -> list[SaveProblem]:
    return [out for out in outputs if isinstance(out, SaveProblem)]


def replies(outputs: list) -> list[Reply]:
    """Return every text said, one message's lead first."""
    return [part for out in outputs if isinstance(out, Reply) for part in out.parts()]


# -- the first message ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "en", "uk"])
def test_a_problem_typed_before_consent_is_held_and_offered_after_yes(language: str) -> None:
    state, outputs = run(
        [
            (BUS[language], ["welcome", "first_held", "consent"]),
            (YES[language], ["offer_first"]),  # typed consent
            ("[offer:yes]", ["ask_frequency"]),
        ],
        hint=language,
    )
    offer = next(r for r in replies(outputs) if r.key == "offer_first")
    assert offer.params["text"] == BUS[language]
    assert state.draft.text == BUS[language] and state.held == ""


@pytest.mark.parametrize("language", ["nb", "en", "uk"])
def test_a_held_message_can_be_refused_and_is_gone(language: str) -> None:
    state, _ = run(
        [
            (BUS[language], ["welcome", "first_held", "consent"]),
            ("[consent:yes]", ["offer_first"]),
            ("[offer:no]", ["ask_problem"]),
        ],
        hint=language,
    )
    assert state.held == "" and state.draft.text == ""


@pytest.mark.parametrize("ending", ["[consent:no]", "/delete"])
def test_a_held_message_is_erased_on_no_and_on_delete(ending: str) -> None:
    state, _ = run(
        [("/start", ["welcome", "consent"]), (BUS["nb"], ["first_held", "reask_consent"])]
    )
    assert state.held == BUS["nb"]  # typed at the consent question: held, short re-ask
    interview = Interview(content())
    state, outputs = interview.advance(state, event(ending))
    if ending == "/delete":
        state, outputs = interview.advance(state, event("[delete:yes]"))
    assert state.held == "" and not saved(outputs)


def test_a_held_message_is_forgotten_after_a_day() -> None:
    state, _ = run([(BUS["nb"], ["welcome", "first_held", "consent"])])
    later = START + timedelta(days=1, minutes=1)
    state, outputs = Interview(content()).advance(state, event("[consent:yes]", later))
    shown = [out.key for out in outputs if isinstance(out, Reply)]  # the mark, the question
    assert state.held == "" and shown == ["answered", "ask_problem"]


def test_the_short_re_ask_at_consent_is_not_the_privacy_text_again() -> None:
    _, outputs = run([("/start", ["welcome", "consent"]), ("hm?", ["reask_consent"])])
    [again] = [r for r in replies(outputs) if r.key == "reask_consent"]
    assert [c.data for row in again.choices for c in row] == ["consent:yes", "consent:no"]
    text = render(again, content(), "nb", str).text
    assert (
        len(text)
        < len(render(Reply("consent", {"municipality": "G"}), content(), "nb", str).text) / 3
    )


# -- answers in one's own words ------------------------------------------------------------------


@pytest.mark.parametrize("word", ["ja", "jo", "yes", "tak", "так", "Ja takk!"])
def test_yes_in_any_offered_language_is_consent(word: str) -> None:
    state, _ = run([("/start", ["welcome", "consent"]), (word, ["ask_problem"])])
    assert state.consent_version == 1


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("vet ikke", ["reask_consent"]),
        ("hva lagrer dere?", ["reask_consent"]),
        ("ja, men bussen kommer aldri", ["first_held", "reask_consent"]),  # a problem: held
    ],
)
def test_words_that_only_contain_yes_or_no_are_not_an_answer_to_consent(
    said: str, expected: list[str]
) -> None:
    state, _ = run([("/start", ["welcome", "consent"]), (said, expected)])
    assert state.step is Step.CONSENT and state.consent_version == 0


@pytest.mark.parametrize(
    ("language", "typed", "key"),
    [
        ("nb", "ukentlig", "weekly"),
        ("nb", "hver uke", "weekly"),
        ("nb", "det varierer", "varies"),
        ("en", "weekly", "weekly"),
        ("en", "daily", "daily"),
        ("en", "most weekends", "weekly"),
        ("en", "it varies", "varies"),
        ("uk", "щодня", "daily"),
        ("uk", "co tydzień", "weekly"),  # Polish, typed by someone chatting in Ukrainian
    ],
)
def test_frequencies_in_words(language: str, typed: str, key: str) -> None:
    state, _ = run(
        [*CONSENTED, (BUS[language], ["ask_frequency"]), (typed, ["ask_severity"])],
        hint=language,
    )
    assert state.draft.frequency == key


@pytest.mark.parametrize(
    ("language", "typed", "severity"),
    [
        ("nb", "fire", 4),
        ("nb", "4", 4),
        ("nb", "4/5", 4),
        ("nb", "vet ikke", None),
        ("en", "very much", 5),
        ("en", "a little", 1),
        ("en", "not sure", None),
        ("uk", "дуже", 5),
        ("uk", "не знаю", None),
    ],
)
def test_severity_in_numbers_and_words(language: str, typed: str, severity: int | None) -> None:
    steps = [
        *CONSENTED,
        (BUS[language], ["ask_frequency"]),
        ("[frequency:daily]", ["ask_severity"]),
    ]
    state, _ = run([*steps, (typed, ["ask_groups"])], hint=language)
    assert state.draft.severity == severity


def test_not_sure_is_a_button_and_reads_back_as_not_sure() -> None:
    steps = [*CONSENTED, (BUS["nb"], ["ask_frequency"]), ("[frequency:varies]", ["ask_severity"])]
    state, outputs = run([*steps, ("[severity:unsure]", ["ask_groups"])])
    assert state.draft.severity is None and state.draft.frequency == "varies"
    asked = next(r for r in replies(outputs) if r.key == "ask_severity")
    assert "severity:unsure" in [c.data for row in asked.choices for c in row]


@pytest.mark.parametrize(
    ("language", "typed", "groups"),
    [
        ("nb", "pendler", ("working_commuter",)),
        ("nb", "pensjonist og student", ("senior", "student")),
        ("nb", "senior og funksjonsnedsetjing", ("senior", "disability")),
        ("nb", "barn og elever", ("children",)),
        ("en", "students and parents", ("student", "parent_young_children")),
        ("en", "kids", ("children",)),
        ("uk", "пенсіонер, студент", ("senior", "student")),
    ],
)
def test_groups_typed_in_words_keep_every_group(language: str, typed: str, groups: tuple) -> None:
    state, _ = run([*at_groups(language), (typed, ["ask_area"])], hint=language)
    assert state.draft.groups == groups


def test_words_that_name_no_group_are_named_back() -> None:
    state, outputs = run(
        [*at_groups("nb"), ("senior og sjørøver", ["groups_unknown", "ask_groups"])]
    )
    [unknown] = [r for r in replies(outputs) if r.key == "groups_unknown"]
    assert unknown.params["words"] == "sjørøver"
    assert state.step is Step.GROUPS and state.draft.groups == ("senior",)


def test_the_group_question_asks_who_is_affected_and_offers_children() -> None:
    assert content().text("ask_groups", "en").startswith("Who is affected?")
    assert content().group("children") is not None


@pytest.mark.parametrize("language", ["nb", "en", "uk"])
def test_unrecognised_text_gets_a_short_re_ask_with_the_buttons(language: str) -> None:
    steps = [
        *CONSENTED,
        (BUS[language], ["ask_frequency"]),
        ("[frequency:daily]", ["ask_severity"]),
    ]
    _, outputs = run([*steps, ("🙂 hm", ["reask"])], hint=language)
    [again] = [r for r in replies(outputs) if r.key == "reask"]
    assert [
        data for data in (c.data for row in again.choices for c in row) if data[-1] in "15ek"
    ] == ["severity:1", "severity:5", "severity:unsure", "severity:back"]


@pytest.mark.parametrize(
    ("language", "help_word", "back_word"),
    [("nb", "hjelp", "tilbake"), ("en", "help", "back"), ("uk", "допомога", "назад")],
)
def test_help_and_back_work_without_a_slash(language: str, help_word: str, back_word: str) -> None:
    steps = [
        *CONSENTED,
        (BUS[language], ["ask_frequency"]),
        ("[frequency:daily]", ["ask_severity"]),
    ]
    state, _outputs = run(
        [
            *steps,
            (help_word, ["help", "ask_severity"]),
            (back_word, ["current_value", "ask_frequency"]),
        ],
        hint=language,
    )
    assert state.step is Step.FREQUENCY and state.draft.frequency == "daily"


def test_every_question_after_the_problem_text_has_a_back_button() -> None:
    _state, outputs = run([*at_area("nb"), ("[area:biri]", ["review"])])
    asked = [
        r
        for r in replies(outputs)
        if r.key in ("ask_frequency", "ask_severity", "ask_groups", "ask_area", "review")
    ]
    for question in asked:
        assert any(c.data.endswith(":back") for row in question.choices for c in row), question.key
    problem = next(r for r in replies(outputs) if r.key == "ask_problem")
    assert not problem.choices


def test_back_shows_the_current_answer_with_keep() -> None:
    state, outputs = run(
        [
            *at_groups("nb"),
            ("[groups:back]", ["current_value", "ask_severity"]),
            ("[severity:keep]", ["ask_groups"]),
            ("[groups:back]", ["current_value", "ask_severity"]),
            ("[severity:back]", ["current_value", "ask_frequency"]),
            ("[frequency:back]", ["current_text"]),
            ("[problem:keep]", ["ask_frequency"]),
        ]
    )
    shown = [r for r in replies(outputs) if r.key == "current_text"]
    assert shown[0].params["text"] == BUS["nb"]
    assert state.draft.severity == 4 and state.draft.text == BUS["nb"]


@pytest.mark.parametrize("language", ["nb", "en", "uk"])
def test_changing_the_text_shows_it_so_nobody_retypes_it(language: str) -> None:
    steps = [*at_area(language), ("[area:biri]", ["review"]), ("[review:change]", ["ask_change"])]
    state, outputs = run(
        [*steps, ("[change:problem]", ["current_text"]), ("[problem:keep]", ["review"])],
        hint=language,
    )
    [current] = [r for r in replies(outputs) if r.key == "current_text"]
    assert current.params["text"] == BUS[language]
    assert [c.data for row in current.choices for c in row] == ["problem:keep"]
    assert state.draft.text == BUS[language]


def test_a_pressed_question_is_edited_to_show_the_answer_without_buttons() -> None:
    state, _outputs = run([*CONSENTED, (BUS["nb"], ["ask_frequency"])])
    _, pressed = Interview(content()).advance(state, event("[frequency:weekly]"))
    shown = pressed[0]
    assert isinstance(shown, Reply) and shown.key == "answered" and shown.edit
    assert shown.params["answer"] == Label("weekly")
    assert isinstance(shown.params["question"], Nested) and not shown.choices
    text = render(shown, content(), "nb", str).text
    assert text.startswith("Hvor ofte skjer dette med deg?") and text.endswith("Hver uke</b>")


def test_a_typed_answer_edits_nothing() -> None:
    state, _ = run([*CONSENTED, (BUS["nb"], ["ask_frequency"])])
    _, typed = Interview(content()).advance(state, event("hver uke"))
    assert not any(isinstance(out, Reply) and out.edit for out in typed)


# -- places ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "area"),
    [
        ("Hunndalsvegen", "hunndalen"),
        ("NTNU", "sentrum"),
        ("skysstasjonen", "sentrum"),
        ("the bus station", "sentrum"),
        ("Біри", "biri"),
        ("på nett", "online"),
    ],
)
def test_a_well_known_place_is_filed_under_its_area_and_kept(typed: str, area: str) -> None:
    state, _ = run([*at_area("nb"), (typed, ["area_matched", "review"])])
    assert (state.draft.area, state.draft.place) == (area, typed)


@pytest.mark.parametrize("typed", ["Gjøvik", "Гйовік", "Mjøsa", "Bråstad", "Månen"])
def test_a_place_of_no_one_area_is_kept_and_the_area_asked_as_buttons(typed: str) -> None:
    state, outputs = run(
        [*at_area("nb"), (typed, ["area_not_found"]), ("[area:nordbyen]", ["review"])]
    )
    assert (state.draft.area, state.draft.place) == ("nordbyen", typed)
    asked = next(r for r in replies(outputs) if r.key == "area_not_found")
    assert "area:sentrum" in [c.data for row in asked.choices for c in row]


def test_a_new_area_chosen_later_drops_the_place_typed_for_the_old_one() -> None:
    steps = [*at_area("nb"), ("Hunndalsvegen", ["area_matched", "review"])]
    state, _ = run(
        [*steps, ("[review:back]", ["current_value", "ask_area"]), ("[area:biri]", ["review"])]
    )
    assert (state.draft.area, state.draft.place) == ("biri", "")


def test_the_typed_place_reads_back_beside_its_area() -> None:
    _, outputs = run([*at_area("en"), ("skysstasjonen", ["area_matched", "review"])], hint="en")
    review = next(r for r in replies(outputs) if r.key == "review")
    assert "Gjøvik town centre (“skysstasjonen”)" in render(review, content(), "en", str).text


# -- a problem told in several messages ----------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "en", "uk"])
def test_a_problem_told_in_several_messages_is_kept_whole(language: str) -> None:
    state, outputs = run(
        [
            *CONSENTED,
            (BUS[language], ["ask_frequency"]),
            (MORE[language], ["added_text"]),
            (MORE[language][:40] + " …", ["added_text"]),
            ("[frequency:go_on]", ["ask_frequency"]),
            ("[frequency:weekly]", ["ask_severity"]),
            (MORE[language], ["reask"]),  # answered the next question: no longer added
        ],
        hint=language,
    )
    assert state.draft.text == f"{BUS[language]}\n{MORE[language]}\n{MORE[language][:40]} …"
    added = next(r for r in replies(outputs) if r.key == "added_text")
    assert [c.data for row in added.choices for c in row] == ["frequency:go_on"]


def test_a_short_answer_right_after_the_problem_is_the_answer() -> None:
    state, _ = run([*CONSENTED, (BUS["nb"], ["ask_frequency"]), ("hver dag", ["ask_severity"])])
    assert state.draft.text == BUS["nb"] and state.draft.frequency == "daily"


IDEA = {
    "nb": "Kommunen bør lage en app for å booke idrettshallen.",
    "en": "The municipality should build an app for booking the sports hall.",
    "uk": "Громада має зробити застосунок для бронювання спортзалу.",
}
IDEA_MORE = {
    "nb": "Den bør vise ledige tider og la oss booke direkte fra mobilen.",
    "en": "It should show the free times and let us book straight from a phone.",
    "uk": "Також треба зробити онлайн-оплату в тому ж застосунку.",
}
HALL = {
    "nb": "Vi ringer rundt i ukevis for å finne en ledig time i hallen til laget.",
    "en": "We phone around for weeks to find a free slot in the hall for the team.",
    "uk": "Ми тижнями телефонуємо, щоб знайти вільний час у залі для команди.",
}


@pytest.mark.parametrize("language", ["nb", "en", "uk"])
def test_a_suggestion_told_in_several_messages_is_kept_whole(language: str) -> None:
    state, outputs = run(
        [
            *CONSENTED,
            (IDEA[language], ["solution_noted"]),
            (IDEA_MORE[language], ["added_text"]),
            ("[solution_problem:go_on]", ["solution_noted"]),
            (HALL[language], ["ask_frequency"]),  # the problem behind it: no longer added
        ],
        hint=language,
    )
    assert state.draft.suggested_solution == f"{IDEA[language]}\n{IDEA_MORE[language]}"
    assert state.draft.text == HALL[language]
    added = next(r for r in replies(outputs) if r.key == "added_text")
    assert [c.data for row in added.choices for c in row] == ["solution_problem:go_on"]
    asked_again = [r for r in replies(outputs) if r.key == "solution_noted"][-1]
    assert IDEA_MORE[language].rstrip(".") in asked_again.params["suggestion"]


@pytest.mark.parametrize("language", ["nb", "en", "uk"])
def test_an_answer_right_after_the_suggestion_is_the_problem_short_or_long(
    language: str,
) -> None:
    short = {
        "nb": "Hallen er alltid full.",
        "en": "The hall is always full.",
        "uk": "Зал завжди зайнятий.",
    }
    for answer in (short[language], HALL[language]):
        state, _ = run(
            [*CONSENTED, (IDEA[language], ["solution_noted"]), (answer, ["ask_frequency"])],
            hint=language,
        )
        assert (state.draft.suggested_solution, state.draft.text) == (IDEA[language], answer)


def test_a_suggestion_continued_by_typing_go_on_asks_for_the_problem() -> None:
    state, _ = run(
        [
            *CONSENTED,
            (IDEA["nb"], ["solution_noted"]),
            (IDEA_MORE["nb"], ["added_text"]),
            ("gå videre", ["solution_noted"]),
            ("Hallen er alltid full.", ["ask_frequency"]),
            (MORE["nb"], ["added_text"]),  # now the problem text is what grows
        ]
    )
    assert state.draft.suggested_solution == f"{IDEA['nb']}\n{IDEA_MORE['nb']}"
    assert state.draft.text == f"Hallen er alltid full.\n{MORE['nb']}"


def test_a_changed_text_can_be_continued_and_the_card_shows_it_whole() -> None:
    steps = [*at_area("en"), ("[area:biri]", ["review"]), ("[review:change]", ["ask_change"])]
    _state, outputs = run(
        [
            *steps,
            ("[change:problem]", ["current_text"]),
            (BUS["en"], ["review"]),
            (MORE["en"], ["added_text"]),
            ("go on", ["review"]),
        ],
        hint="en",
    )
    card = [r for r in replies(outputs) if r.key == "review"][-1]
    assert card.params["problem"] == f"{BUS['en']}\n{MORE['en']}"


# -- after saving ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "en", "uk"])
def test_a_saved_report_gets_a_reference_and_what_happens_next(language: str) -> None:
    _, outputs = run(
        [
            *at_area(language),
            ("[area:biri]", ["review"]),
            (YES[language], ["saved", "hear_back_ask"]),
        ],
        hint=language,
    )
    filled = with_reference(outputs, content().reference_prefix, 1042)
    thanks = next(r for r in replies(filled) if r.key == "saved")
    text = render(thanks, content(), language, str).text
    assert "G-1042" in text and "112" in text and "/mine" in text
    assert reference("G", 7) == "G-7"


def test_a_second_report_offers_the_same_groups_as_last_time() -> None:
    state, _ = run(
        [
            *at_area("nb"),
            ("[area:biri]", ["review"]),
            ("[review:confirm]", ["saved", "hear_back_ask"]),
            ("[hear_back:no]", ["hear_back_no", "ask_another"]),
        ]
    )
    state, _outputs = run(
        [
            ("ja", ["ask_problem"]),
            (BUS["nb"], ["ask_frequency"]),
            ("[frequency:daily]", ["ask_severity"]),
            ("[severity:2]", ["ask_groups"]),
            ("[groups:same]", ["ask_area"]),
        ],
        state,
    )
    assert state.draft.groups == ("senior",)


def test_cancel_with_something_written_asks_first() -> None:
    state, _ = run(
        [
            *CONSENTED,
            (BUS["en"], ["ask_frequency"]),
            ("/cancel", ["cancel_confirm"]),
            ("no", ["ask_frequency"]),
        ],
        hint="en",
    )
    assert state.draft.text == BUS["en"] and state.step is Step.FREQUENCY


def test_mine_lists_the_reports_wherever_the_resident_is() -> None:
    state = InterviewState(step=Step.IDLE, language="uk", consent_version=1)
    _, outputs = Interview(content()).advance(state, event("/mine"))
    assert outputs == [ListReports()]
