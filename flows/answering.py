"""The questions about a problem — how often, how much, who, where — by button or in words.

Also moving around them: Back, changing an answer (shown with its current value and Keep),
and words told in several messages (a message right after the problem text, or right after a
proposed solution, is added to it).
"""

from collections.abc import Sequence
from dataclasses import replace

from flows.answers import words_of
from flows.events import Event, EventKind
from flows.language import detect_language
from flows.outputs import Choice, Label, ParamValue, Reply
from flows.places import match_place, nearest_place
from flows.problem import Problem
from flows.questions import (
    BACK_TO,
    PREFER_NOT_TO_SAY,
    UNSURE,
    data,
    groups_question,
    question,
)
from flows.solution import looks_like_solution
from flows.state import InterviewState, Step
from flows.steps import MAX_ANSWER_CHARS, PLACE_CHARS, Result, Steps, clean, plausible_problem

# The question each answered step leads to when nothing sends it back to the review.
NEXT = {
    Step.PROBLEM: Step.FREQUENCY,
    Step.FREQUENCY: Step.SEVERITY,
    Step.SEVERITY: Step.GROUPS,
    Step.GROUPS: Step.AREA,
    Step.AREA: Step.REVIEW,
}
_STORY_WORDS = 6  # a message longer than this right after the problem continues the story


