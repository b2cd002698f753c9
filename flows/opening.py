"""The opening steps: language, consent, and a first message typed before consent.

Many people open the chat by typing their problem. That text is held in the state (masked,
never in the problem table), offered back after "yes", and dropped on "no", on /delete and a
day after it arrived.
"""

from datetime import datetime, timedelta

from flows.answers import words_of
from flows.events import Event, EventKind
from flows.language import detect_language, interview_language
from flows.outputs import Output, RecordConsent, Reply, SetLanguage
from flows.questions import question
from flows.state import InterviewState, Step
from flows.steps import Result, Steps, clean, plausible_problem

HELD_FOR = timedelta(days=1)
HOLD_WORDS = 4  # "vet ikke" or "hva lagrer dere?" is no problem worth offering back
# Steps of a running report: /cancel ends them, and they resume after /start.
REPORTING = frozenset(
    {
        Step.PROBLEM,
        Step.SOLUTION_PROBLEM,
        Step.FORWARDED,
        Step.FREQUENCY,
        Step.SEVERITY,
        Step.GROUPS,
        Step.AREA,
        Step.REVIEW,
        Step.CHANGE,
    }
)


class Opening(Steps):
    """Greet, settle the language, ask consent, and offer back what was typed before it."""

    def _begin(self, state: InterviewState, event: Event) -> Result:
        """Greet a resident: language (unless known), then welcome and consent."""
        state = _hold(state, event)
        outputs: list[Output] = []
        if not state.language:
            language = self._first_language(event)
            if language is None:
                asking = state.evolve(step=Step.LANGUAGE)
                return asking, [*question(asking, self.content)]
            state = state.evolve(language=language)
            outputs.append(SetLanguage(language))
        return self._welcome(state, outputs)

    def _first_language(self, event: Event) -> str | None:
        """Telegram's language if we offer it, else the language of the first text."""
        hinted = interview_language(event.language_hint, self.content.languages)
        if hinted is None and event.kind is EventKind.TEXT:
            detected = detect_language(event.text)
            hinted = detected if detected in self.content.languages else None
        return hinted

    def _welcome(self, state: InterviewState, outputs: list[Output]) -> Result:
        outputs.append(Reply("welcome", {"municipality": self.content.municipality}))
        if state.workshop:
            outputs.append(Reply("workshop_welcome", {"workshop": state.workshop_name}))
        if state.consent_version >= self.content.consent_version:
            state = state.evolve(step=Step.PROBLEM, draft=state.fresh_draft(), returning_to=None)
        else:
            state = state.evolve(step=Step.CONSENT, returning_to=None)
            if state.held:
                outputs.append(Reply("first_held"))
        return state, [*outputs, *question(state, self.content)]

    def _chose_language(self, state: InterviewState, value: str, event: Event) -> Result:
        if value not in self.content.languages:
            return self._short(state)
        return self._set_language(state, value, chosen=True)

    def _set_language(self, state: InterviewState, language: str, *, chosen: bool) -> Result:
        changed = state.evolve(language=language, language_chosen=chosen or state.language_chosen)
        outputs: list[Output] = [SetLanguage(language), Reply("language_set")]
        back = state.paused_at
        if back is None or back in (Step.NEW, Step.LANGUAGE, Step.CONSENT):
            return self._welcome(changed.evolve(paused_at=None), outputs)
        resumed = changed.evolve(step=back, paused_at=None)
        return resumed, [*outputs, *question(resumed, self.content)]

    def _typed_language(self, state: InterviewState, event: Event) -> Result:
        detected = detect_language(event.text, hint=state.language or None)
        if detected in self.content.languages:
            return self._set_language(_hold(state, event), detected, chosen=False)
        return self._short(_hold(state, event))

    def _chose_consent(self, state: InterviewState, value: str, event: Event) -> Result:
        if value == "no":
            declined = state.evolve(step=Step.DECLINED, held="", held_at="")
            return declined, [Reply("consent_declined")]
        if value != "yes":
            return self._short(state)
        version = self.content.consent_version
        consented = state.evolve(consent_version=version, paused_at=None)
        if state.paused_at in REPORTING:
            asking = consented.evolve(step=state.paused_at)
        elif state.held:
            asking = consented.evolve(step=Step.OFFER, draft=consented.fresh_draft())
        else:
            asking = consented.evolve(step=Step.PROBLEM, draft=consented.fresh_draft())
        return asking, [RecordConsent(version, event.now), *question(asking, self.content)]

    def _typed_consent(self, state: InterviewState, event: Event) -> Result:
        """Hold a problem typed at the consent question (yes and no words are taken before)."""
        held = _hold(state, event)
        kept: list[Output] = [Reply("first_held")] if held.held != state.held else []
        return self._short(held, *kept)

    def _chose_offer(self, state: InterviewState, value: str, event: Event) -> Result:
        if value == "yes" and state.held:
            return self._take_held(state, event)
        asking = state.evolve(step=Step.PROBLEM, held="", held_at="")
        return asking, [*question(asking, self.content)]

    def _typed_offer(self, state: InterviewState, event: Event) -> Result:
        """A new text instead of "yes" or "no" is the problem, written again."""
        if not plausible_problem(clean(event.text)):
            return self._short(state)
        return self._typed_problem(state.evolve(step=Step.PROBLEM, held="", held_at=""), event)


def _hold(state: InterviewState, event: Event) -> InterviewState:
    """Keep a problem typed before consent (masked, at most one message long)."""
    text = clean(event.text) if event.kind is EventKind.TEXT else ""
    if not plausible_problem(text) or len(words_of(text)) < HOLD_WORDS or state.consent_version:
        return state
    held = f"{state.held}\n{text}" if state.held else text
    return state.evolve(held=clean(held), held_at=state.held_at or event.now.isoformat())


def forget_stale_held(state: InterviewState, now: datetime) -> InterviewState:
    """Drop a message held from before consent once it is a day old."""
    if state.held and now - datetime.fromisoformat(state.held_at) > HELD_FOR:
        return state.evolve(held="", held_at="")
    return state
