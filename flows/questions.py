"""The question each interview step asks, with its buttons: pure functions of the state."""

from collections.abc import Iterable, Sequence

from flows.callback import Answer
from flows.content import Content
from flows.outputs import Choice, Label, Nested, ParamValue, Reply
from flows.problem import Problem
from flows.state import InterviewState, Step
from flows.status import hear_back_question

SEVERITIES = (1, 2, 3, 4, 5)
CHANGEABLE = (Step.PROBLEM, Step.FREQUENCY, Step.SEVERITY, Step.GROUPS, Step.AREA)
PREFER_NOT_TO_SAY = "prefer_not_to_say"
UNSURE = "unsure"  # the severity answer "not sure"
# Where the Back button of each question after the problem text leads.
BACK_TO = {
    Step.FREQUENCY: Step.PROBLEM,
    Step.SEVERITY: Step.FREQUENCY,
    Step.GROUPS: Step.SEVERITY,
    Step.AREA: Step.GROUPS,
    Step.REVIEW: Step.AREA,
}


def data(step: Step, value: str) -> str:
    """Return the callback data of a button that answers ``step`` with ``value``."""
    return Answer(step, value).pack()


def rows(choices: Iterable[Choice], width: int) -> tuple[tuple[Choice, ...], ...]:
    """Lay ``choices`` out in rows of ``width`` buttons."""
    items = list(choices)
    return tuple(tuple(items[i : i + width]) for i in range(0, len(items), width))


def yes_no(step: Step, yes: str = "btn_yes", no: str = "btn_no") -> tuple[tuple[Choice, ...], ...]:
    """Return one row with a yes and a no button for ``step``."""
    return ((Choice(data(step, "yes"), Label(yes)), Choice(data(step, "no"), Label(no))),)


def back_row(step: Step) -> tuple[tuple[Choice, ...], ...]:
    """Return the row with the Back button of ``step`` (none before the problem text)."""
    return ((Choice(data(step, "back"), Label("btn_back")),),) if step in BACK_TO else ()


def language_question(content: Content) -> Reply:
    """Ask for the interview language, each button in that language's own name."""
    buttons = (
        Choice(data(Step.LANGUAGE, code), text=content.language_names[code])
        for code in content.languages
    )
    return Reply("choose_language", choices=rows(buttons, 2))


def consent_question(content: Content) -> Reply:
    """Show the privacy text and ask for consent."""
    return Reply(
        "consent",
        {"municipality": content.municipality},
        yes_no(Step.CONSENT, "btn_consent_yes", "btn_consent_no"),
    )


def groups_question(
    content: Content,
    selected: Sequence[str],
    *,
    edit: bool = False,
    last: Sequence[str] = (),
) -> Reply:
    """Ask who is affected, marking the groups already ticked; offer last time's groups."""
    buttons = (
        Choice(data(Step.GROUPS, g.key), Label(g.key), selected=g.key in selected)
        for g in content.groups
    )
    same = (Choice(data(Step.GROUPS, "same"), Label("btn_same_groups")),)
    done = (Choice(data(Step.GROUPS, "done"), Label("btn_done")),)
    offer = (same,) if last and not selected else ()
    choices = (*offer, *rows(buttons, 2), done, *back_row(Step.GROUPS))
    return Reply("ask_groups", choices=choices, edit=edit)


def review_card(draft: Problem) -> Reply:
    """Read back what was understood, with confirm and change buttons."""
    area = Label(f"area:{draft.area}" if draft.area else "not_given")
    params: dict[str, ParamValue] = {
        "problem": draft.text,
        "suggestion": draft.suggested_solution,
        "frequency": Label(draft.frequency or "not_given"),
        "severity": f"{draft.severity}/5" if draft.severity else Label("not_sure"),
        "groups": tuple(Label(g) for g in draft.groups) or (Label("not_given"),),
        "area": _with_place(area, draft.place),
    }
    buttons = (
        (
            Choice(data(Step.REVIEW, "confirm"), Label("btn_confirm")),
            Choice(data(Step.REVIEW, "change"), Label("btn_change")),
        ),
        *back_row(Step.REVIEW),
    )
    return Reply("review", params, buttons)