class Answering(Steps):
    """Take the answers about a problem and let the resident go back or change them."""

    def _chose_frequency(self, state: InterviewState, value: str, event: Event) -> Result:
        if self.content.frequency(value) is None:
            return self._short(state)
        return self._answered(state, state.draft_with(frequency=value), Step.SEVERITY)

    def _typed_frequency(self, state: InterviewState, event: Event) -> Result:
        key = self.answers.frequencies.one(event.text, self._language(state))
        return self._chose_frequency(state, key or "", event)

    def _chose_severity(self, state: InterviewState, value: str, event: Event) -> Result:
        if value == UNSURE:
            return self._answered(state, state.draft_with(severity=None), Step.GROUPS)
        if value not in {"1", "2", "3", "4", "5"}:
            return self._short(state)
        return self._answered(state, state.draft_with(severity=int(value)), Step.GROUPS)

    def _typed_severity(self, state: InterviewState, event: Event) -> Result:
        value = self.answers.severity(event.text, self._language(state))
        return self._chose_severity(state, value or "", event)

    def _chose_group(self, state: InterviewState, value: str, event: Event) -> Result:
        if value == "same" and state.last_groups:
            return self._answered(state, state.draft_with(groups=state.last_groups), Step.AREA)
        if value == "done":
            if not state.draft.groups:
                return self._reask(state, Reply("groups_need_one"))
            return self._answered(state, state.draft, Step.AREA)
        if self.content.group(value) is None:
            return self._short(state)
        groups = toggle(state.draft.groups, value)
        ticked = state.evolve(draft=state.draft_with(groups=groups))
        ticked_question = groups_question(self.content, groups, edit=True)
        return ticked, [replace(ticked_question, lead=state.lead)]

    def _typed_groups(self, state: InterviewState, event: Event) -> Result:
        """Keep every group a typed list names; say which words named none."""
        if self._word(state, event) == "go_on":
            return self._chose_group(state, "done", event)
        found = self.answers.group_list(event.text, self._language(state))
        if not found.keys:
            return self._short(state)
        groups = (PREFER_NOT_TO_SAY,) if PREFER_NOT_TO_SAY in found.keys else found.keys
        if not found.unknown:
            return self._answered(state, state.draft_with(groups=groups), Step.AREA)
        ticked = state.evolve(draft=state.draft_with(groups=groups))
        unknown = Reply("groups_unknown", {"words": " ".join(found.unknown)[:PLACE_CHARS]})
        return ticked, [unknown, groups_question(self.content, groups)]

    def _chose_area(self, state: InterviewState, value: str, event: Event) -> Result:
        if self.content.area(value) is None:
            return self._short(state)
        # A place typed just before (no area yet) is what this button places; an older one
        # belonged to the area being replaced.
        place = state.draft.place if not state.draft.area else ""
        return self._answered(state, state.draft_with(area=value, place=place), Step.REVIEW)

    def _typed_area(self, state: InterviewState, event: Event) -> Result:
        """Place a typed name or a shared location; keep the name as typed in any case."""
        if event.kind is EventKind.LOCATION and event.location is not None:
            key = nearest_place(*event.location, self.content.areas) or "other"
            return self._matched(state, state.draft_with(area=key, place=""))
        typed = " ".join(clean(event.text).split())[:PLACE_CHARS]
        if not any(ch.isalpha() for ch in typed):
            return self._short(state)
        found = match_place(typed, (*self.content.areas, *self.content.places))
        draft = state.draft_with(place=typed)
        if not found:  # unknown, or a place that spans areas ("Gjøvik", "Mjøsa")
            asking = state.evolve(draft=draft)
            buttons = question(asking, self.content)[0].choices
            return asking, [Reply("area_not_found", {"place": typed}, buttons)]
        return self._matched(state, replace(draft, area=found))

    def _matched(self, state: InterviewState, draft: Problem) -> Result:
        """Say which area a typed place or a location was put under, and go on."""
        answered, outputs = self._answered(state, draft, Step.REVIEW)
        return answered, [Reply("area_matched", {"area": Label(f"area:{draft.area}")}), *outputs]

    def _chose_change(self, state: InterviewState, value: str, event: Event) -> Result:
        try:
            target = Step(value)
        except ValueError:
            return self._short(state)
        if target not in NEXT:
            return self._short(state)
        return self._revisit(state, target, Step.REVIEW)

    # -- moving around ------------------------------------------------------------------------

    def _back(self, state: InterviewState) -> Result:
        """Go to the question before this one, showing its answer with Keep."""
        return self._revisit(state, BACK_TO[state.step], None)

    def _revisit(self, state: InterviewState, target: Step, returning: Step | None) -> Result:
        """Ask ``target`` again, its current answer shown first so nobody retypes it."""
        moved = state.evolve(step=target, returning_to=returning, extending=False)
        keep = ((Choice(data(target, "keep"), Label("btn_keep")),),)
        draft = moved.draft
        if target is Step.PROBLEM and draft.text:
            return moved, [Reply("current_text", {"text": draft.text}, keep)]
        value: ParamValue | None = None
        if target is Step.FREQUENCY and draft.frequency:
            value = Label(draft.frequency)
        elif target is Step.SEVERITY:  # reached only once answered: None is "not sure"
            value = f"{draft.severity}/5" if draft.severity else Label("not_sure")
        elif target is Step.AREA and draft.area:
            value = Label(f"area:{draft.area}")
        shown = [Reply("current_value", {"value": value}, keep)] if value is not None else []
        return moved, [*shown, *question(moved, self.content)]

    def _keep(self, state: InterviewState) -> Result:
        """Keep the current answer and go on."""
        if state.step is Step.PROBLEM and not state.draft.text:
            return self._short(state)
        return self._answered(state, state.draft, NEXT[state.step])

    def _go_on(self, state: InterviewState) -> Result:
        """The story is told: ask the question it was waiting for."""
        moved = state.evolve(extending=False)
        return moved, [*question(moved, self.content)]

    def _extend(self, state: InterviewState, event: Event, answer: Result) -> Result:
        """Add a message sent right after the resident's own words to them, unless it answered.

        After the problem text, a long message continues the story and a short one that answers
        the question is taken; after a proposed solution, see ``_continues``.
        """
        if state.step not in (*NEXT, Step.REVIEW, Step.SOLUTION_PROBLEM):
            return answer
        text = clean(event.text)
        taken = answer[0].step is not state.step or answer[0].draft != state.draft
        if (taken and not self._continues(state, text)) or not plausible_problem(text):
            return answer
        field = "suggested_solution" if state.step is Step.SOLUTION_PROBLEM else "text"
        whole = f"{getattr(state.draft, field)}\n{text}"[:MAX_ANSWER_CHARS]
        added = state.evolve(draft=state.draft_with(**{field: whole}))
        go_on = ((Choice(data(state.step, "go_on"), Label("btn_go_on")),),)
        return added, [Reply("added_text", choices=go_on)]

    def _continues(self, state: InterviewState, text: str) -> bool:
        """Tell whether a message taken as an answer rather carries on what was just told.

        Any text answers "what problem would it solve?", however long, except another
        proposal: that one continues the solution.
        """
        if state.step is Step.SOLUTION_PROBLEM:
            return looks_like_solution(text, detect_language(text, hint=state.language or None))
        return len(words_of(text)) > _STORY_WORDS


def toggle(groups: Sequence[str], key: str) -> tuple[str, ...]:
    """Tick or untick ``key``; "prefer not to say" excludes every other group."""
    if key in groups:
        return tuple(g for g in groups if g != key)
    if key == PREFER_NOT_TO_SAY:
        return (key,)
    return (*(g for g in groups if g != PREFER_NOT_TO_SAY), key)
