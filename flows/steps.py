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
        text = clean(event.text)
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
            asking = state.evolve(step=Step.SOLUTION_PROBLEM, draft=kept)
            return asking, [*question(asking, self.content)]
        problem = draft.with_problem(text, language)
        return self._answered(state, problem, Step.FREQUENCY, extending=True)

    def _take_held(self, state: InterviewState, event: Event) -> Result:
        """Take the message held from before consent as the problem text."""
        asking = state.evolve(step=Step.PROBLEM, held="", held_at="")
        return self._typed_problem(asking, replace(event, kind=EventKind.TEXT, text=state.held))


def clean(text: str) -> str:
    """Strip control and zero-width characters, mask personal data and cap the length."""
    kept = "".join(
        ch
        for ch in text
        if ch in "\n\t" or (ch.isprintable() and ch not in "\u200b\u200c\u200d\ufeff")
    )
    return mask_personal_data(kept.strip())[:MAX_ANSWER_CHARS]


def plausible_problem(text: str) -> bool:
    """Tell whether cleaned text is long enough to describe a problem."""
    return len(text) >= MIN_PROBLEM_CHARS and any(ch.isalpha() for ch in text)
