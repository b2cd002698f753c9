"""What every family of interview steps shares: asking, re-asking and taking an answer."""

from dataclasses import replace

from flows.answers import Answers
from flows.content import Content
from flows.events import Event, EventKind
from flows.language import detect_language
from flows.language_rules import packaged_rule_book
from flows.outputs import Output, Reply
from flows.privacy import mask_personal_data
from flows.problem import Problem
from flows.questions import question, short_reask
from flows.solution import looks_like_solution
from flows.state import InterviewState, Step

Result = tuple[InterviewState, list[Output]]

MIN_PROBLEM_CHARS = 8
MAX_ANSWER_CHARS = 4096  # Telegram's own limit: a longer review card is split when sent
PLACE_CHARS = 100  # a typed place name is kept up to this length


class Steps:
    """The interview's content and its shared moves; the step families build on it."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self.answers = Answers(content, packaged_rule_book())

    def _language(self, state: InterviewState) -> str:
        return state.language or self.content.languages[0]

    def _word(self, state: InterviewState, event: Event) -> str | None:
        """Return the answer word ("yes", "back", …) a typed message is, if it is one."""
        if event.kind is not EventKind.TEXT:
            return None
        return self.answers.word(event.text, self._language(state))

    def _reask(self, state: InterviewState, first: Reply, *effects: Output) -> Result:
        """Say ``first``, then repeat the current question so nothing already given is lost."""
        return state, [*effects, first, *question(state, self.content)]

    def _short(self, state: InterviewState, *effects: Output) -> Result:
        """Re-ask in one short line with the question's buttons (typed text not understood)."""
        return state, [*effects, *short_reask(state, self.content)]

    def _answered(
        self,
        state: InterviewState,
        draft: Problem,
        natural_next: Step,
        *,
        extending: bool = False,
    ) -> Result:
        """Store an answer in the draft and ask the next question (or return to the review)."""
        next_step = Step.REVIEW if state.returning_to is Step.REVIEW else natural_next
        # A workshop filled in who and where: skip those questions; the review shows them.
        if next_step is Step.GROUPS and state.workshop and draft.groups:
            next_step = Step.AREA
        if next_step is Step.AREA and state.workshop and draft.area:
            next_step = Step.REVIEW
        moved = state.evolve(
            step=next_step,
            draft=draft,
            returning_to=None if next_step is Step.REVIEW else state.returning_to,
            extending=extending,
        )
        return moved, [*question(moved, self.content)]

    def _typed_problem(self, state: InterviewState, event: Event) -> Result:
        """Take the problem in the resident's words (or keep a proposed solution aside)."""
        whole = clean_whole(event.text)
        if event.forwarded and plausible_problem(whole):
            moved, outputs = self._forwarded(state, whole[:MAX_ANSWER_CHARS])
        else:
            moved, outputs = self._took_problem(state, whole[:MAX_ANSWER_CHARS])
        if len(whole) <= MAX_ANSWER_CHARS:
            return moved, outputs
        # Say what was kept rather than drop the rest without a word.
        return moved, [Reply("problem_cut", {"limit": str(MAX_ANSWER_CHARS)}), *outputs]

    def _forwarded(self, state: InterviewState, text: str) -> Result:
        """Hold a forwarded text in the draft and ask whether it is the resident's own problem."""
        language = detect_language(text, hint=state.language or None)
        held = state.evolve(step=Step.FORWARDED, draft=state.draft.with_problem(text, language))
        return held, [*question(held, self.content)]

    def _chose_forwarded(self, state: InterviewState, value: str, event: Event) -> Result:
        if value not in ("yes", "no"):
            return self._short(state)
        # A suggested solution kept aside stays, so "yes" goes on as if they had typed it.
        back = state.evolve(step=Step.PROBLEM)
        if value == "yes":
            return self._took_problem(back, state.draft.text)
        asking = back.evolve(draft=replace(back.draft, text="", language=""))
        return asking, [*question(asking, self.content)]

    def _took_problem(self, state: InterviewState, text: str) -> Result:
        if not plausible_problem(text):
            return self._reask(state, Reply("problem_too_short"))
        language = detect_language(text, hint=state.language or None)
        draft = state.draft
        if (
            state.step is Step.PROBLEM
            and not draft.suggested_solution
            and looks_like_solution(text, language)
        ):
            kept = draft.with_solution(text, language)
            asking = state.evolve(step=Step.SOLUTION_PROBLEM, draft=kept, extending=True)
            return asking, [*question(asking, self.content)]
        problem = draft.with_problem(text, language)
        return self._answered(state, problem, Step.FREQUENCY, extending=True)

    def _take_held(self, state: InterviewState, event: Event) -> Result:
        """Take the message held from before consent as the problem text."""
        asking = state.evolve(step=Step.PROBLEM, held="", held_at="")
        return self._typed_problem(asking, replace(event, kind=EventKind.TEXT, text=state.held))


def clean(text: str) -> str:
    """Strip control and zero-width characters, mask personal data and cap the length."""
    return clean_whole(text)[:MAX_ANSWER_CHARS]


def clean_whole(text: str) -> str:
    """Strip control and zero-width characters and mask personal data, keeping every word."""
    kept = "".join(
        ch
        for ch in text
        if ch in "\n\t" or (ch.isprintable() and ch not in "\u200b\u200c\u200d\ufeff")
    )
    return mask_personal_data(kept.strip())


def plausible_problem(text: str) -> bool:
    """Tell whether cleaned text is long enough to describe a problem."""
    return len(text) >= MIN_PROBLEM_CHARS and any(ch.isalpha() for ch in text)