def _with_place(area: Label, place: str) -> ParamValue:
    """Show the typed place beside its area: "Gjøvik sentrum (skysstasjonen)"."""
    return Nested(Reply("area_with_place", {"area": area, "place": place})) if place else area


def change_question() -> Reply:
    """Ask which answer to change."""
    buttons = (
        Choice(data(Step.CHANGE, s.value), Label(f"btn_change_{s.value}")) for s in CHANGEABLE
    )
    return Reply("ask_change", choices=rows(buttons, 2))


def similar_question(text: str) -> Reply:
    """Show someone else's problem (anonymised) and ask whether it is the resident's too."""
    buttons = tuple(
        (Choice(data(Step.SIMILAR, answer), Label(f"btn_similar_{answer}")),)
        for answer in ("same", "different", "no")
    )
    return Reply("similar_ask", {"problem": text}, buttons)


def question(state: InterviewState, content: Content) -> list[Reply]:
    """Return the question of the state's step (nothing for steps without one)."""
    step, draft = state.step, state.draft
    match step:
        case Step.LANGUAGE:
            return [language_question(content)]
        case Step.CONSENT:
            return [consent_question(content)]
        case Step.PROBLEM:
            return [Reply("ask_problem")]
        case Step.FORWARDED:
            return [Reply("forwarded_ask", choices=yes_no(step))]
        case Step.SOLUTION_PROBLEM:
            idea = draft.suggested_solution.rstrip(" .!?…")  # the quote ends the sentence
            return [Reply("solution_noted", {"suggestion": idea})]
        case Step.OFFER:
            offer = yes_no(step, "btn_offer_yes", "btn_offer_no")
            return [Reply("offer_first", {"text": state.held}, offer)]
        case Step.FREQUENCY:
            buttons = (Choice(data(step, f.key), Label(f.key)) for f in content.frequencies)
            return [Reply("ask_frequency", choices=(*rows(buttons, 1), *back_row(step)))]
        case Step.SEVERITY:
            numbers = tuple(Choice(data(step, str(n)), text=str(n)) for n in SEVERITIES)
            unsure = (Choice(data(step, UNSURE), Label("btn_not_sure")),)
            return [Reply("ask_severity", choices=(numbers, unsure, *back_row(step)))]
        case Step.GROUPS:
            return [groups_question(content, draft.groups, last=state.last_groups)]
        case Step.AREA:
            buttons = (Choice(data(step, a.key), Label(f"area:{a.key}")) for a in content.areas)
            return [Reply("ask_area", choices=(*rows(buttons, 2), *back_row(step)))]
        case Step.REVIEW:
            return [review_card(draft)]
        case Step.CHANGE:
            return [change_question()]
        case Step.ANOTHER:
            return [Reply("ask_another", choices=yes_no(step))]
        case Step.SIMILAR:
            return [similar_question(state.similar_texts[0])] if state.similar_texts else []
        case Step.FOLLOW_UP:
            return [
                Reply(
                    "follow_up_ask",
                    {"workshop": state.workshop_name},
                    yes_no(step, "btn_follow_up_yes", "btn_follow_up_no"),
                )
            ]
        case Step.HEAR_BACK:
            return [hear_back_question()]
        case Step.DELETE:
            return [
                Reply("delete_confirm", choices=yes_no(step, "btn_delete_yes", "btn_delete_no"))
            ]
        case Step.CANCEL:
            confirm = yes_no(step, "btn_cancel_yes", "btn_cancel_no")
            return [Reply("cancel_confirm", choices=confirm)]
    return []


def short_reask(state: InterviewState, content: Content) -> list[Reply]:
    """Re-ask briefly with the current question's buttons, not its whole text again."""
    asked = question(state, content)
    if not asked or not asked[0].choices or state.step is Step.GROUPS:
        return asked  # a question without buttons, or ticks to show: ask it whole
    key = "reask_consent" if state.step is Step.CONSENT else "reask"
    return [Reply(key, choices=asked[0].choices)]
