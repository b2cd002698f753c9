"""The steps after the read-back card: save with a reference, "me too", follow-ups, another."""

from dataclasses import replace

from flows.callback import Button, FollowUpAnswer
from flows.events import Candidate, Event
from flows.follow_up import RECURRENCE_ANSWERS
from flows.outputs import (
    AgreeToFollowUps,
    AnswerHearBack,
    Endorse,
    Nested,
    Output,
    RecordObservation,
    Reply,
    SaveProblem,
)
from flows.questions import question
from flows.similar import shown_to_others, similar_problems
from flows.state import InterviewState, Step
from flows.steps import Result, Steps, clean, plausible_problem

# Filled in by the transport once the problem is stored and has its number (see
# ``with_reference``): the pure core cannot know it.
UNSAVED_REFERENCE = ""


class Closing(Steps):
    """Save the confirmed problem and ask what comes after it."""

    def _chose_review(self, state: InterviewState, value: str, event: Event) -> Result:
        if value == "change":
            changing = state.evolve(step=Step.CHANGE)
            return changing, [*question(changing, self.content)]
        if value != "confirm":
            return self._short(state)
        return self._save(state, event)

    def _save(
        self, state: InterviewState, event: Event, candidates: tuple[Candidate, ...] = ()
    ) -> Result:
        problem = replace(state.draft, workshop=state.workshop)
        similar = shown_to_others(similar_problems(problem, candidates), state.language)
        saved = state.evolve(
            draft=state.fresh_draft(),
            saved_count=state.saved_count + 1,
            similar_ids=tuple(c.id for c in similar),
            similar_texts=tuple(c.text for c in similar),
            last_groups=problem.groups,
            extending=False,
        )
        intro: list[Output] = [Reply("similar_intro")] if similar else []
        moved, asked = self._after_save(saved)
        thanks = Reply(
            "saved",
            {
                "reference": UNSAVED_REFERENCE,
                "next": Nested(Reply("next_steps")),
                "urgent": Nested(Reply("urgent")),
            },
        )
        return moved, [SaveProblem(problem, event.now), thanks, *intro, *asked]

    def _after_save(self, state: InterviewState) -> Result:
        """Ask the next thing after a save: others' similar problems, follow-ups, another."""
        if state.similar_ids:
            step = Step.SIMILAR
        elif state.workshop and not state.follow_up_asked:
            step = Step.FOLLOW_UP
        elif state.hear_back_asked < self.content.hear_back_version:
            step = Step.HEAR_BACK
        else:
            step = Step.ANOTHER
        moved = state.evolve(step=step)
        return moved, [*question(moved, self.content)]

    def _chose_similar(self, state: InterviewState, value: str, event: Event) -> Result:
        if value not in ("same", "different", "no") or not state.similar_ids:
            return self._short(state)
        effects: list[Output] = (
            [Endorse(state.similar_ids[0], event.now)] if value == "same" else []
        )
        rest = state.evolve(
            similar_ids=state.similar_ids[1:], similar_texts=state.similar_texts[1:]
        )
        moved, asked = self._after_save(rest)
        return moved, [*effects, Reply(f"similar_{value}"), *asked]

    def _chose_follow_up(self, state: InterviewState, value: str, event: Event) -> Result:
        if value not in ("yes", "no"):
            return self._short(state)
        asked = state.evolve(follow_up_asked=True)
        effects: list[Output] = []
        if value == "yes":
            effects.append(AgreeToFollowUps(state.workshop, event.now))
        moved, outputs = self._after_save(asked)
        return moved, [*effects, Reply(f"follow_up_{value}"), *outputs]

    def _chose_hear_back(self, state: InterviewState, value: str, event: Event) -> Result:
        if value not in ("yes", "no"):
            return self._short(state)
        version = self.content.hear_back_version
        answer = AnswerHearBack(value == "yes", version, event.now)
        moved, outputs = self._after_save(state.evolve(hear_back_asked=version))
        return moved, [answer, Reply(f"hear_back_{value}"), *outputs]

    def _chose_another(self, state: InterviewState, value: str, event: Event) -> Result:
        if value == "yes":
            asking = state.evolve(step=Step.PROBLEM, draft=state.fresh_draft())
            return asking, [*question(asking, self.content)]
        return state.evolve(step=Step.IDLE), [
            Reply("goodbye", {"municipality": self.content.municipality})
        ]

    def _typed_new_problem(self, state: InterviewState, event: Event) -> Result:
        """Treat text after a finished report as the start of a new one."""
        if not plausible_problem(clean(event.text)):
            if state.step is Step.ANOTHER:
                return self._short(state)
            return self._reask(state, Reply("ask_problem"))
        return self._typed_problem(
            state.evolve(step=Step.PROBLEM, draft=state.fresh_draft(), returning_to=None), event
        )

    def _follow_up_answer(
        self, state: InterviewState, button: Button | None, event: Event
    ) -> Result:
        """Store an answer to "has it happened again?", whatever the resident is doing now."""
        # Buttons sent before "several / once / no" carried a frequency key: still answered.
        if not isinstance(button, FollowUpAnswer) or not (
            button.answer in RECURRENCE_ANSWERS
            or self.content.frequency(button.answer) is not None
        ):
            return self._reask(state, Reply("stale_button"))
        observation = RecordObservation(
            follow_up_id=button.follow_up_id,
            problem_id=button.problem_id,
            recurred=button.answer != "no",
            frequency="" if button.answer == "no" else button.answer,
            at=event.now,
        )
        thanks = Reply("follow_up_thanks", edit=True)
        return state, [observation, thanks]


def with_reference(outputs: list[Output], prefix: str, problem_id: int) -> list[Output]:
    """Fill the saved problem's reference ("G-1042") into the thanks for saving it."""
    return [_referenced(out, reference(prefix, problem_id)) for out in outputs]


def lead_with_reference(state: InterviewState, prefix: str, problem_id: int) -> InterviewState:
    """Fill the reference into the thanks that leads the question asked (kept by its mark)."""
    ref = reference(prefix, problem_id)
    return state.evolve(lead=tuple(_referenced_reply(part, ref) for part in state.lead))


def _referenced(output: Output, ref: str) -> Output:
    """Fill ``ref`` into a "saved" reply, or into the "saved" its message leads with."""
    if not isinstance(output, Reply):
        return output
    if any(part.key == "saved" for part in output.lead):
        output = replace(output, lead=tuple(_referenced_reply(p, ref) for p in output.lead))
    return _referenced_reply(output, ref)


def _referenced_reply(reply: Reply, ref: str) -> Reply:
    if reply.key != "saved":
        return reply
    return replace(reply, params={**reply.params, "reference": ref})


def reference(prefix: str, problem_id: int) -> str:
    """Return the reference residents see for a stored problem: "G-1042"."""
    return f"{prefix}-{problem_id}"
