"""The problem-first interview as a pure step function: ``advance(state, event, facts)``.

Every input (text, button, command, location, anything else) goes through ``advance``, which
returns the next state and what to do: replies to send and facts to store. Before calling it,
the transport asks ``lookups(state, event)`` what to fetch (a workshop, others' problems) and
passes what it found as ``facts``; the interview itself ranks and filters them. The steps live
in families — ``flows/opening.py`` (language, consent, a first message held until consent),
``flows/answering.py`` (the questions about a problem) and ``flows/closing.py`` (saving and
after) — on the shared moves of ``flows/steps.py``. See ``flows/interview.mmd`` for the picture.
"""

from collections.abc import Callable
from dataclasses import replace

from flows.answering import NEXT, Answering
from flows.callback import Answer, Button, FollowUpAnswer, unpack
from flows.closing import Closing
from flows.events import NO_FACTS, Event, EventKind, Facts, Lookups
from flows.opening import REPORTING, Opening, forget_stale_held
from flows.outputs import (
    EraseResident,
    Label,
    ListReports,
    Nested,
    ParamValue,
    Reply,
    SendMyData,
    StopFollowUps,
    asked_lead,
    one_message,
)
from flows.problem import Problem
from flows.questions import BACK_TO, question
from flows.state import InterviewState, Step
from flows.steps import Result
from flows.workshop import Workshop, code_from_payload

__all__ = ["REPORTING", "Interview", "Result"]

_NO_CONSENT_NEEDED = frozenset({Step.CONSENT, Step.LANGUAGE, Step.DELETE})
_CONFIRM = Answer(Step.REVIEW, "confirm")
_YES_NO = {"yes": "yes", "no": "no"}
# What a typed "yes" or "no" presses at each question that has such buttons.
_WORD_CHOICES: dict[Step, dict[str, str]] = {
    Step.CONSENT: _YES_NO,
    Step.OFFER: _YES_NO,
    Step.ANOTHER: _YES_NO,
    Step.DELETE: _YES_NO,
    Step.FOLLOW_UP: _YES_NO,
    Step.HEAR_BACK: _YES_NO,
    Step.FORWARDED: _YES_NO,
    Step.CANCEL: _YES_NO,
    Step.SIMILAR: {"yes": "same", "no": "no"},
    Step.REVIEW: {"yes": "confirm", "no": "change"},
}
ChoiceHandler = Callable[[InterviewState, str, Event], Result]
TextHandler = Callable[[InterviewState, Event], Result]


class Interview(Opening, Answering, Closing):
    """The interview over one content file; ``advance`` is the whole behaviour."""

    def lookups(self, state: InterviewState, event: Event) -> Lookups:
        """Say what the transport must look up before ``advance`` can take ``event``."""
        if event.kind is EventKind.COMMAND and event.command == "start":
            return Lookups(workshop_code=code_from_payload(event.argument) or "")
        pressed = event.kind is EventKind.CHOICE and unpack(event.choice) == _CONFIRM
        typed = state.step is Step.REVIEW and self._word(state, event) == "yes"
        return Lookups(similar=(pressed or typed) and state.step is Step.REVIEW)

    def advance(self, state: InterviewState, event: Event, facts: Facts = NO_FACTS) -> Result:
        """Apply one resident input to ``state``; return the new state and the outputs.

        ``facts`` holds what ``lookups`` asked the transport to find for this input. What
        the step says comes as one new message (``one_message``), besides an edit.
        """
        moved, outputs = self._advance(state, event, facts)
        said = one_message(outputs)
        lead = asked_lead(said, state.lead)
        return (moved.evolve(lead=lead) if lead != moved.lead else moved), said

    def _advance(self, state: InterviewState, event: Event, facts: Facts) -> Result:
        state = forget_stale_held(state, event.now)
        if state.step is Step.SIMILAR and not (state.similar_ids and state.similar_texts):
            # The problem to show was erased meanwhile (/delete by its author): go on.
            state = state.evolve(step=Step.ANOTHER)
        if event.kind is EventKind.COMMAND:
            if event.command == "start":
                return self._start(state, event, facts.workshop)
            return self._command(state, event.command)
        button = unpack(event.choice) if event.kind is EventKind.CHOICE else None
        # Any follow-up button, even a forged one, is answered here: it is not the interview's.
        if event.kind is EventKind.CHOICE and event.choice.startswith(f"{FollowUpAnswer.PREFIX}:"):
            return self._follow_up_answer(state, button, event)
        if state.step is Step.NEW:
            return self._begin(state, event)
        if self._consent_outdated(state) and state.step not in _NO_CONSENT_NEEDED:
            return self._ask_consent_again(state)
        if event.kind is EventKind.CHOICE:
            return self._choice(state, button, event, facts)
        if event.kind is EventKind.LOCATION and state.step is Step.AREA:
            return self._typed_area(state, event)
        if event.kind is not EventKind.TEXT:
            return self._reask(state, Reply("unsupported_media"))
        return self._text(state, event, facts)

    # -- commands -----------------------------------------------------------------------------

    def _consent_outdated(self, state: InterviewState) -> bool:
        """Tell whether the resident accepted an older privacy text than the current one."""
        return 0 < state.consent_version < self.content.consent_version

    def _ask_consent_again(self, state: InterviewState) -> Result:
        paused = state.step if state.step in REPORTING else None
        asking = state.evolve(step=Step.CONSENT, paused_at=paused)
        return asking, [*question(asking, self.content)]

    def _command(self, state: InterviewState, command: str) -> Result:
        match command:
            case "stop":
                return self._reask(state, Reply("follow_ups_stopped"), StopFollowUps())
            case "help":
                return self._reask(state, Reply("help"))
            case "cancel":
                return self._cancel(state)
            case "mydata":
                return state, [SendMyData(), *question(state, self.content)]
            case "mine":
                return state, [ListReports(), *question(state, self.content)]
            case "delete":
                paused = state.paused_at if state.step is Step.DELETE else state.step
                confirming = state.evolve(step=Step.DELETE, paused_at=paused)
                return confirming, [*question(confirming, self.content)]
            case "language":
                paused = state.paused_at if state.step in (Step.NEW, Step.LANGUAGE) else state.step
                asking = state.evolve(step=Step.LANGUAGE, paused_at=paused)
                return asking, [*question(asking, self.content)]
        return self._reask(state, Reply("unknown_command"))

    def _start(self, state: InterviewState, event: Event, workshop: Workshop | None) -> Result:
        notes: list[Reply] = []
        if code_from_payload(event.argument) is not None:
            if workshop is None:
                notes.append(Reply("workshop_unknown"))
                state = _left_workshop(state)
            else:
                state = _joined(state, workshop)
        elif state.step not in REPORTING:
            state = _left_workshop(state)  # a plain /start later is not part of the workshop
        state, outputs = self._restart(state, event)
        return state, [*notes, *outputs]

    def _restart(self, state: InterviewState, event: Event) -> Result:
        paused = (Step.DELETE, Step.LANGUAGE, Step.CANCEL)
        if state.step in paused and state.paused_at is not None:
            # /start while asked about deletion, language or cancelling: back to where they were.
            state = state.evolve(step=state.paused_at, paused_at=None)
        if state.step in REPORTING and not self._consent_outdated(state):
            return self._reask(state, Reply("resume"))
        if state.step in (Step.NEW, Step.LANGUAGE) and not state.language:
            return self._begin(state.evolve(step=Step.NEW), event)
        return self._welcome(state.evolve(draft=state.fresh_draft()), [])

    def _cancel(self, state: InterviewState) -> Result:
        """Stop the report; with something written in it, ask first."""
        if state.step is Step.CANCEL or (
            state.step in REPORTING and not _has_content(state.draft)
        ):
            return state.evolve(step=Step.IDLE, draft=Problem(), returning_to=None), [
                Reply("cancelled")
            ]
        if state.step in REPORTING:
            asking = state.evolve(step=Step.CANCEL, paused_at=state.step)
            return asking, [*question(asking, self.content)]
        return self._reask(state, Reply("nothing_to_cancel"))

    def _chose_cancel(self, state: InterviewState, value: str, event: Event) -> Result:
        if value == "yes":
            return self._cancel(state)
        resumed = state.evolve(step=state.paused_at or Step.IDLE, paused_at=None)
        asked = question(resumed, self.content) or self._idle_prompt(resumed)
        return resumed, [*asked]

    def _chose_delete(self, state: InterviewState, value: str, event: Event) -> Result:
        if value == "yes":
            # Only the language survives, to say goodbye in it; nothing of this state is stored.
            return InterviewState(language=state.language), [EraseResident(), Reply("deleted")]
        resumed = state.evolve(step=state.paused_at or Step.IDLE, paused_at=None)
        return resumed, [Reply("delete_kept"), *question(resumed, self.content)]

    # -- buttons ------------------------------------------------------------------------------

    def _choice(
        self, state: InterviewState, button: Button | None, event: Event, facts: Facts
    ) -> Result:
        if not isinstance(button, Answer) or button.step is not state.step:
            if state.step in (Step.IDLE, Step.DECLINED):
                return state, [Reply("stale_button"), *self._idle_prompt(state)]
            return self._reask(state, Reply("stale_button"))
        if button.value == "back" and state.step in BACK_TO:
            return self._back(state)  # the question left behind keeps its buttons
        if button.value == "keep" and state.step in NEXT:
            result = self._keep(state)
        elif button.value == "go_on":
            return self._go_on(state)
        elif button == _CONFIRM:
            result = self._save(state, event, facts.similar)
        else:
            handler = self._choice_handlers()[state.step]
            result = handler(state.evolve(extending=False), button.value, event)
        return self._shown_answered(state, event, result)

    def _shown_answered(self, state: InterviewState, event: Event, result: Result) -> Result:
        """Edit an answered question to show the choice, without buttons to press again."""
        moved, outputs = result
        asked = question(state, self.content)
        if moved.step is state.step or not asked:
            return result
        pressed = next(
            (c for row in asked[0].choices for c in row if c.data == event.choice), None
        )
        if pressed is None:
            return result
        answer: ParamValue = pressed.label or pressed.text
        if state.step is Step.GROUPS:
            answer = tuple(Label(g) for g in moved.draft.groups)
        shown = Reply(
            "answered",
            {"question": Nested(replace(asked[0], choices=())), "answer": answer},
            edit=True,
            lead=state.lead,  # what the question's message said above it stays
        )
        return moved, [shown, *outputs]

    def _idle_prompt(self, state: InterviewState) -> list[Reply]:
        return [Reply("need_consent")] if state.step is Step.DECLINED else [Reply("ask_problem")]

    def _choice_handlers(self) -> dict[Step, ChoiceHandler]:
        return {
            Step.LANGUAGE: self._chose_language,
            Step.CONSENT: self._chose_consent,
            Step.OFFER: self._chose_offer,
            # Only Keep and Go on (taken above) are buttons of these steps.
            Step.PROBLEM: lambda state, value, event: self._reask(state, Reply("stale_button")),
            Step.SOLUTION_PROBLEM: lambda state, value, event: self._reask(
                state, Reply("stale_button")
            ),
            Step.FREQUENCY: self._chose_frequency,
            Step.SEVERITY: self._chose_severity,
            Step.GROUPS: self._chose_group,
            Step.AREA: self._chose_area,
            Step.REVIEW: self._chose_review,
            Step.CHANGE: self._chose_change,
            Step.ANOTHER: self._chose_another,
            Step.DELETE: self._chose_delete,
            Step.SIMILAR: self._chose_similar,
            Step.FOLLOW_UP: self._chose_follow_up,
            Step.HEAR_BACK: self._chose_hear_back,
            Step.FORWARDED: self._chose_forwarded,
            Step.CANCEL: self._chose_cancel,
        }

    # -- typed answers ------------------------------------------------------------------------

    def _text(self, state: InterviewState, event: Event, facts: Facts) -> Result:
        """Take typed text: a command word, a word that means a button, or the step's answer."""
        word = self._word(state, event)
        if word == "help":
            return self._reask(state, Reply("help"))
        if word == "back" and state.step in BACK_TO:
            return self._back(state)
        if word == "keep" and state.step in NEXT and _answered(state):
            return self._keep(state)
        if word == "go_on" and state.extending:
            return self._go_on(state)
        choice = _WORD_CHOICES.get(state.step, {}).get(word or "")
        handler = self._text_handlers().get(state.step)
        if choice == "confirm":
            answer = self._save(state, event, facts.similar)
        elif choice is not None:
            answer = self._choice_handlers()[state.step](state, choice, event)
        elif handler is not None:
            answer = handler(state, event)
        else:
            answer = self._short(state)
        return self._extend(state, event, answer) if state.extending else answer

    def _text_handlers(self) -> dict[Step, TextHandler]:
        return {
            Step.LANGUAGE: self._typed_language,
            Step.CONSENT: self._typed_consent,
            Step.OFFER: self._typed_offer,
            Step.PROBLEM: self._typed_problem,
            Step.SOLUTION_PROBLEM: self._typed_problem,
            Step.FORWARDED: self._typed_problem,  # typed in their own words after all
            Step.FREQUENCY: self._typed_frequency,
            Step.SEVERITY: self._typed_severity,
            Step.GROUPS: self._typed_groups,
            Step.AREA: self._typed_area,
            Step.ANOTHER: self._typed_new_problem,
            Step.IDLE: self._typed_new_problem,
            Step.DECLINED: lambda state, event: (state, [Reply("need_consent")]),
        }


def _has_content(draft: Problem) -> bool:
    """Tell whether a draft holds something the resident wrote."""
    return bool(draft.text or draft.suggested_solution)


def _answered(state: InterviewState) -> bool:
    """Tell whether the current question already has an answer "Keep" would keep."""
    draft = state.draft
    return {
        Step.PROBLEM: bool(draft.text),
        Step.FREQUENCY: bool(draft.frequency),
        Step.SEVERITY: state.returning_to is Step.REVIEW or draft.severity is not None,
        Step.GROUPS: bool(draft.groups),
        Step.AREA: bool(draft.area),
    }.get(state.step, False)


def _joined(state: InterviewState, workshop: Workshop) -> InterviewState:
    """Enter a workshop: its problems are tagged, its group and area pre-filled."""
    if state.workshop == workshop.code:
        return state.evolve(workshop_name=workshop.name)
    return state.evolve(
        workshop=workshop.code,
        workshop_name=workshop.name,
        workshop_group=workshop.group,
        workshop_area=workshop.area,
        follow_up_asked=False,
    )


def _left_workshop(state: InterviewState) -> InterviewState:
    return state.evolve(workshop="", workshop_name="", workshop_group="", workshop_area="")
